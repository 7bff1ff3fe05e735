"""Checklists (测评表) and their versions (models.assessments.Checklist).

A checklist is a family of versions. A version not yet used by an assessment that has opened
is edited in place; a frozen one (``frozen_at``, set by ``freeze`` when an assessment using it
opens) is never changed again: editing it makes the family's next version, and the old one
stays as the ballots of its assessments read it.

The default checklist (rules.DEFAULT_*: 5 aspects / 15 positive items, 8 categories / 22
negative items, DEFAULT_POINTS) is made by ``ensure_default`` where checklists are needed (the
checklists page, the assessment form, the demo): idempotent, safe when two requests race
(the unique family+version constraint lets one of them win), and it needs no data migration,
so every database (a fresh one, a restored one, the tests' wiped one) has it.

The pure part (reading the items' text, checking a checklist) has no database and is
unit-tested apart (tests/test_assessments_rules.py).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import Checklist, ChecklistItem
from cadre_app.models.assessments import ASPECTS, DEFAULT_POINTS, RATINGS, Polarity
from cadre_app.services.assessments import rules
from cadre_app.services.core import audit

#: Separators accepted between a category and an item's text on one line.
SEPARATORS = ("：", ":", "|", "｜")
NAME_LIMIT = 100
CATEGORY_LIMIT = 32
TEXT_LIMIT = 200
ITEM_LIMIT = 100  # items per polarity
POINTS_RANGE = (-1000, 1000)

Errors = list[tuple[str | None, str]]


@dataclass(frozen=True)
class ItemSpec:
    category: str
    text: str


@dataclass(frozen=True)
class ChecklistSpec:
    """A checklist's content as a form gives it."""

    name: str
    points: dict[str, int]
    positive: tuple[ItemSpec, ...]
    negative: tuple[ItemSpec, ...]
    note: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def same_content(self, other: ChecklistSpec) -> bool:
        return (
            self.name.strip() == other.name.strip()
            and self.points == other.points
            and ordered_positive(self.positive) == ordered_positive(other.positive)
            and self.negative == other.negative
            and ((self.note or "").strip() or None) == ((other.note or "").strip() or None)
        )


class ChecklistError(ValueError):
    """A rule was broken; ``errors`` are (field or None, message) pairs."""

    def __init__(self, errors: Errors):
        super().__init__(" ".join(message for _field, message in errors))
        self.errors = errors


# --- pure: reading and checking ------------------------------------------------------------


def parse_items(text: str | None, field_name: str) -> tuple[tuple[ItemSpec, ...], Errors]:
    """Items from a text area, one a line, ``类别：条目`` (``:``, ``|`` also separate). Blank
    lines are skipped. Returns the items and one message per line that cannot be read."""
    items: list[ItemSpec] = []
    errors: Errors = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        cut = min((line.find(s) for s in SEPARATORS if s in line), default=-1)
        if cut <= 0:
            errors.append(
                (field_name, _("第 %(n)d 行缺少类别，应写作“类别：条目内容”。", n=number))
            )
            continue
        category, body = line[:cut].strip(), line[cut + 1 :].strip()
        if not body:
            errors.append((field_name, _("第 %(n)d 行缺少条目内容。", n=number)))
            continue
        items.append(ItemSpec(category, body))
    return tuple(items), errors


def items_text(items: Sequence[Any]) -> str:
    """Items as the text area shows them (the reverse of ``parse_items``): an ASCII bar
    between category and text keeps each a run of its own, as stored."""
    return "\n".join(f"{item.category} | {item.text}" for item in items)


def check_points(points: dict[str, Any]) -> Errors:
    """Points per rating: an integer for each of 好/较好/一般/差, strictly descending."""
    values = []
    for rating in RATINGS:
        value = points.get(rating)
        if not isinstance(value, int) or isinstance(value, bool):
            return [("points", _("“%(r)s”的分值须为整数。", r=rating))]
        if not POINTS_RANGE[0] <= value <= POINTS_RANGE[1]:
            return [("points", _("分值须在 -1000 到 1000 之间。"))]
        values.append(value)
    if any(a <= b for a, b in zip(values, values[1:], strict=False)):
        return [("points", _("分值须按 好 > 较好 > 一般 > 差 依次递减。"))]
    return []


def check_spec(spec: ChecklistSpec) -> Errors:
    """Every problem of ``spec``: a name; at least one positive item; positive items under the
    five aspects; negative items with a category; lengths; points descending integers."""
    errors: Errors = []
    if not spec.name.strip():
        errors.append(("name", _("请填写测评表名称。")))
    elif len(spec.name) > NAME_LIMIT:
        errors.append(("name", _("不能超过 %(n)s 字。", n=NAME_LIMIT)))
    if not spec.positive:
        errors.append(("positive", _("正向测评至少需要一个条目。")))
    for polarity, items in (("positive", spec.positive), ("negative", spec.negative)):
        if len(items) > ITEM_LIMIT:
            errors.append((polarity, _("条目不能超过 %(n)s 个。", n=ITEM_LIMIT)))
        seen: set[tuple[str, str]] = set()
        for item in items:
            if polarity == "positive" and item.category not in ASPECTS:
                errors.append(
                    (
                        polarity,
                        _(
                            "“%(c)s”不是正向测评的方面，应为：%(aspects)s。",
                            c=item.category,
                            aspects="、".join(ASPECTS),
                        ),
                    )
                )
            if len(item.category) > CATEGORY_LIMIT:
                errors.append((polarity, _("类别“%(c)s”过长。", c=item.category[:20])))
            if len(item.text) > TEXT_LIMIT:
                message = _("条目过长（不超过 %(n)s 字）：%(t)s", n=TEXT_LIMIT, t=item.text[:20])
                errors.append((polarity, message))
            key = (item.category, item.text)
            if key in seen:
                errors.append((polarity, _("条目重复：%(t)s", t=item.text[:40])))
            seen.add(key)
    errors.extend(check_points(spec.points))
    return errors


def ordered_positive(items: Sequence[ItemSpec]) -> tuple[ItemSpec, ...]:
    """Positive items grouped under the aspects in ASPECTS' order (stable within an aspect):
    the ballot and the results show them so."""
    rank = {aspect: i for i, aspect in enumerate(ASPECTS)}
    return tuple(sorted(items, key=lambda item: rank.get(item.category, len(ASPECTS))))


def default_spec() -> ChecklistSpec:
    return ChecklistSpec(
        name=rules.DEFAULT_NAME,
        points=dict(DEFAULT_POINTS),
        positive=tuple(ItemSpec(i.category, i.text) for i in rules.DEFAULT_POSITIVE),
        negative=tuple(ItemSpec(i.category, i.text) for i in rules.DEFAULT_NEGATIVE),
    )


# --- the database ---------------------------------------------------------------------------


def spec_of(checklist: Checklist) -> ChecklistSpec:
    return ChecklistSpec(
        name=checklist.name,
        points={k: int(v) for k, v in (checklist.points or {}).items()},
        positive=tuple(ItemSpec(i.category, i.text) for i in checklist.positive),
        negative=tuple(ItemSpec(i.category, i.text) for i in checklist.negative),
        note=checklist.note,
    )


def _snapshot(checklist: Checklist) -> dict[str, Any]:
    return {
        "name": checklist.name,
        "family": checklist.family,
        "version": checklist.version,
        "points": "/".join(str((checklist.points or {}).get(r, "")) for r in RATINGS),
        "positive": len(checklist.positive),
        "negative": len(checklist.negative),
    }


def field_labels() -> dict[str, str]:
    """Each audit snapshot key in the reader's language (the audit page)."""
    return {
        "name": _("测评表名称"),
        "family": _("系列"),
        "version": _("版本"),
        "points": _("分值（好/较好/一般/差）"),
        "positive": _("正向条目"),
        "negative": _("反向条目"),
    }


def _fill(checklist: Checklist, spec: ChecklistSpec) -> None:
    checklist.name = spec.name.strip()
    checklist.points = {r: spec.points[r] for r in RATINGS}
    checklist.note = (spec.note or "").strip() or None
    checklist.items.clear()
    db.session.flush()
    for position, item in enumerate(ordered_positive(spec.positive)):
        checklist.items.append(
            ChecklistItem(
                polarity=Polarity.POSITIVE,
                category=item.category,
                text=item.text,
                position=position,
            )
        )
    for position, item in enumerate(spec.negative):
        checklist.items.append(
            ChecklistItem(
                polarity=Polarity.NEGATIVE,
                category=item.category,
                text=item.text,
                position=position,
            )
        )


def default_checklist() -> Checklist | None:
    """The newest version of the default family, if it exists."""
    return db.session.scalar(
        sa.select(Checklist)
        .where(Checklist.family == rules.DEFAULT_FAMILY)
        .order_by(Checklist.version.desc())
        .limit(1)
    )


def ensure_default(*, actor: str | None = None) -> tuple[Checklist, bool]:
    """The default checklist, made (version 1 of family ``default``) when missing. Returns it
    and whether it was made now (the caller then commits). Idempotent; two callers racing
    both end with the one row (the loser's insert is rolled back to a savepoint)."""
    found = default_checklist()
    if found is not None:
        return found, False
    spec = default_spec()
    checklist = Checklist(
        family=rules.DEFAULT_FAMILY, version=1, name=spec.name, created_by=actor or "system"
    )
    try:
        with db.session.begin_nested():
            db.session.add(checklist)
            _fill(checklist, spec)
            db.session.flush()
    except sa.exc.IntegrityError:
        found = default_checklist()
        assert found is not None
        return found, False
    audit.record(
        "create",
        object_type="checklist",
        object_id=checklist.id,
        summary=f"{checklist.name} v1（默认）",
        after=_snapshot(checklist),
        actor_name=actor or "system",
    )
    return checklist, True


def create(spec: ChecklistSpec, *, actor: str | None) -> Checklist:
    """A new checklist (a new family, version 1). Raises ChecklistError."""
    errors = check_spec(spec)
    if errors:
        raise ChecklistError(errors)
    checklist = Checklist(family=f"c{secrets.token_hex(6)}", version=1, name="", created_by=actor)
    db.session.add(checklist)
    _fill(checklist, spec)
    db.session.flush()
    audit.record(
        "create",
        object_type="checklist",
        object_id=checklist.id,
        summary=f"{checklist.name} v1",
        after=_snapshot(checklist),
        actor_name=actor,
    )
    return checklist


def newest(family: str) -> Checklist:
    found = db.session.scalar(
        sa.select(Checklist)
        .where(Checklist.family == family)
        .order_by(Checklist.version.desc())
        .limit(1)
    )
    assert found is not None
    return found


def lock_family(family: str) -> None:
    """One writer at a time makes a family's next version (PostgreSQL: the versions' rows;
    SQLite: the database's write lock)."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        db.session.execute(
            sa.select(Checklist.id).where(Checklist.family == family).with_for_update()
        )
    elif not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def edit(checklist: Checklist, spec: ChecklistSpec, *, actor: str | None) -> tuple[Checklist, bool]:
    """Save ``spec`` as ``checklist``'s content. Not frozen: in place. Frozen: the family's
    next version (version+1), the old one unchanged; when the family's newest version already
    holds exactly this content (the form posted twice), that one is returned and nothing is
    written. Returns (the version that holds the content, whether a new version was made)."""
    errors = check_spec(spec)
    if errors:
        raise ChecklistError(errors)
    if checklist.frozen_at is None:
        if spec_of(checklist).same_content(spec):
            return checklist, False
        before = _snapshot(checklist)
        _fill(checklist, spec)
        db.session.flush()
        audit.record(
            "update",
            object_type="checklist",
            object_id=checklist.id,
            summary=f"{checklist.name} v{checklist.version}",
            before=before,
            after=_snapshot(checklist),
            actor_name=actor,
        )
        return checklist, False
    lock_family(checklist.family)
    latest = newest(checklist.family)
    if latest.id != checklist.id and spec_of(latest).same_content(spec):
        return latest, False
    successor = Checklist(
        family=checklist.family, version=latest.version + 1, name="", created_by=actor
    )
    db.session.add(successor)
    _fill(successor, spec)
    db.session.flush()
    audit.record(
        "create",
        object_type="checklist",
        object_id=successor.id,
        summary=f"{successor.name} v{successor.version}（由 v{checklist.version} 修订）",
        after=_snapshot(successor),
        actor_name=actor,
    )
    return successor, True


def freeze(checklist: Checklist, *, at: datetime | None = None) -> None:
    """Mark ``checklist`` as used by an open assessment: never edited again."""
    if checklist.frozen_at is None:
        checklist.frozen_at = at or utcnow()


@dataclass(frozen=True)
class FamilyRow:
    family: str
    name: str
    versions: list[Checklist]

    @property
    def newest(self) -> Checklist:
        return self.versions[0]


def families() -> list[FamilyRow]:
    """Every family with its versions, newest first; the default family first."""
    rows = db.session.scalars(
        sa.select(Checklist).order_by(Checklist.family, Checklist.version.desc())
    ).all()
    grouped: dict[str, list[Checklist]] = {}
    for row in rows:
        grouped.setdefault(row.family, []).append(row)
    result = [FamilyRow(f, versions[0].name, versions) for f, versions in grouped.items()]
    result.sort(key=lambda r: (r.family != rules.DEFAULT_FAMILY, r.newest.created_at, r.family))
    return result


def choices() -> list[Checklist]:
    """Versions an assessment may use: every family's newest version."""
    return [row.newest for row in families()]
