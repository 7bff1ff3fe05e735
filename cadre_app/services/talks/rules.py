"""Talks' rules without a database (DOMAIN.md, Talks): the kinds that need a written reply,
the state machine, the fields each move asks for, which deadline runs, overdue, and what a
诫勉谈话 entails. Plain functions of plain values (or of any object with a talk's attributes),
unit-tested without an app; services.talks.operations applies them to rows.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from cadre_app.models import TalkState
from cadre_app.services.core import workdays

S = TalkState
REMINDER, INQUIRY, ADMONITION = "提醒谈话", "函询", "诫勉谈话"
REPLY_KINDS = (INQUIRY, ADMONITION)  # a written reply: 函询 answer, 诫勉 self-examination
TALK_DUE_DAYS = 30  # a 提醒谈话 is due 30 days after it is opened, by hand or by a ranking
INQUIRY_REPLY_WORKDAYS = 15
SELF_EXAMINATION_WORKDAYS = 5
ADMONITION_MONTHS = 6  # 诫勉: no promotion for 6 months, follow-up after 6 months
BEFORE_HELD = (S.TRIGGERED, S.PLANNED, S.APPROVED)

#: The state machine: kind -> state -> next states. 升级处理 (with a reason) is open from every
#: open state and added by ``allowed_targets``. A 诫勉谈话 always ends with the 6-month
#: follow-up; a 函询 may be closed on a satisfactory reply.
_BEFORE = {S.TRIGGERED: (S.PLANNED,), S.PLANNED: (S.APPROVED,), S.APPROVED: (S.HELD,)}
TRANSITIONS: dict[str, dict[TalkState, tuple[TalkState, ...]]] = {
    INQUIRY: _BEFORE
    | {
        S.HELD: (S.AWAITING_REPLY,),
        S.AWAITING_REPLY: (S.FOLLOW_UP, S.CLOSED),
        S.FOLLOW_UP: (S.CLOSED,),
    },
    ADMONITION: _BEFORE
    | {S.HELD: (S.AWAITING_REPLY,), S.AWAITING_REPLY: (S.FOLLOW_UP,), S.FOLLOW_UP: (S.CLOSED,)},
    "other": _BEFORE | {S.HELD: (S.FOLLOW_UP, S.CLOSED), S.FOLLOW_UP: (S.CLOSED,)},
}
#: Chinese state names for the audit log (written in Chinese whatever the reader's language);
#: the same words as ``TalkState.label`` shows in Chinese, the plain words an office uses.
STATE_NAMES = {
    S.TRIGGERED: "待安排",
    S.PLANNED: "已约谈",
    S.APPROVED: "已审批",
    S.HELD: "已谈话",
    S.AWAITING_REPLY: "待回复",
    S.FOLLOW_UP: "整改中",
    S.CLOSED: "已办结",
    S.ESCALATED: "已升级处理",
}
#: Text fields and their longest values.
TEXT_FIELDS = dict.fromkeys(("conductor_name", "recorder_name"), 50) | dict.fromkeys(
    ("conductor_unit", "conductor_post", "recorder_unit", "recorder_post", "place"), 100
)
TEXT_FIELDS |= {"reason": 2000, "measures": 5000, "follow_up_result": 5000}
TEXT_FIELDS |= {"content": 10000, "response": 10000}
#: What the conductor writes down; HR may also change the organisational fields.
RECORD_FIELDS = (
    *("held_at", "place", "content", "measures", "response", "response_date"),
    *("recorder_name", "recorder_unit", "recorder_post", "follow_up_result"),
)
ORGANISATION_FIELDS = (
    *("source", "reason", "scheduled_at", "follow_up_due_date"),
    *("conductor_id", "conductor_name", "conductor_unit", "conductor_post"),
)
SNAPSHOT_FIELDS = ("kind", "subject_id", *ORGANISATION_FIELDS, *RECORD_FIELDS)
SNAPSHOT_FIELDS += ("due_date", "reply_due_date", "state")


def needs_reply(kind: str) -> bool:
    return kind in REPLY_KINDS


def allowed_targets(kind: str, state: TalkState) -> tuple[TalkState, ...]:
    """The states a talk of ``kind`` may move to from ``state``, 升级处理 last."""
    if not state.is_open:
        return ()
    table = TRANSITIONS.get(kind, TRANSITIONS["other"])
    return (*table.get(state, ()), S.ESCALATED)


#: Moves that cannot be undone (nothing leads back from 已办结 or 已升级处理): the page asks for
#: a ticked confirmation and the route refuses them without one.
IRREVERSIBLE_TARGETS = (S.CLOSED, S.ESCALATED)


def needs_confirmation(target: TalkState) -> bool:
    return target in IRREVERSIBLE_TARGETS


def step_fields(kind: str, state: TalkState, target: TalkState) -> tuple[tuple[str, bool], ...]:
    """The fields the move from ``state`` to ``target`` asks for, each with whether it is
    required (an optional 办理意见 ``note`` is always offered; 升级处理 requires it)."""
    fields: list[tuple[str, bool]] = []
    if target is S.PLANNED:
        fields += [("scheduled_at", True), ("place", False)]
    elif target is S.HELD:
        fields += [("held_at", True), ("place", False), ("content", True), ("measures", False)]
        fields += [("recorder_name", False), ("recorder_unit", False), ("recorder_post", False)]
    elif target in (S.FOLLOW_UP, S.CLOSED):
        if state is S.AWAITING_REPLY:
            fields += [("response", True), ("response_date", True)]
        if target is S.FOLLOW_UP:
            fields.append(("measures", True))
            if kind != ADMONITION:  # a 诫勉谈话 has its 6-month date already
                fields.append(("follow_up_due_date", True))
        elif state is S.FOLLOW_UP:
            fields.append(("follow_up_result", True))
    return tuple(fields)


def deadline_of(talk: Any) -> date | None:
    """The deadline that runs now: the talk's due date before it is held, the reply date
    after it (函询 answer, 诫勉 self-examination), the follow-up date in 跟踪整改; None when
    closed. Works on a Talk or on any object with the same attributes (a list row)."""
    state = S(talk.state)
    if state in BEFORE_HELD:
        return talk.due_date
    if state in (S.HELD, S.AWAITING_REPLY):
        return talk.reply_due_date
    if state is S.FOLLOW_UP:
        return talk.follow_up_due_date
    return None


def deadline_field(state: TalkState) -> str | None:
    """The attribute holding the deadline that runs in ``state`` (see ``deadline_of``)."""
    if state in BEFORE_HELD:
        return "due_date"
    if state in (S.HELD, S.AWAITING_REPLY):
        return "reply_due_date"
    if state is S.FOLLOW_UP:
        return "follow_up_due_date"
    return None


def is_overdue(talk: Any, today: date) -> bool:
    """Open and ``today`` is past the deadline that runs now (the deadline day itself is in
    time)."""
    deadline = deadline_of(talk)
    return deadline is not None and today > deadline


def days_overdue(talk: Any, today: date) -> int:
    """Calendar days past the running deadline, 0 when in time."""
    deadline = deadline_of(talk)
    return max((today - deadline).days, 0) if deadline else 0


def admonition_effects(held_on: date) -> dict[str, Any]:
    """What a 诫勉谈话 held on ``held_on`` entails: no 评优 in that year's evaluation and no
    promotion for 6 months: the period counted as 民法典 arts. 201–202 count it (and as
    selection's eligibility reads a held 诫勉谈话), the day held not counted, so the last day
    of the effect period is the same date 6 months later (promotion possible the day after)."""
    return {
        "no_excellence_year": held_on.year,
        "no_promotion_until": workdays.add_months(held_on, ADMONITION_MONTHS),
    }
