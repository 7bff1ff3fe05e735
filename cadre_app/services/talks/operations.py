"""Talks (谈话, DOMAIN.md): creation by hand, deadlines in working days, the state machine,
the record with optimistic locking, overdue rules and the holiday calendar; the list of
talks is services.talks.queries.

Services flush and never commit; the view or command owns the transaction. Every change is
written to the audit log, which is also the talk's history of state changes.

Times a person enters (约谈时间, 谈话时间) are stored as entered (local wall-clock time);
deadlines are dates. A deadline is fixed when it is computed: a later change of the holiday
calendar does not move deadlines already set (the value in force is the one recorded).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import TALK_KINDS, TALK_SOURCES, AuditEvent, Cadre, Talk, TalkState
from cadre_app.services.core import audit, conflicts, workdays
from cadre_app.services.talks.rules import (  # noqa: F401  (also read as operations.X)
    ADMONITION,
    ADMONITION_MONTHS,
    BEFORE_HELD,
    INQUIRY,
    INQUIRY_REPLY_WORKDAYS,
    ORGANISATION_FIELDS,
    RECORD_FIELDS,
    REMINDER,
    REPLY_KINDS,
    SELF_EXAMINATION_WORKDAYS,
    SNAPSHOT_FIELDS,
    STATE_NAMES,
    TALK_DUE_DAYS,
    TEXT_FIELDS,
    TRANSITIONS,
    S,
    admonition_effects,
    allowed_targets,
    days_overdue,
    deadline_field,
    deadline_of,
    is_overdue,
    needs_confirmation,
    needs_reply,
    step_fields,
)


class TalkError(ValueError):
    """A rule was broken; ``errors`` are (field or None, Chinese message) pairs."""

    def __init__(self, errors: list[tuple[str | None, str]]):
        super().__init__(" ".join(message for _field, message in errors))
        self.errors = errors


#: The edit-conflict error of every domain (services.core.conflicts).
VersionConflict = conflicts.VersionConflict


class AlreadyDone(Exception):
    """The same move was already made (a form posted twice); nothing to do."""


class DuplicateTalk(Exception):
    """An open talk of the same kind, subject and 事由 exists (a form posted twice)."""

    def __init__(self, talk: Talk):
        super().__init__(f"duplicate of talk {talk.id}")
        self.talk = talk


# --- deadlines from the database calendar -----------------------------------------------------


def _roll_forward(day: date) -> date:
    return workdays.roll_forward(day, workdays.overrides_between(day, day + timedelta(days=60)))


def due_date(kind: str, opened: date, scheduled_at: datetime | None) -> date:
    """The one due-date rule of a talk, by hand or opened by another domain: a 提醒谈话 is due
    30 days (TALK_DUE_DAYS) after it is opened; another kind on its scheduled day, or in 30
    days while none is set; always a working day."""
    if kind != REMINDER and scheduled_at is not None:
        return _roll_forward(scheduled_at.date())
    return workdays.deadline(opened, days=TALK_DUE_DAYS)


def opened_on(talk: Talk) -> date:
    """The office's date on which ``talk`` was opened (``created_at`` is naive UTC): the day
    its deadline counts from, at creation and whenever it is worked out again."""
    return talk.created_at.replace(tzinfo=UTC).astimezone(clock.zone()).date()


def _set_reply_deadlines(talk: Talk) -> None:
    """函询: reply within 15 working days after it is sent. 诫勉谈话: written self-examination
    within 5 working days after the talk; follow-up 6 months after it."""
    if talk.held_at is None or talk.kind not in REPLY_KINDS:
        return
    held = talk.held_at.date()
    if talk.kind == INQUIRY:
        talk.reply_due_date = workdays.deadline(held, workdays=INQUIRY_REPLY_WORKDAYS)
    else:
        talk.reply_due_date = workdays.deadline(held, workdays=SELF_EXAMINATION_WORKDAYS)
        talk.follow_up_due_date = _roll_forward(workdays.add_months(held, ADMONITION_MONTHS))


# --- checks -----------------------------------------------------------------------------------


def _labels() -> dict[str, str]:
    return {
        "kind": _("谈话种类"),
        "source": _("触发来源"),
        "subject_id": _("谈话对象"),
        "conductor_id": _("谈话人"),
        "conductor_name": _("谈话人姓名"),
        "conductor_unit": _("谈话人单位"),
        "conductor_post": _("谈话人职务"),
        "recorder_name": _("记录人姓名"),
        "recorder_unit": _("记录人单位"),
        "recorder_post": _("记录人职务"),
        "reason": _("事由"),
        "scheduled_at": _("约谈时间"),
        "held_at": _("谈话时间"),
        "place": _("地点"),
        "content": _("谈话内容"),
        "measures": _("整改措施"),
        "response": _("本人回复或书面检查"),
        "response_date": _("回复日期"),
        "follow_up_result": _("跟踪整改结果"),
        "follow_up_due_date": _("整改期限"),
        "note": _("办理意见"),
    }


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Strings stripped (empty -> None); other values as given."""
    return {k: (v.strip() or None) if isinstance(v, str) else v for k, v in values.items()}


def _check_values(values: dict[str, Any], errors: list[tuple[str | None, str]]) -> None:
    labels = _labels()
    for attr, limit in TEXT_FIELDS.items():
        value = values.get(attr)
        if value is not None and len(value) > limit:
            errors.append((attr, _("%(label)s不能超过 %(n)d 字。", label=labels[attr], n=limit)))
    if "kind" in values and values["kind"] not in TALK_KINDS:
        errors.append(("kind", _("谈话种类须为：%(k)s。", k="、".join(TALK_KINDS))))
    if "source" in values and values["source"] not in TALK_SOURCES:
        errors.append(("source", _("触发来源须为：%(s)s。", s="、".join(TALK_SOURCES))))


def _check_dates(talk: Talk, today: date, errors: list[tuple[str | None, str]]) -> None:
    if talk.held_at is not None and talk.held_at.date() > today:
        errors.append(("held_at", _("谈话时间不能晚于今天。")))
    if talk.response_date is not None:
        if talk.response_date > today:
            errors.append(("response_date", _("回复日期不能晚于今天。")))
        elif talk.held_at is not None and talk.response_date < talk.held_at.date():
            errors.append(("response_date", _("回复日期不能早于谈话日期。")))
    if (
        talk.follow_up_due_date is not None
        and talk.held_at is not None
        and talk.follow_up_due_date <= talk.held_at.date()
    ):
        errors.append(("follow_up_due_date", _("整改期限须晚于谈话日期。")))


def _required_now(talk: Talk) -> list[str]:
    """Fields every state reached so far needs (an edit may not empty them)."""
    reached = {
        S.HELD: ["held_at", "content"],
        S.AWAITING_REPLY: ["held_at", "content"],
        S.FOLLOW_UP: ["held_at", "content", "measures"],
        S.CLOSED: ["held_at", "content"],
    }.get(talk.state, [])
    if talk.state in (S.PLANNED, S.APPROVED):
        reached = ["scheduled_at"]
    return reached


def _missing(talk: Talk, attrs: list[str], errors: list[tuple[str | None, str]]) -> None:
    labels = _labels()
    for attr in attrs:
        if getattr(talk, attr) in (None, ""):
            errors.append((attr, _("请填写%(label)s。", label=labels[attr])))


def snapshot(talk: Talk) -> dict[str, Any]:
    values = {attr: getattr(talk, attr) for attr in SNAPSHOT_FIELDS}
    values["state"] = S(talk.state).value
    return values


def _check_version(talk: Talk, expected: int, unchanged: bool) -> None:
    if not unchanged:
        conflicts.check_version(talk, expected, lambda: changes_since(talk.id, expected))


def _subject_label(talk: Talk) -> str:
    subject = talk.subject or db.session.get(Cadre, talk.subject_id)
    return f"{subject.staff_no} {subject.name} {talk.kind}" if subject else talk.kind


# --- create, edit, move -----------------------------------------------------------------------


def create_talk(values: dict[str, Any], *, actor: str | None, today: date) -> Talk:
    """Open a talk by hand (state 触发). ``values``: kind, source, subject_id, conductor_id or
    conductor_name/unit/post, recorder_name/unit/post, reason, scheduled_at, place. A known
    conductor's empty name, unit and post are taken from the roster. Raises TalkError, or
    DuplicateTalk when the same open talk exists."""
    values = _clean(values)
    errors: list[tuple[str | None, str]] = []
    _check_values({"kind": values.get("kind"), "source": values.get("source"), **values}, errors)
    subject = db.session.get(Cadre, values["subject_id"]) if values.get("subject_id") else None
    if subject is None:
        errors.append(("subject_id", _("请选择谈话对象（在名册中的干部）。")))
    _conductor_from_roster(values, errors)
    if subject is not None and values.get("conductor_id") == subject.id:
        errors.append(("conductor_id", _("谈话人不能是谈话对象本人。")))
    if not values.get("reason"):
        errors.append(("reason", _("请填写事由。")))
    if errors:
        raise TalkError(errors)
    existing = db.session.scalar(
        sa.select(Talk).where(
            Talk.subject_id == values["subject_id"],
            Talk.kind == values["kind"],
            Talk.reason == values["reason"],
            Talk.state.not_in([S.CLOSED, S.ESCALATED]),
        )
    )
    if existing is not None:
        raise DuplicateTalk(existing)
    talk = Talk(
        state=S.TRIGGERED,
        created_by=actor,
        **{k: values.get(k) for k in ("kind", "source", "subject_id", "reason", "place")},
        **{k: values.get(k) for k in ORGANISATION_FIELDS if k.startswith("conductor")},
        **{k: values.get(k) for k in ("recorder_name", "recorder_unit", "recorder_post")},
        scheduled_at=values.get("scheduled_at"),
    )
    talk.due_date = due_date(talk.kind, today, talk.scheduled_at)
    db.session.add(talk)
    db.session.flush()
    audit.record(
        "create",
        object_type="talk",
        object_id=talk.id,
        summary=f"{_subject_label(talk)}：{talk.reason}",
        after=snapshot(talk) | {"version": talk.version},
        actor_name=actor,
    )
    return talk


@dataclass(frozen=True)
class TalkOpening:
    """A talk another domain opens (an evaluation's 末位 提醒谈话): about ``subject_id``,
    conducted by ``conductor`` (a cadre of the roster, or nobody yet), linked to the
    ``evaluation_id`` that triggered it."""

    kind: str
    source: str
    subject_id: int
    reason: str
    conductor: Cadre | None = None
    evaluation_id: int | None = None


def open_talks(openings: list[TalkOpening], *, actor: str | None, today: date) -> list[Talk]:
    """Open the talks other domains trigger (state 触发), each due as a talk opened by hand
    on ``today`` (``due_date``), with one audit event each. The door through which another
    domain makes talks: never by building ``Talk`` rows itself."""
    dues: dict[str, date] = {}
    talks = []
    for opening in openings:
        if opening.kind not in dues:
            dues[opening.kind] = due_date(opening.kind, today, None)
        conductor = opening.conductor
        talk = Talk(
            kind=opening.kind,
            source=opening.source,
            subject_id=opening.subject_id,
            conductor_id=conductor.id if conductor else None,
            conductor_name=conductor.name if conductor else None,
            conductor_unit=conductor.department.name if conductor else None,
            conductor_post=conductor.position_title if conductor else None,
            reason=opening.reason,
            due_date=dues[opening.kind],
            state=S.TRIGGERED,
            evaluation_id=opening.evaluation_id,
            created_by=actor,
        )
        db.session.add(talk)
        talks.append(talk)
    db.session.flush()
    audit.record_many(
        [
            {
                "action": "create",
                "object_type": "talk",
                "object_id": talk.id,
                "summary": f"{talk.kind}：{talk.reason}",
            }
            for talk in talks
        ],
        actor_name=actor,
    )
    return talks


def open_talk(opening: TalkOpening, *, actor: str | None, today: date) -> Talk:
    """One talk another domain triggers; see ``open_talks``."""
    return open_talks([opening], actor=actor, today=today)[0]


def _conductor_from_roster(values: dict[str, Any], errors: list[tuple[str | None, str]]) -> None:
    if not values.get("conductor_id"):
        values["conductor_id"] = None
        return
    conductor = db.session.get(Cadre, values["conductor_id"])
    if conductor is None:
        errors.append(("conductor_id", _("谈话人不在干部名册中。")))
        return
    values["conductor_name"] = values.get("conductor_name") or conductor.name
    values["conductor_unit"] = values.get("conductor_unit") or conductor.department.name
    values["conductor_post"] = values.get("conductor_post") or conductor.position_title


def update_talk(
    talk: Talk,
    values: dict[str, Any],
    *,
    expected_version: int,
    actor: str | None,
    today: date,
) -> dict[str, tuple[Any, Any]]:
    """Save record fields (RECORD_FIELDS, and ORGANISATION_FIELDS for HR) if nobody saved
    since ``expected_version``; a stale form whose values equal the saved ones is a repeat and
    changes nothing. Deadlines follow a corrected 谈话时间 or 约谈时间. Closed talks are
    read-only. Raises VersionConflict or TalkError. Returns what changed."""
    values = _clean(values)
    unknown = set(values) - set(RECORD_FIELDS) - set(ORGANISATION_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if talk.kind == ADMONITION:
        values.pop("follow_up_due_date", None)  # 6 months after the talk, not typed in
    changes = {
        attr: (getattr(talk, attr), new)
        for attr, new in values.items()
        if getattr(talk, attr) != new
    }
    _check_version(talk, expected_version, unchanged=not changes)
    if not changes:
        return {}
    if not S(talk.state).is_open:
        raise TalkError([(None, _("谈话已%(state)s，记录不能再修改。", state=talk.state.label))])
    errors: list[tuple[str | None, str]] = []
    _check_values(values, errors)
    if "conductor_id" in changes:
        for attr in ("conductor_name", "conductor_unit", "conductor_post"):
            untouched = values.get(attr, getattr(talk, attr)) == getattr(talk, attr)
            if untouched and values.get("conductor_id"):
                values[attr] = None  # the new conductor's own, from the roster
        _conductor_from_roster(values, errors)
        if values.get("conductor_id") == talk.subject_id:
            errors.append(("conductor_id", _("谈话人不能是谈话对象本人。")))
        changes = {a: (getattr(talk, a), v) for a, v in values.items() if getattr(talk, a) != v}
    if errors:
        raise TalkError(errors)
    before = snapshot(talk)
    for attr, (_old, new) in changes.items():
        setattr(talk, attr, new)
    _missing(talk, _required_now(talk), errors)
    _check_dates(talk, today, errors)
    if errors:
        raise TalkError(errors)
    if "scheduled_at" in changes and talk.state in BEFORE_HELD:
        talk.due_date = due_date(talk.kind, opened_on(talk), talk.scheduled_at)
    if "held_at" in changes and talk.state not in BEFORE_HELD:
        _set_reply_deadlines(talk)
    db.session.flush()  # a concurrent save surfaces here as StaleDataError (409)
    after = snapshot(talk)
    changed = {k for k in after if after[k] != before[k]}
    audit.record(
        "update",
        object_type="talk",
        object_id=talk.id,
        summary=f"{_subject_label(talk)} 修改记录",
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed} | {"version": talk.version},
        actor_name=actor,
    )
    return changes


def transition(
    talk: Talk,
    target: TalkState,
    values: dict[str, Any],
    *,
    expected_version: int,
    actor: str | None,
    today: date,
) -> None:
    """Move ``talk`` to ``target`` with the fields that step needs (``step_fields``) and an
    optional 办理意见 ``note`` (required for 升级处理). Deadlines are set when the talk is held.
    A repeat of the move just made raises AlreadyDone; another stale form VersionConflict;
    a move the table does not allow or a missing field TalkError."""
    values = _clean(values)
    if talk.version != expected_version:
        if talk.state is target:
            raise AlreadyDone()
        raise VersionConflict(talk, changes_since(talk.id, expected_version))
    origin = S(talk.state)
    if target not in allowed_targets(talk.kind, origin):
        raise TalkError([(None, _refusal(talk.kind, origin, target))])
    step = step_fields(talk.kind, origin, target)
    note = values.get("note")
    errors: list[tuple[str | None, str]] = []
    _check_values(values, errors)
    if note is not None and len(note) > 2000:
        errors.append(("note", _("办理意见不能超过 2000 字。")))
    if target is S.ESCALATED and not note:
        errors.append(("note", _("升级处理须写明原因。")))
    if target is S.PLANNED and not (talk.conductor_id or talk.conductor_name):
        errors.append(("conductor_id", _("拟办前请先在“编辑”中确定谈话人。")))
    if errors:
        raise TalkError(errors)
    before = snapshot(talk)
    for attr, _required in step:
        if attr in values:
            setattr(talk, attr, values[attr])
    _missing(talk, [attr for attr, required in step if required], errors)
    _check_dates(talk, today, errors)
    if (
        target is S.CLOSED
        and talk.kind == ADMONITION
        and talk.follow_up_due_date
        and today < talk.follow_up_due_date
    ):
        day = talk.follow_up_due_date.isoformat()
        errors.append((None, _("诫勉谈话须在 %(day)s 跟踪回访后才能办结。", day=day)))
    if errors:
        raise TalkError(errors)
    if target is S.PLANNED and talk.kind != REMINDER:
        talk.due_date = due_date(talk.kind, opened_on(talk), talk.scheduled_at)
    if target is S.HELD:
        _set_reply_deadlines(talk)
    talk.state = target
    db.session.flush()  # a concurrent save surfaces here as StaleDataError (409)
    after = snapshot(talk)
    extra: dict[str, Any] = {"note": note} if note else {}
    if target is S.HELD and talk.kind == ADMONITION and talk.held_at:
        extra["effects"] = admonition_effects(talk.held_at.date())
    changed = {k for k in after if after[k] != before[k]}
    audit.record(
        "update",
        object_type="talk",
        object_id=talk.id,
        summary=f"{_subject_label(talk)}：{STATE_NAMES[origin]} → {STATE_NAMES[target]}"
        + (f"（{note}）" if note else ""),
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed} | extra | {"version": talk.version},
        actor_name=actor,
    )


def _refusal(kind: str, origin: TalkState, target: TalkState) -> str:
    if not origin.is_open:
        return _("谈话已%(state)s，不能再变更状态。", state=origin.label)
    if target is S.AWAITING_REPLY and not needs_reply(kind):
        return _("%(kind)s不需要书面回复，不能进入“待回复”。", kind=kind)
    allowed = "、".join(t.label for t in allowed_targets(kind, origin))
    return _(
        "%(kind)s不能从“%(origin)s”转为“%(target)s”，可转为：%(allowed)s。",
        kind=kind,
        origin=origin.label,
        target=target.label,
        allowed=allowed,
    )


# --- a holiday added after deadlines were set ---------------------------------------------------


@dataclass(frozen=True)
class DeadlineMove:
    """An open talk whose running deadline falls on a day that became a holiday, with the
    next working day by the calendar as it is now."""

    talk_id: int
    version: int
    staff_no: str
    name: str
    kind: str
    state: TalkState
    field: str  # due_date, reply_due_date or follow_up_due_date
    current: date
    proposed: date


class DeadlinesChanged(Exception):
    """The talks to move are no longer those shown (moved, closed or edited meanwhile)."""


def deadlines_on(day: date) -> list[DeadlineMove]:
    """Open talks whose running deadline (``deadline_of``) is ``day``, by 工号: what adding
    ``day`` as a holiday should move (a deadline never falls on a holiday). Deadlines are
    fixed when computed, so the calendar change alone moves nothing."""
    running = sa.or_(
        sa.and_(Talk.state.in_(BEFORE_HELD), Talk.due_date == day),
        sa.and_(Talk.state.in_([S.HELD, S.AWAITING_REPLY]), Talk.reply_due_date == day),
        sa.and_(Talk.state == S.FOLLOW_UP, Talk.follow_up_due_date == day),
    )
    rows = db.session.execute(
        sa.select(Talk, Cadre.staff_no, Cadre.name)
        .join(Cadre, Cadre.id == Talk.subject_id)
        .where(running)
        .order_by(Cadre.staff_no, Talk.id)
    ).all()
    if not rows:
        return []
    proposed = _roll_forward(day)
    moves = []
    for talk, staff_no, name in rows:
        field = deadline_field(S(talk.state))
        assert field is not None  # only open states match
        moves.append(
            DeadlineMove(
                talk_id=talk.id,
                version=talk.version,
                staff_no=staff_no,
                name=name,
                kind=talk.kind,
                state=S(talk.state),
                field=field,
                current=day,
                proposed=proposed,
            )
        )
    return moves


def move_deadlines(day: date, expected: dict[int, int], *, actor: str | None) -> list[DeadlineMove]:
    """Move every deadline ``deadlines_on(day)`` lists to its proposed day, all or nothing:
    ``expected`` (talk id -> version) is what the person saw; when the list differs now
    (a talk moved, closed or edited meanwhile) DeadlinesChanged is raised and nothing moves.
    One audit event per talk, with the deadline before and after."""
    moves = deadlines_on(day)
    if {m.talk_id: m.version for m in moves} != expected:
        raise DeadlinesChanged()
    talks = {
        t.id: t for t in db.session.scalars(sa.select(Talk).where(Talk.id.in_(list(expected))))
    }
    for move in moves:
        talk = talks[move.talk_id]
        setattr(talk, move.field, move.proposed)
    db.session.flush()  # a concurrent save surfaces here as StaleDataError
    audit.record_many(
        [
            {
                "action": "update",
                "object_type": "talk",
                "object_id": move.talk_id,
                "summary": f"{move.staff_no} {move.name} {move.kind}：期限 {move.current} "
                f"遇节假日顺延至 {move.proposed}",
                "before": {move.field: move.current},
                "after": {move.field: move.proposed, "version": talks[move.talk_id].version},
            }
            for move in moves
        ],
        actor_name=actor,
    )
    return moves


# --- history ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime  # display time zone
    who: str | None
    summary: str | None  # the state change with its 办理意见, or the edit


def history(talk_id: int) -> list[HistoryEntry]:
    """The talk's audit events, oldest first: creation, edits and every state change."""
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == "talk", AuditEvent.object_id == str(talk_id))
        .order_by(AuditEvent.id)
    )
    return [
        HistoryEntry(
            when=e.occurred_at.replace(tzinfo=UTC).astimezone(clock.zone()),
            who=e.actor_name,
            summary=e.summary,
        )
        for e in events
    ]


def changes_since(talk_id: int, version: int) -> list[dict[str, Any]]:
    """What others saved after ``version``, from the audit log: who, when (office time),
    field, old, new; states by name."""
    labels = _labels() | {"state": _("状态"), "due_date": _("办理期限")}
    labels["reply_due_date"] = _("回复期限")

    def shown(attr: str, value: Any) -> Any:
        return S(value).label if attr == "state" and value else value

    return conflicts.changes_since(
        "talk",
        talk_id,
        version,
        labels=labels,
        ignore=("version", "effects"),
        shown=shown,
        when=lambda moment: moment.replace(tzinfo=UTC).astimezone(clock.zone()),
    )
