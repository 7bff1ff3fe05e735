"""HR names section heads and secretaries; the head then conducts the reminder talks."""

from __future__ import annotations

import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Department


def test_hr_sets_the_head_and_secretary(app, hr_client, org):
    page = hr_client.get("/cadres/departments").get_data(as_text=True)
    assert "预算处" in page and "未设置" in page
    response = hr_client.post(
        f"/cadres/departments/{org['budget']}",
        data={"name": "预算处", "sort_order": "1", "head": "T0001", "secretary": "T0002"},
    )
    assert response.status_code == 302
    with app.app_context():
        budget = db.session.get(Department, org["budget"])
        assert budget.head.staff_no == "T0001" and budget.secretary.staff_no == "T0002"
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.object_type == "department")
        )
        assert event.after["head"] == "T0001"


def test_bad_input_is_refused_with_a_message(app, hr_client, org):
    unknown = hr_client.post(
        f"/cadres/departments/{org['budget']}", data={"name": "预算处", "head": "NOPE"}
    )
    assert unknown.status_code == 400 and "NOPE" in unknown.get_data(as_text=True)
    clash = hr_client.post(f"/cadres/departments/{org['budget']}", data={"name": "国库处"})
    assert clash.status_code == 400 and "已存在" in clash.get_data(as_text=True)
    empty = hr_client.post("/cadres/departments", data={"name": ""})
    assert empty.status_code == 400
    created = hr_client.post("/cadres/departments", data={"name": "会计处", "sort_order": "9"})
    assert created.status_code == 302
    with app.app_context():
        assert (
            db.session.scalar(sa.select(Department).where(Department.name == "会计处")).sort_order
            == 9
        )
        assert db.session.get(Department, org["budget"]).head is None


def test_only_hr(manager_client, cadre_client, org):
    assert manager_client.get("/cadres/departments").status_code == 403
    assert cadre_client.post("/cadres/departments", data={"name": "x"}).status_code == 403


def test_nearest_name_suggests_the_section_a_misspelt_name_meant():
    """Issue 10 item 13: the import's unknown 部门 comes with the nearest existing name."""
    from cadre_app.services.roster.departments import nearest_name

    existing = ["预算处", "国库处", "办公室", "政策法规处", "人事处"]
    assert nearest_name("预算科", existing) == "预算处"
    assert nearest_name("国库", existing) == "国库处"
    assert nearest_name("政策法规科", existing) == "政策法规处"
    assert nearest_name("数字财政科", existing) is None
    assert nearest_name("财务处", existing) is None
    assert nearest_name("预算科", []) is None
