"""Every write to secondments: create, edit the details, move through the states (with the
appraisal and the 简历 line on 归档).

Services flush and never commit; the view or command owns the transaction. Every change is
written to the audit log; every state change also to ``SecondmentEvent`` (who, when, why).

Concurrency: a write that decides from the cadre's other secondments (one active at a time, no
overlapping periods) first takes a lock on the cadre (``lock_cadre``): PostgreSQL locks the
cadre's row, SQLite takes its database write lock (``BEGIN IMMEDIATE``). Two HR staff saving at
the same moment therefore decide one after the other, and the second sees the first's row. The
partial unique index ``uq_secondment_one_active`` holds the one-active rule even for a writer
that forgets the lock (``IntegrityError``, answered as ``SecondmentError``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import Cadre, Secondment, SecondmentEvent, SecondmentState
from cadre_app.services.core import audit, conflicts, settings
from cadre_app.services.secondments import rules
from cadre_app.services.secondments.rules import S, Step, TransitionRefused

#: The edit-conflict error of every domain (services.core.conflicts).
VersionConflict = conflicts.VersionConflict

#: Fields HR enters (the form and the workbook).
DETAIL_FIELDS = (
    "kind",
    "host_unit",
    "host_type",
    "post",
    "start_date",
    "planned_end",
    "actual_end",
    "purpose",
)
SNAPSHOT_FIELDS = (
    *DETAIL_FIELDS,
    "state",
    "host_opinion",
    "grade",
    "cadre_summary",
    "hr_conclusion",
    "appraised_at",
)


class SecondmentError(ValueError):
    """A rule was broken; ``errors`` are (field or None, message) pairs."""

    def __init__(self, errors: list[tuple[str | None, str]]):
        super().__init__(" ".join(message for _field, message in errors))
        self.errors = errors


class AlreadyDone(Exception):
    """The same move was already made (a form posted twice); nothing to do."""


def current_settings() -> dict[str, Any]:
    """The secondment settings in force (defaults merged under the stored value)."""
    stored = settings.value(rules.SETTINGS_KEY) or {}
    return {**rules.DEFAULT_SETTINGS, **stored}


def snapshot(secondment: Secondment) -> dict[str, Any]:
    return {field: getattr(secondment, field) for field in SNAPSHOT_FIELDS}


def describe(secondment: Secondment) -> str:
    """The secondment in words, for messages: ``2025-03-01 至 2026-02-28 ××县财政局（在岗）``."""
    return _(
        "%(start)s 至 %(end)s %(host)s（%(state)s）",
        start=secondment.start_date.isoformat(),
        end=secondment.end_date.isoformat(),
        host=secondment.host_unit,
        state=SecondmentState(secondment.state).label,
    )


def field_labels() -> dict[str, str]:
    """Each audit snapshot key in the reader's language (the audit page, the 409 page)."""
    return {
        "kind": _("类别"),
        "host_unit": _("派往单位"),
        "host_type": _("单位类型"),
        "post": _("挂任职务"),
        "start_date": _("开始日期"),
        "planned_end": _("计划结束日期"),
        "actual_end": _("实际结束日期"),
        "purpose": _("派出事由"),
        "state": _("状态"),
        "host_opinion": _("派驻单位鉴定意见"),
        "grade": _("鉴定等次"),
        "cadre_summary": _("本人总结"),
        "hr_conclusion": _("组织人事部门意见"),
        "appraised_at": _("鉴定日期"),
        "version": _("版本"),
    }


def changes_since(secondment_id: int, version: int) -> list[dict[str, Any]]:
    """What others saved after ``version`` (from the audit log), states by name."""

    def shown(attr: str, value: Any) -> Any:
        return SecondmentState(value).label if attr == "state" and value else value

    return conflicts.changes_since(
        "secondment", secondment_id, version, labels=field_labels(), shown=shown
    )


def _label(secondment: Secondment) -> str:
    cadre = secondment.cadre
    return f"{cadre.staff_no} {cadre.name}：{secondment.host_unit}"


# --- locks and the rules that read other secondments ----------------------------------------


def lock_cadre(cadre_id: int) -> None:
    """Hold the cadre until this transaction ends (see the module docstring)."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        db.session.execute(sa.select(Cadre.id).where(Cadre.id == cadre_id).with_for_update())
    elif (
        connection.dialect.name == "sqlite"
        and not connection.connection.driver_connection.in_transaction
    ):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def others_of(cadre_id: int, *, exclude_id: int | None = None) -> list[Secondment]:
    """The cadre's secondments that hold a period (not cancelled), but ``exclude_id``."""
    query = sa.select(Secondment).where(
        Secondment.cadre_id == cadre_id, Secondment.state.in_(rules.HOLDS_PERIOD)
    )
    if exclude_id is not None:
        query = query.where(Secondment.id != exclude_id)
    return list(db.session.scalars(query.order_by(Secondment.start_date)))


def conflicts_with(
    cadre_id: int,
    start: date,
    end: date,
    *,
    active: bool,
    exclude_id: int | None = None,
) -> list[tuple[str | None, str]]:
    """Errors when ``[start, end]`` overlaps another secondment of the cadre, or when
    ``active`` and the cadre already has an active one; each names the other secondment."""
    return _conflicts(others_of(cadre_id, exclude_id=exclude_id), start, end, active=active)


def _conflicts(
    others: list[Secondment], start: date, end: date, *, active: bool
) -> list[tuple[str | None, str]]:
    """conflicts_with, given the cadre's other secondments that hold a period."""
    errors: list[tuple[str | None, str]] = []
    if active:
        for other in others:
            if other.is_active:
                errors.append(
                    (None, _("该干部已有进行中的挂职锻炼：%(other)s。", other=describe(other)))
                )
                break
    periods = [rules.Period(o.start_date, o.end_date, describe(o), o.id) for o in others]
    hit = rules.first_overlap(start, end, periods)
    if hit is not None:
        errors.append(("start_date", _("时间与另一次挂职锻炼重叠：%(other)s。", other=hit.label)))
    return errors


def lock_cadres(cadre_ids: list[int]) -> None:
    """lock_cadre for many cadres at once (an import), in id order so that two such writers
    cannot deadlock."""
    if not cadre_ids:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        lock_cadre(cadre_ids[0])  # SQLite: the database's write lock holds them all
        return
    ids = sorted(set(cadre_ids))
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        db.session.execute(
            sa.select(Cadre.id).where(Cadre.id.in_(chunk)).order_by(Cadre.id).with_for_update()
        )


# --- create and edit ------------------------------------------------------------------------


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = {}
    for key, value in values.items():
        if isinstance(value, str):
            value = value.strip() or None
        cleaned[key] = value
    return cleaned


def _check_details(values: dict[str, Any], conf: dict[str, Any]) -> list[tuple[str | None, str]]:
    errors: list[tuple[str | None, str]] = []
    for field, label in (
        ("kind", _("类别")),
        ("host_unit", _("派往单位")),
        ("host_type", _("单位类型")),
        ("start_date", _("开始日期")),
        ("planned_end", _("计划结束日期")),
    ):
        if not values.get(field):
            errors.append((field, _("请填写%(label)s。", label=label)))
    if errors:
        return errors
    try:
        rules.check_vocabulary(values["kind"], values["host_type"])
    except TransitionRefused as exc:
        errors.append((None, str(exc)))
    try:
        rules.check_length(values["start_date"], values["planned_end"], conf)
    except TransitionRefused as exc:
        errors.append(("planned_end", str(exc)))
    actual = values.get("actual_end")
    if actual is not None and actual < values["start_date"]:
        errors.append(("actual_end", _("实际结束日期不能早于开始日期。")))
    for field, limit in (("host_unit", 100), ("post", 100)):
        if values.get(field) and len(values[field]) > limit:
            errors.append((field, _("不能超过 %(n)s 字。", n=limit)))
    return errors


def create(
    cadre: Cadre,
    values: dict[str, Any],
    *,
    actor: str | None,
    state: SecondmentState = S.PROPOSED,
    reason: str | None = None,
) -> Secondment:
    """A new secondment of ``cadre`` in ``state`` (拟派 from the form; the workbook may bring
    any state its dates imply). Raises SecondmentError with every problem found."""
    values = _clean({k: v for k, v in values.items() if k in DETAIL_FIELDS})
    conf = current_settings()
    errors = _check_details(values, conf)
    if errors:
        raise SecondmentError(errors)
    lock_cadre(cadre.id)
    end = values.get("actual_end") or values["planned_end"]
    errors = conflicts_with(cadre.id, values["start_date"], end, active=rules.is_active(state))
    if errors:
        raise SecondmentError(errors)
    secondment = Secondment(cadre=cadre, state=state, created_by=actor, **values)
    secondment.events.append(
        SecondmentEvent(from_state=None, to_state=state, actor=actor, reason=reason)
    )
    db.session.add(secondment)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError:
        # Another writer that skipped the lock won the race (uq_secondment_one_active).
        raise SecondmentError([(None, _("该干部已有进行中的挂职锻炼。"))]) from None
    audit.record(
        "create",
        object_type="secondment",
        object_id=secondment.id,
        summary=_label(secondment),
        after=snapshot(secondment),
        actor_name=actor,
    )
    return secondment


@dataclass(frozen=True)
class _Pending:
    """An item of create_many not yet written, as the overlap rules and ``describe`` read a
    secondment (cheaper than a transient ``Secondment`` for thousands of rows)."""

    state: SecondmentState
    values: dict[str, Any]
    id: None = None

    @property
    def start_date(self) -> date:
        return self.values["start_date"]

    @property
    def end_date(self) -> date:
        return self.values.get("actual_end") or self.values["planned_end"]

    @property
    def host_unit(self) -> str:
        return self.values["host_unit"]

    @property
    def is_active(self) -> bool:
        return rules.is_active(self.state)


class BatchRefused(SecondmentError):
    """create_many found problems; ``by_item`` maps an item's index to its (field, message)
    pairs. Nothing usable was written: the caller rolls back."""

    def __init__(self, by_item: dict[int, list[tuple[str | None, str]]]):
        super().__init__([e for errors in by_item.values() for e in errors])
        self.by_item = by_item


def create_many(
    items: list[tuple[Cadre, dict[str, Any], SecondmentState]],
    *,
    actor: str | None,
    reason: str | None = None,
) -> list[int]:
    """``create`` for many secondments at once (the workbook import): the same checks, each
    item also against the items before it; the cadres locked, their secondments read and the
    rows and audit events written in bulk. Raises BatchRefused naming every refused item (the
    caller rolls back); an IntegrityError from the one-active index propagates likewise.
    Returns the new secondments' ids, in the items' order."""
    conf = current_settings()
    prepared: list[tuple[Cadre, dict[str, Any], SecondmentState]] = []
    refused: dict[int, list[tuple[str | None, str]]] = {}
    for index, (cadre, values, state) in enumerate(items):
        values = _clean({k: v for k, v in values.items() if k in DETAIL_FIELDS})
        errors = _check_details(values, conf)
        if errors:
            refused[index] = errors
        prepared.append((cadre, values, state))
    cadre_ids = sorted({cadre.id for cadre, _values, _state in prepared})
    lock_cadres(cadre_ids)
    others: dict[int, list[Any]] = {cadre_id: [] for cadre_id in cadre_ids}
    for start in range(0, len(cadre_ids), 1000):
        stmt = sa.select(Secondment).where(
            Secondment.cadre_id.in_(cadre_ids[start : start + 1000]),
            Secondment.state.in_(rules.HOLDS_PERIOD),
        )
        for other in db.session.scalars(stmt.order_by(Secondment.start_date)):
            others[other.cadre_id].append(other)
    accepted: list[tuple[Cadre, dict[str, Any], SecondmentState]] = []
    for index, (cadre, values, state) in enumerate(prepared):
        if index in refused:
            continue
        end = values.get("actual_end") or values["planned_end"]
        errors = _conflicts(
            others[cadre.id], values["start_date"], end, active=rules.is_active(state)
        )
        if errors:
            refused[index] = errors
            continue
        others[cadre.id].append(_Pending(state, values))  # the cadre's next items see it
        accepted.append((cadre, values, state))
    if refused:
        raise BatchRefused(dict(sorted(refused.items())))
    if not accepted:
        return []
    now = utcnow()
    rows = [
        {field: values.get(field) for field in DETAIL_FIELDS}
        | {
            "cadre_id": cadre.id,
            "state": state,
            "created_by": actor,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        for cadre, values, state in accepted
    ]
    # One multi-row INSERT per batch; the rows come back in any order and are matched by
    # (cadre, start): a cadre's items never share a start (they would overlap).
    table = Secondment.__table__
    returned = db.session.execute(
        sa.insert(table).returning(table.c.id, table.c.cadre_id, table.c.start_date), rows
    )
    by_key = {(r.cadre_id, r.start_date): r.id for r in returned}
    ids = [by_key[(row["cadre_id"], row["start_date"])] for row in rows]
    db.session.execute(
        sa.insert(SecondmentEvent),
        [
            {
                "secondment_id": new_id,
                "from_state": None,
                "to_state": row["state"],
                "at": now,
                "actor": actor,
                "reason": reason,
            }
            for new_id, row in zip(ids, rows, strict=True)
        ],
    )
    audit.record_many(
        [
            {
                "action": "create",
                "object_type": "secondment",
                "object_id": new_id,
                "summary": f"{cadre.staff_no} {cadre.name}：{values['host_unit']}",
                "after": {field: row[field] for field in SNAPSHOT_FIELDS if field in row},
            }
            for new_id, row, (cadre, values, _state) in zip(ids, rows, accepted, strict=True)
        ],
        actor_name=actor,
    )
    return ids


def update(
    secondment: Secondment,
    values: dict[str, Any],
    *,
    expected_version: int,
    actor: str | None,
) -> dict[str, tuple[Any, Any]]:
    """Edit the details (not the state). Returns the changes; raises VersionConflict when
    someone saved since the form was loaded, SecondmentError when a rule is broken."""
    values = _clean({k: v for k, v in values.items() if k in DETAIL_FIELDS})
    if secondment.state in (S.ARCHIVED, S.CANCELLED):
        raise SecondmentError(
            [(None, _("挂职锻炼已%(state)s，不能再修改。", state=secondment.state.label))]
        )
    before = snapshot(secondment)
    changes = {k: (before[k], v) for k, v in values.items() if before[k] != v}
    if secondment.version != expected_version:
        if not changes:
            raise AlreadyDone()
        raise VersionConflict(secondment, changes_since(secondment.id, expected_version))
    if not changes:
        return {}
    merged = {k: before[k] for k in DETAIL_FIELDS} | values
    conf = current_settings()
    errors = _check_details(merged, conf)
    if not errors:
        lock_cadre(secondment.cadre_id)
        end = merged.get("actual_end") or merged["planned_end"]
        errors = conflicts_with(
            secondment.cadre_id,
            merged["start_date"],
            end,
            active=False,  # its own activeness does not change here
            exclude_id=secondment.id,
        )
    if errors:
        raise SecondmentError(errors)
    for key, (_old, new) in changes.items():
        setattr(secondment, key, new)
    db.session.flush()  # a concurrent save surfaces here as StaleDataError (409)
    audit.record(
        "update",
        object_type="secondment",
        object_id=secondment.id,
        summary=_label(secondment),
        before={k: old for k, (old, _new) in changes.items()},
        after={k: new for k, (_old, new) in changes.items()} | {"version": secondment.version},
        actor_name=actor,
    )
    return changes


# --- the state machine ----------------------------------------------------------------------


@dataclass(frozen=True)
class Appraisal:
    """The 期满鉴定 fields HR fills (the cadre's summary is ``write_summary``)."""

    host_opinion: str | None = None
    grade: str | None = None
    conclusion: str | None = None
    appraised_at: date | None = None


def transition(
    secondment: Secondment,
    target: SecondmentState,
    step: Step,
    *,
    expected_version: int,
    actor: str | None,
    today: date,
    appraisal: Appraisal | None = None,
) -> None:
    """Move ``secondment`` to ``target``. 延期 moves the planned end (``step.new_end``), 提前召回
    and 期满鉴定 set the actual end (``step.actual_end``, else today / the planned end), 归档
    needs the grade and HR's conclusion (from ``appraisal`` or already saved) and writes the
    简历 line once. A repeat of the move just made raises AlreadyDone; another stale form
    VersionConflict; a refused move SecondmentError."""
    target = SecondmentState(target)
    if secondment.version != expected_version:
        if secondment.state is target and (
            target is not S.EXTENDED or step.new_end == secondment.planned_end
        ):
            raise AlreadyDone()  # the same move (an extension: to the same end) again
        raise VersionConflict(secondment, changes_since(secondment.id, expected_version))
    origin = SecondmentState(secondment.state)
    if appraisal is not None:
        step = Step(
            reason=step.reason,
            new_end=step.new_end,
            actual_end=step.actual_end,
            grade=appraisal.grade or secondment.grade,
            conclusion=appraisal.conclusion or secondment.hr_conclusion,
        )
    elif target is S.ARCHIVED:
        step = Step(reason=step.reason, grade=secondment.grade, conclusion=secondment.hr_conclusion)
    conf = current_settings()
    try:
        rules.check_transition(
            origin,
            target,
            start=secondment.start_date,
            planned_end=secondment.planned_end,
            step=step,
            today=today,
            settings=conf,
        )
    except TransitionRefused as exc:
        raise SecondmentError([(None, str(exc))]) from None
    before = snapshot(secondment)
    event = SecondmentEvent(
        from_state=origin, to_state=target, actor=actor, reason=(step.reason or "").strip() or None
    )
    if target is S.EXTENDED:
        lock_cadre(secondment.cadre_id)
        errors = conflicts_with(
            secondment.cadre_id,
            secondment.start_date,
            step.new_end,
            active=False,
            exclude_id=secondment.id,
        )
        if errors:
            raise SecondmentError(errors)
        event.old_end, event.new_end = secondment.planned_end, step.new_end
        secondment.planned_end = step.new_end
    elif target is S.RECALLED:
        secondment.actual_end = step.actual_end or today
        event.new_end = secondment.actual_end
    elif target is S.APPRAISAL:
        if secondment.actual_end is None:
            secondment.actual_end = step.actual_end or secondment.planned_end
            event.new_end = secondment.actual_end
    elif rules.is_active(target) and not rules.is_active(origin):
        lock_cadre(secondment.cadre_id)  # (no such step today; kept for safety)
    if appraisal is not None:
        _apply_appraisal(secondment, appraisal)
    if target is S.ARCHIVED:
        _write_resume_line(secondment, actor=actor, today=today)
    secondment.state = target
    secondment.events.append(event)
    db.session.flush()  # a concurrent save surfaces here as StaleDataError (409)
    after = snapshot(secondment)
    changed = {k for k in after if after[k] != before[k]}
    summary = f"{_label(secondment)}：{origin.label} → {target.label}"
    if event.reason:
        summary += f"（{event.reason}）"
    audit.record(
        "update",
        object_type="secondment",
        object_id=secondment.id,
        summary=summary,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed} | {"version": secondment.version},
        actor_name=actor,
    )


def _apply_appraisal(secondment: Secondment, appraisal: Appraisal) -> None:
    if appraisal.host_opinion is not None:
        secondment.host_opinion = appraisal.host_opinion.strip() or None
    if appraisal.grade is not None:
        secondment.grade = appraisal.grade or None
    if appraisal.conclusion is not None:
        secondment.hr_conclusion = appraisal.conclusion.strip() or None
    if appraisal.appraised_at is not None:
        secondment.appraised_at = appraisal.appraised_at


def _write_resume_line(secondment: Secondment, *, actor: str | None, today: date) -> None:
    """The period as a 简历 line, written once (``resume_entry_id`` is unique)."""
    if secondment.resume_entry_id is not None:
        return
    from cadre_app.services.roster import operations as roster_operations

    entry = roster_operations.add_resume_entry(
        secondment.cadre,
        {
            "start": secondment.start_date,
            "end": secondment.end_date,
            "description": rules.resume_description(
                secondment.kind, secondment.host_unit, secondment.post
            ),
        },
        actor=actor,
        today=max(today, secondment.end_date),
    )
    secondment.resume_entry = entry
