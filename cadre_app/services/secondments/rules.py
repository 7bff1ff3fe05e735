"""Pure rules of secondments (DOMAIN.md, Secondment). No database, no Flask.

- The state machine: which step may follow which, and what each step needs (an extension a new
  end date after the current one and a reason; a recall a reason and the day back; archiving a
  grade and HR's conclusion).
- Periods: ``[start, end]`` with both days inside. Two periods overlap when each starts on or
  before the other's end, so ending the day before another starts is allowed and ending the
  same day is not. A cancelled secondment holds no period.
- The 简历 line written on 归档: ``YYYY.MM--YYYY.MM`` and words that say what the cadre did.
- Warnings: ending within ``warn_days`` (default 30) and the appraisal overdue (not archived
  ``appraisal_due_days`` after the end).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _

from cadre_app.models.secondments import (
    ACTIVE_STATES,
    APPRAISAL_GRADES,
    HOST_TYPES,
    SECONDMENT_KINDS,
    SecondmentState,
)

S = SecondmentState

#: Settings key (services.core.settings) and its defaults. Changes append a version.
SETTINGS_KEY = "secondments"
DEFAULT_SETTINGS: dict[str, Any] = {
    # The longest secondment, in years (import and form check; an extension too).
    "max_years": 3,
    # A secondment ending within this many days shows as a warning.
    "warn_days": 30,
    # The appraisal is overdue when not archived this many days after the end.
    "appraisal_due_days": 30,
}

#: Allowed steps: from state -> the states it may go to.
TRANSITIONS: dict[SecondmentState, tuple[SecondmentState, ...]] = {
    S.PROPOSED: (S.APPROVED, S.CANCELLED),
    S.APPROVED: (S.ON_POST, S.CANCELLED),
    S.ON_POST: (S.EXTENDED, S.RECALLED, S.APPRAISAL),
    S.EXTENDED: (S.EXTENDED, S.RECALLED, S.APPRAISAL),
    S.RECALLED: (S.APPRAISAL,),
    S.APPRAISAL: (S.ARCHIVED,),
    S.ARCHIVED: (),
    S.CANCELLED: (),
}

#: States whose secondment still holds its period (for the overlap rule).
HOLDS_PERIOD = tuple(s for s in SecondmentState if s is not S.CANCELLED)


class TransitionRefused(ValueError):
    """A step the state machine does not allow, or one missing what it needs (message in
    Chinese, for the user)."""


def allowed_targets(state: SecondmentState) -> tuple[SecondmentState, ...]:
    return TRANSITIONS[state]


def is_active(state: SecondmentState) -> bool:
    return state in ACTIVE_STATES


@dataclass(frozen=True)
class Step:
    """What a transition brings: a reason, a new planned end (延期), the day back (召回,
    期满鉴定), the appraisal's grade and HR's conclusion (归档)."""

    reason: str | None = None
    new_end: date | None = None
    actual_end: date | None = None
    grade: str | None = None
    conclusion: str | None = None


def check_transition(
    state: SecondmentState,
    target: SecondmentState,
    *,
    start: date,
    planned_end: date,
    step: Step,
    today: date,
    settings: Mapping[str, Any] = DEFAULT_SETTINGS,
) -> None:
    """Raise TransitionRefused unless ``state`` may go to ``target`` with ``step``."""
    if target not in TRANSITIONS[state]:
        raise TransitionRefused(
            _("不能从“%(old)s”转为“%(new)s”。", old=state.label, new=target.label)
        )
    reason = (step.reason or "").strip()
    if target is S.EXTENDED:
        if step.new_end is None:
            raise TransitionRefused(_("延期须填写新的结束日期。"))
        if step.new_end <= planned_end:
            raise TransitionRefused(
                _("新的结束日期须晚于原计划结束日期 %(day)s。", day=planned_end.isoformat())
            )
        check_length(start, step.new_end, settings)
        if not reason:
            raise TransitionRefused(_("延期须填写原因。"))
    elif target is S.RECALLED:
        if not reason:
            raise TransitionRefused(_("提前召回须填写原因。"))
        back = step.actual_end or today
        if back < start:
            raise TransitionRefused(_("召回日期不能早于开始日期。"))
        if back >= planned_end:
            raise TransitionRefused(_("召回日期须早于计划结束日期；到期结束请转入期满鉴定。"))
    elif target is S.APPRAISAL:
        back = step.actual_end or planned_end
        if back < start:
            raise TransitionRefused(_("实际结束日期不能早于开始日期。"))
    elif target is S.ARCHIVED:
        if step.grade not in APPRAISAL_GRADES:
            raise TransitionRefused(_("归档前须填写鉴定等次（优秀、称职、基本称职、不称职）。"))
        if not (step.conclusion or "").strip():
            raise TransitionRefused(_("归档前须填写组织人事部门意见。"))
    elif target is S.CANCELLED and not reason:
        raise TransitionRefused(_("撤销须填写原因。"))


# --- periods --------------------------------------------------------------------------------


def overlaps(start_a: date, end_a: date, start_b: date, end_b: date) -> bool:
    """True when the two periods share a day (both ends inside)."""
    return start_a <= end_b and start_b <= end_a


@dataclass(frozen=True)
class Period:
    """A secondment's period as the overlap rule sees it; ``label`` names it in a message."""

    start: date
    end: date
    label: str
    key: Any = None  # the secondment's id, or a workbook row number


def first_overlap(start: date, end: date, others: Iterable[Period]) -> Period | None:
    """The earliest of ``others`` that overlaps ``[start, end]``, or None."""
    hits = [p for p in others if overlaps(start, end, p.start, p.end)]
    return min(hits, key=lambda p: (p.start, p.end)) if hits else None


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def check_length(start: date, end: date, settings: Mapping[str, Any] = DEFAULT_SETTINGS) -> None:
    """Raise TransitionRefused when the end is before the start or the period is longer than
    ``max_years`` (ending on the day before the same date ``max_years`` later is the most)."""
    if end < start:
        raise TransitionRefused(_("结束日期不能早于开始日期。"))
    years = int(settings.get("max_years", DEFAULT_SETTINGS["max_years"]))
    if end >= add_years(start, years):
        raise TransitionRefused(_("挂职时间不能超过 %(years)s 年。", years=years))


def check_vocabulary(kind: str, host_type: str) -> None:
    if kind not in SECONDMENT_KINDS:
        raise TransitionRefused(
            _("类别“%(kind)s”不在 %(known)s 之中。", kind=kind, known="、".join(SECONDMENT_KINDS))
        )
    if host_type not in HOST_TYPES:
        raise TransitionRefused(
            _(
                "单位类型“%(kind)s”不在 %(known)s 之中。",
                kind=host_type,
                known="、".join(HOST_TYPES),
            )
        )


# --- the 简历 line --------------------------------------------------------------------------


def resume_description(kind: str, host_unit: str, post: str | None) -> str:
    """What the 简历 line says after the dates, e.g. ``挂职任××县财政局副局长``."""
    post = (post or "").strip()
    host_unit = host_unit.strip()
    if kind in ("上挂", "下派", "外派"):
        return f"挂职任{host_unit}{post}" if post else f"在{host_unit}挂职锻炼"
    if kind == "岗位实践锻炼":
        return f"在{host_unit}{post}岗位实践锻炼" if post else f"在{host_unit}岗位实践锻炼"
    if kind == "跟班学习":
        return f"在{host_unit}跟班学习"
    if kind == "驻村":
        return f"驻{host_unit}{post}" if post else f"驻{host_unit}工作"
    return f"在{host_unit}{post}"


def resume_line(start: date, end: date, kind: str, host_unit: str, post: str | None) -> str:
    """The whole 简历 line: ``2025.03--2026.03 挂职任××县财政局副局长``."""
    return f"{start:%Y.%m}--{end:%Y.%m} {resume_description(kind, host_unit, post)}"


# --- warnings -------------------------------------------------------------------------------


def ends_soon(
    state: SecondmentState,
    end: date,
    today: date,
    settings: Mapping[str, Any] = DEFAULT_SETTINGS,
) -> bool:
    """On post (在岗 or 延期) and ending within ``warn_days`` (today included)."""
    days = int(settings.get("warn_days", DEFAULT_SETTINGS["warn_days"]))
    return state in (S.ON_POST, S.EXTENDED) and today <= end <= today + timedelta(days=days)


def appraisal_due(end: date, settings: Mapping[str, Any] = DEFAULT_SETTINGS) -> date:
    days = int(settings.get("appraisal_due_days", DEFAULT_SETTINGS["appraisal_due_days"]))
    return end + timedelta(days=days)


def appraisal_overdue(
    state: SecondmentState,
    end: date,
    today: date,
    settings: Mapping[str, Any] = DEFAULT_SETTINGS,
) -> bool:
    """Ended, not archived (nor cancelled), and past the appraisal's due day."""
    if state in (S.ARCHIVED, S.CANCELLED, S.PROPOSED, S.APPROVED):
        return False
    return today > appraisal_due(end, settings)
