"""Development plans (个人培养计划) through the pages: HR creates and moves plans (states only
forward, one open plan per cadre), milestones and their overdue marks, planned courses,
reviews and comments, version conflicts, repeated posts; who reads what (a mentor their
mentees' plans only, a manager their sections', a cadre their own on /me); dashboard panels."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Role
from cadre_app.models.training import (
    DevelopmentPlan,
    MilestoneState,
    PlanComment,
    PlanCourse,
    PlanMilestone,
    PlanReview,
    PlanState,
    TrainingCourse,
)
from cadre_app.services.training import plans as plan_service
from tests.conftest import login, office_today
from tests.factories import CadreFactory, MilestoneFactory, PlanFactory

P = PlanState
M = MilestoneState


def add_plan(app, cadre_id, *, state=P.ACTIVE, milestones=(), **values) -> int:
    """A plan of ``cadre_id`` that started 100 days ago (review due in between: overdue
    unless a review is given), with ``milestones`` as (title, due, state)."""
    today = office_today()
    fields = {
        "cadre_id": cadre_id,
        "state": state,
        "period_start": today - timedelta(days=100),
        "period_end": today + timedelta(days=600),
        "goals": "熟悉预算编制全流程",
    }
    fields.update(values)
    with app.app_context():
        plan = PlanFactory(**fields)
        for title, due, m_state in milestones:
            MilestoneFactory(plan=plan, title=title, due_date=due, state=m_state)
        db.session.commit()
        return plan.id


def get_plan(app, plan_id) -> DevelopmentPlan:
    with app.app_context():
        plan = db.session.get(DevelopmentPlan, plan_id)
        db.session.expunge(plan)
        return plan


def count(app, model, **where) -> int:
    with app.app_context():
        query = sa.select(sa.func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return db.session.scalar(query)


def plan_events(app, plan_id) -> list[AuditEvent]:
    with app.app_context():
        return db.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.object_type == "plan", AuditEvent.object_id == str(plan_id)
            )
        ).all()


def client_for(app, user):
    client = app.test_client()
    assert login(client, user.username).status_code == 302
    return client


def plan_form(**values):
    today = office_today()
    data = {
        "cadre_staff_no": "T0001",
        "period_start": today.isoformat(),
        "period_end": (today + timedelta(days=730)).isoformat(),
        "review_interval_months": "3",
        "goals": "熟悉预算编制全流程",
        "cohort_id": "",
        "mentor_staff_no": "",
        "mentor_username": "",
        "planned_secondment": "",
    }
    data.update(values)
    return data


# --- create -----------------------------------------------------------------------------------


def test_hr_creates_a_plan_and_a_second_open_plan_is_refused(app, org, users, hr_client):
    response = hr_client.post("/training/plans/new", data=plan_form(mentor_staff_no="T0002"))
    assert response.status_code == 302, response.get_data(as_text=True)
    plan_id = int(response.headers["Location"].rsplit("/", 1)[1])
    plan = get_plan(app, plan_id)
    assert plan.state is P.DRAFT and plan.cadre_id == org["own_cadre"]
    assert plan.mentor_cadre_id == org["other_cadre"] and plan.review_interval_months == 3
    [event] = plan_events(app, plan_id)
    assert event.action == "create" and event.actor_name == "hr1"
    # the same form again (posted twice) or a second plan: none made, led to the first
    again = hr_client.post("/training/plans/new", data=plan_form(), follow_redirects=True)
    assert "未重复创建" in again.get_data(as_text=True)
    assert count(app, DevelopmentPlan) == 1
    # once it is closed, a new plan may start
    with app.app_context():
        db.session.get(DevelopmentPlan, plan_id).state = P.STOPPED
        db.session.commit()
    assert hr_client.post("/training/plans/new", data=plan_form()).status_code == 302
    assert count(app, DevelopmentPlan) == 2


def test_the_new_plan_form_preselects_a_cadre_found_by_search(org, hr_client):
    page = hr_client.get("/training/plans/new?q=李晓").get_data(as_text=True)
    assert f"/training/plans/new?cadre={org['own_cadre']}" in page
    chosen = hr_client.get(f"/training/plans/new?cadre={org['own_cadre']}")
    assert 'value="T0001"' in chosen.get_data(as_text=True)


@pytest.mark.parametrize(
    "values, message",
    [
        ({"period_end": "2020-01-01"}, "计划结束日期不能早于开始日期"),
        ({"period_start": "2026-13-40"}, "2026-13-40"),
        ({"mentor_staff_no": "NOPE1"}, "名册中没有工号为 NOPE1 的干部"),
        ({"mentor_staff_no": "T0001"}, "导师不能是本人"),
        ({"mentor_username": "nobody"}, "没有用户名为 nobody 的账户"),
        ({"mentor_username": "auditor1"}, "导师账户不存在或不能担任导师"),
        ({"review_interval_months": "0"}, "评议周期须为 1 至 24 个月"),
        ({"review_interval_months": "x"}, "评议周期须为整数"),
        ({"cadre_staff_no": "NOPE2"}, "名册中没有工号为 NOPE2 的干部"),
        ({"cadre_staff_no": ""}, "请选择干部"),
    ],
)
def test_the_plan_form_refuses_bad_input_and_writes_nothing(
    app, org, users, hr_client, values, message
):
    response = hr_client.post("/training/plans/new", data=plan_form(**values))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(app, DevelopmentPlan) == 0
    assert count(app, AuditEvent, object_type="plan") == 0


def test_a_mentor_account_linked_to_a_cadre_names_that_cadre(app, org, make_user, hr_client):
    make_user("mentor9", Role.MANAGER, cadre_id=org["other_cadre"])
    response = hr_client.post("/training/plans/new", data=plan_form(mentor_username="mentor9"))
    plan = get_plan(app, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert plan.mentor_cadre_id == org["other_cadre"] and plan.mentor_user_id is not None
    clash = hr_client.post(
        "/training/plans/new",
        data=plan_form(cadre_staff_no="T0002", mentor_username="mentor9", mentor_staff_no="T0001"),
    )
    assert clash.status_code == 400
    assert "导师账户关联的干部与所填导师不一致" in clash.get_data(as_text=True)


# --- states -----------------------------------------------------------------------------------


def move(client, plan_id, target, version, **extra):
    data = {"target": target, "version": str(version), **extra}
    return client.post(f"/training/plans/{plan_id}/transition", data=data)


def test_states_move_only_draft_active_then_done_or_stopped(app, org, users, hr_client):
    plan_id = add_plan(app, org["own_cadre"], state=P.DRAFT)
    refused = move(hr_client, plan_id, "done", 1)
    assert refused.status_code == 400
    assert "计划不能从“草拟”转为“完成”，可转为：生效" in refused.get_data(as_text=True)
    assert get_plan(app, plan_id).state is P.DRAFT

    assert move(hr_client, plan_id, "active", 1).status_code == 302
    assert get_plan(app, plan_id).state is P.ACTIVE
    # the same move posted twice: done already, nothing more written
    events = len(plan_events(app, plan_id))
    again = move(hr_client, plan_id, "active", 1)
    assert again.status_code == 302 and len(plan_events(app, plan_id)) == events

    no_reason = move(hr_client, plan_id, "stopped", 2)
    assert no_reason.status_code == 400 and "中止计划须写明原因" in no_reason.get_data(as_text=True)
    stale = move(hr_client, plan_id, "done", 1)
    assert stale.status_code == 409 and 'data-testid="conflict"' in stale.get_data(as_text=True)

    assert move(hr_client, plan_id, "done", 2).status_code == 302
    assert get_plan(app, plan_id).state is P.DONE
    closed = move(hr_client, plan_id, "stopped", 3, note="调离")
    assert closed.status_code == 400
    assert "计划已完成，不能再变更状态" in closed.get_data(as_text=True)
    assert get_plan(app, plan_id).state is P.DONE
    # a closed plan is read-only
    assert hr_client.get(f"/training/plans/{plan_id}/edit").status_code == 302
    summaries = [e.summary for e in plan_events(app, plan_id)]
    assert any("草拟 → 生效" in s for s in summaries) and any("生效 → 完成" in s for s in summaries)


def test_a_draft_without_goals_or_milestones_cannot_come_into_force(app, org, users, hr_client):
    plan_id = add_plan(app, org["own_cadre"], state=P.DRAFT, goals=None)
    response = move(hr_client, plan_id, "active", 1)
    assert response.status_code == 400
    assert "生效前请填写培养目标或至少一个节点" in response.get_data(as_text=True)


def test_stopping_records_the_reason(app, org, users, hr_client):
    plan_id = add_plan(app, org["own_cadre"])
    assert move(hr_client, plan_id, "stopped", 1, note="调往外单位").status_code == 302
    [event] = [e for e in plan_events(app, plan_id) if e.action == "update"]
    assert event.after["state"] == "stopped" and event.after["note"] == "调往外单位"


def test_an_edit_from_a_stale_form_is_a_conflict(app, org, users, hr_client):
    plan_id = add_plan(app, org["own_cadre"])
    today = office_today()
    data = {
        "version": "1",
        "period_start": (today - timedelta(days=100)).isoformat(),
        "period_end": (today + timedelta(days=600)).isoformat(),
        "review_interval_months": "3",
        "cohort_id": "",
        "goals": "第一次修改",
    }
    assert hr_client.post(f"/training/plans/{plan_id}/edit", data=data).status_code == 302
    assert get_plan(app, plan_id).goals == "第一次修改"
    stale = hr_client.post(f"/training/plans/{plan_id}/edit", data=data | {"goals": "第二次"})
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert 'data-testid="conflict"' in page and "第一次修改" in page
    assert get_plan(app, plan_id).goals == "第一次修改"
    # the same values again from the stale form: a repeat, nothing changes
    repeat = hr_client.post(f"/training/plans/{plan_id}/edit", data=data)
    assert repeat.status_code == 302 and get_plan(app, plan_id).version == 2


# --- milestones, courses, reviews -------------------------------------------------------------


def test_overdue_milestones_show_in_red_on_the_plan_and_the_profile(app, org, users, hr_client):
    today = office_today()
    plan_id = add_plan(
        app,
        org["own_cadre"],
        milestones=[
            ("完成预算业务轮岗", today - timedelta(days=1), M.IN_PROGRESS),
            ("提交调研报告", today + timedelta(days=30), M.PENDING),
            ("参加专题培训班", today - timedelta(days=40), M.DONE),
        ],
    )
    with app.app_context():
        ids = {m.title: m.id for m in db.session.scalars(sa.select(PlanMilestone))}
    for url in (f"/training/plans/{plan_id}", f"/cadres/{org['own_cadre']}?tab=training"):
        page = hr_client.get(url).get_data(as_text=True)
        assert f'data-overdue="1" data-milestone="{ids["完成预算业务轮岗"]}"' in page, url
        assert (
            f'class="table-danger" data-overdue="1" data-milestone="{ids["提交调研报告"]}"'
            not in page
        )
        assert f'data-overdue="1" data-milestone="{ids["参加专题培训班"]}"' not in page
        assert "已完成 1 / 3 个节点" in page
    # the plan started 100 days ago, reviewed every 3 months, never reviewed: overdue
    assert "评议已逾期" in hr_client.get(f"/training/plans/{plan_id}").get_data(as_text=True)


def test_hr_adds_milestones_once_and_the_mentor_marks_them(app, org, make_user, users, hr_client):
    mentor = make_user("mentor2", Role.CADRE, cadre_id=org["other_cadre"])
    plan_id = add_plan(app, org["own_cadre"], mentor_cadre_id=org["other_cadre"])
    data = {"title": "撰写调研报告", "due_date": "2027-03-31", "note": ""}
    assert hr_client.post(f"/training/plans/{plan_id}/milestones", data=data).status_code == 302
    assert hr_client.post(f"/training/plans/{plan_id}/milestones", data=data).status_code == 302
    assert count(app, PlanMilestone) == 1
    bad = hr_client.post(
        f"/training/plans/{plan_id}/milestones", data={"title": "x", "due_date": ""}
    )
    assert bad.status_code == 400 and "请填写节点期限" in bad.get_data(as_text=True)
    with app.app_context():
        milestone_id = db.session.scalar(sa.select(PlanMilestone.id))
    mentor_client = client_for(app, mentor)
    url = f"/training/plans/{plan_id}/milestones/{milestone_id}"
    assert mentor_client.post(url, data={"state": "done", "done_on": ""}).status_code == 302
    with app.app_context():
        milestone = db.session.get(PlanMilestone, milestone_id)
        assert milestone.state is M.DONE and milestone.done_on == office_today()
    future = (office_today() + timedelta(days=3)).isoformat()
    late = mentor_client.post(url, data={"state": "done", "done_on": future})
    assert late.status_code == 400 and "完成日期不能晚于今天" in late.get_data(as_text=True)
    # the mentor reviews but does not edit the plan or add milestones
    assert mentor_client.post(f"/training/plans/{plan_id}/milestones", data=data).status_code == 403
    assert mentor_client.get(f"/training/plans/{plan_id}/edit").status_code == 403


def test_planned_courses_from_the_catalogue_or_by_title(app, org, users, hr_client):
    plan_id = add_plan(app, org["own_cadre"])
    with app.app_context():
        course = TrainingCourse(
            name="预算管理专题培训班",
            category="专题培训班",
            mode="脱产",
            start_date=office_today() + timedelta(days=20),
            end_date=office_today() + timedelta(days=24),
            hours=Decimal("40"),
        )
        db.session.add(course)
        db.session.commit()
        course_id = course.id
    url = f"/training/plans/{plan_id}/courses"
    page = hr_client.get(f"/training/plans/{plan_id}").get_data(as_text=True)
    assert f'value="{course_id}"' in page  # offered from the catalogue
    assert hr_client.post(url, data={"course_id": str(course_id), "title": ""}).status_code == 302
    assert hr_client.post(url, data={"course_id": "", "title": "公文写作"}).status_code == 302
    assert hr_client.post(url, data={"course_id": "", "title": "公文写作"}).status_code == 302
    empty = hr_client.post(url, data={"course_id": "", "title": ""})
    assert empty.status_code == 400 and "请选择课程或填写课程名称" in empty.get_data(as_text=True)
    with app.app_context():
        titles = sorted(db.session.scalars(sa.select(PlanCourse.title)))
        free_id = db.session.scalar(sa.select(PlanCourse.id).where(PlanCourse.title == "公文写作"))
    assert titles == ["公文写作", "预算管理专题培训班"]
    assert hr_client.post(f"{url}/{free_id}/delete").status_code == 302
    assert count(app, PlanCourse) == 1


def test_reviews_by_hr_clear_the_overdue_mark_and_are_not_repeated(app, org, users, hr_client):
    plan_id = add_plan(app, org["own_cadre"])
    today = office_today().isoformat()
    data = {"reviewed_on": today, "content": "进步明显，下一步加强调研能力。"}
    assert hr_client.post(f"/training/plans/{plan_id}/reviews", data=data).status_code == 302
    assert hr_client.post(f"/training/plans/{plan_id}/reviews", data=data).status_code == 302
    assert count(app, PlanReview) == 1
    page = hr_client.get(f"/training/plans/{plan_id}").get_data(as_text=True)
    assert "进步明显" in page and "评议已逾期" not in page
    future = (office_today() + timedelta(days=1)).isoformat()
    bad = hr_client.post(
        f"/training/plans/{plan_id}/reviews", data={"reviewed_on": future, "content": "x"}
    )
    assert bad.status_code == 400 and "评议日期不能晚于今天" in bad.get_data(as_text=True)


# --- who sees what ----------------------------------------------------------------------------


def test_a_mentor_with_a_cadre_account_sees_and_reviews_only_their_mentees(
    app, org, make_user, users
):
    mentor = make_user("mentor3", Role.CADRE, cadre_id=org["other_cadre"])
    mine = add_plan(app, org["own_cadre"], mentor_cadre_id=org["other_cadre"])
    with app.app_context():
        third = CadreFactory(name="赵六", department_id=org["budget"]).id
        db.session.commit()
    not_mine = add_plan(app, third)
    client = client_for(app, mentor)
    assert client.get(f"/training/plans/{mine}").status_code == 200
    assert client.get(f"/training/plans/{not_mine}").status_code == 404
    assert client.post(f"/training/plans/{not_mine}/reviews", data={}).status_code == 404
    assert client.post(f"/training/plans/{not_mine}/comments", data={}).status_code == 404
    listed = client.get("/training/plans/mine").get_data(as_text=True)
    assert "李晓明" in listed and "赵六" not in listed
    assert client.get("/training/plans").status_code == 403
    assert client.get(f"/cadres/{org['own_cadre']}").status_code == 404  # the roster: no
    review = {"reviewed_on": office_today().isoformat(), "content": "按计划推进。"}
    assert client.post(f"/training/plans/{mine}/reviews", data=review).status_code == 302
    assert (
        client.post(f"/training/plans/{mine}/comments", data={"content": "继续努力"}).status_code
        == 302
    )
    with app.app_context():
        assert db.session.scalar(sa.select(PlanReview.reviewer_name)) == "mentor3"
    assert "您担任导师的培养计划 1 份" in client.get("/").get_data(as_text=True)


def test_a_mentor_named_by_account_only_sees_that_plan(app, org, make_user, users):
    leader = make_user("leader1", Role.MANAGER)  # leads no section
    theirs = add_plan(app, org["other_cadre"], mentor_user_id=leader.id)
    other = add_plan(app, org["own_cadre"])
    client = client_for(app, leader)
    assert client.get(f"/training/plans/{theirs}").status_code == 200
    assert client.get(f"/training/plans/{other}").status_code == 404
    listed = client.get("/training/plans").get_data(as_text=True)
    assert "王芳" in listed and "李晓明" not in listed


def test_a_manager_reads_only_their_sections_plans_and_reviews_none(app, org, users):
    own_section = add_plan(app, org["own_cadre"])
    other_section = add_plan(app, org["other_cadre"])
    client = client_for(app, users["manager"])
    assert client.get(f"/training/plans/{own_section}").status_code == 200
    assert client.get(f"/training/plans/{other_section}").status_code == 404
    listed = client.get("/training/plans").get_data(as_text=True)
    assert "李晓明" in listed and "王芳" not in listed
    review = {"reviewed_on": office_today().isoformat(), "content": "x"}
    assert client.post(f"/training/plans/{own_section}/reviews", data=review).status_code == 403
    assert (
        client.post(f"/training/plans/{own_section}/comments", data={"content": "x"}).status_code
        == 403
    )
    assert client.get(f"/training/plans/{own_section}/edit").status_code == 403
    profile = client.get(f"/cadres/{org['own_cadre']}?tab=training").get_data(as_text=True)
    assert "熟悉预算编制全流程" in profile


def test_a_cadre_reads_their_plan_on_me_and_comments_once(app, org, users, cadre_client):
    plan_id = add_plan(app, org["own_cadre"], state=P.DRAFT, goals="草稿目标")
    page = cadre_client.get("/me?tab=training").get_data(as_text=True)
    assert "暂无个人培养计划" in page and "草稿目标" not in page  # a draft is HR's
    assert cadre_client.get(f"/training/plans/{plan_id}").status_code == 404
    with app.app_context():
        db.session.get(DevelopmentPlan, plan_id).state = P.ACTIVE
        MilestoneFactory(plan_id=plan_id, title="完成轮岗", due_date=office_today())
        db.session.commit()
    page = cadre_client.get("/me?tab=training").get_data(as_text=True)
    assert "草稿目标" in page and "完成轮岗" in page and 'data-testid="plan-comment-form"' in page
    # the plan's page sends the cadre to /me
    redirect = cadre_client.get(f"/training/plans/{plan_id}")
    assert redirect.status_code == 302 and redirect.headers["Location"].endswith("/me?tab=training")
    data = {"content": "希望增加一次基层锻炼。"}
    first = cadre_client.post(f"/training/plans/{plan_id}/comments", data=data)
    assert first.status_code == 302 and "/me?tab=training" in first.headers["Location"]
    assert cadre_client.post(f"/training/plans/{plan_id}/comments", data=data).status_code == 302
    assert count(app, PlanComment) == 1
    assert "希望增加一次基层锻炼" in cadre_client.get("/me?tab=training").get_data(as_text=True)
    empty = cadre_client.post(f"/training/plans/{plan_id}/comments", data={"content": " "})
    assert empty.status_code == 400 and "请填写意见内容" in empty.get_data(as_text=True)
    # the cadre never reviews their own plan
    review = {"reviewed_on": office_today().isoformat(), "content": "x"}
    assert cadre_client.post(f"/training/plans/{plan_id}/reviews", data=review).status_code == 403


def test_a_cadre_cannot_read_or_comment_on_another_cadres_plan(app, org, users, cadre_client):
    theirs = add_plan(app, org["other_cadre"], goals="王芳的目标")
    assert cadre_client.get(f"/training/plans/{theirs}").status_code == 404
    assert (
        cadre_client.post(f"/training/plans/{theirs}/comments", data={"content": "x"}).status_code
        == 404
    )
    assert cadre_client.get(f"/cadres/{org['other_cadre']}?tab=training").status_code == 404
    assert "王芳的目标" not in cadre_client.get("/training/plans/mine").get_data(as_text=True)
    assert count(app, PlanComment) == 0


def test_hr_replies_to_the_cadres_comment(app, org, users, hr_client, cadre_client):
    plan_id = add_plan(app, org["own_cadre"])
    cadre_client.post(f"/training/plans/{plan_id}/comments", data={"content": "想参加调研。"})
    reply = hr_client.post(f"/training/plans/{plan_id}/comments", data={"content": "已安排。"})
    assert reply.status_code == 302 and reply.headers["Location"].endswith(
        f"/training/plans/{plan_id}#plan-comments"
    )
    page = cadre_client.get("/me?tab=training").get_data(as_text=True)
    assert page.index("想参加调研") < page.index("已安排")


# --- lists and dashboards ---------------------------------------------------------------------


def test_the_plan_list_filters_by_state_section_and_overdue(app, org, users, hr_client):
    today = office_today()
    late = add_plan(
        app, org["own_cadre"], milestones=[("轮岗", today - timedelta(days=2), M.PENDING)]
    )
    with app.app_context():
        db.session.add(PlanReview(plan_id=late, reviewer_name="hr", reviewed_on=today, content="x"))
        db.session.commit()
    fine = add_plan(app, org["other_cadre"], period_start=today - timedelta(days=10))
    draft = add_plan(app, cadre_in(app, org["budget"], "孙七"), state=P.DRAFT)
    rows = lambda url: hr_client.get(url).get_data(as_text=True)  # noqa: E731
    everything = rows("/training/plans")
    assert all(f'data-plan="{i}"' in everything for i in (late, fine, draft))
    overdue = rows("/training/plans?overdue=1")
    assert f'data-plan="{late}"' in overdue and f'data-plan="{fine}"' not in overdue
    drafts = rows("/training/plans?state=draft")
    assert f'data-plan="{draft}"' in drafts and f'data-plan="{late}"' not in drafts
    treasury = rows(f"/training/plans?department={org['treasury']}")
    assert f'data-plan="{fine}"' in treasury and f'data-plan="{late}"' not in treasury
    assert hr_client.get("/training/plans?state=bogus").status_code == 400


def cadre_in(app, department_id, name) -> int:
    with app.app_context():
        cadre_id = CadreFactory(name=name, department_id=department_id).id
        db.session.commit()
        return cadre_id


def test_dashboards_show_overdue_milestones_and_reviews(app, org, users, hr_client, cadre_client):
    today = office_today()
    add_plan(
        app,
        org["own_cadre"],
        milestones=[
            ("轮岗", today - timedelta(days=2), M.PENDING),
            ("调研", today - timedelta(days=5), M.IN_PROGRESS),
        ],
    )
    add_plan(app, org["other_cadre"], period_start=today - timedelta(days=10))
    page = hr_client.get("/").get_data(as_text=True)
    assert 'data-testid="plans-active">2<' in page
    assert 'data-testid="milestones-overdue">2<' in page
    assert 'data-testid="reviews-overdue">1<' in page
    own = cadre_client.get("/").get_data(as_text=True)
    assert 'data-testid="own-plan"' in own and "逾期节点 2 个" in own
    manager = client_for(app, users["manager"]).get("/").get_data(as_text=True)
    assert 'data-testid="plans-active">1<' in manager  # 预算处 only


def test_no_panel_without_plans(app, org, users, hr_client, cadre_client):
    assert 'data-testid="plan-panel"' not in hr_client.get("/").get_data(as_text=True)
    assert 'data-testid="plan-panel"' not in cadre_client.get("/").get_data(as_text=True)


def test_scope_conditions_of_each_role(app, org, users, make_user):
    """The service's scopes: HR everyone, a manager sections and mentees, others mentees."""
    with app.app_context():
        from cadre_app.models import User

        hr = db.session.get(User, users["hr"].id)
        manager = db.session.get(User, users["manager"].id)
        cadre = db.session.get(User, users["cadre"].id)
        assert plan_service.scope_for(hr).everyone
        scope = plan_service.scope_for(manager)
        assert scope.department_ids == (org["budget"],) and scope.mentor_user_id == manager.id
        assert plan_service.scope_for(cadre) == plan_service.PlanScope(
            mentor_user_id=cadre.id, mentor_cadre_id=org["own_cadre"]
        )
        assert not plan_service.scope_for(hr, mentees_only=True).everyone


def test_hr_corrects_and_deletes_a_milestone_of_an_open_plan(app, org, users, hr_client):
    plan_id = add_plan(app, org["own_cadre"], milestones=[("轮岗", date(2026, 3, 31), M.PENDING)])
    with app.app_context():
        milestone_id = db.session.scalar(sa.select(PlanMilestone.id))
    url = f"/training/plans/{plan_id}/milestones/{milestone_id}"
    page = hr_client.get(f"/training/plans/{plan_id}").get_data(as_text=True)
    assert f'action="/training/plans/{plan_id}/milestones/{milestone_id}/edit"' in page
    data = {"title": "预算科轮岗", "due_date": "2026-04-30", "note": "三个月"}
    assert hr_client.post(f"{url}/edit", data=data).status_code == 302
    with app.app_context():
        milestone = db.session.get(PlanMilestone, milestone_id)
        assert (milestone.title, milestone.due_date, milestone.note) == (
            "预算科轮岗",
            date(2026, 4, 30),
            "三个月",
        )
    bad = hr_client.post(f"{url}/edit", data=data | {"due_date": ""})
    assert bad.status_code == 400 and "请填写节点期限" in bad.get_data(as_text=True)
    assert hr_client.post(f"{url}/delete").status_code == 302
    assert hr_client.post(f"{url}/delete").status_code == 302  # a repeat: already gone
    assert count(app, PlanMilestone) == 0
    summaries = [e.summary for e in plan_events(app, plan_id)]
    assert any("修改节点：预算科轮岗" in s for s in summaries)
    assert any("删除节点：预算科轮岗" in s for s in summaries)
    # a closed plan keeps its milestones as they are
    closed = add_plan(
        app, org["other_cadre"], state=P.DONE, milestones=[("x", date(2026, 1, 1), M.DONE)]
    )
    with app.app_context():
        other = db.session.scalar(
            sa.select(PlanMilestone.id).where(PlanMilestone.plan_id == closed)
        )
    refused = hr_client.post(f"/training/plans/{closed}/milestones/{other}/delete")
    assert refused.status_code == 400 and "计划已完成，不能再修改" in refused.get_data(as_text=True)
    assert count(app, PlanMilestone) == 1


def test_the_comment_form_on_me_carries_its_csrf_token(app, org, users, cadre_client):
    """With CSRF on, as in production: the form's own token is accepted, none is refused."""
    import re

    plan_id = add_plan(app, org["own_cadre"])
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        page = cadre_client.get("/me?tab=training").get_data(as_text=True)
        form = page.split('data-testid="plan-comment-form"')[1].split("</form>")[0]
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        url = f"/training/plans/{plan_id}/comments"
        assert cadre_client.post(url, data={"content": "无令牌"}).status_code == 400
        ok = cadre_client.post(url, data={"content": "有令牌", "csrf_token": token})
        assert ok.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        assert db.session.scalars(sa.select(PlanComment.content)).all() == ["有令牌"]
