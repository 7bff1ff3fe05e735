"""Development plans and cohorts at scale: 20,000 cadres, a plan for each of 5,000 young
cadres (4 milestones, reviews for half), a cohort of 500 members with 30 course records each.
Measures ``plans.list_plans`` (first page; overdue filter), ``plans.overdue_summary`` (the
dashboard panel), ``programme.cohort_rows`` and the pages GET /training/plans,
/training/plans?overdue=1, /training/cohorts/<id> and / (HR) through the test client.

    .venv/bin/python bench/bench_training_plans.py [--plans 5000] [--repeat 30]

DESIGN's bar for every page: 50 ms.
"""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from common import HR_PASSWORD, bench_app, describe, insert_cadres, timed

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import Cadre
from cadre_app.models.training import (
    Cohort,
    DevelopmentPlan,
    Enrolment,
    MilestoneState,
    PlanMilestone,
    PlanReview,
    PlanState,
    Programme,
    TrainingCourse,
    cohort_member,
)
from cadre_app.services.training import plans, programme


def insert(plan_count: int, members: int, records: int) -> int:
    today = clock.today()
    cadre_ids = db.session.scalars(sa.select(Cadre.id).order_by(Cadre.id)).all()
    states = [PlanState.ACTIVE] * 6 + [PlanState.DRAFT, PlanState.DONE, PlanState.STOPPED]
    db.session.execute(
        sa.insert(DevelopmentPlan),
        [
            {
                "cadre_id": cadre_ids[i],
                "period_start": today - timedelta(days=30 + i % 400),
                "period_end": today + timedelta(days=700),
                "goals": "目标",
                "state": states[i % len(states)],
                "mentor_cadre_id": cadre_ids[-1 - i % 300],
                "review_interval_months": 3,
                "version": 1,
            }
            for i in range(plan_count)
        ],
    )
    plan_ids = db.session.scalars(sa.select(DevelopmentPlan.id)).all()
    milestone_states = list(MilestoneState)
    db.session.execute(
        sa.insert(PlanMilestone),
        [
            {
                "plan_id": pid,
                "title": f"节点{k}",
                "due_date": today + timedelta(days=(pid * 7 + k * 60) % 300 - 150),
                "state": milestone_states[(pid + k) % 4],
            }
            for pid in plan_ids
            for k in range(4)
        ],
    )
    db.session.execute(
        sa.insert(PlanReview),
        [
            {
                "plan_id": pid,
                "reviewer_name": "hr",
                "reviewed_on": today - timedelta(days=pid % 120),
                "content": "评议",
            }
            for pid in plan_ids[::2]
        ],
    )
    prog = Programme(name="五航工程")
    db.session.add(prog)
    db.session.flush()
    cohort = Cohort(programme_id=prog.id, year=today.year, name="第一期")
    db.session.add(cohort)
    db.session.flush()
    db.session.execute(
        sa.insert(cohort_member),
        [{"cohort_id": cohort.id, "cadre_id": c} for c in cadre_ids[:members]],
    )
    db.session.execute(
        sa.insert(TrainingCourse),
        [
            {
                "name": f"课程{k}",
                "category": "专题培训班",
                "mode": "脱产",
                "start_date": date(today.year, 1 + k % 12, 1),
                "end_date": date(today.year, 1 + k % 12, 3),
                "hours": Decimal(16),
                "external": False,
                "version": 1,
            }
            for k in range(records)
        ],
    )
    course_ids = db.session.scalars(sa.select(TrainingCourse.id)).all()
    db.session.execute(
        sa.insert(Enrolment),
        [
            {
                "course_id": course,
                "cadre_id": c,
                "attended_hours": Decimal(16),
                "leave_hours": Decimal(0),
                "passed": True,
                "passed_given": False,
                "hours_earned": Decimal(16),
                "source": "enrol",
            }
            for c in cadre_ids[:members]
            for course in course_ids
        ],
    )
    db.session.commit()
    return cohort.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cadres", type=int, default=20_000)
    parser.add_argument("--plans", type=int, default=5_000)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--records", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    app = bench_app("bench-plans-")
    with app.app_context():
        insert_cadres(args.cadres, 40)
        cohort_id = insert(args.plans, args.members, args.records)
        today = clock.today()
        backend = db.engine.dialect.name
        everyone = plans.PlanScope(everyone=True)
        print(
            f"{args.cadres} cadres, {args.plans} plans, cohort of {args.members} with "
            f"{args.records} records each; {args.repeat} calls each, {backend}"
        )
        cases = {
            "list_plans, first page": lambda: plans.list_plans(
                plans.PlanFilters(), scope=everyone, today=today
            ),
            "list_plans, overdue only": lambda: plans.list_plans(
                plans.PlanFilters(overdue=True), scope=everyone, today=today
            ),
            "overdue_summary (dashboard)": lambda: plans.overdue_summary(everyone, today),
            f"cohort_rows ({args.members} members)": lambda: programme.cohort_rows(
                db.session.get(Cohort, cohort_id), year=today.year, today=today, department_ids=None
            ),
        }
        for label, run in cases.items():
            print(describe(label, timed(run, args.repeat)))
    client = app.test_client()
    client.post("/auth/login", data={"username": "hr", "password": HR_PASSWORD})
    for url in (
        "/training/plans",
        "/training/plans?overdue=1",
        f"/training/cohorts/{cohort_id}",
        "/",
    ):

        def page(u: str = url) -> None:
            assert client.get(u).status_code == 200

        print(describe(f"GET {url}", timed(page, args.repeat)))


if __name__ == "__main__":
    main()
