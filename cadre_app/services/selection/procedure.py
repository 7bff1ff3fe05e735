"""The procedure of a selection round as pure rules (DOMAIN.md, "Selection"): the order of
the stages, the 讨论决定 quorum and majority, the 任前公示 period and the 试用期.

Every function takes plain values and returns plain values or a sentence, so that the page
can say in words why a decision is valid or not; nothing here reads the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _

from cadre_app.models.enums import LEADERSHIP_LEVELS
from cadre_app.models.selection import Stage
from cadre_app.services.core import workdays

#: The stages in order (models.selection.Stage lists them so).
ORDER: tuple[Stage, ...] = tuple(Stage)
#: 任前公示 lasts at least this many working days (start and end day included).
PUBLICITY_WORKDAYS = 5
#: 试用期 of a first appointment to a leading post, in months.
PROBATION_MONTHS = 12
#: Once appointed, the cadre's record has changed: the round cannot go back from here.
NO_GOING_BACK = (Stage.APPOINTMENT, Stage.PROBATION, Stage.CONFIRMED)
PROBATION_OUTCOMES = ("转正", "免去试任职务")


class StepRefused(ValueError):
    """A step the procedure does not allow; the message says why (Chinese, translated)."""


def next_stage(stage: Stage) -> Stage | None:
    """The stage after ``stage``; None after the last."""
    index = ORDER.index(Stage(stage))
    return ORDER[index + 1] if index + 1 < len(ORDER) else None


def previous_stage(stage: Stage) -> Stage | None:
    """The stage before ``stage``; None for the first."""
    index = ORDER.index(Stage(stage))
    return ORDER[index - 1] if index > 0 else None


def check_step(current: Stage, target: Stage, *, reason: str | None = None) -> bool:
    """Whether moving from ``current`` to ``target`` goes back (True) or on (False). Only the
    next stage may follow (none is skipped); going back is one stage, with a reason, and
    never once the appointment took effect. Raises StepRefused otherwise."""
    current, target = Stage(current), Stage(target)
    if target == next_stage(current):
        return False
    if target == previous_stage(current):
        if current in NO_GOING_BACK:
            raise StepRefused(_("任职已生效，不能再退回上一阶段。"))
        if not (reason or "").strip():
            raise StepRefused(_("退回上一阶段须说明原因。"))
        return True
    if target == current:
        raise StepRefused(_("选任工作已处于“%(stage)s”阶段。", stage=target.label))
    if ORDER.index(target) > ORDER.index(current):
        raise StepRefused(
            _(
                "不能跳过阶段：“%(current)s”之后是“%(next)s”，不能直接进入“%(target)s”。",
                current=current.label,
                next=next_stage(current).label,  # type: ignore[union-attr]
                target=target.label,
            )
        )
    raise StepRefused(_("只能退回上一阶段（“%(stage)s”）。", stage=previous_stage(current).label))  # type: ignore[union-attr]


# --- 讨论决定 ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quorum:
    """Whether the meeting could decide: at least 2/3 of the members entitled present."""

    valid: bool
    needed: int  # members who must be present
    explanation: str


def quorum(entitled: int, present: int) -> Quorum:
    """At least two thirds of the 应到会成员 present (9 entitled: 6 needed; 6 of 9 is exactly
    2/3 and is enough). Compared in integers: 3 × present ≥ 2 × entitled."""
    if entitled <= 0:
        raise ValueError("entitled must be positive")
    if not 0 <= present <= entitled:
        raise ValueError("present must be between 0 and entitled")
    needed = -(-2 * entitled // 3)  # ceil(2/3 × entitled)
    valid = 3 * present >= 2 * entitled
    if valid:
        text = _(
            "应到会 %(entitled)d 人，实到会 %(present)d 人，达到应到会成员的三分之二（至少 "
            "%(needed)d 人），会议有效。",
            entitled=entitled,
            present=present,
            needed=needed,
        )
    else:
        text = _(
            "应到会 %(entitled)d 人，实到会 %(present)d 人，不足应到会成员的三分之二（至少 "
            "%(needed)d 人），会议不能作出决定。",
            entitled=entitled,
            present=present,
            needed=needed,
        )
    return Quorum(valid, needed, text)


@dataclass(frozen=True)
class Vote:
    """A candidate's result at the meeting."""

    passed: bool
    needed: int  # votes for needed to pass
    explanation: str


def majority(entitled: int, present: int, votes_for: int) -> Vote:
    """Passed only with more than half of ALL members entitled in favour (not of those
    present): 9 entitled need 5; 8 entitled need 5 (4 is exactly half and fails). A meeting
    without its quorum passes nobody."""
    if votes_for < 0 or votes_for > present:
        raise ValueError("votes_for must be between 0 and present")
    meeting = quorum(entitled, present)
    needed = entitled // 2 + 1
    if not meeting.valid:
        return Vote(False, needed, _("会议未达到法定人数，不能通过。"))
    if 2 * votes_for > entitled:
        return Vote(
            True,
            needed,
            _(
                "赞成 %(votes)d 票，超过应到会成员 %(entitled)d 人的半数（至少 %(needed)d 票），"
                "通过。",
                votes=votes_for,
                entitled=entitled,
                needed=needed,
            ),
        )
    return Vote(
        False,
        needed,
        _(
            "赞成 %(votes)d 票，未超过应到会成员 %(entitled)d 人的半数（至少 %(needed)d 票），"
            "未通过。",
            votes=votes_for,
            entitled=entitled,
            needed=needed,
        ),
    )


# --- 任前公示 ----------------------------------------------------------------------------------


def working_days_between(start: date, end: date, overrides: dict[date, bool]) -> int:
    """Working days from ``start`` to ``end``, both included."""
    count, day = 0, start
    while day <= end:
        if workdays.is_workday(day, overrides):
            count += 1
        day += timedelta(days=1)
    return count


def earliest_publicity_end(start: date, overrides: dict[date, bool]) -> date:
    """The first end date that gives ``PUBLICITY_WORKDAYS`` working days, start included
    (a Monday start in an ordinary week: Friday)."""
    first = workdays.roll_forward(start, overrides)
    return workdays.add_workdays(first, PUBLICITY_WORKDAYS - 1, overrides)


def check_publicity(start: date, end: date, overrides: dict[date, bool]) -> str | None:
    """None when [start, end] is a valid 公示期, else why not (in words)."""
    if end < start:
        return _("公示结束日期不能早于开始日期。")
    count = working_days_between(start, end, overrides)
    if count < PUBLICITY_WORKDAYS:
        return _(
            "公示期 %(start)s 至 %(end)s 只有 %(n)d 个工作日，不少于 %(min)d 个工作日，"
            "最早可于 %(earliest)s 结束。",
            start=start.isoformat(),
            end=end.isoformat(),
            n=count,
            min=PUBLICITY_WORKDAYS,
            earliest=earliest_publicity_end(start, overrides).isoformat(),
        )
    return None


def appointment_refusal(
    today: date, publicity_end: date | None, unhandled_objections: int
) -> str | None:
    """Why 任职 cannot happen yet (None when it can): before the 公示 ends, or while an
    objection has not been handled."""
    if publicity_end is None:
        return _("尚未登记任前公示的起止日期。")
    if today < publicity_end:
        return _("任前公示至 %(end)s 结束，公示期满前不能任职。", end=publicity_end.isoformat())
    if unhandled_objections:
        return _(
            "还有 %(n)d 条公示期间收到的反映未处理完毕，处理后才能任职。", n=unhandled_objections
        )
    return None


# --- 试用期 ------------------------------------------------------------------------------------


def probation_applies(post_kind: str, target_level: str, current_level: str | None) -> bool:
    """A 试用期 for a first appointment to a leading post: a 领导职务 position whose level is
    above the cadre's current 领导职务 (or the cadre holds none). A 职级 position, or a
    leading post at the same level (a transfer), has none."""
    if post_kind != "领导职务" or target_level not in LEADERSHIP_LEVELS:
        return False
    if current_level not in LEADERSHIP_LEVELS:
        return True
    return LEADERSHIP_LEVELS.index(target_level) > LEADERSHIP_LEVELS.index(current_level)


def probation_end(appointed_on: date) -> date:
    """One year after the appointment (the day before the anniversary is the last day)."""
    return workdays.add_months(appointed_on, PROBATION_MONTHS) - timedelta(days=1)


def probation_refusal(outcome: str, today: date, end: date | None) -> str | None:
    """Why the 试用期 decision cannot be recorded (None when it can): 转正 only once the
    试用期 is over; 免去试任职务 at any time (found not suited during it)."""
    if outcome not in PROBATION_OUTCOMES:
        return _("请选择试用期满的结论（转正或免去试任职务）。")
    if outcome == "转正" and end is not None and today <= end:
        return _("试用期至 %(end)s 届满，届满后才能转正。", end=end.isoformat())
    return None
