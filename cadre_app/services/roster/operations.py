"""The cadre roster's changes: create and update with version checks (the field rules are
services.roster.rules), family, résumé, photo, the audited reveal of an ID number, and the
young-cadre condition in SQL. Services flush; callers commit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from cadre_app.extensions import db
from cadre_app.models import (
    Cadre,
    CadrePhoto,
    Department,
    FamilyMember,
    ResumeEntry,
    enums,
)
from cadre_app.services.core import audit, conflicts, dates, idcard, photos, settings
from cadre_app.services.roster.rules import (  # noqa: F401  (also read as operations.X)
    COMMON_DEGREES,
    DEGREE_LEVEL_ATTRS,
    FIELD_BY_ATTR,
    FIELDS,
    LABELS,
    MOBILE_PATTERN,
    MONTH_DATES,
    NAME_PATTERN,
    STAFF_NO_PATTERN,
    Field,
    FieldError,
    RosterError,
    add_years,
    age_line_level,
    age_on,
    degree_level,
    education_level,
    is_young_cadre,
    normalise_degree,
    precision_attr,
    printed_education,
    validate,
)

#: The edit-conflict error of every domain (services.core.conflicts).
VersionConflict = conflicts.VersionConflict


def young_cadre_condition(on: date, lines: dict[str, int]) -> sa.ColumnElement[bool]:
    """The same rule as ``is_young_cadre`` as a SQL condition, for filtering the roster.

    Age <= N at ``on`` means born after ``on`` minus N+1 years.
    """
    county_ranks = enums.RANK_LADDER[enums.rank_index(enums.COUNTY_RANK_FLOOR) :]
    county = sa.or_(
        Cadre.rank.in_(county_ranks),
        sa.and_(Cadre.leadership_level.is_not(None), ~Cadre.leadership_level.like("乡科级%")),
    )
    return sa.case(
        (county, Cadre.birth_date > add_years(on, -(lines["县处级"] + 1))),
        else_=Cadre.birth_date > add_years(on, -(lines["乡科级"] + 1)),
    )


def uniqueness_problems(values: dict[str, Any], *, cadre_id: int | None) -> list[FieldError]:
    """工号 and 身份证号 must each belong to one cadre."""
    errors = []
    for attr, match in (
        ("staff_no", lambda v: Cadre.staff_no == v),
        ("id_number", Cadre.id_number_is),  # through the blind index: the column is encrypted
    ):
        value = values.get(attr)
        if not value:
            continue
        stmt = sa.select(Cadre.staff_no, Cadre.name).where(match(value))
        if cadre_id is not None:
            stmt = stmt.where(Cadre.id != cadre_id)
        other = db.session.execute(stmt).first()
        if other:
            errors.append(
                FieldError(
                    attr,
                    _(
                        "%(label)s已被 %(name)s（工号 %(no)s）使用。",
                        label=LABELS[attr],
                        name=other.name,
                        no=other.staff_no,
                    ),
                )
            )
    return errors


# --- 工号 for new cadres: one scheme, configurable -------------------------------------------

STAFF_NO_SCHEME_KEY = "staff_no_scheme"


def staff_no_scheme_problem(scheme: Any) -> str | None:
    """What is wrong with a 工号 scheme ``{"prefix": "G", "width": 5}``, or None."""
    if not isinstance(scheme, dict) or set(scheme) != {"prefix", "width"}:
        return _("工号规则须包含前缀和序号位数。")
    prefix, width = scheme["prefix"], scheme["width"]
    if not isinstance(prefix, str) or not re.fullmatch(r"[A-Za-z0-9_-]{0,8}", prefix):
        return _("工号前缀只能由字母、数字、-、_ 组成，最多 8 位。")
    if not isinstance(width, int) or isinstance(width, bool) or not 3 <= width <= 10:
        return _("工号序号位数须为 3 到 10。")
    return None


def staff_no_pattern(scheme: dict[str, Any]) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(scheme['prefix'])}(\d{{{scheme['width']}}})$")


def format_staff_no(sequence: int, scheme: dict[str, Any] | None = None) -> str:
    """The ``sequence``-th 工号 of ``scheme`` (the configured one by default): ``G00042``."""
    scheme = scheme or settings.value(STAFF_NO_SCHEME_KEY)
    return f"{scheme['prefix']}{sequence:0{scheme['width']}d}"


def allocate_staff_nos(count: int, *, reserved: Iterable[str] = ()) -> list[str]:
    """The next ``count`` 工号 of the configured scheme (prefix + zero-padded sequence), each one
    above the highest number of the scheme in use or ``reserved`` (numbers already handed out
    in the same import). A number somebody typed by hand is skipped, never reused."""
    scheme = settings.value(STAFF_NO_SCHEME_KEY)
    pattern = staff_no_pattern(scheme)
    prefix, width = scheme["prefix"], scheme["width"]
    stmt = sa.select(Cadre.staff_no)
    if prefix:
        stmt = stmt.where(Cadre.staff_no.startswith(prefix, autoescape=True))
    taken = set(db.session.scalars(stmt)) | set(reserved)
    highest = max((int(m.group(1)) for no in taken if (m := pattern.match(no))), default=0)
    numbers: list[str] = []
    sequence = highest
    while len(numbers) < count:
        sequence += 1
        candidate = format_staff_no(sequence, scheme)
        if len(candidate) > 32 or len(str(sequence)) > width:
            raise RosterError([FieldError("staff_no", _("按工号规则已无可用的工号，请调整规则。"))])
        if candidate not in taken:
            numbers.append(candidate)
    return numbers


def next_staff_no() -> str:
    """The 工号 the next new cadre gets when none is given (roster form, workbook, .lrmx)."""
    return allocate_staff_nos(1)[0]


def snapshot(cadre: Cadre) -> dict[str, Any]:
    """The record's editable values (for the audit log and conflict display); a date given to
    the month is a ``dates.MonthDate``."""
    values = {f.attr: getattr(cadre, f.attr) for f in FIELDS}
    for attr in MONTH_DATES:
        values[attr] = dates.with_precision(values[attr], getattr(cadre, precision_attr(attr)))
    return values


def _derived(values: dict[str, Any], merged: dict[str, Any]) -> dict[str, Any]:
    """The columns that follow from the values: each date's precision, each 学位's level; and a
    month-only birth date completed with the day from the ID number (it stays month-only)."""
    extra: dict[str, Any] = {}
    given = merged.get("birth_date")
    birth = idcard.completed_birth(merged.get("id_number"), given)
    if birth is not None and given is not None and birth.day != given.day:
        values["birth_date"] = merged["birth_date"] = birth
    for attr in MONTH_DATES:
        if attr in values:
            extra[precision_attr(attr)] = dates.precision(values[attr])
    for attr, level_attr in DEGREE_LEVEL_ATTRS.items():
        if attr in values:
            extra[level_attr] = degree_level(values[attr])
    return extra


def _check(values: dict[str, Any], *, cadre_id: int | None, today: date) -> None:
    errors = validate(values, today=today)
    errors += uniqueness_problems(values, cadre_id=cadre_id)
    if values.get("department_id") and db.session.get(Department, values["department_id"]) is None:
        errors.append(FieldError("department_id", _("处室不存在。")))
    if errors:
        raise RosterError(errors)


def create_cadre(values: dict[str, Any], *, actor: str | None, today: date) -> Cadre:
    """Add a cadre after every rule passed; raises RosterError otherwise. Audited."""
    values = {f.attr: values.get(f.attr) for f in FIELDS} | values
    if not values.get("staff_no"):
        values["staff_no"] = next_staff_no()
    extra = _derived(values, values)
    _check(values, cadre_id=None, today=today)
    cadre = Cadre(**{f.attr: values.get(f.attr) for f in FIELDS}, **extra, updated_by=actor)
    db.session.add(cadre)
    db.session.flush()
    audit.record(
        "create",
        object_type="cadre",
        object_id=cadre.id,
        summary=f"{cadre.staff_no} {cadre.name}",
        after=snapshot(cadre) | {"version": cadre.version},
        actor_name=actor,
    )
    return cadre


def _same(old: Any, new: Any) -> bool:
    """Equal, and for dates given at the same precision (1990.03 is not 1990-03-01)."""
    return old == new and dates.precision(old) == dates.precision(new)


def changed_fields(cadre: Cadre, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """attr -> (old, new) for the fields ``values`` would change."""
    current = snapshot(cadre)
    return {
        f.attr: (current[f.attr], values.get(f.attr))
        for f in FIELDS
        if f.attr in values and not _same(current[f.attr], values.get(f.attr))
    }


def changes_since(cadre_id: int, version: int) -> list[dict[str, Any]]:
    """What others saved after ``version``, from the audit log: who, when, field, old, new."""
    return conflicts.changes_since("cadre", cadre_id, version, labels=LABELS, actions=("update",))


def _comparable(value: Any) -> Any:
    """Form and audit values in one form (dates as ISO text, as the audit log stores them)."""
    return value.isoformat() if isinstance(value, date) else value


def rebase(
    cadre: Cadre, submitted: dict[str, Any], changes: list[dict[str, Any]]
) -> tuple[dict[str, Any], set[str]]:
    """After a conflict: the form to show again. Fields the user did not touch take the
    current saved value, so saving again never undoes someone else's change; fields both
    changed keep the user's value and are returned in the second set to be pointed out.

    The user's starting point is the current record with the others' changes rolled back
    (from the audit log). A masked ID number cannot be rolled back: if someone else changed
    it, the current value is kept and the field is pointed out."""
    current = snapshot(cadre)
    base = {attr: _comparable(value) for attr, value in current.items()}
    touched_by_others = set()
    for change in reversed(changes):
        base[change["attr"]] = change["old"]
        touched_by_others.add(change["attr"])
    merged, both = {}, set()
    for attr, value in current.items():
        mine = submitted.get(attr, value)
        if attr == "id_number" and attr in touched_by_others:
            merged[attr] = value
            both.add(attr)
        elif _comparable(mine) == base.get(attr):
            merged[attr] = value  # untouched by this user: take the saved value
        else:
            merged[attr] = mine
            if attr in touched_by_others and _comparable(mine) != _comparable(value):
                both.add(attr)
    return merged, both


def update_cadre(
    cadre: Cadre,
    values: dict[str, Any],
    *,
    expected_version: int,
    actor: str | None,
    today: date,
) -> dict[str, tuple[Any, Any]]:
    """Save ``values`` over ``cadre`` if nobody saved since ``expected_version``.

    Raises VersionConflict (with the other saves) or RosterError. Returns what changed; an
    unchanged form writes nothing and does not bump the version.
    """
    conflicts.check_version(
        cadre, expected_version, lambda: changes_since(cadre.id, expected_version)
    )
    values = {k: v for k, v in values.items() if k != "staff_no" or v}  # blank: kept as it is
    merged = snapshot(cadre) | values
    if "birth_date" not in values and merged.get("birth_date") is not None:
        values["birth_date"] = merged["birth_date"]  # an ID number may complete its day
    _derived(values, merged)
    _check(merged, cadre_id=cadre.id, today=today)
    changes = changed_fields(cadre, values)
    if not changes:
        return {}
    extra = _derived({attr: new for attr, (_old, new) in changes.items()}, merged)
    for attr, (_old, new) in changes.items():
        setattr(cadre, attr, new)
    for attr, value in extra.items():
        setattr(cadre, attr, value)
    cadre.updated_by = actor
    db.session.flush()  # the version_id_col bumps here; a concurrent save raises StaleDataError
    audit.record(
        "update",
        object_type="cadre",
        object_id=cadre.id,
        summary=f"{cadre.staff_no} {cadre.name}",
        before={attr: old for attr, (old, _new) in changes.items()},
        after={attr: new for attr, (_old, new) in changes.items()} | {"version": cadre.version},
        actor_name=actor,
    )
    return changes


def delete_cadre(cadre: Cadre, *, actor: str | None) -> None:
    audit.record(
        "delete",
        object_type="cadre",
        object_id=cadre.id,
        summary=f"{cadre.staff_no} {cadre.name}",
        before=snapshot(cadre),
        actor_name=actor,
    )
    db.session.execute(
        sa.update(Department).where(Department.head_id == cadre.id).values(head_id=None)
    )
    db.session.execute(
        sa.update(Department).where(Department.secretary_id == cadre.id).values(secretary_id=None)
    )
    db.session.delete(cadre)
    db.session.flush()


# --- parts of the record: photo, family, résumé ---------------------------------------------

PHOTO_MAX_BYTES = photos.PHOTO_MAX_BYTES


def set_photo(cadre: Cadre, data: bytes, *, actor: str | None) -> None:
    """Store a JPEG or PNG of at most 6 MB and the pixel limit, normalised to a form-size
    JPEG without metadata (services.core.photos.normalise)."""
    try:
        data = photos.normalise(data)
    except photos.PhotoRefused as refused:
        raise RosterError([FieldError("photo", str(refused))]) from None
    content_type = "image/jpeg"
    if cadre.photo is None:
        cadre.photo = CadrePhoto(content_type=content_type, data=data)
    else:
        cadre.photo.content_type = content_type
        cadre.photo.data = data
    db.session.flush()
    audit.record(
        "update",
        object_type="cadre_photo",
        object_id=cadre.id,
        summary=f"{cadre.staff_no} {cadre.name}：照片（{len(data)} 字节）",
        actor_name=actor,
    )


def normalise_stored_photos(*, actor: str | None) -> photos.Sweep:
    """Re-store every cadre photo stored before photos were normalised (``flask photos
    normalise``), one at a time; each one changed is audited. Flushes."""
    sweep = photos.Sweep()
    ids = db.session.scalars(sa.select(CadrePhoto.cadre_id).order_by(CadrePhoto.cadre_id)).all()
    for cadre_id in ids:
        row = db.session.execute(
            sa.select(CadrePhoto.data, Cadre.staff_no, Cadre.name)
            .join(Cadre, Cadre.id == CadrePhoto.cadre_id)
            .where(CadrePhoto.cadre_id == cadre_id)
        ).one()
        normal = sweep.add(f"{row.staff_no} {row.name}", row.data)
        if normal is None:
            continue
        db.session.execute(
            sa.update(CadrePhoto)
            .where(CadrePhoto.cadre_id == cadre_id)
            .values(data=normal, content_type="image/jpeg")
        )
        audit.record(
            "update",
            object_type="cadre_photo",
            object_id=cadre_id,
            summary=f"{row.staff_no} {row.name}：照片规范化"
            f"（{len(row.data)} → {len(normal)} 字节）",
            actor_name=actor,
        )
    db.session.flush()
    return sweep


def _family_errors(values: dict[str, Any], today: date) -> list[FieldError]:
    """What is wrong with a family member's values, the same on add and on edit."""
    errors = []
    born = values.get("birth_date")
    if born and born > today:
        errors.append(FieldError("birth_date", _("出生日期不能晚于今天。")))
    status = values.get("political_status")
    if status and status not in enums.POLITICAL_STATUSES:
        errors.append(
            FieldError(
                "political_status",
                _("政治面貌须为：%(choices)s。", choices="、".join(enums.POLITICAL_STATUSES)),
            )
        )
    return errors


def add_family_member(
    cadre: Cadre, values: dict[str, Any], *, actor: str | None, today: date
) -> FamilyMember:
    errors = _family_errors(values, today)
    if errors:
        raise RosterError(errors)
    member = FamilyMember(cadre=cadre, sort_order=len(cadre.family), **values)
    db.session.add(member)
    db.session.flush()
    audit.record(
        "create",
        object_type="family_member",
        object_id=member.id,
        summary=f"{cadre.staff_no} {cadre.name}：{member.relation} {member.name}",
        after=values,
        actor_name=actor,
    )
    return member


def delete_family_member(member: FamilyMember, *, actor: str | None) -> None:
    cadre = member.cadre
    audit.record(
        "delete",
        object_type="family_member",
        object_id=member.id,
        summary=f"{cadre.staff_no} {cadre.name}：{member.relation} {member.name}",
        before={"relation": member.relation, "name": member.name},
        actor_name=actor,
    )
    db.session.delete(member)
    db.session.flush()


def _update_part(
    item: Any,
    values: dict[str, Any],
    *,
    object_type: str,
    summary: Callable[[], str],
    actor: str | None,
) -> dict[str, tuple[Any, Any]]:
    """Write the values of a profile line (résumé line, family member) that differ, audited
    with what they were and what they are (``summary`` is read after the change). Returns
    what changed; nothing is written when nothing did."""
    changes = {k: (getattr(item, k), v) for k, v in values.items() if getattr(item, k) != v}
    if not changes:
        return {}
    for attr, (_old, new) in changes.items():
        setattr(item, attr, new)
    db.session.flush()
    audit.record(
        "update",
        object_type=object_type,
        object_id=item.id,
        summary=summary(),
        before={k: old for k, (old, _new) in changes.items()},
        after={k: new for k, (_old, new) in changes.items()},
        actor_name=actor,
    )
    return changes


def update_family_member(
    member: FamilyMember, values: dict[str, Any], *, actor: str | None, today: date
) -> dict[str, tuple[Any, Any]]:
    """Correct a family member with the checks of ``add_family_member``; audited with the
    values before and after. Returns what changed (nothing written when nothing did)."""
    errors = _family_errors(values, today)
    if errors:
        raise RosterError(errors)
    cadre = member.cadre
    return _update_part(
        member,
        values,
        object_type="family_member",
        summary=lambda: f"{cadre.staff_no} {cadre.name}：{member.relation} {member.name}",
        actor=actor,
    )


def _resume_errors(cadre: Cadre, values: dict[str, Any], today: date) -> list[FieldError]:
    """What is wrong with a résumé line's values, the same on add and on edit."""
    start, end = values["start"], values.get("end")
    errors = []
    if start > today:
        errors.append(FieldError("start", _("起始年月不能晚于今天。")))
    if end and end < start:
        errors.append(FieldError("end", _("截止年月不能早于起始年月。")))
    if start < cadre.birth_date:
        errors.append(FieldError("start", _("起始年月不能早于出生日期。")))
    return errors


def add_resume_entry(
    cadre: Cadre, values: dict[str, Any], *, actor: str | None, today: date
) -> ResumeEntry:
    errors = _resume_errors(cadre, values, today)
    if errors:
        raise RosterError(errors)
    entry = ResumeEntry(cadre=cadre, **values)
    db.session.add(entry)
    db.session.flush()
    audit.record(
        "create",
        object_type="resume_entry",
        object_id=entry.id,
        summary=f"{cadre.staff_no} {cadre.name}：{entry.line}",
        after=values,
        actor_name=actor,
    )
    return entry


def update_resume_entry(
    entry: ResumeEntry, values: dict[str, Any], *, actor: str | None, today: date
) -> dict[str, tuple[Any, Any]]:
    """Correct a résumé line with the checks of ``add_resume_entry``; audited with the line
    before and after. Returns what changed (nothing written when nothing did)."""
    cadre = entry.cadre
    errors = _resume_errors(cadre, values, today)
    if errors:
        raise RosterError(errors)
    before = entry.line
    return _update_part(
        entry,
        values,
        object_type="resume_entry",
        summary=lambda: f"{cadre.staff_no} {cadre.name}：{before} → {entry.line}",
        actor=actor,
    )


def delete_resume_entry(entry: ResumeEntry, *, actor: str | None) -> None:
    cadre = entry.cadre
    audit.record(
        "delete",
        object_type="resume_entry",
        object_id=entry.id,
        summary=f"{cadre.staff_no} {cadre.name}：{entry.line}",
        actor_name=actor,
    )
    db.session.delete(entry)
    db.session.flush()


def reveal_id_number(cadre: Cadre) -> str | None:
    """The full number for HR; every call is audited."""
    audit.record(
        "reveal",
        object_type="cadre",
        object_id=cadre.id,
        summary=f"{cadre.staff_no} {cadre.name}",
    )
    return cadre.id_number


def reveal_id_numbers_in_export(
    cadres: Iterable[Cadre], *, export: str, actor: str | None = None
) -> int:
    """Record that the full ID numbers of ``cadres`` leave the system in a file (``export``:
    what it is, e.g. 干部名册): one ``reveal`` event per cadre whose number is in it, written
    with one bulk INSERT. One event per cadre, not one listing them, so that the auditor finds
    every reveal of a person's number under that person (filter 干部 #id), whether it was shown
    on the profile or exported. The caller records the export itself, with its reason. The
    summary has no colon or bracket: the audit page shows it whole. Returns how many."""
    return audit.record_many(
        [
            {
                "action": "reveal",
                "object_type": "cadre",
                "object_id": cadre.id,
                "summary": f"{cadre.staff_no} {cadre.name} 完整身份证号随{export}导出",
            }
            for cadre in cadres
            if cadre.id_number
        ],
        actor_name=actor,
    )


def profile(
    cadre: Cadre, *, on: date, lists: Collection[str] = ("family", "resume")
) -> dict[str, Any]:
    """Plain data for the profile page (and later the PDF forms); of the lists, only those
    named in ``lists`` ("family", "resume"): a tab not showing them does not read them."""
    lines = settings.value("young_cadre_age_lines")
    values = snapshot(cadre)
    data = {
        "id": cadre.id,
        "values": values,
        "id_number_masked": idcard.mask(cadre.id_number),
        "department": cadre.department.name,
        "age": age_on(cadre.birth_date, on),
        "age_on": on,
        "young": is_young_cadre(
            cadre.birth_date, cadre.rank, cadre.leadership_level, on=on, lines=lines
        ),
        "age_line_level": age_line_level(cadre.rank, cadre.leadership_level),
        "age_lines": lines,
        "version": cadre.version,
        "updated_at": cadre.updated_at,
        "updated_by": cadre.updated_by,
        "has_photo": cadre.photo is not None,
        "shown_dates": {
            attr: dates.shown(value) for attr, value in values.items() if isinstance(value, date)
        },
        "degree_levels": {a: getattr(cadre, level) for a, level in DEGREE_LEVEL_ATTRS.items()},
    }
    if "family" in lists:
        data["family"] = [
            {
                "id": m.id,
                "relation": m.relation,
                "name": m.name,
                "birth_date": m.birth_date,
                "political_status": m.political_status,
                "employer_and_post": m.employer_and_post,
            }
            for m in cadre.family
        ]
    if "resume" in lists:
        data["resume"] = [{"id": e.id, "line": e.line} for e in cadre.resume]
    return data
