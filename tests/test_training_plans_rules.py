"""The pure rules of development plans (services.training.plan_rules): states only forward,
review and milestone due dates, progress."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cadre_app.models.training import MilestoneState as M
from cadre_app.models.training import PlanState as P
from cadre_app.services.training import plan_rules as r


@pytest.mark.parametrize(
    "origin, target",
    [(P.DRAFT, P.ACTIVE), (P.ACTIVE, P.DONE), (P.ACTIVE, P.STOPPED)],
)
def test_plans_move_forward_in_order(origin, target):
    assert r.may_move(origin, target)


@pytest.mark.parametrize(
    "origin, target",
    [
        (P.DRAFT, P.DONE),  # never in force
        (P.DRAFT, P.STOPPED),
        (P.ACTIVE, P.DRAFT),  # no way back
        (P.DONE, P.ACTIVE),
        (P.DONE, P.STOPPED),
        (P.STOPPED, P.ACTIVE),
        (P.STOPPED, P.DONE),
        (P.ACTIVE, P.ACTIVE),
    ],
)
def test_plans_refuse_moves_out_of_order(origin, target):
    assert not r.may_move(origin, target)


def test_closed_plans_allow_nothing_and_only_draft_and_active_are_open():
    assert r.allowed_targets(P.DONE) == () and r.allowed_targets(P.STOPPED) == ()
    assert [s for s in P if r.is_open(s)] == [P.DRAFT, P.ACTIVE]
    assert [s for s in P if r.visible_to_cadre(s)] == [P.ACTIVE, P.DONE, P.STOPPED]


def test_next_review_is_the_interval_after_the_last_review_or_the_start():
    assert r.next_review_due(date(2026, 1, 15), None, 3) == date(2026, 4, 15)
    assert r.next_review_due(date(2026, 1, 15), date(2026, 5, 2), 3) == date(2026, 8, 2)
    # clamped to the end of a shorter month
    assert r.next_review_due(date(2025, 11, 30), None, 3) == date(2026, 2, 28)
    assert r.next_review_due(date(2026, 1, 1), None, 12) == date(2027, 1, 1)


def test_a_review_is_overdue_the_day_after_it_is_due_and_only_in_force():
    start = date(2026, 1, 15)  # due 2026-04-15
    assert not r.review_overdue(P.ACTIVE, start, None, 3, date(2026, 4, 15))
    assert r.review_overdue(P.ACTIVE, start, None, 3, date(2026, 4, 16))
    assert not r.review_overdue(P.ACTIVE, start, date(2026, 4, 10), 3, date(2026, 4, 16))
    for state in (P.DRAFT, P.DONE, P.STOPPED):
        assert not r.review_overdue(state, start, None, 3, date(2030, 1, 1))


def test_a_milestone_is_overdue_past_its_due_date_unless_settled():
    due, today = date(2026, 6, 30), date(2026, 7, 1)
    assert r.milestone_overdue(P.ACTIVE, due, M.PENDING, today)
    assert r.milestone_overdue(P.ACTIVE, due, M.IN_PROGRESS, today)
    assert not r.milestone_overdue(P.ACTIVE, due, M.DONE, today)
    assert not r.milestone_overdue(P.ACTIVE, due, M.DROPPED, today)
    assert not r.milestone_overdue(P.ACTIVE, due, M.PENDING, due)  # due today: not yet
    assert not r.milestone_overdue(P.DRAFT, due, M.PENDING, today)
    assert not r.milestone_overdue(P.DONE, due, M.PENDING, today)


def test_progress_counts_done_out_of_all_but_dropped():
    assert r.progress([]) == (0, 0)
    assert r.progress([M.DONE, M.PENDING, M.IN_PROGRESS, M.DROPPED]) == (1, 3)
    assert r.progress([M.DONE, M.DONE]) == (2, 2)


def test_done_date_is_kept_only_for_done_milestones():
    today = date(2026, 7, 1)
    assert r.milestone_done_on(M.DONE, None, None, today) == today
    assert r.milestone_done_on(M.DONE, date(2026, 6, 1), None, today) == date(2026, 6, 1)
    assert r.milestone_done_on(M.DONE, None, date(2026, 5, 1), today) == date(2026, 5, 1)
    assert r.milestone_done_on(M.IN_PROGRESS, date(2026, 6, 1), date(2026, 5, 1), today) is None


def test_period_and_interval_checks():
    assert r.period_problem(None, date(2026, 1, 1)) == "missing"
    assert r.period_problem(date(2026, 2, 1), date(2026, 1, 31)) == "order"
    assert r.period_problem(date(2026, 1, 1), date(2026, 1, 1)) is None
    assert r.interval_ok(1) and r.interval_ok(24)
    assert not r.interval_ok(0) and not r.interval_ok(25) and not r.interval_ok(None)


@pytest.mark.parametrize("months", [1, 3, 6, 12, 24])
def test_the_overdue_cut_off_agrees_with_the_rule_day_by_day(months):
    """A database filters on ``base < overdue_base_before(today, n)``: the same answer as
    ``review_overdue`` for every base date, around month ends and leap days too."""
    for today in (date(2026, 3, 1), date(2026, 3, 31), date(2024, 2, 29), date(2026, 12, 31)):
        cut = r.overdue_base_before(today, months)
        for offset in range(-800, 40):
            base = today + timedelta(days=offset)
            expected = r.review_overdue(P.ACTIVE, base, None, months, today)
            assert (base < cut) is expected, (today, months, base)
