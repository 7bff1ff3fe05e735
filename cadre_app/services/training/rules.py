"""Pure rules of training (DOMAIN.md, Training). No database, no Flask: each takes the
settings dict (``DEFAULT_SETTINGS`` shape) it is to apply.

- A course is passed (结业) unless leave exceeds 1/7 of its 学时; a passed course earns the
  hours attended (学时 − 请假学时), a course not passed earns nothing.
- Yearly requirement for 乡科级 and staff at 一级主任科员 or below: 90 学时; for 县处级 and
  四级调研员 up: 550 学时 over 5 years. 网络培训 counts for at most ``online_share_pct`` of the
  requirement.
- 业务微讲座: speaker and attendees earn configured 学时; 策论 graded 合格 or better earns
  configured 学时.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from cadre_app.models import enums

#: Settings key (services.core.settings) and its defaults. Changes append a version.
SETTINGS_KEY = "training"
DEFAULT_SETTINGS: dict[str, Any] = {
    # 乡科级 and 一级主任科员 or below: yearly requirement in 学时.
    "annual_hours": 90,
    # 县处级 and 四级调研员 up: hours over a window of years.
    "senior_hours": 550,
    "senior_window_years": 5,
    # 网络培训 counts for at most this share of the (yearly) requirement, in percent.
    "online_share_pct": 50,
    # Leave above this fraction of a course's 学时 fails the course (1/7).
    "leave_limit": [1, 7],
    # 学时 credits.
    "lecture_speaker_hours": 4,
    "lecture_attendee_hours": 1,
    "essay_hours": 8,
    # From this day of the year (month, day) cadres behind show as a warning.
    "behind_warning_from": [10, 1],
    # A training day counts at most this many 学时 (import check).
    "max_hours_per_day": 8,
    # Development plans: months between reviews.
    "review_interval_months": 3,
}

ONE_PLACE = Decimal("0.1")


def hours(value: Any) -> Decimal:
    """学时 as a Decimal with one place."""
    return Decimal(str(value)).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def leave_fraction(settings: Mapping[str, Any]) -> Fraction:
    num, den = settings.get("leave_limit", DEFAULT_SETTINGS["leave_limit"])
    return Fraction(int(num), int(den))


def passes(course_hours: Decimal, leave_hours: Decimal, settings: Mapping[str, Any]) -> bool:
    """结业 unless leave exceeds the limit (exactly 1/7 still passes)."""
    limit = leave_fraction(settings)
    return Fraction(str(leave_hours)) <= limit * Fraction(str(course_hours))


@dataclass(frozen=True)
class Outcome:
    passed: bool
    attended: Decimal
    earned: Decimal


def course_outcome(
    course_hours: Decimal,
    leave_hours: Decimal,
    settings: Mapping[str, Any],
    passed_given: bool | None = None,
) -> Outcome:
    """What one participant's attendance earns. ``passed_given`` (是否结业 stated on a
    workbook or by HR) overrides the derived 结业 only toward *not* passing or when no rule
    applies; a stated 是 over the leave limit is refused earlier (import/form)."""
    attended = hours(Decimal(course_hours) - Decimal(leave_hours))
    passed = passes(course_hours, leave_hours, settings)
    if passed_given is not None:
        passed = passed and passed_given
    return Outcome(passed, attended, attended if passed else Decimal("0.0"))


#: 领导职务 at which the 5-year requirement applies (县处级 and up).
SENIOR_LEADERSHIP_PREFIXES = ("县处级", "厅局级")


def is_senior(rank: str | None, leadership_level: str | None = None) -> bool:
    """县处级 and 四级调研员 up: the 5-year requirement applies. A cadre is senior by 职级
    (四级调研员 or higher on the ladder) or by 领导职务 (县处级 or 厅局级 posts)."""
    for level in (rank, leadership_level):
        if level and level.startswith(SENIOR_LEADERSHIP_PREFIXES):
            return True
    return enums.rank_index(rank) >= enums.rank_index(enums.COUNTY_RANK_FLOOR)


@dataclass(frozen=True)
class Requirement:
    hours: Decimal
    window: tuple[int, int]  # first and last year, inclusive

    @property
    def years(self) -> int:
        return self.window[1] - self.window[0] + 1


def requirement(
    rank: str | None,
    year: int,
    settings: Mapping[str, Any],
    leadership_level: str | None = None,
) -> Requirement:
    """The requirement that ``year`` falls in: one year for 乡科级 and below; for seniors the
    5-year window ending with ``year`` (a rolling window: the hours of the last 5 years)."""
    if is_senior(rank, leadership_level):
        n = int(settings["senior_window_years"])
        return Requirement(hours(settings["senior_hours"]), (year - n + 1, year))
    return Requirement(hours(settings["annual_hours"]), (year, year))


def online_cap(req: Requirement, settings: Mapping[str, Any]) -> Decimal:
    return hours(req.hours * Decimal(int(settings["online_share_pct"])) / 100)


def counted_total(online: Decimal, other: Decimal, cap: Decimal) -> Decimal:
    """Earned 学时 that count: online hours up to the cap, plus everything else."""
    return hours(min(Decimal(online), cap) + Decimal(other))


def shortfall(required: Decimal, counted: Decimal) -> Decimal:
    return hours(max(Decimal(0), Decimal(required) - Decimal(counted)))


def lecture_credit(is_speaker: bool, settings: Mapping[str, Any]) -> Decimal:
    key = "lecture_speaker_hours" if is_speaker else "lecture_attendee_hours"
    return hours(settings[key])


ESSAY_RANK = {"优秀": 4, "良好": 3, "合格": 2, "不合格": 1}
_BY_RANK = {v: k for k, v in ESSAY_RANK.items()}


def essay_grade(grades: Iterable[str]) -> str | None:
    """The final grade from two or more reviewers' grades (None until two have graded).

    Rule (stated on the page): the mean of the grades (优秀 4, 良好 3, 合格 2, 不合格 1),
    rounded *down* to a grade, so a split between two grades gives the lower; but if half or
    more of the reviewers give 不合格, the essay is 不合格.
    """
    values = [ESSAY_RANK[g] for g in grades]
    if len(values) < 2:
        return None
    if sum(1 for v in values if v == 1) * 2 >= len(values):
        return "不合格"
    return _BY_RANK[sum(values) // len(values)]


def essay_credit(grade: str | None, settings: Mapping[str, Any]) -> Decimal:
    if grade in ("优秀", "良好", "合格"):
        return hours(settings["essay_hours"])
    return Decimal("0.0")


def max_hours_for(start: date, end: date, settings: Mapping[str, Any]) -> Decimal:
    """The most 学时 a course of these dates can hold (8 a calendar day by default)."""
    days = (end - start).days + 1
    return hours(days * int(settings["max_hours_per_day"]))


def behind_warning_active(today: date, settings: Mapping[str, Any]) -> bool:
    month, day = settings["behind_warning_from"]
    return (today.month, today.day) >= (int(month), int(day))
