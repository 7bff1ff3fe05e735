"""Every write to assessments: create and edit in 草拟, open, close (by HR, by ``flask
assessments close`` and by the periodic auto-close, all through ``close``), archive, delete a
draft. Services flush and never commit; the view, command or task owns the transaction.
Every step is written to the audit log (object type ``assessment``), whose ``after`` holds the
new ``version`` so that a stale form's 409 can say what changed (services.core.conflicts).

The pure checks (``check_details``, ``open_problems``, ``parse_threshold``) read plain values
and are unit-tested without an app (tests/test_assessments_rules.py).

Concurrency: a step first locks the assessment (``lock``: PostgreSQL ``FOR UPDATE``, SQLite
``BEGIN IMMEDIATE``) and reads its state again, so HR's early close and the auto-close of the
same assessment at the same moment close it once; the other answers ``AlreadyDone``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import flag_modified

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import (
    Assessment,
    AssessmentState,
    AssessmentSubject,
    BallotBox,
    BoxState,
    Cadre,
    Checklist,
)
from cadre_app.models.assessments import PURPOSES
from cadre_app.services.assessments import checklists, results, rules
from cadre_app.services.ballots import operations as ballots
from cadre_app.services.ballots.operations import GroupSpec
from cadre_app.services.core import audit, conflicts, queue, settings

log = logging.getLogger(__name__)
S = AssessmentState
VersionConflict = conflicts.VersionConflict
Errors = list[tuple[str | None, str]]

TITLE_LIMIT = 200
GROUP_NAME_LIMIT = 32
GROUP_LIMIT = 8
PLANNED_LIMIT = 5000
SUBJECT_LIMIT = 500
#: How long a just-made draft of the same title by the same person counts as the same form
#: posted twice.
REPOST_WINDOW = timedelta(minutes=10)
_CREATE_LOCK = 1302_2026  # pg_advisory_xact_lock key: one creation at a time


class AssessmentError(ValueError):
    """A rule was broken; ``errors`` are (field or None, message) pairs."""

    def __init__(self, errors: Errors):
        super().__init__(" ".join(message for _field, message in errors))
        self.errors = errors


class AlreadyDone(Exception):
    """The same move was already made (a form posted twice); nothing to do. ``assessment``
    is the one it made, when known."""

    def __init__(self, assessment: Assessment | None = None):
        super().__init__("already done")
        self.assessment = assessment


@dataclass(frozen=True)
class Details:
    """What HR enters for an assessment (the form, the demo)."""

    title: str
    purpose: str
    cadre_ids: tuple[int, ...]
    groups: tuple[GroupSpec, ...]
    opens_at: datetime  # naive UTC
    closes_at: datetime  # naive UTC
    checklist_id: int
    min_group_ballots: int = 3
    talk_threshold: str = "1/3"
    note: str | None = None


def current_settings() -> dict[str, Any]:
    """The assessment settings in force (defaults merged under the stored value)."""
    stored = settings.value(rules.SETTINGS_KEY) or {}
    return {**rules.DEFAULT_SETTINGS, **stored}


def default_groups(conf: dict[str, Any] | None = None) -> list[GroupSpec]:
    conf = conf if conf is not None else current_settings()
    return [GroupSpec(g["name"], int(g["weight"]), int(g["planned"])) for g in conf["groups"]]


def check_settings(value: dict[str, Any]) -> Errors:
    """The ``assessments`` settings: groups as check_groups (at least one that can open an
    assessment), the minimum ballots per group in 1..100, a talk threshold in (0, 1]."""
    groups = [GroupSpec(g["name"], g["weight"], g["planned"]) for g in value["groups"]]
    errors = check_groups(groups)
    if not any(g.weight > 0 and g.planned > 0 for g in groups):
        errors.append(("groups", _("至少需要一个权重和票数都大于 0 的测评组。")))
    if not 1 <= int(value["min_group_ballots"]) <= 100:
        errors.append(("min_group_ballots", _("单独显示的最少票数须在 1 到 100 之间。")))
    if parse_threshold(value["talk_threshold"]) is None:
        errors.append(
            ("talk_threshold", _("谈话提醒比例须为 0 到 1 之间的分数，如 1/3、0.3 或 30%。"))
        )
    return errors


def save_settings(
    groups: Sequence[GroupSpec],
    min_group_ballots: int,
    talk_threshold: str,
    *,
    expected_version: int | None,
    actor: str | None,
) -> Any:
    """Store the defaults a new assessment starts from as a new settings version (None when
    nothing changed); audited. VersionConflict-like ``SettingsChanged`` when someone saved
    since the form was loaded; AssessmentError when a rule is broken."""
    version, before = settings.current(rules.SETTINGS_KEY)
    if version != expected_version:
        raise SettingsChanged(version)
    value = {
        **rules.DEFAULT_SETTINGS,
        **(before or {}),
        "groups": [
            {"name": g.name.strip(), "weight": g.weight, "planned": g.planned}
            for g in groups
            if g.name.strip()
        ],
        "min_group_ballots": min_group_ballots,
        "talk_threshold": threshold_text(talk_threshold),
    }
    errors = check_settings(value)
    if errors:
        raise AssessmentError(errors)
    old = {**rules.DEFAULT_SETTINGS, **(before or {})}
    if value == old:
        return None
    row = settings.update(rules.SETTINGS_KEY, value, actor=actor)
    changed = [k for k in value if value[k] != old.get(k)]
    audit.record(
        "update",
        object_type="setting",
        object_id=row.id,
        summary=f"政治素质测评设置（版本 {row.id}）：修改 " + "、".join(changed),
        before={k: old.get(k) for k in changed},
        after={k: value[k] for k in changed},
        actor_name=actor,
    )
    return row


class SettingsChanged(Exception):
    """The settings were saved by someone else since the form was loaded."""

    def __init__(self, version: int | None):
        super().__init__(f"settings at version {version}")
        self.version = version


def settings_history(limit: int = 20) -> list[Any]:
    """The stored versions of the assessment settings, newest first."""
    from cadre_app.models import Setting

    return list(
        db.session.scalars(
            sa.select(Setting)
            .where(Setting.key == rules.SETTINGS_KEY)
            .order_by(Setting.id.desc())
            .limit(limit)
        )
    )


# --- pure checks ----------------------------------------------------------------------------


def parse_threshold(text: str | None) -> Fraction | None:
    """The talk threshold ("1/3", "0.3", "30%") as a fraction in (0, 1], or None."""
    raw = (text or "").strip().replace("／", "/").replace("％", "%")
    if not raw or len(raw) > 16:
        return None
    try:
        value = Fraction(raw[:-1]) / 100 if raw.endswith("%") else Fraction(raw)
    except (ValueError, ZeroDivisionError):
        return None
    return value if 0 < value <= 1 else None


def threshold_text(text: str | None) -> str:
    """The threshold as stored: a fraction ``fractions.Fraction`` reads ("1/3", "3/10", "1"),
    whatever form it was typed in ("0.3", "30%"); unreadable text is kept for check_details
    to refuse."""
    value = parse_threshold(text)
    return str(value) if value is not None else (text or "").strip()


def check_groups(groups: Sequence[GroupSpec]) -> Errors:
    errors: Errors = []
    if len(groups) > GROUP_LIMIT:
        errors.append(("groups", _("测评组不能超过 %(n)d 个。", n=GROUP_LIMIT)))
    names: set[str] = set()
    for group in groups:
        if not group.name.strip():
            errors.append(("groups", _("测评组须有名称。")))
        elif len(group.name) > GROUP_NAME_LIMIT:
            errors.append(("groups", _("测评组名称“%(g)s”过长。", g=group.name[:20])))
        elif group.name in names:
            errors.append(("groups", _("测评组“%(g)s”重复。", g=group.name)))
        names.add(group.name)
        if not 0 <= group.weight <= 100:
            errors.append(("groups", _("测评组“%(g)s”的权重须在 0 到 100 之间。", g=group.name)))
        if not 0 <= group.planned <= PLANNED_LIMIT:
            errors.append(
                (
                    "groups",
                    _("测评组“%(g)s”的票数须在 0 到 %(n)d 之间。", g=group.name, n=PLANNED_LIMIT),
                )
            )
    return errors


def check_details(details: Details) -> Errors:
    """Every problem of ``details`` that needs no database: title, purpose, groups, window
    (closes after opens), the minimum ballots per group, the talk threshold."""
    errors: Errors = []
    title = details.title.strip()
    if not title:
        errors.append(("title", _("请填写测评名称。")))
    elif len(title) > TITLE_LIMIT:
        errors.append(("title", _("不能超过 %(n)s 字。", n=TITLE_LIMIT)))
    if details.purpose not in PURPOSES:
        errors.append(("purpose", _("请选择测评目的。")))
    if len(details.cadre_ids) > SUBJECT_LIMIT:
        errors.append(("subjects", _("测评对象不能超过 %(n)d 人。", n=SUBJECT_LIMIT)))
    errors.extend(check_groups(details.groups))
    if details.closes_at <= details.opens_at:
        errors.append(("closes_at", _("结束时间须晚于开始时间。")))
    if not 1 <= details.min_group_ballots <= 100:
        errors.append(("min_group_ballots", _("单独显示的最少票数须在 1 到 100 之间。")))
    if parse_threshold(details.talk_threshold) is None:
        errors.append(
            ("talk_threshold", _("谈话提醒比例须为 0 到 1 之间的分数，如 1/3、0.3 或 30%。"))
        )
    return errors


def open_problems(
    n_subjects: int,
    groups: Sequence[GroupSpec],
    opens_at: datetime,
    closes_at: datetime,
    now: datetime,
) -> Errors:
    """Why an assessment cannot open yet: it needs a subject, a rater group with codes
    planned and a weight, and a window that closes after it opens and has not ended."""
    errors: Errors = []
    if n_subjects < 1:
        errors.append(("subjects", _("至少需要一名测评对象。")))
    if not any(g.planned > 0 and g.weight > 0 for g in groups):
        errors.append(("groups", _("至少需要一个权重和票数都大于 0 的测评组。")))
    if closes_at <= opens_at:
        errors.append(("closes_at", _("结束时间须晚于开始时间。")))
    elif closes_at <= now:
        errors.append(("closes_at", _("测评结束时间已过，请先修改测评时间。")))
    return errors


# --- snapshots for the audit log ------------------------------------------------------------


def field_labels() -> dict[str, str]:
    """Each audit snapshot key in the reader's language (the audit page, the 409 page)."""
    return {
        "title": _("测评名称"),
        "purpose": _("测评目的"),
        "checklist": _("测评表"),
        "opens_at": _("开始时间"),
        "closes_at": _("结束时间"),
        "groups": _("测评组"),
        "subjects": _("测评对象"),
        "min_group_ballots": _("单独显示的最少票数"),
        "talk_threshold": _("谈话提醒比例"),
        "note": _("备注"),
        "state": _("状态"),
        "reason": _("原因"),
        "version": _("版本"),
    }


def _group_text(group: Any) -> str:
    return f"{group.name} {group.weight}% ×{group.planned}"


def snapshot(assessment: Assessment) -> dict[str, Any]:
    box = assessment.box
    return {
        "title": assessment.title,
        "purpose": assessment.purpose,
        "checklist": f"{assessment.checklist.name} v{assessment.checklist.version}",
        "opens_at": box.opens_at,
        "closes_at": box.closes_at,
        "groups": [_group_text(g) for g in box.groups],
        "subjects": [f"{s.cadre.staff_no} {s.cadre.name}" for s in assessment.subjects],
        "min_group_ballots": assessment.min_group_ballots,
        "talk_threshold": assessment.talk_threshold,
        "note": assessment.note,
        "state": assessment.state.value,
    }


def changes_since(assessment_id: int, version: int) -> list[dict[str, Any]]:
    """What others saved after ``version`` (from the audit log), states by name."""

    def shown(attr: str, value: Any) -> Any:
        if attr == "state" and value:
            return S(value).label
        if isinstance(value, list):
            return "、".join(str(v) for v in value)
        return value

    return conflicts.changes_since(
        "assessment", assessment_id, version, labels=field_labels(), shown=shown
    )


def _record(
    action: str,
    assessment: Assessment,
    summary: str,
    *,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    actor: str | None,
) -> None:
    audit.record(
        action,
        object_type="assessment",
        object_id=assessment.id,
        summary=f"{assessment.title}：{summary}"[:500],
        before=before,
        after=after,
        actor_name=actor,
    )


# --- locks ----------------------------------------------------------------------------------


def lock(assessment: Assessment) -> None:
    """Hold ``assessment`` until this transaction ends, then read it again (its state may
    have moved while we waited)."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        db.session.execute(
            sa.select(Assessment.id).where(Assessment.id == assessment.id).with_for_update()
        )
    elif not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    db.session.refresh(assessment)


def _lock_creation() -> None:
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_CREATE_LOCK)))
    elif not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


# --- create and edit in 草拟 -----------------------------------------------------------------


def _checked(details: Details) -> tuple[Details, Checklist, list[Cadre]]:
    details = Details(
        title=details.title.strip(),
        purpose=details.purpose,
        cadre_ids=tuple(dict.fromkeys(details.cadre_ids)),
        groups=tuple(
            GroupSpec(g.name.strip(), g.weight, g.planned) for g in details.groups if g.name.strip()
        ),
        opens_at=details.opens_at,
        closes_at=details.closes_at,
        checklist_id=details.checklist_id,
        min_group_ballots=details.min_group_ballots,
        talk_threshold=threshold_text(details.talk_threshold),
        note=(details.note or "").strip() or None,
    )
    errors = check_details(details)
    checklist = db.session.get(Checklist, details.checklist_id)
    if checklist is None:
        errors.append(("checklist_id", _("请选择测评表。")))
    cadres: list[Cadre] = []
    if details.cadre_ids:
        found = {
            c.id: c
            for c in db.session.scalars(sa.select(Cadre).where(Cadre.id.in_(details.cadre_ids)))
        }
        missing = [i for i in details.cadre_ids if i not in found]
        if missing:
            errors.append(("subjects", _("有 %(n)d 名测评对象已不在名册中。", n=len(missing))))
        cadres = [found[i] for i in details.cadre_ids if i in found]
    if errors:
        raise AssessmentError(errors)
    assert checklist is not None
    return details, checklist, cadres


def _set_subjects(assessment: Assessment, cadres: list[Cadre]) -> None:
    assessment.subjects.clear()
    db.session.flush()
    for position, cadre in enumerate(cadres):
        assessment.subjects.append(AssessmentSubject(cadre=cadre, position=position))


def create(details: Details, *, actor: str | None, now: datetime | None = None) -> Assessment:
    """A new assessment in 草拟, with its ballot box (window, rater groups). The same title
    made by the same person within REPOST_WINDOW and still a draft is taken as the form
    posted twice: AlreadyDone with that assessment. Raises AssessmentError."""
    details, checklist, cadres = _checked(details)
    now = now or clock.utcnow()
    _lock_creation()
    same = db.session.scalar(
        sa.select(Assessment)
        .where(
            Assessment.title == details.title,
            Assessment.created_by == actor,
            Assessment.state == S.DRAFT,
            Assessment.created_at >= now - REPOST_WINDOW,
        )
        .limit(1)
    )
    if same is not None:
        raise AlreadyDone(same)
    box = ballots.create_box("assessment", details.title, details.opens_at, details.closes_at)
    ballots.set_groups(box, details.groups)
    assessment = Assessment(
        title=details.title,
        purpose=details.purpose,
        checklist=checklist,
        box=box,
        min_group_ballots=details.min_group_ballots,
        talk_threshold=details.talk_threshold,
        note=details.note,
        created_by=actor,
        created_at=now,
    )
    db.session.add(assessment)
    db.session.flush()
    _set_subjects(assessment, cadres)
    db.session.flush()
    _record(
        "create",
        assessment,
        "新建（草拟）",
        before=None,
        after=snapshot(assessment) | {"version": assessment.version},
        actor=actor,
    )
    return assessment


def update(
    assessment: Assessment, details: Details, *, expected_version: int, actor: str | None
) -> dict[str, tuple[Any, Any]]:
    """Edit a draft. Returns the changes (snapshot keys); raises VersionConflict when someone
    saved since the form was loaded, AlreadyDone when that save was this very form,
    AssessmentError when a rule is broken or the assessment is no longer a draft."""
    details, checklist, cadres = _checked(details)
    before = snapshot(assessment)
    if assessment.version != expected_version:
        if _would_change(assessment, details, checklist, cadres, before) == {}:
            raise AlreadyDone(assessment)
        raise VersionConflict(assessment, changes_since(assessment.id, expected_version))
    if assessment.state is not S.DRAFT:
        raise AssessmentError([(None, _("测评已开始，测评对象、测评组和测评表均已锁定。"))])
    changes = _would_change(assessment, details, checklist, cadres, before)
    if not changes:
        return {}
    box = assessment.box
    assessment.title = box.title = details.title
    assessment.purpose = details.purpose
    assessment.checklist = checklist
    assessment.min_group_ballots = details.min_group_ballots
    assessment.talk_threshold = details.talk_threshold
    assessment.note = details.note
    box.opens_at, box.closes_at = details.opens_at, details.closes_at
    flag_modified(assessment, "title")  # the version moves even when only a list changed
    db.session.flush()  # a concurrent save surfaces here as StaleDataError (409)
    if "groups" in changes:
        ballots.set_groups(box, details.groups)
    if "subjects" in changes:
        _set_subjects(assessment, cadres)
    db.session.flush()
    _record(
        "update",
        assessment,
        "修改",
        before={k: old for k, (old, _new) in changes.items()},
        after={k: new for k, (_old, new) in changes.items()} | {"version": assessment.version},
        actor=actor,
    )
    return changes


def _would_change(
    assessment: Assessment,
    details: Details,
    checklist: Checklist,
    cadres: list[Cadre],
    before: dict[str, Any],
) -> dict[str, tuple[Any, Any]]:
    after = {
        "title": details.title,
        "purpose": details.purpose,
        "checklist": f"{checklist.name} v{checklist.version}",
        "opens_at": details.opens_at,
        "closes_at": details.closes_at,
        "groups": [_group_text(g) for g in details.groups],
        "subjects": [f"{c.staff_no} {c.name}" for c in cadres],
        "min_group_ballots": details.min_group_ballots,
        "talk_threshold": details.talk_threshold,
        "note": details.note,
    }
    return {k: (before[k], v) for k, v in after.items() if before[k] != v}


# --- the steps ------------------------------------------------------------------------------


def _begin_step(assessment: Assessment, target: AssessmentState, expected_version: int) -> S:
    lock(assessment)
    if assessment.version != expected_version:
        if assessment.state is target:
            raise AlreadyDone(assessment)
        raise VersionConflict(assessment, changes_since(assessment.id, expected_version))
    origin = S(assessment.state)
    if not rules.can_step(origin, target):
        raise AssessmentError(
            [
                (
                    None,
                    _(
                        "测评处于“%(state)s”状态，不能转为“%(target)s”。",
                        state=origin.label,
                        target=target.label,
                    ),
                )
            ]
        )
    return origin


def open_assessment(
    assessment: Assessment,
    *,
    expected_version: int,
    actor: str | None,
    now: datetime | None = None,
) -> None:
    """草拟 → 进行中: checks ``open_problems``, freezes the checklist (subjects and groups are
    frozen by the state itself), opens the ballot box. Codes are issued afterwards (the
    codes part); ballots are accepted from the window's start."""
    now = now or clock.utcnow()
    _begin_step(assessment, S.OPEN, expected_version)
    box = assessment.box
    groups = [GroupSpec(g.name, g.weight, g.planned) for g in box.groups]
    errors = open_problems(len(assessment.subjects), groups, box.opens_at, box.closes_at, now)
    if errors:
        raise AssessmentError(errors)
    checklists.freeze(assessment.checklist, at=now)
    ballots.open_box(box)
    assessment.state = S.OPEN
    assessment.opened_at = now
    db.session.flush()
    _record(
        "update",
        assessment,
        f"{S.DRAFT.label} → {S.OPEN.label}",
        before={"state": S.DRAFT.value},
        after={"state": S.OPEN.value, "version": assessment.version},
        actor=actor,
    )


def close(
    assessment: Assessment,
    *,
    actor: str | None,
    reason: str | None = None,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> None:
    """进行中 → 已关闭, the one way every closing goes (HR early, ``flask assessments close``,
    the auto-close when the window ends): the ballot box closes, then results.on_close runs
    in this transaction. Closing before the window's end needs a reason (kept in the audit
    log). AlreadyDone when it is closed already."""
    now = now or clock.utcnow()
    if expected_version is None:
        lock(assessment)
        if assessment.state is not S.OPEN:
            if assessment.state in (S.CLOSED, S.ARCHIVED):
                raise AlreadyDone(assessment)
            raise AssessmentError([(None, _("测评尚未开始，不能关闭。"))])
    else:
        _begin_step(assessment, S.CLOSED, expected_version)
    box = assessment.box
    reason = (reason or "").strip() or None
    early = now < box.closes_at
    if early and not reason:
        raise AssessmentError([("reason", _("提前结束测评须填写原因。"))])
    ballots.close_box(box, at=now)
    assessment.state = S.CLOSED
    assessment.closed_at = now
    db.session.flush()
    results.on_close(assessment, actor=actor, today=clock.today())
    summary = f"{S.OPEN.label} → {S.CLOSED.label}"
    if early:
        summary += f"（提前结束：{reason}）"
    elif reason:
        summary += f"（{reason}）"
    _record(
        "update",
        assessment,
        summary,
        before={"state": S.OPEN.value},
        after={"state": S.CLOSED.value, "reason": reason, "version": assessment.version},
        actor=actor,
    )


def archive(
    assessment: Assessment,
    *,
    expected_version: int,
    actor: str | None,
    now: datetime | None = None,
) -> None:
    """已关闭 → 已归档."""
    now = now or clock.utcnow()
    _begin_step(assessment, S.ARCHIVED, expected_version)
    assessment.state = S.ARCHIVED
    assessment.archived_at = now
    db.session.flush()
    _record(
        "update",
        assessment,
        f"{S.CLOSED.label} → {S.ARCHIVED.label}",
        before={"state": S.CLOSED.value},
        after={"state": S.ARCHIVED.value, "version": assessment.version},
        actor=actor,
    )


def delete_draft(assessment: Assessment, *, expected_version: int, actor: str | None) -> None:
    """Delete a draft with its subjects, box and groups (nothing was cast: it never opened)."""
    lock(assessment)
    if assessment.version != expected_version:
        raise VersionConflict(assessment, changes_since(assessment.id, expected_version))
    if assessment.state is not S.DRAFT:
        raise AssessmentError([(None, _("只能删除草拟状态的测评。"))])
    before = snapshot(assessment)
    box = assessment.box
    _record("delete", assessment, "删除草拟", before=before, after=None, actor=actor)
    db.session.delete(assessment)
    db.session.flush()
    db.session.delete(box)
    db.session.flush()


# --- the auto-close -------------------------------------------------------------------------


def due(now: datetime) -> list[int]:
    """Ids of open assessments whose window has ended."""
    return list(
        db.session.scalars(
            sa.select(Assessment.id)
            .join(BallotBox, BallotBox.id == Assessment.box_id)
            .where(
                Assessment.state == S.OPEN,
                BallotBox.state == BoxState.OPEN,
                BallotBox.closes_at <= now,
            )
            .order_by(Assessment.id)
        )
    )


def close_if_due(assessment_id: int, *, now: datetime, actor: str = "system") -> bool:
    """Close one assessment whose window has ended (``close``, in the caller's transaction);
    False when it is gone or was closed meanwhile by someone else."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        return False
    try:
        close(assessment, actor=actor, reason="测评时间结束，自动关闭", now=now)
    except AlreadyDone:
        return False
    return True


def close_due(*, now: datetime | None = None, actor: str = "system") -> list[int]:
    """Close every open assessment whose window has ended, all in the caller's transaction.
    Returns the ids closed now."""
    now = now or clock.utcnow()
    return [i for i in due(now) if close_if_due(i, now=now, actor=actor)]


@queue.periodic(minute="*")
def auto_close_assessments() -> None:
    """Every minute: close the assessments whose window has ended, each in its own
    transaction, so that one that cannot close (an error in what closing sets off) is logged
    and tried again next minute without holding the others open."""
    now = clock.utcnow()
    for assessment_id in due(now):
        try:
            close_if_due(assessment_id, now=now)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("assessment %s could not be closed automatically", assessment_id)
