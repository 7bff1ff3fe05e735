"""Secondment records through the web pages as HR, a manager and a cadre use them: new, edit,
each state step, a form posted twice, an edit conflict, a refused overlap naming the other,
the list's filters and counts, and who may see what (real database, real forms)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import (
    AuditEvent,
    Cadre,
    Role,
    Secondment,
    SecondmentEvent,
    SecondmentState,
)
from cadre_app.services.secondments import operations
from tests.conftest import login
from tests.factories import CadreFactory

S = SecondmentState
FORM = {
    "staff_no": "T0001",
    "kind": "下派",
    "host_unit": "示例县财政局",
    "host_type": "基层单位",
    "post": "副局长",
    "start_date": "2025-03-01",
    "planned_end": "2026-02-28",
    "purpose": "基层历练",
}
DETAILS = {k: v for k, v in FORM.items() if k != "staff_no"}


def _create(client, **changes) -> int:
    response = client.post("/secondments/new", data=FORM | changes)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _make(app, cadre_id: int, state: S = S.PROPOSED, **values) -> int:
    """A secondment made through the operations (as the workbook import does)."""
    base = {
        "kind": "上挂",
        "host_unit": "省财政厅",
        "host_type": "上级机关",
        "start_date": date(2025, 3, 1),
        "planned_end": date(2026, 2, 28),
    }
    with app.test_request_context():
        cadre = db.session.get(Cadre, cadre_id)
        secondment = operations.create(cadre, base | values, actor="seed", state=state)
        db.session.commit()
        return secondment.id


def _get(app, secondment_id: int) -> Secondment:
    with app.app_context():
        secondment = db.session.get(Secondment, secondment_id)
        db.session.expunge(secondment)
        return secondment


def _events(app, secondment_id: int) -> list[tuple[S | None, S]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(SecondmentEvent.from_state, SecondmentEvent.to_state)
            .where(SecondmentEvent.secondment_id == secondment_id)
            .order_by(SecondmentEvent.id)
        )
        return [tuple(r) for r in rows]


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Secondment.id)))


def _step(client, secondment_id: int, target: str, version: int, **fields):
    data = {"target": target, "version": str(version)} | fields
    return client.post(f"/secondments/{secondment_id}/step", data=data)


# --- new --------------------------------------------------------------------------------------


def test_hr_creates_a_proposed_secondment_logged_and_audited(app, hr_client, org):
    secondment_id = _create(hr_client)
    page = hr_client.get(f"/secondments/{secondment_id}").get_data(as_text=True)
    assert "李晓明" in page and "示例县财政局" in page and 'data-state="proposed"' in page
    secondment = _get(app, secondment_id)
    assert secondment.cadre_id == org["own_cadre"]
    assert (secondment.state, secondment.created_by) == (S.PROPOSED, "hr1")
    assert (secondment.start_date, secondment.planned_end) == (date(2025, 3, 1), date(2026, 2, 28))
    assert _events(app, secondment_id) == [(None, S.PROPOSED)]
    with app.app_context():
        event = db.session.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.object_type == "secondment", AuditEvent.object_id == str(secondment_id)
            )
        )
        assert (event.action, event.actor_name) == ("create", "hr1")


def test_the_new_form_finds_a_cadre_by_name_and_fills_the_staff_no(hr_client, org):
    page = hr_client.get("/secondments/new?q=王芳").get_data(as_text=True)
    assert f"/secondments/new?cadre={org['other_cadre']}" in page and "T0002" in page
    page = hr_client.get(f"/secondments/new?cadre={org['other_cadre']}").get_data(as_text=True)
    assert 'value="T0002"' in page
    assert hr_client.get("/secondments/new?cadre=999999").status_code == 404


def test_a_new_form_with_missing_or_wrong_values_writes_nothing(app, hr_client, org):
    response = hr_client.post("/secondments/new", data={"staff_no": "T0001"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ("请填写类别", "请填写派往单位", "请填写单位类型", "请填写开始日期"):
        assert message in html
    response = hr_client.post("/secondments/new", data=FORM | {"staff_no": "X9999"})
    assert response.status_code == 400
    assert "名册中没有工号为 X9999 的干部" in response.get_data(as_text=True)
    response = hr_client.post("/secondments/new", data=FORM | {"start_date": "2025-02-30"})
    assert response.status_code == 400
    response = hr_client.post("/secondments/new", data=FORM | {"planned_end": "2028-03-01"})
    assert response.status_code == 400 and "不能超过 3 年" in response.get_data(as_text=True)
    response = hr_client.post("/secondments/new", data=FORM | {"planned_end": "2025-02-01"})
    assert response.status_code == 400 and "不能早于开始日期" in response.get_data(as_text=True)
    assert _count(app) == 0


def test_a_second_active_secondment_is_refused_naming_the_first(app, hr_client, org):
    _make(app, org["own_cadre"], host_unit="省财政厅", start_date=date(2027, 1, 1),
          planned_end=date(2027, 6, 30))  # fmt: skip
    response = hr_client.post("/secondments/new", data=FORM)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "该干部已有进行中的挂职锻炼" in html and "2027-01-01 至 2027-06-30 省财政厅" in html
    assert _count(app) == 1


def test_an_overlapping_period_is_refused_naming_the_other(app, hr_client, org):
    _make(app, org["own_cadre"], S.ARCHIVED, host_unit="省财政厅",
          start_date=date(2024, 3, 1), planned_end=date(2025, 3, 1))  # fmt: skip
    response = hr_client.post("/secondments/new", data=FORM)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "时间与另一次挂职锻炼重叠" in html and "2024-03-01 至 2025-03-01 省财政厅" in html
    # the day after the other ends is fine
    _create(hr_client, start_date="2025-03-02")
    assert _count(app) == 2


def test_a_new_form_posted_twice_makes_one_secondment(app, hr_client, org, make_user):
    secondment_id = _create(hr_client)
    response = hr_client.post("/secondments/new", data=FORM | {"post": " 副局长 "})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/secondments/{secondment_id}")
    assert "已处理" in hr_client.get(response.headers["Location"]).get_data(as_text=True)
    # other details, or the same from another HR account: refused, naming the first
    response = hr_client.post("/secondments/new", data=FORM | {"host_unit": "另一县财政局"})
    assert response.status_code == 400
    assert "该干部已有进行中的挂职锻炼" in response.get_data(as_text=True)
    make_user("hr2", Role.HR)
    other = app.test_client()
    assert login(other, "hr2").status_code == 302
    response = other.post("/secondments/new", data=FORM)
    assert response.status_code == 400
    assert "示例县财政局" in response.get_data(as_text=True)
    assert _count(app) == 1


# --- edit -------------------------------------------------------------------------------------


def test_hr_edits_the_details(app, hr_client, org):
    secondment_id = _create(hr_client)
    page = hr_client.get(f"/secondments/{secondment_id}/edit").get_data(as_text=True)
    assert 'value="示例县财政局"' in page and 'name="version" type="hidden" value="1"' in page
    data = DETAILS | {"host_unit": "示例县税务局", "planned_end": "2026-03-31", "version": "1"}
    response = hr_client.post(f"/secondments/{secondment_id}/edit", data=data)
    assert response.status_code == 302
    page = hr_client.get(f"/secondments/{secondment_id}").get_data(as_text=True)
    assert "已保存 2 项修改" in page and "示例县税务局" in page
    secondment = _get(app, secondment_id)
    assert (secondment.host_unit, secondment.planned_end) == ("示例县税务局", date(2026, 3, 31))
    assert secondment.version == 2


def test_an_edit_posted_twice_is_done_once(app, hr_client, org):
    secondment_id = _create(hr_client)
    data = DETAILS | {"host_unit": "示例县税务局", "version": "1"}
    assert hr_client.post(f"/secondments/{secondment_id}/edit", data=data).status_code == 302
    response = hr_client.post(f"/secondments/{secondment_id}/edit", data=data)
    assert response.status_code == 302
    assert "已处理" in hr_client.get(response.headers["Location"]).get_data(as_text=True)
    assert _get(app, secondment_id).version == 2
    with app.app_context():
        updates = db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(
                AuditEvent.object_type == "secondment", AuditEvent.action == "update"
            )
        )
        assert updates == 1


def test_an_edit_from_a_stale_form_is_a_conflict_showing_what_changed(app, hr_client, org):
    secondment_id = _create(hr_client)
    first = DETAILS | {"host_unit": "示例县税务局", "version": "1"}
    assert hr_client.post(f"/secondments/{secondment_id}/edit", data=first).status_code == 302
    stale = DETAILS | {"post": "局长助理", "version": "1"}
    response = hr_client.post(f"/secondments/{secondment_id}/edit", data=stale)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'data-testid="conflict"' in html and "派往单位" in html and "示例县税务局" in html
    assert 'name="version" type="hidden" value="2"' in html  # saving again overwrites knowingly
    secondment = _get(app, secondment_id)
    assert (secondment.host_unit, secondment.post) == ("示例县税务局", "副局长")


def test_an_edit_that_would_overlap_is_refused_naming_the_other(app, hr_client, org):
    _make(app, org["own_cadre"], S.ARCHIVED, host_unit="省财政厅",
          start_date=date(2026, 3, 1), planned_end=date(2026, 8, 31))  # fmt: skip
    secondment_id = _create(hr_client)  # ends 2026-02-28: the day before
    data = DETAILS | {"planned_end": "2026-03-01", "version": "1"}
    response = hr_client.post(f"/secondments/{secondment_id}/edit", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "时间与另一次挂职锻炼重叠" in html and "2026-03-01 至 2026-08-31 省财政厅" in html
    assert _get(app, secondment_id).planned_end == date(2026, 2, 28)


def test_an_archived_secondment_cannot_be_edited(app, hr_client, org):
    secondment_id = _make(app, org["own_cadre"], S.ARCHIVED)
    response = hr_client.get(f"/secondments/{secondment_id}/edit")
    assert response.status_code == 302
    data = DETAILS | {"version": "1"}
    response = hr_client.post(f"/secondments/{secondment_id}/edit", data=data)
    assert response.status_code == 400 and "不能再修改" in response.get_data(as_text=True)


# --- the steps --------------------------------------------------------------------------------


def test_the_whole_life_through_the_steps(app, hr_client, org):
    secondment_id = _create(hr_client)
    page = hr_client.get(f"/secondments/{secondment_id}").get_data(as_text=True)
    assert 'data-testid="step-approved"' in page and 'data-testid="step-cancelled"' in page
    assert _step(hr_client, secondment_id, "approved", 1).status_code == 302
    assert _step(hr_client, secondment_id, "on_post", 2, reason="已报到").status_code == 302
    response = _step(
        hr_client, secondment_id, "extended", 3, new_end="2026-05-31", reason="项目未结束"
    )
    assert response.status_code == 302
    response = _step(hr_client, secondment_id, "extended", 4, new_end="2026-08-31", reason="再延")
    assert response.status_code == 302
    response = _step(hr_client, secondment_id, "appraisal", 5, actual_end="2026-08-31")
    assert response.status_code == 302
    secondment = _get(app, secondment_id)
    assert secondment.state is S.APPRAISAL
    assert (secondment.planned_end, secondment.actual_end) == (date(2026, 8, 31),) * 2
    assert _events(app, secondment_id) == [
        (None, S.PROPOSED),
        (S.PROPOSED, S.APPROVED),
        (S.APPROVED, S.ON_POST),
        (S.ON_POST, S.EXTENDED),
        (S.EXTENDED, S.EXTENDED),
        (S.EXTENDED, S.APPRAISAL),
    ]
    page = hr_client.get(f"/secondments/{secondment_id}").get_data(as_text=True)
    history = page.split('data-testid="history"', 1)[1].split("</table>", 1)[0]
    assert "2026-02-28 → 2026-05-31" in history and "项目未结束" in history
    assert "2026-05-31 → 2026-08-31" in history and "hr1" in history
    assert "在岗 → 延期" in history and "延期 → 期满鉴定" in history
    assert 'data-testid="step-' not in page  # 归档: on the 期满鉴定 page


def test_appraisal_defaults_to_the_planned_end(app, hr_client, org):
    secondment_id = _make(app, org["own_cadre"], S.ON_POST)
    page = hr_client.get(f"/secondments/{secondment_id}").get_data(as_text=True)
    form = page.split('data-testid="step-appraisal"', 1)[1].split("</form>", 1)[0]
    assert 'value="2026-02-28"' in form
    assert _step(hr_client, secondment_id, "appraisal", 1).status_code == 302
    assert _get(app, secondment_id).actual_end == date(2026, 2, 28)


def test_a_recall_needs_a_reason_and_sets_the_day_back(app, hr_client, org):
    secondment_id = _make(app, org["own_cadre"], S.ON_POST)
    response = _step(hr_client, secondment_id, "recalled", 1, actual_end="2025-10-01")
    assert response.status_code == 400
    assert "提前召回须填写原因" in response.get_data(as_text=True)
    response = _step(hr_client, secondment_id, "recalled", 1, actual_end="")
    assert response.status_code == 400 and "请填写召回日期" in response.get_data(as_text=True)
    assert _get(app, secondment_id).state is S.ON_POST
    response = _step(
        hr_client, secondment_id, "recalled", 1, actual_end="2025-10-01", reason="工作需要"
    )
    assert response.status_code == 302
    secondment = _get(app, secondment_id)
    assert (secondment.state, secondment.actual_end) == (S.RECALLED, date(2025, 10, 1))
    page = hr_client.get(f"/secondments/{secondment_id}").get_data(as_text=True)
    assert "工作需要" in page and "2025-10-01" in page.split('data-testid="history"', 1)[1]


def test_an_extension_needs_a_later_end_and_a_reason(app, hr_client, org):
    secondment_id = _make(app, org["own_cadre"], S.ON_POST)
    response = _step(hr_client, secondment_id, "extended", 1, new_end="2026-05-31")
    assert response.status_code == 400 and "延期须填写原因" in response.get_data(as_text=True)
    response = _step(hr_client, secondment_id, "extended", 1, new_end="2026-01-31", reason="x")
    assert response.status_code == 400
    step = response.get_data(as_text=True).split('data-testid="step-extended"', 1)[1]
    step = step.split("</details>", 1)[0]  # the refusal beside the step's form, kept open
    assert step.startswith(" open>") and "须晚于原计划结束日期 2026-02-28" in step
    assert 'value="2026-01-31"' in step
    response = _step(hr_client, secondment_id, "extended", 1, new_end="", reason="x")
    assert response.status_code == 400 and "请填写" in response.get_data(as_text=True)
    response = _step(hr_client, secondment_id, "extended", 1, new_end="2028-03-01", reason="x")
    assert response.status_code == 400 and "不能超过 3 年" in response.get_data(as_text=True)
    assert _events(app, secondment_id) == [(None, S.ON_POST)]


def test_an_extension_into_another_secondment_is_refused_naming_it(app, hr_client, org):
    _make(app, org["own_cadre"], S.ARCHIVED, host_unit="市委党校", host_type="高校",
          start_date=date(2026, 4, 1), planned_end=date(2026, 6, 30))  # fmt: skip
    secondment_id = _make(app, org["own_cadre"], S.ON_POST)
    response = _step(hr_client, secondment_id, "extended", 1, new_end="2026-04-01", reason="x")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "时间与另一次挂职锻炼重叠" in html and "2026-04-01 至 2026-06-30 市委党校" in html
    response = _step(hr_client, secondment_id, "extended", 1, new_end="2026-03-31", reason="x")
    assert response.status_code == 302


def test_cancelling_a_proposal_needs_a_reason_and_frees_the_cadre(app, hr_client, org):
    secondment_id = _create(hr_client)
    response = _step(hr_client, secondment_id, "cancelled", 1)
    assert response.status_code == 400 and "撤销须填写原因" in response.get_data(as_text=True)
    assert _step(hr_client, secondment_id, "cancelled", 1, reason="人选调整").status_code == 302
    assert _get(app, secondment_id).state is S.CANCELLED
    page = hr_client.get(f"/secondments/{secondment_id}").get_data(as_text=True)
    assert 'data-testid="edit"' not in page and 'data-testid="step-' not in page
    _create(hr_client)  # the cancelled one holds no period
    assert _count(app) == 2


def test_a_step_the_state_does_not_allow_is_refused(app, hr_client, org):
    secondment_id = _create(hr_client)
    response = _step(hr_client, secondment_id, "on_post", 1)
    assert response.status_code == 400
    assert "不能从“拟派”转为“在岗”" in response.get_data(as_text=True)
    assert _step(hr_client, secondment_id, "archived", 1).status_code == 400
    assert _step(hr_client, secondment_id, "nonsense", 1).status_code == 400
    assert _step(hr_client, secondment_id, "approved", "x").status_code == 400
    assert _events(app, secondment_id) == [(None, S.PROPOSED)]


def test_a_step_posted_twice_is_done_once(app, hr_client, org):
    secondment_id = _make(app, org["own_cadre"], S.ON_POST)
    for _ in range(2):
        response = _step(hr_client, secondment_id, "recalled", 1, actual_end="2025-10-01",
                         reason="工作需要")  # fmt: skip
        assert response.status_code == 302
    assert "已处理" in hr_client.get(response.headers["Location"]).get_data(as_text=True)
    for _ in range(2):
        assert _step(hr_client, secondment_id, "appraisal", 2).status_code == 302
    assert _events(app, secondment_id) == [
        (None, S.ON_POST),
        (S.ON_POST, S.RECALLED),
        (S.RECALLED, S.APPRAISAL),
    ]


def test_an_extension_posted_twice_extends_once(app, hr_client, org):
    secondment_id = _make(app, org["own_cadre"], S.ON_POST)
    for _ in range(2):
        response = _step(hr_client, secondment_id, "extended", 1, new_end="2026-05-31",
                         reason="工作需要")  # fmt: skip
        assert response.status_code == 302
    assert "已处理" in hr_client.get(response.headers["Location"]).get_data(as_text=True)
    assert _events(app, secondment_id) == [(None, S.ON_POST), (S.ON_POST, S.EXTENDED)]
    # a different extension from the same stale page is a conflict, not a second extension
    response = _step(hr_client, secondment_id, "extended", 1, new_end="2026-06-30", reason="x")
    assert response.status_code == 409
    assert _get(app, secondment_id).planned_end == date(2026, 5, 31)


def test_a_step_from_a_stale_page_is_a_conflict_showing_what_changed(app, hr_client, org):
    secondment_id = _make(app, org["own_cadre"], S.ON_POST)
    response = _step(hr_client, secondment_id, "extended", 1, new_end="2026-05-31", reason="x")
    assert response.status_code == 302
    response = _step(hr_client, secondment_id, "recalled", 1, actual_end="2025-10-01",
                     reason="工作需要")  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'data-testid="conflict"' in html and "计划结束日期" in html and "2026-05-31" in html
    assert "延期" in html.split('data-testid="conflict"', 1)[1].split("</table>", 1)[0]
    assert _get(app, secondment_id).state is S.EXTENDED


# --- the list ---------------------------------------------------------------------------------


@pytest.fixture
def several(app, org):
    """Four secondments: two in 预算处 (the manager's), two in 国库处."""
    with app.app_context():
        treasury_cadre = CadreFactory(name="赵国库", staff_no="T0003",
                                      department_id=org["treasury"])  # fmt: skip
        budget_cadre = CadreFactory(name="钱预算", staff_no="T0004", department_id=org["budget"])
        db.session.commit()
        ids = (treasury_cadre.id, budget_cadre.id)
    return {
        "old": _make(app, org["own_cadre"], S.ARCHIVED, kind="驻村", host_unit="甲村",
                     host_type="基层单位", start_date=date(2023, 11, 1),
                     planned_end=date(2024, 10, 31)),
        "on_post": _make(app, org["other_cadre"], S.ON_POST, kind="下派", host_unit="乙县",
                         host_type="基层单位", start_date=date(2025, 6, 1),
                         planned_end=date(2026, 5, 31)),
        "college": _make(app, ids[0], S.PROPOSED, kind="上挂", host_unit="丙大学",
                         host_type="高校", start_date=date(2026, 1, 1),
                         planned_end=date(2026, 12, 31)),
        "bank": _make(app, ids[1], S.ON_POST, kind="外派", host_unit="丁银行",
                      host_type="国有金融企业", start_date=date(2024, 12, 1),
                      planned_end=date(2025, 11, 30)),
    }  # fmt: skip


def test_the_list_latest_start_first_with_counts(hr_client, several):
    html = hr_client.get("/secondments/").get_data(as_text=True)
    assert "共 4 条挂职锻炼记录" in html
    counts = html.split('data-testid="state-counts"', 1)[1].split("</span>", 1)[0]
    assert "拟派 1" in counts and "在岗 2" in counts and "归档 1" in counts
    rows = html.split("<tr data-secondment=")[1:]
    assert [r.split('"')[1] for r in rows] == [
        str(several[k]) for k in ("college", "on_post", "bank", "old")
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?state=on_post", {"on_post", "bank"}),
        ("?kind=驻村", {"old"}),
        ("?host_type=基层单位", {"old", "on_post"}),
        ("?host_type=高校", {"college"}),
        # a year counts every period that touches it
        ("?year=2024", {"old", "bank"}),
        ("?year=2025", {"on_post", "bank"}),
        ("?year=2026", {"on_post", "college"}),
        ("?year=2023", {"old"}),
        ("?q=王芳", {"on_post"}),
        ("?q=T000", {"old", "on_post", "college", "bank"}),
        ("?q=T0003", {"college"}),
        ("?q=国", {"college"}),
        ("?q=%25", set()),
        ("?state=on_post&host_type=基层单位", {"on_post"}),
    ],
)
def test_the_list_filters(hr_client, several, query, expected):
    html = hr_client.get(f"/secondments/{query}").get_data(as_text=True)
    shown = {r.split('"')[1] for r in html.split("<tr data-secondment=")[1:]}
    assert shown == {str(several[k]) for k in expected}
    assert f"共 {len(expected)} 条挂职锻炼记录" in html


def test_the_section_filter(hr_client, several, org):
    html = hr_client.get(f"/secondments/?department={org['treasury']}").get_data(as_text=True)
    shown = {r.split('"')[1] for r in html.split("<tr data-secondment=")[1:]}
    assert shown == {str(several["on_post"]), str(several["college"])}


@pytest.mark.parametrize(
    "query", ["?state=gone", "?kind=借调", "?host_type=x", "?year=19", "?page=x", "?department=a"]
)
def test_the_list_refuses_values_that_cannot_be(hr_client, query):
    assert hr_client.get(f"/secondments/{query}").status_code == 400


def test_the_list_pages_by_50(app, hr_client, org):
    with app.app_context():
        cadres = [CadreFactory(department_id=org["budget"]) for _ in range(52)]
        db.session.commit()
        ids = [c.id for c in cadres]
    for n, cadre_id in enumerate(ids):
        _make(app, cadre_id, start_date=date(2025, 1, 1 + n % 28), planned_end=date(2025, 12, 31))
    first = hr_client.get("/secondments/").get_data(as_text=True)
    assert first.count("<tr data-secondment=") == 50 and "共 52 条挂职锻炼记录" in first
    assert "/secondments/?page=2" in first
    second = hr_client.get("/secondments/?page=2").get_data(as_text=True)
    assert second.count("<tr data-secondment=") == 2
    assert hr_client.get("/secondments/?page=99").status_code == 200  # the last page


def test_the_list_warns_of_an_ending_and_an_overdue_appraisal(app, hr_client, org):
    from tests.conftest import office_today

    today = office_today()
    soon = _make(app, org["own_cadre"], S.ON_POST, start_date=date(2024, 1, 1),
                 planned_end=today)  # fmt: skip
    late = _make(app, org["other_cadre"], S.APPRAISAL, start_date=date(2023, 1, 1),
                 planned_end=date(2023, 6, 30), actual_end=date(2023, 6, 30))  # fmt: skip
    html = hr_client.get("/secondments/").get_data(as_text=True)
    rows = {r.split('"')[1]: r.split("</tr>", 1)[0] for r in html.split("<tr data-secondment=")[1:]}
    assert 'data-testid="ends-soon"' in rows[str(soon)]
    assert 'data-testid="overdue"' in rows[str(late)]
    assert 'data-testid="overdue"' not in rows[str(soon)]
    assert 'data-testid="overdue"' in hr_client.get(f"/secondments/{late}").get_data(as_text=True)


# --- who sees what ----------------------------------------------------------------------------


def test_a_manager_sees_only_their_sections_and_cannot_write(manager_client, several, org):
    html = manager_client.get("/secondments/").get_data(as_text=True)
    shown = {r.split('"')[1] for r in html.split("<tr data-secondment=")[1:]}
    assert shown == {str(several["old"]), str(several["bank"])}
    assert "共 2 条挂职锻炼记录" in html and "国库处" not in html
    assert 'data-testid="new-secondment"' not in html
    page = manager_client.get(f"/secondments/{several['bank']}")
    assert page.status_code == 200 and 'data-testid="step-' not in page.get_data(as_text=True)
    assert 'data-testid="edit"' not in page.get_data(as_text=True)
    assert manager_client.get(f"/secondments/{several['on_post']}").status_code == 404
    assert manager_client.get(f"/secondments/?department={org['treasury']}").status_code == 200
    assert "<tr data-secondment=" not in manager_client.get(
        f"/secondments/?department={org['treasury']}"
    ).get_data(as_text=True)
    response = _step(manager_client, several["bank"], "recalled", 1, reason="x")
    assert response.status_code == 403
    assert manager_client.get(f"/secondments/{several['bank']}/edit").status_code == 403


def test_a_cadre_and_the_admin_and_auditor_may_not_use_the_pages(login_as, several):
    for role in ("cadre", "admin", "auditor"):
        client = login_as(role)
        assert client.get("/secondments/").status_code == 403
        assert client.get(f"/secondments/{several['old']}").status_code == 403


def test_the_audit_page_describes_a_step_in_words(app, hr_client, auditor_client, org):
    secondment_id = _create(hr_client)
    assert _step(hr_client, secondment_id, "approved", 1).status_code == 302
    html = auditor_client.get("/audit/?object_type=secondment").get_data(as_text=True)
    # the field that changed, in words; not its values (issue 16, finding 4)
    assert "状态" in html and "拟派" not in html and "已审批" not in html and "approved" not in html


def test_the_english_pages_show_chinese_only_in_data(app, hr_client, org):
    from cadre_app.i18n import TERMS
    from tests.test_english_ui import CJK, PUNCTUATION, chinese_runs, stored_text

    hr_client.post("/auth/language", data={"lang": "en", "next": "/"})
    secondment_id = _create(hr_client)
    assert _step(hr_client, secondment_id, "approved", 1).status_code == 302
    assert _step(hr_client, secondment_id, "on_post", 2).status_code == 302
    _step(hr_client, secondment_id, "extended", 3, new_end="2026-05-31", reason="项目未结束")
    pages = {
        "list": hr_client.get("/secondments/?state=extended").get_data(as_text=True),
        "detail": hr_client.get(f"/secondments/{secondment_id}").get_data(as_text=True),
        "new": hr_client.get("/secondments/new?q=李").get_data(as_text=True),
        "edit": hr_client.get(f"/secondments/{secondment_id}/edit").get_data(as_text=True),
        "refused": hr_client.post("/secondments/new", data=FORM).get_data(as_text=True),
        "conflict": _step(
            hr_client, secondment_id, "recalled", 1, actual_end="2025-10-01", reason="召回"
        ).get_data(as_text=True),
        "bad step": _step(hr_client, secondment_id, "extended", 4, new_end="").get_data(
            as_text=True
        ),
    }
    with app.app_context():
        data = stored_text() | set(CJK.findall(app.config["ORGANISATION_NAME"]))
    translated = {str(term._args[0]) for term in TERMS}  # noqa: SLF001 - the msgids
    allowed = (data - translated) | {"中文"} | PUNCTUATION
    for name, html in pages.items():
        assert 'lang="en"' in html, name
        assert not chinese_runs(html) - allowed, (name, chinese_runs(html) - allowed)
    assert "Extended" in pages["list"] or "extended" in pages["list"].lower()
    assert "下派" not in "".join(chinese_runs(pages["detail"]))  # a stored term, in English


def test_the_audit_page_shows_a_changed_kind_in_the_readers_language(
    app, hr_client, auditor_client, org
):
    secondment_id = _create(hr_client)
    data = DETAILS | {"kind": "驻村", "version": "1"}
    assert hr_client.post(f"/secondments/{secondment_id}/edit", data=data).status_code == 302
    html = auditor_client.get("/audit/?object_type=secondment&action=update").get_data(as_text=True)
    row = html.split('data-event-id="', 1)[1]
    assert "类别" in row and "下派" not in row and "驻村" not in row  # the field, not the values
    auditor_client.post("/auth/language", data={"lang": "en", "next": "/"})
    html = auditor_client.get("/audit/?object_type=secondment&action=update").get_data(as_text=True)
    row = html.split('data-event-id="', 1)[1]
    assert "Kind" in row and "驻村" not in row and "Village residency" not in row


def test_the_list_costs_the_same_few_statements_for_2_or_52_rows(app, hr_client, org):
    """One query for the page (cadre and section joined), one for the counts, one for the
    years: no query per row."""
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
        cadres = [CadreFactory(department_id=org["budget"]) for _ in range(50)]
        db.session.commit()
        ids = [org["own_cadre"], org["other_cadre"], *(c.id for c in cadres)]
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if "SAVEPOINT" not in statement:
            seen.append(statement)

    counts = []
    for done, cadre_id in enumerate(ids, 1):
        _make(
            app, cadre_id, start_date=date(2025, 1, 1 + done % 28), planned_end=date(2025, 12, 31)
        )
        if done in (2, len(ids)):
            hr_client.get("/secondments/")
            event.listen(engine, "before_cursor_execute", record)
            try:
                assert hr_client.get("/secondments/").status_code == 200
            finally:
                event.remove(engine, "before_cursor_execute", record)
            counts.append(len(seen))
            about = [s for s in seen if "secondment" in s]
            assert len(about) == 3, "\n\n".join(about)
            seen.clear()
    assert counts[0] == counts[1] <= 8, counts
