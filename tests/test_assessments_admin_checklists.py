"""Checklists through the web pages and services: the default one exists without a manual
step (and only once), a version is shown under the five aspects and by category, a new
checklist, edits in place while not frozen and as the next version once frozen (the old one
unchanged, a form posted twice making one version), and the refusals."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Checklist, ChecklistItem
from cadre_app.models.assessments import ASPECTS
from cadre_app.services.assessments import checklists, rules
from tests.conftest import count_rows

POSITIVE = "政治忠诚：对党忠诚\n政治能力：把握政策方向\n政治自律：廉洁自律"
NEGATIVE = "作风建设：搞形式主义\n廉洁自律：违反八项规定"


def _form(**changes) -> dict[str, str]:
    data = {
        "name": "处级干部测评表",
        "points_0": "10",
        "points_1": "8",
        "points_2": "6",
        "points_3": "0",
        "positive": POSITIVE,
        "negative": NEGATIVE,
        "note": "",
    }
    return data | changes


def _versions(app, family: str) -> list[tuple[int, str, int]]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(Checklist).where(Checklist.family == family).order_by(Checklist.version)
        )
        return [(c.version, c.name, len(c.items)) for c in rows]


def _freeze(app, checklist_id: int) -> None:
    with app.app_context():
        checklists.freeze(db.session.get(Checklist, checklist_id), at=utcnow())
        db.session.commit()


def test_the_default_checklist_exists_once_without_a_manual_step(app, hr_client, users):
    assert count_rows(app, Checklist) == 0
    html = hr_client.get("/assessments/checklists").get_data(as_text=True)
    assert "政治素质正反向测评表" in html
    with app.app_context():
        default = checklists.default_checklist()
        assert default.version == 1 and default.family == rules.DEFAULT_FAMILY
        assert len(default.positive) == 15 and len(default.negative) == 22
        assert {i.category for i in default.positive} == set(ASPECTS)
        assert len({i.category for i in default.negative}) == 8
        assert default.points == {"好": 100, "较好": 80, "一般": 60, "差": 0}
        again, made = checklists.ensure_default()
        assert again.id == default.id and not made
    hr_client.get("/assessments/checklists")
    hr_client.get("/assessments/new")
    assert count_rows(app, Checklist) == 1 and count_rows(app, ChecklistItem) == 37


def test_a_version_is_shown_by_aspect_and_category_with_its_points(app, hr_client, users):
    hr_client.get("/assessments/checklists")
    with app.app_context():
        default_id = checklists.default_checklist().id
    html = hr_client.get(f"/assessments/checklists/{default_id}").get_data(as_text=True)
    for aspect in ASPECTS:
        assert f'<h3 class="h6 mt-2">{aspect}</h3>' in html
    for category in ("政治立场", "财经纪律", "生活作风"):
        assert f'<h3 class="h6 mt-2">{category}</h3>' in html
    assert "较好：<strong>80</strong>" in html
    assert "坚定拥护“两个确立”" in html


def test_admin_and_hr_create_a_checklist(app, admin_client, users):
    response = admin_client.post("/assessments/checklists/new", data=_form())
    assert response.status_code == 302
    checklist_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        made = db.session.get(Checklist, checklist_id)
        assert made.version == 1 and made.created_by == "admin1"
        assert [(i.category, i.text) for i in made.positive][0] == ("政治忠诚", "对党忠诚")
        assert [i.category for i in made.negative] == ["作风建设", "廉洁自律"]
        assert made.points == {"好": 10, "较好": 8, "一般": 6, "差": 0}
        family = made.family
    # posted twice: one checklist
    again = admin_client.post("/assessments/checklists/new", data=_form())
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/{checklist_id}")
    assert _versions(app, family) == [(1, "处级干部测评表", 5)]


def test_refusals_name_the_problem_and_write_nothing(app, hr_client, users):
    cases = [
        ({"positive": "政治觉悟：某条目"}, "“政治觉悟”不是正向测评的方面"),
        ({"positive": "没有类别的一行"}, "第 1 行缺少类别"),
        ({"positive": ""}, "正向测评至少需要一个条目。"),
        ({"points_1": "10"}, "分值须按 好 &gt; 较好 &gt; 一般 &gt; 差 依次递减。"),
        ({"points_2": "六"}, "须为整数。"),
        ({"name": ""}, "请填写测评表名称。"),
        ({"negative": "作风建设："}, "第 1 行缺少条目内容。"),
    ]
    for change, message in cases:
        response = hr_client.post("/assessments/checklists/new", data=_form(**change))
        assert response.status_code == 400, change
        assert message in response.get_data(as_text=True), change
    assert count_rows(app, Checklist) == 0


def test_a_version_not_frozen_is_edited_in_place(app, hr_client, users):
    response = hr_client.post("/assessments/checklists/new", data=_form())
    checklist_id = int(response.headers["Location"].rsplit("/", 1)[1])
    edited = hr_client.post(
        f"/assessments/checklists/{checklist_id}/edit", data=_form(name="改名后的测评表")
    )
    assert edited.headers["Location"].endswith(f"/assessments/checklists/{checklist_id}")
    with app.app_context():
        family = db.session.get(Checklist, checklist_id).family
    assert _versions(app, family) == [(1, "改名后的测评表", 5)]


def test_a_frozen_version_makes_the_next_one_and_stays_unchanged(app, hr_client, users):
    hr_client.get("/assessments/checklists")
    with app.app_context():
        default = checklists.default_checklist()
        default_id, old_items = default.id, [(i.category, i.text) for i in default.items]
    _freeze(app, default_id)
    page = hr_client.get(f"/assessments/checklists/{default_id}/edit").get_data(as_text=True)
    assert "保存后将另存为新版本 v2" in page
    form = _form(name="政治素质正反向测评表", positive=POSITIVE + "\n政治担当：敢于担当")
    response = hr_client.post(f"/assessments/checklists/{default_id}/edit", data=form)
    assert response.status_code == 302
    new_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert new_id != default_id
    # posted twice: still one new version
    again = hr_client.post(f"/assessments/checklists/{default_id}/edit", data=form)
    assert again.headers["Location"].endswith(f"/{new_id}")
    assert _versions(app, rules.DEFAULT_FAMILY) == [
        (1, "政治素质正反向测评表", 37),
        (2, "政治素质正反向测评表", 6),
    ]
    with app.app_context():
        old = db.session.get(Checklist, default_id)
        assert [(i.category, i.text) for i in old.items] == old_items
        new = db.session.get(Checklist, new_id)
        # positive items are kept under the aspects in their order
        assert [i.category for i in new.positive] == [
            "政治忠诚",
            "政治担当",
            "政治能力",
            "政治自律",
        ]
        assert new.frozen_at is None
        events = db.session.scalars(
            sa.select(AuditEvent.summary).where(AuditEvent.object_type == "checklist")
        ).all()
        assert any("v2（由 v1 修订）" in s for s in events)
    listing = hr_client.get("/assessments/checklists").get_data(as_text=True)
    assert listing.count('data-family="default"') == 2
    # the newest version is what a new assessment is offered
    assert "政治素质正反向测评表 · v2" in hr_client.get("/assessments/new").get_data(as_text=True)


def test_opening_an_assessment_freezes_its_checklist(app, hr_client, users):
    from tests.test_assessments_admin import _create, _step

    assessment_id = _create(hr_client, app)
    with app.app_context():
        default_id = checklists.default_checklist().id
    assert "已锁定" not in hr_client.get(f"/assessments/checklists/{default_id}").get_data(
        as_text=True
    )
    _step(hr_client, assessment_id, "open", 1)
    html = hr_client.get(f"/assessments/checklists/{default_id}").get_data(as_text=True)
    assert 'data-testid="frozen"' in html
    with app.app_context():
        frozen = db.session.get(Checklist, default_id).frozen_at
        assert frozen is not None and utcnow() - frozen < timedelta(minutes=5)


def test_ensure_default_twice_in_one_transaction_makes_one(app, users):
    with app.app_context():
        first, made = checklists.ensure_default()
        second, made_again = checklists.ensure_default()
        assert made and not made_again and first.id == second.id
        db.session.rollback()


# --- the defaults of a new assessment (settings key "assessments") ---------------------------


def _settings_form(**changes) -> dict[str, str]:
    data = {
        "version": "0",
        "min_group_ballots": "4",
        "talk_threshold": "1/2",
        "groups-0-name": "班子成员",
        "groups-0-weight": "50",
        "groups-0-planned": "6",
        "groups-1-name": "一般干部",
        "groups-1-weight": "50",
        "groups-1-planned": "20",
    }
    for i in range(2, 6):
        data |= {f"groups-{i}-name": "", f"groups-{i}-weight": "", f"groups-{i}-planned": ""}
    return data | changes


def test_the_admin_sets_the_groups_a_new_assessment_starts_from(app, admin_client, login_as):
    page = admin_client.get("/assessments/settings").get_data(as_text=True)
    assert 'value="服务对象"' in page  # the built-in defaults
    response = admin_client.post("/assessments/settings", data=_settings_form())
    assert response.status_code == 302
    hr = login_as("hr")
    html = hr.get("/assessments/new").get_data(as_text=True)
    assert 'value="班子成员"' in html and 'value="一般干部"' in html
    assert 'value="服务对象"' not in html and 'value="1/2"' in html and 'value="4"' in html
    # a form loaded before that save: 409, nothing stored
    stale = admin_client.post("/assessments/settings", data=_settings_form(talk_threshold="1/4"))
    assert stale.status_code == 409
    with app.app_context():
        from cadre_app.services.assessments import operations

        assert operations.current_settings()["talk_threshold"] == "1/2"
        assert len(operations.settings_history()) == 1
        summaries = db.session.scalars(
            sa.select(AuditEvent.summary).where(AuditEvent.object_type == "setting")
        ).all()
        assert any(s.startswith("政治素质测评设置") for s in summaries)


def test_settings_refusals(app, hr_client, users):
    cases = [
        ({"groups-1-name": "班子成员"}, "测评组“班子成员”重复。"),
        ({"groups-0-planned": "0", "groups-1-weight": "0"}, "至少需要一个权重和票数都大于 0"),
        ({"talk_threshold": "5"}, "谈话提醒比例须为 0 到 1 之间的分数"),
        ({"min_group_ballots": "0"}, "须在 1 到 100 之间"),
        ({"groups-0-weight": "x"}, "请检查测评组的权重和票数。"),
    ]
    for change, message in cases:
        response = hr_client.post("/assessments/settings", data=_settings_form(**change))
        assert response.status_code == 400, change
        assert message in response.get_data(as_text=True), change
    with app.app_context():
        from cadre_app.services.assessments import operations

        assert operations.settings_history() == []
