"""Figures for each role's dashboard, as plain dicts."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import Cadre, Department, Role, User
from cadre_app.services.core import dates
from cadre_app.services.dashboard import system
from cadre_app.services.roster.operations import age_on


def for_user(user: User) -> dict[str, Any]:
    if user.role is Role.ADMIN:
        by_role = dict(
            db.session.execute(sa.select(User.role, sa.func.count()).group_by(User.role)).all()
        )
        locked = system.locked_users()
        return {
            "by_role": {role: by_role.get(role, 0) for role in Role},
            "locked": len(locked),
            "locked_users": locked,
            "worker": system.worker(current_app),
            "jobs": system.jobs(),
            "chain": system.chain(),
            "anchors": system.anchors(),
        }
    if user.role is Role.AUDITOR:
        return {
            "chain": system.chain(),
            "anchors": system.anchors(),
            "failed_logins": system.failed_logins(),
            "locked": len(system.locked_users()),
        }
    if user.role is Role.HR:
        return {
            "cadres": db.session.scalar(sa.select(sa.func.count()).select_from(Cadre)),
            "departments": db.session.scalar(sa.select(sa.func.count()).select_from(Department)),
        }
    if user.role is Role.MANAGER:
        counts = dict(
            db.session.execute(
                sa.select(Cadre.department_id, sa.func.count())
                .where(Cadre.department_id.in_([d.id for d in user.led_departments]))
                .group_by(Cadre.department_id)
            ).all()
        )
        return {
            "sections": [
                {"name": d.name, "cadres": counts.get(d.id, 0)}
                for d in sorted(user.led_departments, key=lambda d: (d.sort_order, d.name))
            ]
        }
    if user.role is Role.CADRE:
        if not user.cadre:
            return {"profile": None}
        return {"profile": own_profile(user), "progress": own_progress(user.cadre_id)}
    return {}


def own_profile(user: User) -> dict[str, Any]:
    cadre = user.cadre
    assert cadre is not None
    today = clock.today()
    return {
        "name": cadre.name,
        "staff_no": cadre.staff_no,
        "gender": cadre.gender,
        "birth_date": cadre.birth_date,
        # as it was given: 1990.03 when known only to the month
        "birth_date_shown": dates.shown(
            dates.with_precision(cadre.birth_date, cadre.birth_date_precision)
        ),
        "age": age_on(cadre.birth_date, today),  # stated on the page as 计算至 today
        "age_on": today,
        "department": cadre.department.name,
        "position_title": cadre.position_title,
        "rank": cadre.rank,
    }


def own_progress(cadre_id: int) -> dict[str, Any]:
    """A cadre's first look at themselves: this year's 学时 against the requirement, the next
    milestone of their plan in force, the decided results of recent years and their newest
    光荣榜 honours."""
    from cadre_app.models.training import MilestoneState, PlanState
    from cadre_app.services.evaluations import queries as evaluations
    from cadre_app.services.honours import queries as honours
    from cadre_app.services.training import ledger, plans

    today = clock.today()
    hours = ledger.cadre_hours(cadre_id, today.year)
    plan = plans.plan_for_profile(cadre_id, include_draft=False)
    upcoming = (
        sorted(
            (
                m
                for m in plan.milestones
                if m.state not in (MilestoneState.DONE, MilestoneState.DROPPED)
            ),
            key=lambda m: (m.due_date, m.id),
        )
        if plan is not None and plan.state is PlanState.ACTIVE
        else []
    )
    milestone = upcoming[0] if upcoming else None
    return {
        "year": today.year,
        "hours": hours,
        "milestone": milestone,
        "milestone_overdue": milestone is not None and milestone.due_date < today,
        "plan_id": plan.id if plan is not None else None,
        "results": evaluations.recent_grades(cadre_id, today=today),
        "honours": honours.of_cadres([cadre_id]).get(cadre_id, [])[:3],
    }
