"""The reminders' own rules at their boundaries (pure, no app), and the rules borrowed from
other domains at the boundary the warnings rely on."""

from __future__ import annotations

from datetime import date

import pytest

from cadre_app.models import MilestoneState, PlanState, SecondmentState
from cadre_app.services.evaluations.operations import declining
from cadre_app.services.reminders import rules
from cadre_app.services.secondments import rules as secondment_rules
from cadre_app.services.training import plan_rules

TODAY = date(2026, 10, 15)


@pytest.mark.parametrize(
    ("today", "short", "expected"),
    [
        (date(2026, 9, 30), 10, False),  # the day before the month: not yet
        (date(2026, 10, 1), 10, True),  # from the first day of the month
        (date(2026, 12, 31), 10, True),
        (date(2026, 10, 1), 0, False),  # nothing missing
    ],
)
def test_hours_behind_from_the_month_on(today, short, expected):
    assert rules.hours_behind(short, today, 10) is expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 10, 14), False),  # ended yesterday: its step is the next one
        (date(2026, 10, 15), True),  # today
        (date(2026, 10, 17), True),  # the last day of the window
        (date(2026, 10, 18), False),  # one day beyond
    ],
)
def test_ending_within_n_days_includes_both_ends(day, expected):
    assert rules.within(day, TODAY, 2) is expected


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        (date(2026, 11, 14), True),  # 30 days ahead
        (date(2026, 11, 15), False),  # 31 days ahead
        (date(2026, 9, 1), True),  # ended, no decision yet
    ],
)
def test_probation_ending(end, expected):
    assert rules.probation_ending(end, TODAY, 30) is expected


def test_next_milestone_is_the_soonest_within_the_window():
    dues = [date(2026, 10, 29), date(2026, 10, 20), date(2026, 10, 30), date(2026, 10, 14)]
    assert rules.next_milestone(dues, TODAY, 14) == date(2026, 10, 20)
    assert rules.next_milestone([date(2026, 10, 29)], TODAY, 14) == date(2026, 10, 29)
    assert rules.next_milestone([date(2026, 10, 30)], TODAY, 14) is None  # 15 days ahead
    assert rules.next_milestone([date(2026, 10, 14)], TODAY, 14) is None  # overdue: another


def test_milestone_overdue_from_the_day_after_due():
    active, open_ = PlanState.ACTIVE, MilestoneState("pending")
    assert not plan_rules.milestone_overdue(active, TODAY, open_, TODAY)
    assert plan_rules.milestone_overdue(active, date(2026, 10, 14), open_, TODAY)
    assert not plan_rules.milestone_overdue(active, date(2026, 10, 14), MilestoneState.DONE, TODAY)


def test_three_year_decline_needs_three_strictly_falling_years():
    assert declining({2023: 90.0, 2024: 89.9, 2025: 89.8})
    assert not declining({2023: 90.0, 2024: 89.0, 2025: 89.0})  # level in the last year
    assert not declining({2023: 88.0, 2024: 89.0, 2025: 87.0})
    assert not declining({2024: 90.0, 2025: 80.0})  # two years only
    assert not declining({2022: 90.0, 2023: 85.0, 2025: 80.0})  # a missing year breaks it


def test_secondment_warnings_boundaries():
    s = secondment_rules.DEFAULT_SETTINGS
    days = int(s["warn_days"])
    on_post = SecondmentState.ON_POST
    assert secondment_rules.ends_soon(on_post, date.fromordinal(TODAY.toordinal() + days), TODAY)
    assert not secondment_rules.ends_soon(
        on_post, date.fromordinal(TODAY.toordinal() + days + 1), TODAY
    )
    due = int(s["appraisal_due_days"])
    end = date.fromordinal(TODAY.toordinal() - due)
    assert not secondment_rules.appraisal_overdue(SecondmentState.APPRAISAL, end, TODAY)
    before = date.fromordinal(end.toordinal() - 1)
    assert secondment_rules.appraisal_overdue(SecondmentState.APPRAISAL, before, TODAY)


def test_the_key_names_the_fact():
    assert rules.key("talk_overdue", 12, "planned", date(2026, 5, 1)) == (
        "talk_overdue:12:planned:2026-05-01"
    )


def _concerns(kind, role, *, department=1, cadre=7, conductor=None, led=(), own=None):
    return rules.concerns(
        kind=kind,
        role=role,
        department_id=department,
        cadre_id=cadre,
        conductor_id=conductor,
        led_sections=led,
        own_cadre_id=own,
    )


def test_who_is_told_what():
    for kind in rules.KINDS:
        assert _concerns(kind, "hr")
        assert not _concerns(kind, "admin")
        assert not _concerns(kind, "auditor")
    # a manager: their sections' warnings, not another section's, not HR's own kinds
    assert _concerns(rules.HOURS_BEHIND, "manager", led=(1,))
    assert not _concerns(rules.HOURS_BEHIND, "manager", led=(2,))
    assert not _concerns(rules.PROBATION_ENDING, "manager", department=None, led=(1,))
    assert not _concerns(rules.ASSESSMENT_CLOSING, "manager", led=(1,))
    # talks: the one who conducts them
    assert _concerns(rules.TALK_OVERDUE, "manager", conductor=5, own=5)
    assert not _concerns(rules.TALK_OVERDUE, "manager", conductor=5, own=6, led=(1,))
    # a cadre: their own hours and milestones only
    assert _concerns(rules.HOURS_BEHIND, "cadre", own=7)
    assert _concerns(rules.MILESTONE_NEXT, "cadre", own=7)
    assert not _concerns(rules.HOURS_BEHIND, "cadre", own=8)
    assert not _concerns(rules.EVALUATION_DECLINE, "cadre", own=7)
    assert not _concerns(rules.TALK_OVERDUE, "cadre", own=7, conductor=7)
