"""Pure rules of development plans (个人培养计划, DOMAIN.md Training). No database, no Flask.

- States move only forward: 草拟 → 生效 → 完成 | 中止. A plan in 完成 or 中止 is closed: it
  never moves again. A cadre has at most one open plan (草拟 or 生效) at a time.
- A review is due ``review_interval_months`` after the last review, or after the start of the
  period while there is none; it is overdue the day after that date, while the plan is 生效.
- A milestone is overdue when its due date is past and it is neither 已完成 nor 已取消, while
  the plan is 生效.
- Progress is milestones 已完成 out of those not 已取消.
- The cadre sees the plan once it is in force (a 草拟 is HR's working copy).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from cadre_app.models.training import MilestoneState, PlanState
from cadre_app.services.core.workdays import add_months

P = PlanState
M = MilestoneState

#: The moves each state allows, in the only order plans go.
TRANSITIONS: dict[PlanState, tuple[PlanState, ...]] = {
    P.DRAFT: (P.ACTIVE,),
    P.ACTIVE: (P.DONE, P.STOPPED),
    P.DONE: (),
    P.STOPPED: (),
}
#: A cadre has at most one plan in these states.
OPEN_STATES = (P.DRAFT, P.ACTIVE)
#: Milestones that count as settled (never overdue).
SETTLED = (M.DONE, M.DROPPED)
#: Bounds of the review interval a plan may set, in months.
INTERVAL_RANGE = (1, 24)


def allowed_targets(state: PlanState) -> tuple[PlanState, ...]:
    return TRANSITIONS[PlanState(state)]


def may_move(origin: PlanState, target: PlanState) -> bool:
    return PlanState(target) in allowed_targets(origin)


def is_open(state: PlanState) -> bool:
    return PlanState(state) in OPEN_STATES


def visible_to_cadre(state: PlanState) -> bool:
    """The cadre reads (and comments on) their plan from 生效 on, not the draft."""
    return PlanState(state) is not P.DRAFT


def next_review_due(period_start: date, last_review: date | None, interval_months: int) -> date:
    """The last review (or the start of the period) plus the interval."""
    return add_months(last_review or period_start, int(interval_months))


def review_overdue(
    state: PlanState, period_start: date, last_review: date | None, interval: int, today: date
) -> bool:
    """Only a plan in force waits for reviews; overdue the day after the due date."""
    if PlanState(state) is not P.ACTIVE:
        return False
    return next_review_due(period_start, last_review, interval) < today


def overdue_base_before(today: date, interval_months: int) -> date:
    """The date a review's base (the last review, else the start of the period) must be on or
    after for the review not to be overdue on ``today``: the review is overdue exactly when
    the base is earlier (``next_review_due`` grows with the base, so this is one cut-off, which
    lets a database filter on it)."""
    months = int(interval_months)
    cut = add_months(today, -months)
    while add_months(cut - timedelta(days=1), months) >= today:
        cut -= timedelta(days=1)
    while add_months(cut, months) < today:
        cut += timedelta(days=1)
    return cut


def milestone_overdue(plan_state: PlanState, due: date, state: MilestoneState, today: date) -> bool:
    return (
        PlanState(plan_state) is P.ACTIVE and MilestoneState(state) not in SETTLED and due < today
    )


def progress(states: Iterable[MilestoneState]) -> tuple[int, int]:
    """(done, counted): milestones 已完成, out of all but 已取消."""
    done = counted = 0
    for state in states:
        state = MilestoneState(state)
        if state is M.DROPPED:
            continue
        counted += 1
        done += state is M.DONE
    return done, counted


def milestone_done_on(
    state: MilestoneState, given: date | None, previous: date | None, today: date
) -> date | None:
    """The done date a milestone keeps: the date given (or the one it had, or today) when it
    is 已完成; none otherwise."""
    if MilestoneState(state) is not M.DONE:
        return None
    return given or previous or today


def period_problem(start: date | None, end: date | None) -> str | None:
    """A key of the problem with a plan's period, or None: ``missing``, ``order``."""
    if start is None or end is None:
        return "missing"
    if end < start:
        return "order"
    return None


def interval_ok(months: int | None) -> bool:
    return months is not None and INTERVAL_RANGE[0] <= months <= INTERVAL_RANGE[1]
