"""Every write to the honour roll: nominate, edit, the steps (approve, return, submit again),
publish a quarter. Services flush and never commit; the view or command owns the transaction,
and every change is written to the audit log (object type ``honour_entry``).

Who acts is an ``Actor``: HR, or a manager with the sections they lead. The rules of who may
nominate and edit what are services.honours.rules; a refusal raises ``HonourError`` with
(field or None, message) pairs, a form posted twice ``AlreadyDone``, an edit from a stale
form ``VersionConflict`` with what the others changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import Cadre, Department, HonourEntry, HonourKind, HonourState
from cadre_app.services.core import audit, conflicts, photos
from cadre_app.services.honours import rules
from cadre_app.services.honours.rules import RuleBroken, S

VersionConflict = conflicts.VersionConflict
OBJECT_TYPE = "honour_entry"
#: What an edit may change (the quarter, the kind and who is honoured are fixed once nominated).
TEXT_FIELDS = ("title", "deeds", "in_rewards")
SNAPSHOT_FIELDS = (
    "year",
    "quarter",
    "kind",
    "department_id",
    "cadre_id",
    "title",
    "deeds",
    "in_rewards",
    "state",
    "return_reason",
    "photo_type",
)


class HonourError(ValueError):
    """A rule was broken; ``errors`` are (field or None, message) pairs."""

    def __init__(self, errors: list[tuple[str | None, str]]):
        super().__init__(" ".join(message for _field, message in errors))
        self.errors = errors


class AlreadyDone(Exception):
    """The same move was already made (a form posted twice); nothing to do."""


@dataclass(frozen=True)
class Actor:
    """Who writes: their login name, whether HR, and (a manager) the sections they lead."""

    username: str
    is_hr: bool
    led_department_ids: tuple[int, ...] = ()

    def leads(self, department_id: int) -> bool:
        return department_id in self.led_department_ids


@dataclass
class Nomination:
    """What a nomination form brings: the quarter, a section or a cadre, the text, a photo."""

    year: int
    quarter: int
    kind: HonourKind
    title: str
    deeds: str
    department_id: int | None = None  # a section entry
    cadre: Cadre | None = None  # an individual entry
    in_rewards: bool = False
    photo: bytes | None = None


def field_labels() -> dict[str, str]:
    """Each audit snapshot key in the reader's language (the audit page, the 409 page)."""
    return {
        "year": _("年度"),
        "quarter": _("季度"),
        "kind": _("类别"),
        "department_id": _("处室"),
        "cadre_id": _("干部"),
        "title": _("荣誉称号"),
        "deeds": _("事迹"),
        "in_rewards": _("列入奖惩情况"),
        "state": _("状态"),
        "return_reason": _("退回原因"),
        "photo_type": _("照片"),
        "version": _("版本"),
    }


def snapshot(entry: HonourEntry) -> dict[str, Any]:
    return {field: getattr(entry, field) for field in SNAPSHOT_FIELDS}


def changes_since(entry_id: int, version: int) -> list[dict[str, Any]]:
    """What others saved after ``version`` (from the audit log), states by name."""

    def shown(attr: str, value: Any) -> Any:
        return HonourState(value).label if attr == "state" and value else value

    return conflicts.changes_since(
        OBJECT_TYPE, entry_id, version, labels=field_labels(), shown=shown
    )


def summary(entry: HonourEntry) -> str:
    """The entry in the audit log's words: ``2026年第一季度 光荣榜：预算处 先进处室``."""
    quarter = rules.quarter_label(entry.year, entry.quarter)
    return f"{quarter} 光荣榜：{entry.honoured_name} {entry.title}"


def _record(action: str, entry: HonourEntry, actor: Actor, before: dict[str, Any] | None) -> None:
    after = snapshot(entry) | {"version": entry.version}
    audit.record(
        action,
        object_type=OBJECT_TYPE,
        object_id=entry.id,
        summary=summary(entry),
        before=before,
        after=after,
        actor_name=actor.username,
    )


def _checked_photo(data: bytes | None) -> tuple[bytes, str] | None:
    if data is None:
        return None
    try:
        return photos.normalise(data), "image/jpeg"
    except photos.PhotoRefused as refused:
        raise HonourError([("photo", str(refused))]) from None


def normalise_stored_photos(*, actor: str | None) -> photos.Sweep:
    """Re-store every honour roll photo stored before photos were normalised (``flask photos
    normalise``), one at a time, without touching the entry's version; each one changed is
    audited. Flushes."""
    sweep = photos.Sweep()
    ids = db.session.scalars(
        sa.select(HonourEntry.id).where(HonourEntry.photo.is_not(None)).order_by(HonourEntry.id)
    ).all()
    for entry_id in ids:
        entry = db.session.get(HonourEntry, entry_id)
        assert entry is not None and entry.photo is not None
        label = f"{entry.year}年第{entry.quarter}季度 {entry.honoured_name} {entry.title}"
        stored = entry.photo
        normal = sweep.add(label, stored)
        db.session.expire(entry, ["photo"])  # keep one photo in memory at a time
        if normal is None:
            continue
        db.session.execute(
            sa.update(HonourEntry)
            .where(HonourEntry.id == entry_id)
            .values(photo=normal, photo_type="image/jpeg")
        )
        audit.record(
            "update",
            object_type=OBJECT_TYPE,
            object_id=entry_id,
            summary=f"光荣榜照片规范化：{label}（{len(stored)} → {len(normal)} 字节）",
            actor_name=actor,
        )
    db.session.flush()
    return sweep


def existing(year: int, quarter: int, kind: HonourKind, who: int) -> HonourEntry | None:
    """The quarter's entry of the section (``who`` a department id) or of the cadre."""
    query = sa.select(HonourEntry).where(HonourEntry.year == year, HonourEntry.quarter == quarter)
    if kind is HonourKind.SECTION:
        query = query.where(
            HonourEntry.kind == HonourKind.SECTION, HonourEntry.department_id == who
        )
    else:
        query = query.where(HonourEntry.cadre_id == who)
    return db.session.scalar(query)


def _same(entry: HonourEntry, nomination: Nomination) -> bool:
    return entry.title == nomination.title.strip() and entry.deeds == nomination.deeds.strip()


def nominate(nomination: Nomination, *, actor: Actor, today: date) -> HonourEntry:
    """A new entry (已提名) of ``nomination``'s quarter. Raises HonourError with every problem
    found (AlreadyDone when the same nomination was just made: a form posted twice)."""
    errors: list[tuple[str | None, str]] = list(
        rules.check_text(nomination.title, nomination.deeds)
    )
    try:
        rules.check_quarter(nomination.year, nomination.quarter, today)
    except RuleBroken as broken:
        errors.append(("quarter", str(broken)))
    if nomination.kind is HonourKind.INDIVIDUAL:
        if nomination.cadre is None:
            errors.append(("staff_no", _("请填写干部工号。")))
            department_id = None
        else:
            department_id = nomination.cadre.department_id
            if department_id is None:
                errors.append(("staff_no", _("该干部没有所在处室，不能提名。")))
    else:
        department_id = nomination.department_id
        if department_id is None or db.session.get(Department, department_id) is None:
            errors.append(("department_id", _("请选择处室。")))
            department_id = None
    if department_id is not None and not rules.may_nominate(
        is_hr=actor.is_hr,
        led_department_ids=list(actor.led_department_ids),
        department_id=department_id,
    ):
        field = "staff_no" if nomination.kind is HonourKind.INDIVIDUAL else "department_id"
        errors.append((field, _("只能为本人分管的处室提名。")))
    photo = None
    try:
        photo = _checked_photo(nomination.photo)
    except HonourError as error:
        errors += error.errors
    if errors:
        raise HonourError(errors)
    assert department_id is not None
    who = nomination.cadre.id if nomination.cadre is not None else department_id
    found = existing(nomination.year, nomination.quarter, nomination.kind, who)
    if found is not None:
        if _same(found, nomination) and found.nominated_by == actor.username:
            raise AlreadyDone(found.id)
        raise HonourError(
            [
                (
                    None,
                    _(
                        "%(quarter)s已有该%(kind)s的光荣榜条目（%(state)s）。",
                        quarter=rules.quarter_text(found.year, found.quarter),
                        kind=found.kind.label,
                        state=found.state.label,
                    ),
                )
            ]
        )
    entry = HonourEntry(
        year=nomination.year,
        quarter=nomination.quarter,
        kind=nomination.kind,
        department_id=department_id,
        cadre=nomination.cadre,
        title=nomination.title.strip(),
        deeds=nomination.deeds.strip(),
        in_rewards=nomination.in_rewards and nomination.kind is HonourKind.INDIVIDUAL,
        photo=photo[0] if photo else None,
        photo_type=photo[1] if photo else None,
        state=S.NOMINATED,
        nominated_by=actor.username,
    )
    db.session.add(entry)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError:  # another writer nominated the same at the same moment
        raise HonourError([(None, _("该季度已有同一处室或干部的光荣榜条目。"))]) from None
    _record("create", entry, actor, None)
    return entry


def update(
    entry: HonourEntry,
    values: dict[str, Any],
    *,
    expected_version: int,
    actor: Actor,
    photo: bytes | None = None,
    remove_photo: bool = False,
) -> list[str]:
    """Edit the title, the deeds, the 奖惩情况 choice and the photo. A manager's edit of a
    returned nomination submits it again (→ 已提名). Returns the changed fields."""
    if not rules.may_edit(
        entry.state, is_hr=actor.is_hr, leads_section=actor.leads(entry.department_id)
    ):
        raise HonourError([(None, _("该条目已%(state)s，不能再修改。", state=entry.state.label))])
    conflicts.check_version(
        entry, expected_version, lambda: changes_since(entry.id, expected_version)
    )
    errors: list[tuple[str | None, str]] = list(
        rules.check_text(values.get("title"), values.get("deeds"))
    )
    checked = None
    try:
        checked = _checked_photo(photo)
    except HonourError as error:
        errors += error.errors
    if errors:
        raise HonourError(errors)
    before = snapshot(entry) | {"version": entry.version}
    new = {
        "title": values["title"].strip(),
        "deeds": values["deeds"].strip(),
        "in_rewards": bool(values.get("in_rewards")) and entry.kind is HonourKind.INDIVIDUAL,
    }
    if not actor.is_hr:
        new["in_rewards"] = entry.in_rewards  # the organisation's choice, made by HR
    changed = [field for field, value in new.items() if getattr(entry, field) != value]
    for field in changed:
        setattr(entry, field, new[field])
    if checked is not None:
        entry.photo, entry.photo_type = checked
        changed.append("photo_type")
    elif remove_photo and entry.photo_type is not None:
        entry.photo, entry.photo_type = None, None
        changed.append("photo_type")
    if entry.state is S.RETURNED and not actor.is_hr:
        entry.state, entry.return_reason = S.NOMINATED, None
        entry.nominated_at = utcnow()
        changed.append("state")
    if changed:
        db.session.flush()
        _record("update", entry, actor, before)
    return changed


def step(
    entry: HonourEntry,
    target: HonourState,
    *,
    reason: str | None,
    expected_version: int,
    actor: Actor,
) -> None:
    """HR approves or returns (with a reason) an entry; submitting a returned one again is
    the nominator's (HR's or the section's manager's)."""
    if entry.state is target:
        raise AlreadyDone(entry.id)
    if target in (S.APPROVED, S.RETURNED) and not actor.is_hr:
        raise HonourError([(None, _("只有组织人事部门可以审核光荣榜。"))])
    if target is S.NOMINATED and not (actor.is_hr or actor.leads(entry.department_id)):
        raise HonourError([(None, _("只能为本人分管的处室提名。"))])
    conflicts.check_version(
        entry, expected_version, lambda: changes_since(entry.id, expected_version)
    )
    try:
        rules.check_step(entry.state, target, reason)
    except RuleBroken as broken:
        raise HonourError([("reason", str(broken))]) from None
    before = snapshot(entry) | {"version": entry.version}
    entry.state = target
    if target is S.APPROVED:
        entry.approved_by, entry.approved_at = actor.username, utcnow()
        entry.return_reason = None
    elif target is S.RETURNED:
        entry.return_reason = (reason or "").strip()
        entry.approved_by, entry.approved_at = None, None
    else:
        entry.return_reason = None
        entry.nominated_at = utcnow()
    db.session.flush()
    _record("update", entry, actor, before)


def publish_quarter(year: int, quarter: int, *, actor: Actor) -> int:
    """Publish every approved entry of the quarter (HR). Returns how many; raises
    AlreadyDone when nothing is left to publish but the quarter is published (a form posted
    twice), HonourError when nothing is approved."""
    if not actor.is_hr:
        raise HonourError([(None, _("只有组织人事部门可以发布光荣榜。"))])
    entries = list(
        db.session.scalars(
            sa.select(HonourEntry)
            .where(HonourEntry.year == year, HonourEntry.quarter == quarter)
            .with_for_update()
        )
    )
    approved = [e for e in entries if e.state is S.APPROVED]
    if not approved:
        if any(e.state is S.PUBLISHED for e in entries):
            raise AlreadyDone(quarter)
        raise HonourError(
            [
                (
                    None,
                    _(
                        "%(quarter)s没有已通过的条目，不能发布。",
                        quarter=rules.quarter_text(year, quarter),
                    ),
                )
            ]
        )
    now = utcnow()
    for entry in approved:
        before = snapshot(entry) | {"version": entry.version}
        entry.state = S.PUBLISHED
        entry.published_by, entry.published_at = actor.username, now
        db.session.flush()
        _record("update", entry, actor, before)
    return len(approved)
