"""The reminders' rules, pure: when each warning is due, who is told, and the settings.

Warnings whose rule belongs to another domain use that domain's rule (one home per rule):
talks overdue (``talks.rules.is_overdue`` through ``talks.queries.overdue_sql``),
secondments ending or appraisals overdue (``secondments.rules``), milestones overdue
(``training.plan_rules.milestone_overdue``), the three-year decline
(``evaluations.operations.declining``). The rules here are the reminders' own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

SETTINGS_KEY = "reminders"
#: Days ahead each "ending soon" warning looks, and the month from which a cadre short of the
#: year's 学时 is warned (before it the year is young: hours come with the autumn courses).
#: Secondments ending soon use the secondments' own ``warn_days``.
DEFAULT_SETTINGS: dict[str, Any] = {
    "hours_from_month": 10,
    "milestone_days": 14,
    "probation_days": 30,
    "assessment_days": 3,
    "publicity_days": 2,
}

#: The kinds of warning, in the order the list shows them.
HOURS_BEHIND = "hours_behind"
TALK_OVERDUE = "talk_overdue"
SECONDMENT_ENDING = "secondment_ending"
APPRAISAL_OVERDUE = "appraisal_overdue"
MILESTONE_OVERDUE = "milestone_overdue"
MILESTONE_NEXT = "milestone_next"
PROBATION_ENDING = "probation_ending"
EVALUATION_DECLINE = "evaluation_decline"
ASSESSMENT_CLOSING = "assessment_closing"
PUBLICITY_ENDING = "publicity_ending"
KINDS = (
    HOURS_BEHIND,
    TALK_OVERDUE,
    SECONDMENT_ENDING,
    APPRAISAL_OVERDUE,
    MILESTONE_OVERDUE,
    MILESTONE_NEXT,
    PROBATION_ENDING,
    EVALUATION_DECLINE,
    ASSESSMENT_CLOSING,
    PUBLICITY_ENDING,
)
#: What a cadre is told about themselves (their hours and their plan's milestones).
CADRE_KINDS = frozenset({HOURS_BEHIND, MILESTONE_OVERDUE, MILESTONE_NEXT})
#: What a manager is told about their sections (talks: those they conduct, whatever the
#: section; selection rounds and assessments are HR's).
SECTION_KINDS = frozenset(
    {
        HOURS_BEHIND,
        SECONDMENT_ENDING,
        APPRAISAL_OVERDUE,
        MILESTONE_OVERDUE,
        EVALUATION_DECLINE,
    }
)


def merged(stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """The settings in force: the defaults under what was stored."""
    return {**DEFAULT_SETTINGS, **(stored or {})}


def hours_behind(short: Any, today: date, from_month: int) -> bool:
    """A cadre is warned of missing 学时 from the first day of ``from_month`` of the year
    (the requirement's year is ``today``'s), when anything is still missing."""
    return short > 0 and today >= date(today.year, from_month, 1)


def within(day: date, today: date, days: int) -> bool:
    """``day`` falls from today to ``days`` days ahead, both ends included: the rule of every
    "ending soon" warning (a publicity ending today still warns; one ended yesterday no
    longer: its step is the next one)."""
    return today <= day <= today + timedelta(days=days)


def probation_ending(end: date, today: date, days: int) -> bool:
    """试用期 ending within ``days``, or already ended without a decision (the round is still
    in 试用期): the 转正 or 免去试任职务 decision is due."""
    return end <= today + timedelta(days=days)


def next_milestone(dues: Iterable[date], today: date, days: int) -> date | None:
    """A cadre's next milestone to remind them of: the soonest unsettled one due from today
    to ``days`` ahead (overdue ones are a warning of their own)."""
    upcoming = sorted(d for d in dues if within(d, today, days))
    return upcoming[0] if upcoming else None


def key(kind: str, *parts: object) -> str:
    """The warning's key: its kind and the facts that make it this warning (a new deadline is
    a new warning, so a notification is sent again)."""
    return ":".join([kind, *(p.isoformat() if isinstance(p, date) else str(p) for p in parts)])


def concerns(
    *,
    kind: str,
    role: str,
    department_id: int | None,
    cadre_id: int | None,
    conductor_id: int | None,
    led_sections: Iterable[int],
    own_cadre_id: int | None,
) -> bool:
    """Whether a warning goes to a user: HR every warning; a manager those of their sections
    (of the ``SECTION_KINDS``) and the overdue talks they conduct; a cadre their own hours
    and milestones; nobody else (the admin and the auditor read no personnel data)."""
    if role == "hr":
        return True
    if role == "manager":
        if kind == TALK_OVERDUE:
            return conductor_id is not None and conductor_id == own_cadre_id
        return (
            kind in SECTION_KINDS
            and department_id is not None
            and (department_id in set(led_sections))
        )
    if role == "cadre":
        return kind in CADRE_KINDS and cadre_id is not None and cadre_id == own_cadre_id
    return False
