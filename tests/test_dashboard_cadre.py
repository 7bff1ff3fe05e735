"""The cadre's dashboard answers "how am I doing?" (issue 15, point 3): this year's 学时
against the requirement, the next milestone of their plan in force (overdue in red), the
decided results of recent years."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from cadre_app.extensions import db
from cadre_app.models import CycleState, HonourEntry, HonourKind, HonourState
from cadre_app.models.training import Enrolment, MilestoneState, TrainingCourse
from cadre_app.services.training import ledger
from tests.conftest import office_today
from tests.factories import (
    EvaluationCycleFactory,
    EvaluationFactory,
    MilestoneFactory,
    PlanFactory,
)


def test_the_cadre_sees_hours_next_milestone_and_results(app, org, users, login_as):
    today = office_today()
    own = org["own_cadre"]
    with app.app_context():
        plan = PlanFactory(cadre_id=own, period_start=today - timedelta(days=200))
        MilestoneFactory(plan=plan, title="完成预算业务轮岗", due_date=today - timedelta(days=2))
        MilestoneFactory(plan=plan, title="提交调研报告", due_date=today + timedelta(days=30))
        MilestoneFactory(
            plan=plan,
            title="已完成的节点",
            due_date=today - timedelta(days=90),
            state=MilestoneState.DONE,
        )
        course = TrainingCourse(
            name="财政预算专题班",
            category="专题培训班",
            mode="脱产",
            start_date=today.replace(month=1, day=5),
            end_date=today.replace(month=1, day=7),
            hours=Decimal(24),
        )
        db.session.add(course)
        db.session.flush()
        db.session.add(Enrolment(course_id=course.id, cadre_id=own, hours_earned=Decimal(24)))
        db.session.flush()
        ledger.refresh_course(course.id, [today.year])  # as the training writers keep it
        db.session.add(
            HonourEntry(
                year=today.year - 1,
                quarter=4,
                kind=HonourKind.INDIVIDUAL,
                department_id=org["budget"],
                cadre_id=own,
                title="攻坚克难标兵",
                deeds="事迹",
                state=HonourState.PUBLISHED,
            )
        )
        cycle = EvaluationCycleFactory(year=today.year - 1, state=CycleState.DECIDED)
        EvaluationFactory(cycle=cycle, cadre_id=own, final_grade="优秀", total=92)
        db.session.commit()
    html = login_as("cadre").get("/").get_data(as_text=True)
    progress = html.split('data-testid="my-progress"')[1]
    hours = progress.split('data-testid="my-hours">')[1].split("</dd>")[0]
    assert "已获 24.0" in hours
    milestone = progress.split('data-testid="my-milestone">')[1].split("</dd>")[0]
    assert "完成预算业务轮岗" in milestone and "已逾期" in milestone
    results = progress.split('data-testid="my-results">')[1].split("</dd>")[0]
    assert f"{today.year - 1} 年度：优秀" in results
    honours = progress.split('data-testid="my-honours">')[1].split("</dd>")[0]
    assert f"{today.year - 1}年第四季度 攻坚克难标兵" in honours


def test_a_cadre_with_nothing_yet_gets_words_not_errors(app, org, users, login_as):
    html = login_as("cadre").get("/").get_data(as_text=True)
    assert "没有待完成的节点" in html and "暂无已确定的考核结果" in html
