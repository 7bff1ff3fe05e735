"""Positions, discipline records and the eligibility page as HR uses them (real database, real
forms): new with Chinese messages for bad input and nothing written, edit with a conflict,
audit; a 诫勉 added and deleted; the eligibility run stored and shown with reasons, filters,
paging and the rules in force; the English page."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Cadre, DisciplineRecord, EligibilityRun, Position
from tests.factories import CadreFactory

FORM = {
    "title": "预算处副处长",
    "department_id": "",
    "post_kind": "领导职务",
    "target_level": "县处级副职",
    "places": "1",
    "min_rank": "一级主任科员",
    "min_years_in_rank": "",
    "min_years_work": "",
    "min_years_grassroots": "",
    "min_education": "",
    "max_age": "40",
    "age_on": "",
    "other_conditions": "具有财政业务工作经历",
}


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _new(client, **changes) -> int:
    response = client.post("/selection/positions/new", data=FORM | changes)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    return int(response.headers["Location"].split("/")[-2])


def test_new_position_then_edit_with_audit(app, hr_client, org):
    position_id = _new(hr_client, department_id=str(org["budget"]), party_member="y")
    with app.app_context():
        position = db.session.get(Position, position_id)
        assert (position.title, position.target_level, position.max_age) == (
            "预算处副处长",
            "县处级副职",
            40,
        )
        assert position.party_member is True and position.department_id == org["budget"]
        version = position.version
    page = hr_client.get(f"/selection/positions/{position_id}/edit").get_data(as_text=True)
    assert "预算处副处长" in page
    response = hr_client.post(
        f"/selection/positions/{position_id}/edit",
        data=FORM | {"title": "预算处处长助理", "version": str(version)},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Position, position_id).title == "预算处处长助理"
        actions = db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.object_type == "position")
        ).all()
        assert actions == ["create", "update"]
    # a form loaded before that save: 409 naming the change, nothing overwritten
    stale = hr_client.post(
        f"/selection/positions/{position_id}/edit",
        data=FORM | {"title": "别的名称", "version": str(version)},
    )
    assert stale.status_code == 409
    assert "预算处处长助理" in stale.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Position, position_id).title == "预算处处长助理"
    assert hr_client.get("/selection/").status_code == 200
    assert "预算处处长助理" in hr_client.get("/selection/").get_data(as_text=True)


def test_bad_position_input_gets_chinese_messages_and_writes_nothing(app, hr_client, org):
    response = hr_client.post(
        "/selection/positions/new",
        data=FORM
        | {
            "title": "",
            "target_level": "一级科员",  # a 职级, not a leading post level
            "places": "0",
            "max_age": "abc",
            "age_on": "2026-02-30",
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "请填写整数。" in html
    assert "日期“2026-02-30”不存在。" in html
    response = hr_client.post(
        "/selection/positions/new",
        data=FORM | {"title": "", "target_level": "一级科员", "places": "0"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请填写职位名称。" in html
    assert "“一级科员”不是领导职务的层级。" in html
    assert "职数应为 1 至 50。" in html
    with app.app_context():
        assert _count(Position) == 0
        assert _count(AuditEvent) == 0 or not db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.object_type == "position")
        )


def test_discipline_added_and_deleted_with_audit(app, hr_client, org):
    cadre_id = org["own_cadre"]
    page = hr_client.get("/selection/discipline?q=李晓明").get_data(as_text=True)
    assert f"/selection/discipline/{cadre_id}" in page
    bad = hr_client.post(
        f"/selection/discipline/{cadre_id}", data={"kind": "", "decided_on": "2099-01-01"}
    )
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "请选择诫勉或处分的种类。" in html and "决定日期不能晚于今天。" in html
    ok = hr_client.post(
        f"/selection/discipline/{cadre_id}",
        data={"kind": "记过", "decided_on": "2026-01-10", "document_no": "财人〔2026〕3号"},
    )
    assert ok.status_code == 302
    with app.app_context():
        record = db.session.scalar(sa.select(DisciplineRecord))
        assert (record.kind, record.decided_on, record.cadre_id) == (
            "记过",
            date(2026, 1, 10),
            cadre_id,
        )
        record_id = record.id
    page = hr_client.get(f"/selection/discipline/{cadre_id}").get_data(as_text=True)
    assert "财人〔2026〕3号" in page
    assert hr_client.post(f"/selection/discipline/record/{record_id}/delete").status_code == 302
    with app.app_context():
        assert _count(DisciplineRecord) == 0
        actions = db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.object_type == "discipline_record")
            .order_by(AuditEvent.id)
        ).all()
        assert actions == ["create", "delete"]


def _many_cadres(app, section_id: int, n: int) -> None:
    with app.app_context():
        from cadre_app.models import Department

        section = db.session.get(Department, section_id)
        CadreFactory.create_batch(
            n,
            department=section,
            rank="二级主任科员",
            rank_since=date(2020, 1, 1),
            political_status="中共党员",
        )
        db.session.commit()


def test_eligibility_page_runs_stores_and_explains(app, hr_client, org):
    _many_cadres(app, org["treasury"], 60)
    position_id = _new(
        hr_client, target_level="乡科级副职", min_rank="二级主任科员", max_age="", party_member="y"
    )
    url = f"/selection/positions/{position_id}/eligibility"
    first = hr_client.get(f"{url}?as_of=2026-06-01").get_data(as_text=True)
    assert "尚无资格审查结果" in first
    response = hr_client.post(url, data={"as_of": "2026-06-01"})
    assert response.status_code == 302
    assert "as_of=2026-06-01" in response.headers["Location"]
    with app.app_context():
        stored = db.session.scalar(sa.select(EligibilityRun))
        assert stored.on_date == date(2026, 6, 1)
        assert stored.rules["conditions"]["min_rank"] == "二级主任科员"
        total = _count(Cadre)
    html = hr_client.get(f"{url}?as_of=2026-06-01").get_data(as_text=True)
    assert f"共 {total} 人" in html
    # 李晓明 (一级科员, no party record) is excluded with the reasons in words
    assert "现任一级科员，需为二级主任科员及以上" in html or "page=2" in html
    assert "其他条件：具有财政业务工作经历，需人工核对" in html
    assert "本次审查依据的条件和设置" in html
    assert "page=2" in html
    only = hr_client.get(f"{url}?as_of=2026-06-01&eligible=1&section={org['budget']}").get_data(
        as_text=True
    )
    assert "共 0 人" in only  # 预算处 has only 李晓明, who is not eligible
    treasury = hr_client.get(
        f"{url}?as_of=2026-06-01&eligible=1&section={org['treasury']}"
    ).get_data(as_text=True)
    assert "不符合" not in treasury.split('data-testid="eligibility"')[1]
    assert hr_client.get(f"{url}?as_of=nonsense").status_code == 400
    # the English page says it in English (the rules' sentences included)
    hr_client.post("/auth/language", data={"lang": "en"})
    english = hr_client.get(f"{url}?as_of=2026-06-01&section={org['budget']}").get_data(
        as_text=True
    )
    assert "Other condition" in english
    assert "需人工核对" not in english
