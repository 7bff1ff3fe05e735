"""赛道相马 as HR and an assigned manager use it: three cadres side by side with their grades,
totals, ranks and trend, training hours, secondments and appraisals, political-quality
conclusions, talks, essays and lectures; the best values starred, differing rows shaded;
honours not built yet said in words; bad choices answered 400 in words; a manager only
within a round they review (else 404); the landscape PDF, audited; English."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import (
    AuditEvent,
    CycleState,
    Department,
    Position,
    Secondment,
    SecondmentState,
    User,
)
from cadre_app.models.selection import RoundCandidate, SelectionRound
from cadre_app.services.assessments import results as assessment_results
from tests import assessments_results_data as data
from tests.factories import (
    CadreFactory,
    EssayFactory,
    EvaluationCycleFactory,
    EvaluationFactory,
    LectureFactory,
    TalkFactory,
)

YEARS = (2023, 2024, 2025)


def _cell_texts(html: str, label: str) -> list[str]:
    """The cells of the table row labelled ``label`` as plain text."""
    row = re.search(
        r"<tr[^>]*>\s*<th scope=\"row\"[^>]*>" + re.escape(label) + r"</th>(.*?)</tr>", html, re.S
    )
    assert row, label
    return [
        re.sub(r"<[^>]+>", " ", cell).split()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    ]


def _row_html(html: str, label: str) -> str:
    row = re.search(
        r"<tr([^>]*)>\s*<th scope=\"row\"[^>]*>" + re.escape(label) + r"</th>(.*?)</tr>", html, re.S
    )
    assert row, label
    return row.group(0)


@pytest.fixture
def three(app, org):
    """三名干部: 甲 (预算处, rising 优秀), 乙 (国库处, falling), 丙 (预算处, no 2023)."""
    with app.app_context():
        budget = db.session.get(Department, org["budget"])
        treasury = db.session.get(Department, org["treasury"])
        a = CadreFactory(
            name="甲一",
            department=budget,
            rank="四级主任科员",
            rank_since=date(2022, 5, 1),
            birth_date=date(1990, 2, 1),
            ft_education="研究生",
            ft_degree="经济学硕士",
            political_status="中共党员",
            position_title="主任科员",
        )
        b = CadreFactory(
            name="乙二",
            department=treasury,
            rank="一级科员",
            rank_since=date(2023, 9, 1),
            birth_date=date(1993, 6, 1),
            ft_education="大学本科",
            political_status="群众",
        )
        c = CadreFactory(
            name="丙三",
            department=budget,
            rank="一级科员",
            rank_since=date(2021, 1, 1),
            birth_date=date(1988, 1, 1),
            ft_education="大学本科",
            political_status="中共党员",
        )
        cycles = {y: EvaluationCycleFactory(year=y, state=CycleState.DECIDED) for y in YEARS}
        grades = {
            a: [(84, "称职", 3), (88, "称职", 2), (93.5, "优秀", 1)],
            b: [(91, "优秀", 1), (86, "称职", 2), (80, "基本称职", 3)],
            c: [None, (85, "称职", 2), (85, "称职", 2)],
        }
        for cadre, rows in grades.items():
            for year, row in zip(YEARS, rows, strict=True):
                if row:
                    EvaluationFactory(
                        cycle=cycles[year],
                        cadre=cadre,
                        total=row[0],
                        final_grade=row[1],
                        section_rank=row[2],
                        overall_rank=row[2] + 10,
                    )
        db.session.add(
            Secondment(
                cadre=a,
                kind="下派",
                host_unit="示例县财政局",
                host_type="基层单位",
                post="副局长",
                start_date=date(2023, 3, 1),
                planned_end=date(2024, 3, 1),
                actual_end=date(2024, 3, 1),
                state=SecondmentState.ARCHIVED,
                grade="优秀",
            )
        )
        TalkFactory(subject=b, kind="提醒谈话", source="考核排名")
        EssayFactory(author=a, final_grade="优秀", adopted=True)
        EssayFactory(author=a, final_grade="良好")
        LectureFactory(speaker=c)
        db.session.commit()
        built = data.build([a.id, b.id], {"领导": [{0: data.text("1"), 1: data.text("4")}] * 3})
        for subject_id, conclusion, reason in (
            (built.subject_ids[0], "合格", None),
            (built.subject_ids[1], "不合格", "测评结果差"),
        ):
            from cadre_app.models import AssessmentSubject

            subject = db.session.get(AssessmentSubject, subject_id)
            assessment_results.record_conclusion(
                subject,
                conclusion,
                reason,
                expected_version=subject.version,
                actor="hr1",
                today=clock.today(),
            )
        db.session.commit()
        return {"a": a.id, "b": b.id, "c": c.id}


def _url(ids, *, pdf=False, round_id=None, **extra):
    query = "&".join(f"cadre={i}" for i in ids)
    if round_id is not None:
        query += f"&round={round_id}"
    for k, v in extra.items():
        query += f"&{k}={v}"
    return f"/selection/compare{'.pdf' if pdf else ''}?{query}"


def test_hr_compares_three_cadres_side_by_side(app, hr_client, three):
    ids = [three["a"], three["b"], three["c"]]
    response = hr_client.get(_url(ids))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    heads = re.findall(r'<th scope="col" data-cadre-id="(\d+)">([^<]+)<', html)
    assert [(int(i), n) for i, n in heads] == list(zip(ids, ["甲一", "乙二", "丙三"], strict=True))
    # grades per year, the best starred, rows that differ shaded
    assert _cell_texts(html, "2025 年度等次") == [["★", "优秀"], ["基本称职"], ["称职"]]
    assert 'data-differs="1"' in _row_html(html, "2025 年度等次")
    assert _cell_texts(html, "2023 年度等次")[2] == ["未参加考核"]
    totals = _cell_texts(html, "2025 年度总分与排名")
    assert totals[0][:2] == ["★", "93.5"] and "处内第" in " ".join(totals[0])
    assert _cell_texts(html, "近三年总分趋势") == [
        ["★", "↑", "连续上升", "+9.5"],
        ["↓", "连续下降", "-11.0"],
        ["→", "持平", "+0.0"],
    ]
    # basics: years in rank, education
    assert _cell_texts(html, "学历学位")[0][:2] == ["★", "研究生"]
    assert _cell_texts(html, "政治面貌") == [["中共党员"], ["群众"], ["中共党员"]]
    # secondments with the appraisal, the political-quality conclusion with the veto
    assert "示例县财政局" in " ".join(_cell_texts(html, "挂职与实践锻炼")[0])
    assert _cell_texts(html, "最好鉴定等次") == [["优秀"], ["—"], ["—"]]  # one value: no star
    political = _cell_texts(html, "最近考察结论")
    assert political[0][:2] == ["★", "合格"] and political[1][0] == "不合格"
    assert "一票否决" in " ".join(political[1]) and political[2] == ["尚无考察结论"]
    # talks: fewer corrective talks is better
    talks = _cell_texts(html, "谈话记录")
    assert talks[0] == ["★", "无"] and "提醒谈话（考核排名）：待安排" in " ".join(talks[1])
    # essays and lectures: counts and grades
    assert _cell_texts(html, "策论")[0] == [
        "★",
        "2",
        "篇",
        "优秀",
        "1、良好",
        "1",
        "采纳",
        "1",
        "篇",
    ]
    assert _cell_texts(html, "业务微讲座")[2][:3] == ["★", "主讲", "1"]
    # training hours against this year's requirement
    with app.app_context():
        year = clock.today().year
    assert "/ 90.0 学时" in " ".join(_cell_texts(html, f"{year} 年学时 / 要求")[0])
    # honours: read from the 光荣榜 (nobody here is on it yet), said in words, not left out
    assert 'data-section="honours"' in html and "光荣榜尚未建立" not in html
    assert _cell_texts(html, "光荣榜") == [["无"], ["无"], ["无"]]
    # the phone's stacked view carries the same rows
    assert 'data-testid="compare-stacked"' in html
    assert 'href="/selection/compare.pdf?cadre=' in html


@pytest.mark.parametrize(
    "query, words",
    [
        ("cadre={a}", "现选 1 名"),
        ("cadre={a}&cadre=x", "不是干部编号"),
        ("cadre={a}&cadre=999999", "没有编号为 999999 的干部"),
        (
            "&".join(
                ["cadre={a}", "cadre={b}", "cadre={c}"] + [f"cadre={{o{i}}}" for i in range(4)]
            ),
            "现选 7 名",
        ),
    ],
)
def test_bad_choices_answer_400_in_words_with_the_picker(app, hr_client, three, query, words):
    with app.app_context():
        others = {f"o{i}": CadreFactory().id for i in range(4)}
        db.session.commit()
    for path in ("/selection/compare?", "/selection/compare.pdf?"):
        response = hr_client.get(path + query.format(**three, **others))
        assert response.status_code == 400, path
        html = response.get_data(as_text=True)
        assert words in html
        if ".pdf" not in path:
            assert 'data-testid="compare-picker"' in html


def test_the_picker_searches_by_name_and_keeps_the_choice(hr_client, three):
    page = hr_client.get(f"/selection/compare?pick=1&cadre={three['a']}&q=乙二")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'value="{three["a"]}" id="pick-{three["a"]}" checked' in html
    assert f'value="{three["b"]}" id="pick-{three["b"]}">' in html
    assert "compare-table" not in html and "现选 1 名" in html
    empty = hr_client.get("/selection/compare")
    assert empty.status_code == 200 and 'data-testid="compare-error"' not in empty.get_data(
        as_text=True
    )


def _round(app, three, manager: User, *, removed: int | None = None) -> int:
    with app.app_context():
        position = Position(title="预算处副处长", post_kind="领导职务", target_level="县处级副职")
        round_ = SelectionRound(position=position, title="预算处副处长选任", reason="职位空缺")
        round_.reviewers = [db.session.get(User, manager.id)]
        for key in ("a", "b", "c"):
            round_.candidates.append(
                RoundCandidate(
                    cadre_id=three[key],
                    removed_at=datetime(2026, 1, 1) if three[key] == removed else None,
                    removed_reason="不符合条件" if three[key] == removed else None,
                )
            )
        db.session.add(round_)
        db.session.commit()
        return round_.id


def test_a_manager_compares_only_candidates_of_a_round_they_review(
    app, users, make_user, login_as, three
):
    round_id = _round(app, three, users["manager"], removed=three["c"])
    manager = login_as("manager")
    ok = manager.get(_url([three["a"], three["b"]], round_id=round_id))
    assert ok.status_code == 200
    html = ok.get_data(as_text=True)
    assert "预算处副处长选任" in html and "乙二" in html  # 乙二 is not of the manager's section
    assert f"round={round_id}" in html  # the PDF link keeps the round
    # a removed candidate, a cadre not on the shortlist, no round, an unknown round: 404
    assert manager.get(_url([three["a"], three["c"]], round_id=round_id)).status_code == 404
    with app.app_context():
        stranger = CadreFactory().id
        db.session.commit()
    assert manager.get(_url([three["a"], stranger], round_id=round_id)).status_code == 404
    assert manager.get(_url([three["a"], three["b"]])).status_code == 404
    assert manager.get(_url([three["a"], three["b"]], round_id=round_id + 999)).status_code == 404
    assert manager.get(_url([three["a"], three["b"]], round_id="x")).status_code == 404
    assert manager.get(_url([three["a"], three["b"]], pdf=True)).status_code == 404
    # the picker offers the round's current candidates only
    picker = manager.get(f"/selection/compare?round={round_id}").get_data(as_text=True)
    assert "甲一" in picker and "乙二" in picker and "丙三" not in picker
    # another manager, not assigned to the round: 404
    make_user("manager2", users["manager"].role, section_ids=())
    other = app.test_client()
    from tests.conftest import login

    login(other, "manager2")
    assert other.get(_url([three["a"], three["b"]], round_id=round_id)).status_code == 404


@pytest.mark.parametrize("role", ["cadre", "admin", "auditor"])
def test_other_roles_are_refused_the_whole_section(login_as, three, role):
    client = login_as(role)
    assert client.get(_url([three["a"], three["b"]])).status_code == 403
    assert client.get(_url([three["a"], three["b"]], pdf=True)).status_code == 403


def test_the_pdf_is_landscape_a4_in_chinese_and_audited(app, hr_client, users, three, tmp_path):
    round_id = _round(app, three, users["manager"])
    hr_client.post("/auth/language", data={"lang": "en", "next": "/"})  # the PDF stays Chinese
    response = hr_client.get(
        _url([three["a"], three["b"], three["c"]], pdf=True, round_id=round_id)
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    path = tmp_path / "compare.pdf"
    path.write_bytes(response.data)
    reader = PdfReader(str(path))
    box = reader.pages[0].mediabox
    assert round(float(box.width)) == 842 and round(float(box.height)) == 595  # A4 landscape
    text = "".join(page.extract_text() for page in reader.pages)
    for words in (
        "干部赛道相马比较表",
        "甲一",
        "乙二",
        "丙三",
        "连续上升",
        "表彰奖励",
        "预算处副处长选任",
    ):
        assert words in text, words
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.action == "download")
            .order_by(AuditEvent.id.desc())
        ).first()
        assert event.object_type == "selection_round" and event.object_id == str(round_id)
        assert "甲一" in event.summary
    plain = hr_client.get(_url([three["a"], three["b"]], pdf=True))
    assert plain.status_code == 200
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.action == "download")
            .order_by(AuditEvent.id.desc())
        ).first()
        assert event.object_type is None and event.object_id is None


def test_the_pdf_answers_503_without_a_cjk_font(app, hr_client, three, monkeypatch):
    from cadre_app.services.core import pdf

    def refuse(*_a, **_k):
        raise pdf.PdfUnavailable("没有安装中文字体")

    monkeypatch.setattr(pdf, "render_pdf", refuse)
    response = hr_client.get(_url([three["a"], three["b"]], pdf=True))
    assert response.status_code == 503 and "没有安装中文字体" in response.get_data(as_text=True)


def test_the_page_in_english_shows_chinese_only_in_the_data(app, hr_client, three):
    from cadre_app.i18n import TERMS
    from tests.test_english_ui import PUNCTUATION, chinese_runs, stored_text, vocabulary

    hr_client.post("/auth/language", data={"lang": "en", "next": "/"})
    html = hr_client.get(_url([three["a"], three["b"], three["c"]])).get_data(as_text=True)
    assert 'lang="en"' in html
    for words in ("Excellent", "Honour roll", "Download PDF", "Reminder talk"):
        assert words in html, words
    with app.app_context():
        data = stored_text() | vocabulary() | set(chinese_runs(app.config["ORGANISATION_NAME"]))
    translated = {str(term._args[0]) for term in TERMS}  # noqa: SLF001 - the msgids
    left = chinese_runs(html) - ((data - translated) | {"中文"} | PUNCTUATION)
    assert not left, sorted(left)


def test_the_domains_batch_reads_agree_with_their_one_cadre_reads(app, three):
    from cadre_app.services.evaluations import queries as evaluations
    from cadre_app.services.secondments import queries as secondments
    from cadre_app.services.talks import queries as talks
    from cadre_app.services.training import essays, lectures
    from cadre_app.services.training import queries as training

    ids = [three["a"], three["b"], three["c"]]
    with app.app_context():
        assert evaluations.recent_years() == [2025, 2024, 2023]
        batch = evaluations.results_of(ids, list(YEARS))
        for cadre_id in ids:
            one = {r["year"]: r for r in evaluations.history_for(cadre_id)}
            assert set(batch.get(cadre_id, {})) == set(one)
            for year, row in batch.get(cadre_id, {}).items():
                assert row["total"] == one[year]["total"]
                assert row["grade"] == one[year]["final_grade"]
                assert row["section_rank"] == one[year]["section_rank"]
        assert batch[three["a"]][2025]["section_size"] == 2  # 甲一 and 丙三 ranked in 预算处
        conclusions = assessment_results.conclusions_of(ids)
        for cadre_id in ids:
            dossier = assessment_results.dossier(cadre_id)
            assert [(c.title, c.conclusion) for c in conclusions.get(cadre_id, [])] == [
                (e.title, e.conclusion) for e in dossier
            ]
        spells = secondments.of_cadres(ids)
        for cadre_id in ids:
            assert [s["grade"] for s in spells.get(cadre_id, [])] == [
                s.grade for s in secondments.of_cadre(cadre_id)
            ]
        about = talks.of_subjects(ids)
        assert [t["kind"] for t in about[three["b"]]] == ["提醒谈话"] and three["a"] not in about
        counts = training.essays_and_lectures(ids)
        for cadre_id in ids:
            mine = essays.for_cadre(cadre_id, hidden=set())
            assert counts[cadre_id]["essays"] == len(mine)
            given = [x for x in lectures.for_cadre(cadre_id) if x.role == "speaker"]
            assert counts[cadre_id]["lectures_given"] == len(given)


def test_the_page_reads_each_domain_once_whatever_the_number_of_candidates(app, hr_client, three):
    with app.app_context():
        extra = [CadreFactory().id for _ in range(3)]
        db.session.commit()
        engine = db.engine
    counted: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        counted.append(statement)

    few, many = [three["a"], three["b"]], [three["a"], three["b"], three["c"], *extra]
    sizes = []
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        for ids in (few, many, few, many):
            counted.clear()
            assert hr_client.get(_url(ids)).status_code == 200
            sizes.append(len(counted))
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert sizes[2] == sizes[3], sizes  # 2 or 6 candidates: the same statements
    assert sizes[3] <= 24, sizes


def test_a_round_that_does_not_exist_is_404_for_hr_too(app, hr_client, users, three):
    round_id = _round(app, three, users["manager"])
    ids = [three["a"], three["b"]]
    assert hr_client.get(_url(ids, round_id=round_id)).status_code == 200
    assert hr_client.get(_url(ids, round_id=round_id + 999)).status_code == 404
    assert hr_client.get(_url(ids, pdf=True, round_id=round_id + 999)).status_code == 404
    # HR compares any cadres, with or without the round's shortlist
    with app.app_context():
        stranger = CadreFactory().id
        db.session.commit()
    assert hr_client.get(_url([three["a"], stranger], round_id=round_id)).status_code == 200


def test_a_manager_not_reviewing_the_round_cannot_even_open_its_picker(
    app, users, make_user, three
):
    from tests.conftest import login

    round_id = _round(app, three, users["manager"])
    make_user("manager3", users["manager"].role, section_ids=())
    client = app.test_client()
    login(client, "manager3")
    assert client.get(f"/selection/compare?round={round_id}").status_code == 404
    assert client.get("/selection/compare").status_code == 404


def test_the_round_page_section_offers_the_candidates_to_those_who_review(
    app, users, make_user, three
):
    from flask import render_template

    from cadre_app.blueprints.selection import compare_routes

    round_id = _round(app, three, users["manager"], removed=three["c"])
    with app.test_request_context():
        round_ = db.session.get(SelectionRound, round_id)
        manager = db.session.get(User, users["manager"].id)
        section = compare_routes.round_section(round_, manager)
        assert [c["name"] for c in section["candidates"]] == ["甲一", "乙二"]
        assert compare_routes.round_section(round_, db.session.get(User, users["hr"].id))
        for role in ("cadre", "admin", "auditor"):
            assert (
                compare_routes.round_section(round_, db.session.get(User, users[role].id)) is None
            )
        html = render_template(compare_routes.ROUND_SECTION[0], section=section, round=round_)
        assert f'name="round" value="{round_id}"' in html and html.count('name="cadre"') == 2
    make_user("manager4", users["manager"].role)
    with app.test_request_context():
        round_ = db.session.get(SelectionRound, round_id)
        other = db.session.scalar(sa.select(User).where(User.username == "manager4"))
        assert compare_routes.round_section(round_, other) is None
