"""Names the Chinese way on the pages (issue 10, item 5): the roster finds a cadre by pinyin or
initials and sorts by pinyin, keys kept by every save; the ranking report can list by 姓氏笔画."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import Cadre
from cadre_app.services.evaluations import operations as evaluation
from cadre_app.services.roster import operations as roster
from tests.factories import CadreFactory
from tests.test_evaluation import score
from tests.test_records_more import read_pdf


def _add(app, org, *names):
    with app.app_context():
        ids = [
            CadreFactory(
                staff_no=f"N{i:03d}",
                name=name,
                birth_date=date(1990, 1, 1),
                department_id=org["budget"],
            ).id
            for i, name in enumerate(names)
        ]
        db.session.commit()
        return ids


def test_roster_search_by_initials_and_full_pinyin(app, hr_client, org):
    _add(app, org, "赵明远", "曾国藩", "张明")
    for q in ("zmy", "ZMY", "zhaomingyuan", "Zhao Mingyuan", "mingyuan"):
        html = hr_client.get("/cadres/", query_string={"q": q}).get_data(as_text=True)
        assert "赵明远" in html and "张明" not in html and "李晓明" not in html, q
    # a polyphonic surname is read as a surname: 曾 zeng, not ceng
    zeng = hr_client.get("/cadres/?q=zgf").get_data(as_text=True)
    assert "曾国藩" in zeng and "共 1 人" in zeng
    assert "曾国藩" not in hr_client.get("/cadres/?q=cgf").get_data(as_text=True)


def test_roster_sorts_names_by_pinyin(app, hr_client, org):
    _add(app, org, "张伟", "曾强", "单磊", "安娜")
    html = hr_client.get("/cadres/?sort=name").get_data(as_text=True)
    order = sorted(["张伟", "曾强", "单磊", "安娜", "李晓明", "王芳"], key=html.index)
    # an, li, shan (单 as a surname), wang, zeng, zhang: not code-point order (单 安 张 曾)
    assert order == ["安娜", "李晓明", "单磊", "王芳", "曾强", "张伟"]


def test_renaming_a_cadre_keeps_the_keys(app, org):
    with app.app_context():
        cadre = db.session.get(Cadre, org["own_cadre"])
        roster.update_cadre(
            cadre,
            {"name": "欧阳明"},
            expected_version=cadre.version,
            actor="hr1",
            today=clock.today(),
        )
        db.session.flush()
        row = db.session.execute(
            sa.select(Cadre.name_sort, Cadre.name_pinyin, Cadre.name_initials).where(
                Cadre.id == cadre.id
            )
        ).one()
        assert tuple(row) == ("ou1yang2ming2", "ouyangming", "oym")


def test_ranking_report_can_be_listed_by_surname_strokes(app, hr_client, org):
    ids = _add(app, org, "李四", "王五", "丁一")
    score(app, 2025, ids, [(95, 95, 95), (90, 90, 90), (85, 85, 85)])
    with app.app_context():
        evaluation.rank_cycle(evaluation.get_cycle(2025), actor="test")
        db.session.commit()
    _, by_rank = read_pdf(hr_client.get("/records/evaluations/2025/ranking.pdf"))
    text = "".join(by_rank)
    assert text.index("李四") < text.index("王五") < text.index("丁一") and "按名次排列" in text
    _, by_strokes = read_pdf(hr_client.get("/records/evaluations/2025/ranking.pdf?order=strokes"))
    text = "".join(by_strokes)
    # 丁 2 strokes, 王 4, 李 7
    assert text.index("丁一") < text.index("王五") < text.index("李四")
    assert "按姓氏笔画排列" in text
    assert hr_client.get("/records/evaluations/2025/ranking.pdf?order=x").status_code == 400
