"""Every write to a selection round: create (动议), the stage steps (on, or back one stage
with a reason), 确定考察对象 and 考察 per candidate, the 讨论决定 meeting, 任前公示 with its
objections, 任职 (the cadre's post, rank, 简历 and the 任职谈话 through the roster and talks
domains) and the 试用期 decision. The rules are procedure.py's.

Services flush and never commit; the view owns the transaction. Every change is audited as
object type ``selection_round`` (the round's id); each stage step also makes a RoundEvent.
A form carries the version it was loaded at: a stale one raises VersionConflict, unless it
repeats what was just done (a form posted twice), which raises AlreadyDone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import flag_modified

from cadre_app.extensions import db
from cadre_app.models import Cadre
from cadre_app.models.selection import (
    Position,
    PublicityObjection,
    RoundCandidate,
    RoundEvent,
    SelectionRound,
    Stage,
)
from cadre_app.services.core import audit, conflicts, workdays
from cadre_app.services.selection import procedure

VersionConflict = conflicts.VersionConflict
OBJECT_TYPE = "selection_round"
TALK_KIND = "任职谈话"
TALK_SOURCE = "其他"
SNAPSHOT_FIELDS = (
    "title",
    "reason",
    "stage",
    "meeting_on",
    "members_entitled",
    "members_present",
    "publicity_start",
    "publicity_end",
    "appointed_on",
    "probation_end",
    "probation_outcome",
)


class RoundError(ValueError):
    """A rule was broken; ``errors`` are (field or None, message) pairs."""

    def __init__(self, errors: list[tuple[str | None, str]]):
        super().__init__(" ".join(message for _field, message in errors))
        self.errors = errors


class AlreadyDone(Exception):
    """The same change was already made (a form posted twice); nothing to do."""


def field_labels() -> dict[str, str]:
    return {
        "title": _("名称"),
        "reason": _("动议理由"),
        "stage": _("阶段"),
        "meeting_on": _("会议日期"),
        "members_entitled": _("应到会成员"),
        "members_present": _("实到会成员"),
        "publicity_start": _("公示开始日期"),
        "publicity_end": _("公示结束日期"),
        "appointed_on": _("任职日期"),
        "probation_end": _("试用期届满日期"),
        "probation_outcome": _("试用期结论"),
        "candidate": _("考察对象"),
        "inspected": _("确定为考察对象"),
        "inspection_notes": _("考察组意见"),
        "integrity_received": _("廉政意见已回复"),
        "votes": _("赞成票"),
        "objection": _("反映内容"),
        "handling": _("处理情况"),
        "version": _("版本"),
    }


def snapshot(round_: SelectionRound) -> dict[str, Any]:
    return {field: getattr(round_, field) for field in SNAPSHOT_FIELDS}


def changes_since(round_id: int, version: int) -> list[dict[str, Any]]:
    def shown(attr: str, value: Any) -> Any:
        return Stage(value).label if attr == "stage" and value else value

    return conflicts.changes_since(
        OBJECT_TYPE, round_id, version, labels=field_labels(), shown=shown
    )


def _audit(
    round_: SelectionRound,
    summary: str,
    before: dict[str, Any],
    *,
    actor: str | None,
    extra: dict[str, Any] | None = None,
    extra_before: dict[str, Any] | None = None,
) -> None:
    after = snapshot(round_)
    changed = {k for k in after if after[k] != before.get(k)}
    audit.record(
        "update",
        object_type=OBJECT_TYPE,
        object_id=round_.id,
        summary=f"{round_.title}：{summary}",
        before={k: before.get(k) for k in changed} | (extra_before or {}),
        after={k: after[k] for k in changed} | (extra or {}) | {"version": round_.version},
        actor_name=actor,
    )


def _check_version(round_: SelectionRound, expected: int, *, same: bool) -> None:
    """VersionConflict when someone saved since ``expected``; AlreadyDone when the change
    asked for is already there (``same``)."""
    if round_.version != expected:
        if same:
            raise AlreadyDone()
        raise VersionConflict(round_, changes_since(round_.id, expected))


def _touch(round_: SelectionRound) -> None:
    """Bump the round's version for a change made to its candidates or objections (so that
    every form on the page loaded before it is stale)."""
    flag_modified(round_, "title")  # an UPDATE of the row: the version_id_col is bumped


# --- reading ----------------------------------------------------------------------------------


def active_candidates(round_: SelectionRound) -> list[RoundCandidate]:
    """The shortlist as it stands (not removed)."""
    return [c for c in round_.candidates if c.removed_at is None]


def inspected(round_: SelectionRound) -> list[RoundCandidate]:
    """The 考察对象."""
    return [c for c in active_candidates(round_) if c.inspected]


def candidate_of(round_: SelectionRound, candidate_id: int) -> RoundCandidate | None:
    return next((c for c in active_candidates(round_) if c.id == candidate_id), None)


def meeting_result(
    round_: SelectionRound,
) -> tuple[procedure.Quorum | None, dict[int, procedure.Vote]]:
    """The quorum and each 考察对象's vote, once the meeting is recorded."""
    if not round_.members_entitled or round_.members_present is None:
        return None, {}
    meeting = procedure.quorum(round_.members_entitled, round_.members_present)
    votes = {
        c.id: procedure.majority(round_.members_entitled, round_.members_present, c.votes_for)
        for c in inspected(round_)
        if c.votes_for is not None
    }
    return meeting, votes


def passed(round_: SelectionRound) -> list[RoundCandidate]:
    """The 考察对象 the meeting passed (only they go on to 公示 and 任职)."""
    _meeting, votes = meeting_result(round_)
    return [c for c in inspected(round_) if c.id in votes and votes[c.id].passed]


def unhandled_objections(round_id: int) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(PublicityObjection)
            .where(PublicityObjection.round_id == round_id, PublicityObjection.handled_on.is_(None))
        )
        or 0
    )


def objections(round_id: int) -> list[PublicityObjection]:
    return list(
        db.session.scalars(
            sa.select(PublicityObjection)
            .where(PublicityObjection.round_id == round_id)
            .order_by(PublicityObjection.received_on, PublicityObjection.id)
        )
    )


def publicity_overrides(start: date) -> dict[date, bool]:
    return workdays.overrides_between(start - timedelta(days=7), start + timedelta(days=60))


# --- create -----------------------------------------------------------------------------------


def create(position: Position, title: str, reason: str, *, actor: str | None) -> SelectionRound:
    """A round for ``position`` at 动议, with its reason. Raises RoundError."""
    title, reason = (title or "").strip(), (reason or "").strip()
    errors: list[tuple[str | None, str]] = []
    if not title:
        errors.append(("title", _("请填写名称。")))
    elif len(title) > 200:
        errors.append(("title", _("不能超过 %(n)s 字。", n=200)))
    if not reason:
        errors.append(("reason", _("请填写动议理由。")))
    if errors:
        raise RoundError(errors)
    round_ = SelectionRound(
        position=position, title=title, reason=reason, stage=Stage.MOTION, created_by=actor
    )
    round_.events.append(
        RoundEvent(from_stage=None, to_stage=Stage.MOTION, actor=actor, outcome=reason)
    )
    db.session.add(round_)
    db.session.flush()
    audit.record(
        "create",
        object_type=OBJECT_TYPE,
        object_id=round_.id,
        summary=f"{round_.title}（{position.title}）",
        after=snapshot(round_) | {"version": round_.version},
        actor_name=actor,
    )
    return round_


# --- stage steps ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepInput:
    target: Stage
    documents: str | None = None
    outcome: str | None = None
    reason: str | None = None
    appointed_on: date | None = None  # 任职
    probation_outcome: str | None = None  # 转正


def gate(round_: SelectionRound, target: Stage, *, today: date) -> list[str]:
    """What is missing before the round may move on to ``target`` (empty: nothing)."""
    missing: list[str] = []
    if target is Stage.INSPECTION and not inspected(round_):
        missing.append(_("请先从名单中确定至少一名考察对象。"))
    elif target is Stage.DECISION:
        if not any(c.integrity_received for c in inspected(round_)):
            missing.append(_("至少一名考察对象的廉政意见已回复，才能提交讨论决定。"))
    elif target is Stage.PUBLICITY:
        meeting, votes = meeting_result(round_)
        if meeting is None or round_.meeting_on is None:
            missing.append(_("请先登记讨论决定会议（日期、应到会和实到会成员）。"))
        elif not meeting.valid:
            missing.append(meeting.explanation)
        else:
            unvoted = [c.cadre.name for c in inspected(round_) if c.votes_for is None]
            if unvoted:
                missing.append(
                    _("请登记每名考察对象的赞成票数：%(names)s。", names="、".join(unvoted))
                )
            elif not passed(round_):
                missing.append(_("没有考察对象获得通过，不能进入任前公示。"))
            elif len(passed(round_)) > round_.position.places:
                missing.append(
                    _(
                        "通过 %(n)d 人，多于职位数 %(places)d 个，请核对表决结果。",
                        n=len(passed(round_)),
                        places=round_.position.places,
                    )
                )
            no_integrity = [c.cadre.name for c in passed(round_) if not c.integrity_received]
            if no_integrity:
                missing.append(_("廉政意见尚未回复：%(names)s。", names="、".join(no_integrity)))
    elif target is Stage.APPOINTMENT:
        if round_.publicity_start is None or round_.publicity_end is None:
            missing.append(_("尚未登记任前公示的起止日期。"))
        else:
            refusal = procedure.appointment_refusal(
                today, round_.publicity_end, unhandled_objections(round_.id)
            )
            if refusal:
                missing.append(refusal)
    elif target is Stage.PROBATION and round_.probation_end is None:
        missing.append(_("此次任职不适用试用期，选任工作已完成。"))
    return missing


def step(
    round_: SelectionRound,
    data: StepInput,
    *,
    expected_version: int,
    actor: str | None,
    today: date,
) -> RoundEvent:
    """Move the round on one stage, or back one with a reason. 任职 appoints the passed
    candidates (``appoint``); 转正 records the 试用期 decision. Raises RoundError,
    VersionConflict or AlreadyDone."""
    target = Stage(data.target)
    _check_version(round_, expected_version, same=round_.stage is target)
    origin = Stage(round_.stage)
    try:
        back = procedure.check_step(origin, target, reason=data.reason)
    except procedure.StepRefused as refused:
        raise RoundError([(None, str(refused))]) from None
    if not back:
        missing = gate(round_, target, today=today)
        if missing:
            raise RoundError([(None, m) for m in missing])
    before = snapshot(round_)
    event = RoundEvent(
        from_stage=origin,
        to_stage=target,
        actor=actor,
        documents=(data.documents or "").strip() or None,
        outcome=(data.outcome or "").strip() or None,
        reason=(data.reason or "").strip() or None,
    )
    if not back and target is Stage.PUBLICITY:
        _prefill_forms(round_, actor=actor, today=today)
    if not back and target is Stage.APPOINTMENT:
        appoint(round_, data.appointed_on or today, actor=actor, today=today)
    if not back and target is Stage.CONFIRMED:
        refusal = procedure.probation_refusal(
            data.probation_outcome or "", today, round_.probation_end
        )
        if refusal:
            raise RoundError([("probation_outcome", refusal)])
        round_.probation_outcome = data.probation_outcome
        if not event.outcome:
            event.outcome = data.probation_outcome
    round_.stage = target
    round_.events.append(event)
    db.session.flush()  # a concurrent save surfaces here as StaleDataError (409)
    words = f"{origin.label} → {target.label}"
    if event.reason:
        words += _("（退回原因：%(reason)s）", reason=event.reason)
    _audit(round_, words, before, actor=actor)
    return event


# --- 确定考察对象 and 考察 --------------------------------------------------------------------


@dataclass(frozen=True)
class CandidateInput:
    inspected: bool
    inspection_notes: str | None
    integrity_received: bool


def update_candidate(
    round_: SelectionRound,
    candidate: RoundCandidate,
    data: CandidateInput,
    *,
    expected_version: int,
    actor: str | None,
) -> dict[str, tuple[Any, Any]]:
    """Mark a candidate as 考察对象 (at 确定考察对象) and record the inspection team's notes
    and the 廉政意见 (at 考察). Returns the changes."""
    notes = (data.inspection_notes or "").strip() or None
    values = {
        "inspected": data.inspected,
        "inspection_notes": notes,
        "integrity_received": data.integrity_received,
    }
    changes = {
        k: (getattr(candidate, k), v) for k, v in values.items() if getattr(candidate, k) != v
    }
    _check_version(round_, expected_version, same=not changes)
    if not changes:
        return {}
    stage = Stage(round_.stage)
    errors: list[tuple[str | None, str]] = []
    if "inspected" in changes and stage not in (Stage.CANDIDATES, Stage.INSPECTION):
        errors.append(("inspected", _("只能在“确定考察对象”或“考察”阶段确定考察对象。")))
    if ("inspection_notes" in changes or "integrity_received" in changes) and stage not in (
        Stage.CANDIDATES,
        Stage.INSPECTION,
    ):
        errors.append((None, _("考察意见和廉政意见只能在“考察”阶段登记。")))
    if not data.inspected and (notes or data.integrity_received):
        errors.append((None, _("请先确定为考察对象，再登记考察意见和廉政意见。")))
    if notes and len(notes) > 5000:
        errors.append(("inspection_notes", _("不能超过 %(n)s 字。", n=5000)))
    if errors:
        raise RoundError(errors)
    before = snapshot(round_)
    for key, (_old, new) in changes.items():
        setattr(candidate, key, new)
    _touch(round_)
    db.session.flush()
    name = f"{candidate.cadre.staff_no} {candidate.cadre.name}"
    _audit(
        round_,
        _("考察对象 %(name)s", name=name),
        before,
        actor=actor,
        extra={"candidate": name} | {k: new for k, (_o, new) in changes.items()},
        extra_before={k: old for k, (old, _n) in changes.items()},
    )
    return changes


# --- 讨论决定 -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingInput:
    meeting_on: date
    members_entitled: int
    members_present: int
    votes: dict[int, int]  # candidate id -> votes for


def record_meeting(
    round_: SelectionRound,
    data: MeetingInput,
    *,
    expected_version: int,
    actor: str | None,
    today: date,
) -> None:
    """The 讨论决定 meeting: date, members entitled and present, each 考察对象's votes for."""
    current = (
        round_.meeting_on,
        round_.members_entitled,
        round_.members_present,
        {c.id: c.votes_for for c in inspected(round_)},
    )
    wanted = (data.meeting_on, data.members_entitled, data.members_present, data.votes)
    _check_version(round_, expected_version, same=current == wanted)
    errors: list[tuple[str | None, str]] = []
    if round_.stage is not Stage.DECISION:
        errors.append((None, _("只能在“讨论决定”阶段登记会议。")))
    if data.meeting_on > today:
        errors.append(("meeting_on", _("会议日期不能晚于今天。")))
    if not 1 <= data.members_entitled <= 99:
        errors.append(("members_entitled", _("应到会成员须为 1 至 99 人。")))
    elif not 0 <= data.members_present <= data.members_entitled:
        errors.append(("members_present", _("实到会成员须在 0 至应到会人数之间。")))
    candidates = {c.id: c for c in inspected(round_)}
    if set(data.votes) - set(candidates):
        errors.append((None, _("表决名单与考察对象不符，请刷新页面后重新填写。")))
    for cid, votes in data.votes.items():
        if cid in candidates and not 0 <= votes <= data.members_present:
            errors.append(
                (
                    None,
                    _(
                        "%(name)s 的赞成票数须在 0 至实到会人数 %(n)d 之间。",
                        name=candidates[cid].cadre.name,
                        n=data.members_present,
                    ),
                )
            )
    if errors:
        raise RoundError(errors)
    before = snapshot(round_)
    round_.meeting_on = data.meeting_on
    round_.members_entitled = data.members_entitled
    round_.members_present = data.members_present
    for cid, candidate in candidates.items():
        candidate.votes_for = data.votes.get(cid)
    words = "；".join(f"{c.cadre.name} {c.votes_for}" for c in candidates.values())
    db.session.flush()
    _audit(round_, _("讨论决定会议"), before, actor=actor, extra={"votes": words})


# --- 任前公示 -----------------------------------------------------------------------------------


def record_publicity(
    round_: SelectionRound,
    start: date,
    end: date,
    *,
    expected_version: int,
    actor: str | None,
) -> None:
    """The 公示期: at least five working days (procedure.check_publicity)."""
    _check_version(
        round_,
        expected_version,
        same=(round_.publicity_start, round_.publicity_end) == (start, end),
    )
    if round_.stage is not Stage.PUBLICITY:
        raise RoundError([(None, _("只能在“任前公示”阶段登记公示期。"))])
    problem = procedure.check_publicity(start, end, publicity_overrides(start))
    if problem:
        raise RoundError([("publicity_end", problem)])
    before = snapshot(round_)
    round_.publicity_start, round_.publicity_end = start, end
    db.session.flush()
    _audit(round_, _("任前公示"), before, actor=actor)


def add_objection(
    round_: SelectionRound,
    received_on: date,
    content: str,
    candidate_id: int | None,
    *,
    expected_version: int,
    actor: str | None,
    today: date,
) -> PublicityObjection:
    content = (content or "").strip()
    same = any(
        o.received_on == received_on and o.content == content and o.candidate_id == candidate_id
        for o in objections(round_.id)
    )
    _check_version(round_, expected_version, same=same)
    errors: list[tuple[str | None, str]] = []
    if round_.stage is not Stage.PUBLICITY:
        errors.append((None, _("只能在“任前公示”阶段登记反映。")))
    if not content:
        errors.append(("content", _("请填写反映的内容。")))
    elif len(content) > 5000:
        errors.append(("content", _("不能超过 %(n)s 字。", n=5000)))
    if received_on > today:
        errors.append(("received_on", _("收到日期不能晚于今天。")))
    if candidate_id is not None and candidate_id not in {c.id for c in passed(round_)}:
        errors.append(("candidate_id", _("请选择公示对象。")))
    if errors:
        raise RoundError(errors)
    before = snapshot(round_)
    objection = PublicityObjection(
        round_id=round_.id, candidate_id=candidate_id, received_on=received_on, content=content
    )
    db.session.add(objection)
    _touch(round_)
    db.session.flush()
    _audit(
        round_,
        _("收到公示期间的反映"),
        before,
        actor=actor,
        extra={"objection": content},
    )
    return objection


def handle_objection(
    round_: SelectionRound,
    objection: PublicityObjection,
    handling: str,
    handled_on: date,
    *,
    expected_version: int,
    actor: str | None,
    today: date,
) -> None:
    handling = (handling or "").strip()
    same = objection.handling == handling and objection.handled_on == handled_on
    _check_version(round_, expected_version, same=same)
    errors: list[tuple[str | None, str]] = []
    if not handling:
        errors.append(("handling", _("请填写处理情况。")))
    elif len(handling) > 5000:
        errors.append(("handling", _("不能超过 %(n)s 字。", n=5000)))
    if handled_on > today:
        errors.append(("handled_on", _("处理日期不能晚于今天。")))
    elif handled_on < objection.received_on:
        errors.append(("handled_on", _("处理日期不能早于收到日期。")))
    if round_.stage is not Stage.PUBLICITY:
        errors.append((None, _("只能在“任前公示”阶段处理反映。")))
    if errors:
        raise RoundError(errors)
    before = snapshot(round_)
    objection.handling, objection.handled_on = handling, handled_on
    _touch(round_)
    db.session.flush()
    _audit(
        round_,
        _("处理公示期间的反映"),
        before,
        actor=actor,
        extra={"objection": objection.content, "handling": handling},
    )


# --- 任职 ---------------------------------------------------------------------------------------


def _prefill_forms(round_: SelectionRound, *, actor: str | None, today: date) -> None:
    """The 干部任免审批表 of each passed candidate prefilled with 拟任职务 and 任免理由."""
    from cadre_app.services.records import appointment_form

    for candidate in passed(round_):
        cadre = candidate.cadre
        draft = appointment_form.draft_values(cadre, _draft(cadre.id), today=today)
        draft["proposed_post"] = round_.position.title
        draft["post_to_remove"] = draft.get("post_to_remove") or (cadre.position_title or "")
        draft["reason"] = round_.reason
        appointment_form.save_draft(cadre, draft, actor=actor)


def _draft(cadre_id: int) -> Any:
    from cadre_app.models import AppointmentDraft

    return db.session.get(AppointmentDraft, cadre_id)


def appoint(round_: SelectionRound, appointed_on: date, *, actor: str | None, today: date) -> None:
    """Appoint each passed candidate: 现任职务 = the position's title, the 职级 and 任现职级时间
    (a 职级 position) or the 领导职务 (a leading post), a 简历 line from the appointment, a
    任职谈话 opened through the talks domain. Sets the 试用期 when it applies."""
    from cadre_app.services.roster import operations as roster
    from cadre_app.services.talks import operations as talks

    if appointed_on > today:
        raise RoundError([("appointed_on", _("任职日期不能晚于今天。"))])
    if round_.publicity_end is not None and appointed_on < round_.publicity_end:
        raise RoundError([("appointed_on", _("任职日期不能早于公示结束日期。"))])
    position = round_.position
    on_probation = False
    openings = []
    for candidate in passed(round_):
        cadre: Cadre = candidate.cadre
        if procedure.probation_applies(
            position.post_kind, position.target_level, cadre.leadership_level
        ):
            on_probation = True
        values: dict[str, Any] = {"position_title": position.title}
        if position.post_kind == "职级":
            values |= {"rank": position.target_level, "rank_since": appointed_on}
        else:
            values["leadership_level"] = position.target_level
        try:
            for entry in cadre.resume:
                if entry.end is None and entry.start <= appointed_on:  # the post held until now
                    roster.update_resume_entry(
                        entry,
                        {
                            "start": entry.start,
                            "end": appointed_on,
                            "description": entry.description,
                        },
                        actor=actor,
                        today=today,
                    )
            roster.update_cadre(
                cadre, values, expected_version=cadre.version, actor=actor, today=today
            )
            roster.add_resume_entry(
                cadre,
                {
                    "start": appointed_on,
                    "end": None,
                    "description": _unit_and_post(position),
                },
                actor=actor,
                today=today,
            )
        except roster.RosterError as error:
            raise RoundError([(None, f"{cadre.name}：{e.message}") for e in error.errors]) from None
        candidate.appointed = True
        openings.append(
            talks.TalkOpening(
                kind=TALK_KIND,
                source=TALK_SOURCE,
                subject_id=cadre.id,
                reason=f"任职谈话：任{position.title}（{round_.title}）",  # stored in Chinese
            )
        )
    talks.open_talks(openings, actor=actor, today=today)
    round_.appointed_on = appointed_on
    round_.probation_end = procedure.probation_end(appointed_on) if on_probation else None


def _unit_and_post(position: Position) -> str:
    section = position.department.name if position.department else ""
    return (
        f"{section}{position.title}"
        if section and section not in position.title
        else position.title
    )


# --- 考察材料 (PDF) ------------------------------------------------------------------------------

INSPECTION_TITLE = "考察材料"
INSPECTION_TEMPLATE = "selection_inspection.html"


def inspection_data(
    round_: SelectionRound, candidate: RoundCandidate, *, today: date
) -> dict[str, Any]:
    """The 考察材料 of one 考察对象 as plain values (a Chinese document: keys are the labels
    it prints): basics, the post, the last three years' results, the 政治素质 conclusions
    (services.assessments.results.dossier), the inspection team's notes, the 廉政意见."""
    from cadre_app.services.assessments import results
    from cadre_app.services.evaluations import queries as evaluations
    from cadre_app.services.records.appointment_form import long_date, month, organisation_name

    cadre = candidate.cadre
    political = [
        {
            "测评": entry.title,
            "结论": entry.conclusion,
            "日期": long_date(entry.concluded_on) if entry.concluded_on != date.min else "",
            "说明": entry.reason or "",
        }
        for entry in results.dossier(cadre.id, on=today)
    ]
    return {
        "标题": INSPECTION_TITLE,
        "单位": organisation_name(cadre),
        "选任工作": round_.title,
        "拟任职务": round_.position.title,
        "姓名": cadre.name,
        "性别": cadre.gender or "",
        "出生年月": month(cadre.birth_date),
        "政治面貌": cadre.political_status or "",
        "部门": cadre.department.name if cadre.department else "",
        "现任职务": cadre.position_title or "",
        "职级": cadre.rank or "",
        "任现职级时间": month(cadre.rank_since),
        "近三年年度考核结果": evaluations.recent_results(cadre.id, today=today) or "无记录",
        "政治素质考察": political,
        "考察组意见": [
            line.strip() for line in (candidate.inspection_notes or "").splitlines() if line.strip()
        ],
        "廉政意见": "已回复" if candidate.integrity_received else "尚未回复",
        "填表时间": long_date(today),
    }


def render_inspection(round_: SelectionRound, candidate: RoundCandidate, *, today: date) -> bytes:
    """The 考察材料 PDF (services.core.pdf; PdfUnavailable without a CJK font)."""
    from flask import current_app

    from cadre_app.services.core import pdf

    return pdf.render_pdf(
        INSPECTION_TEMPLATE,
        inspection_data(round_, candidate, today=today),
        title=f"{INSPECTION_TITLE}-{candidate.cadre.name}",
        author=current_app.config["ORGANISATION_NAME"],
        subject=round_.title,
    )


# --- reminders ----------------------------------------------------------------------------------

#: The 试用期 reminder shows a round this many days before its probation ends.
PROBATION_WARN_DAYS = 30


def probation_due(today: date, *, days: int = PROBATION_WARN_DAYS) -> list[SelectionRound]:
    """Rounds in 试用期 whose probation ends within ``days`` (or has ended): the 转正 or
    免去试任职务 decision is due. Soonest first."""
    return list(
        db.session.scalars(
            sa.select(SelectionRound)
            .where(
                SelectionRound.stage == Stage.PROBATION,
                SelectionRound.probation_end.is_not(None),
                SelectionRound.probation_end <= today + timedelta(days=days),
            )
            .order_by(SelectionRound.probation_end, SelectionRound.id)
            .limit(50)
        )
    )


def publicity_ending(today: date, until: date) -> list[dict[str, Any]]:
    """Rounds in 任前公示 whose publicity ends between ``today`` and ``until`` (both
    included): the objections must be answered before the 任职. Soonest first."""
    rows = db.session.execute(
        sa.select(SelectionRound.id, SelectionRound.title, SelectionRound.publicity_end)
        .where(
            SelectionRound.stage == Stage.PUBLICITY,
            SelectionRound.publicity_end.between(today, until),
        )
        .order_by(SelectionRound.publicity_end, SelectionRound.id)
    )
    return [{"id": r.id, "title": r.title, "end": r.publicity_end} for r in rows]
