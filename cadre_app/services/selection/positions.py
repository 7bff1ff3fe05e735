"""Positions (选任职位) and discipline records (诫勉 and 处分): create, edit, delete.

Services flush and never commit; every change is audited (object types ``position`` and
``discipline_record``). A position carries a version: an edit made on an older version raises
``VersionConflict`` with what the others saved (services.core.conflicts).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from cadre_app.extensions import db
from cadre_app.models import Cadre, Department, DisciplineRecord, Position
from cadre_app.models.enums import EDUCATION_LEVELS, LEADERSHIP_LEVELS, RANK_LADDER
from cadre_app.models.selection import DISCIPLINE_KINDS, POST_KINDS
from cadre_app.services.core import audit, conflicts

VersionConflict = conflicts.VersionConflict

FIELDS = (
    "title",
    "department_id",
    "post_kind",
    "target_level",
    "places",
    "min_rank",
    "min_years_in_rank",
    "min_years_work",
    "min_years_grassroots",
    "min_education",
    "party_member",
    "max_age",
    "age_on",
    "other_conditions",
)


class SelectionError(ValueError):
    """A rule was broken; ``errors`` are (field or None, message) pairs."""

    def __init__(self, errors: list[tuple[str | None, str]]):
        super().__init__(" ".join(message for _field, message in errors))
        self.errors = errors


class AlreadyDone(Exception):
    """The same change was already saved (a form posted twice)."""


def field_labels() -> dict[str, str]:
    return {
        "title": _("职位名称"),
        "department_id": _("所在部门"),
        "post_kind": _("职位类别"),
        "target_level": _("拟任层级"),
        "places": _("职数"),
        "min_rank": _("最低现任职级"),
        "min_years_in_rank": _("任现职级年限"),
        "min_years_work": _("工作年限"),
        "min_years_grassroots": _("基层工作年限"),
        "min_education": _("最低学历"),
        "party_member": _("须为中共党员"),
        "max_age": _("最高年龄"),
        "age_on": _("计算年龄时间"),
        "other_conditions": _("其他条件"),
        "version": _("版本"),
    }


def snapshot(position: Position) -> dict[str, Any]:
    return {name: getattr(position, name) for name in FIELDS}


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = {}
    for key in FIELDS:
        if key not in values:
            continue
        value = values[key]
        if isinstance(value, str):
            value = value.strip() or None
        cleaned[key] = value
    cleaned["party_member"] = bool(cleaned.get("party_member"))
    return cleaned


def check(values: dict[str, Any]) -> list[tuple[str | None, str]]:
    """Every problem of a position's values, each beside its field."""
    errors: list[tuple[str | None, str]] = []
    title = values.get("title")
    if not title:
        errors.append(("title", _("请填写职位名称。")))
    elif len(title) > 100:
        errors.append(("title", _("不能超过 %(n)s 字。", n=100)))
    kind = values.get("post_kind")
    if kind not in POST_KINDS:
        errors.append(("post_kind", _("请选择职位类别（领导职务或职级）。")))
    level = values.get("target_level")
    allowed = LEADERSHIP_LEVELS if kind == "领导职务" else RANK_LADDER
    if not level:
        errors.append(("target_level", _("请填写拟任层级。")))
    elif kind in POST_KINDS and level not in allowed:
        errors.append(
            (
                "target_level",
                _("“%(level)s”不是%(kind)s的层级。", level=level, kind=kind),
            )
        )
    places = values.get("places")
    if places is None or not 1 <= places <= 50:
        errors.append(("places", _("职数应为 1 至 50。")))
    if values.get("min_rank") and values["min_rank"] not in RANK_LADDER:
        errors.append(("min_rank", _("“%(rank)s”不是职级序列中的职级。", rank=values["min_rank"])))
    if values.get("min_education") and values["min_education"] not in EDUCATION_LEVELS:
        errors.append(
            ("min_education", _("“%(level)s”不是可选的学历。", level=values["min_education"]))
        )
    for name in ("min_years_in_rank", "min_years_work", "min_years_grassroots"):
        value = values.get(name)
        if value is not None and not 0 <= value <= 40:
            errors.append((name, _("年限应为 0 至 40 年。")))
    age = values.get("max_age")
    if age is not None and not 18 <= age <= 70:
        errors.append(("max_age", _("最高年龄应为 18 至 70 岁。")))
    other = values.get("other_conditions")
    if other and len(other) > 2000:
        errors.append(("other_conditions", _("不能超过 %(n)s 字。", n=2000)))
    department_id = values.get("department_id")
    if department_id is not None and db.session.get(Department, department_id) is None:
        errors.append(("department_id", _("没有这个部门。")))
    return errors


def create(values: dict[str, Any], *, actor: str | None) -> Position:
    """A new position; raises SelectionError naming every problem."""
    values = _clean(values)
    values.setdefault("places", 1)
    errors = check(values)
    if errors:
        raise SelectionError(errors)
    position = Position(created_by=actor, **values)
    db.session.add(position)
    db.session.flush()
    audit.record(
        "create",
        object_type="position",
        object_id=position.id,
        summary=position.title,
        after=snapshot(position),
        actor_name=actor,
    )
    return position


def changes_since(position_id: int, version: int) -> list[dict[str, Any]]:
    return conflicts.changes_since("position", position_id, version, labels=field_labels())


def update(
    position: Position, values: dict[str, Any], *, expected_version: int, actor: str | None
) -> dict[str, tuple[Any, Any]]:
    """Edit a position; returns the changes. VersionConflict when someone saved since the
    form was loaded (AlreadyDone when that save was this very change)."""
    values = _clean(values)
    before = snapshot(position)
    changes = {k: (before[k], v) for k, v in values.items() if before[k] != v}
    if position.version != expected_version:
        if not changes:
            raise AlreadyDone()
        raise VersionConflict(position, changes_since(position.id, expected_version))
    if not changes:
        return {}
    errors = check(before | values)
    if errors:
        raise SelectionError(errors)
    for key, (_old, new) in changes.items():
        setattr(position, key, new)
    db.session.flush()  # a concurrent save surfaces here as StaleDataError (409)
    audit.record(
        "update",
        object_type="position",
        object_id=position.id,
        summary=position.title,
        before={k: old for k, (old, _new) in changes.items()},
        after={k: new for k, (_old, new) in changes.items()} | {"version": position.version},
        actor_name=actor,
    )
    return changes


def department_choices() -> list[tuple[int, str]]:
    return [
        (row.id, row.name)
        for row in db.session.execute(
            sa.select(Department.id, Department.name).order_by(
                Department.sort_order, Department.name
            )
        )
    ]


def department_by_name(name: str) -> Department | None:
    return db.session.scalar(sa.select(Department).where(Department.name == name).limit(1))


# --- discipline records -----------------------------------------------------------------------

DISCIPLINE_FIELDS = ("kind", "decided_on", "reason", "document_no")


def discipline_of(cadre_id: int) -> list[DisciplineRecord]:
    """The cadre's 诫勉 and 处分, the latest first."""
    return list(
        db.session.scalars(
            sa.select(DisciplineRecord)
            .where(DisciplineRecord.cadre_id == cadre_id)
            .order_by(DisciplineRecord.decided_on.desc(), DisciplineRecord.id.desc())
        )
    )


def _discipline_snapshot(record: DisciplineRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in DISCIPLINE_FIELDS}


def add_discipline(
    cadre: Cadre, values: dict[str, Any], *, actor: str | None, today: date
) -> DisciplineRecord:
    """A 诫勉 or 处分 of ``cadre``; raises SelectionError naming every problem."""
    kind = (values.get("kind") or "").strip()
    decided = values.get("decided_on")
    reason = (values.get("reason") or "").strip() or None
    number = (values.get("document_no") or "").strip() or None
    errors: list[tuple[str | None, str]] = []
    if kind not in DISCIPLINE_KINDS:
        errors.append(("kind", _("请选择诫勉或处分的种类。")))
    if decided is None:
        errors.append(("decided_on", _("请填写决定日期。")))
    elif decided > today:
        errors.append(("decided_on", _("决定日期不能晚于今天。")))
    if reason and len(reason) > 2000:
        errors.append(("reason", _("不能超过 %(n)s 字。", n=2000)))
    if number and len(number) > 64:
        errors.append(("document_no", _("不能超过 %(n)s 字。", n=64)))
    if errors:
        raise SelectionError(errors)
    record = DisciplineRecord(
        cadre_id=cadre.id,
        kind=kind,
        decided_on=decided,
        reason=reason,
        document_no=number,
        created_by=actor,
    )
    db.session.add(record)
    db.session.flush()
    audit.record(
        "create",
        object_type="discipline_record",
        object_id=record.id,
        summary=f"{cadre.staff_no} {cadre.name}：{kind}",
        after=_discipline_snapshot(record),
        actor_name=actor,
    )
    return record


def delete_discipline(record: DisciplineRecord, *, actor: str | None) -> None:
    cadre = db.session.get(Cadre, record.cadre_id)
    audit.record(
        "delete",
        object_type="discipline_record",
        object_id=record.id,
        summary=f"{cadre.staff_no} {cadre.name}：{record.kind}" if cadre else record.kind,
        before=_discipline_snapshot(record),
        actor_name=actor,
    )
    db.session.delete(record)
    db.session.flush()
