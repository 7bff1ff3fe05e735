"""The cadre roster: field rules, young-cadre status, create and update with version checks.

Every rule returns ``FieldError(field, message)`` so that forms show the message beside the
field and imports name the row and the column. Services flush; callers commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cadre_app.extensions import db
from cadre_app.models import (
    Cadre,
    CadrePhoto,
    Department,
    FamilyMember,
    ResumeEntry,
    enums,
)
from cadre_app.services.core import audit, conflicts, idcard, settings

STAFF_NO_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
MOBILE_PATTERN = re.compile(r"^1[3-9]\d{9}$")
NAME_PATTERN = re.compile(r"^[\u3400-\u9fffA-Za-z·• ]{1,50}$")


@dataclass(frozen=True)
class Field:
    attr: str
    label: Any  # a lazy translated string
    kind: str = "text"  # text | date | choice | id_number | phone | department | longtext
    required: bool = False
    choices: tuple[str, ...] = ()
    max_length: int = 100


#: Every editable field of the record, in the order forms and the workbook use.
FIELDS: tuple[Field, ...] = (
    Field("staff_no", _l("工号"), required=True, max_length=32),
    Field("name", _l("姓名"), required=True, max_length=50),
    Field("gender", _l("性别"), "choice", required=True, choices=enums.GENDERS),
    Field("ethnicity", _l("民族"), max_length=20),
    Field("birth_date", _l("出生日期"), "date", required=True),
    Field("native_place", _l("籍贯"), max_length=50),
    Field("birthplace", _l("出生地"), max_length=50),
    Field("political_status", _l("政治面貌"), "choice", choices=enums.POLITICAL_STATUSES),
    Field("party_join_date", _l("入党时间"), "date"),
    Field("work_start_date", _l("参加工作时间"), "date"),
    Field("health", _l("健康状况"), max_length=20),
    Field("id_number", _l("身份证号"), "id_number", max_length=18),
    Field("ft_education", _l("学历"), "choice", choices=enums.EDUCATION_LEVELS),
    Field("ft_degree", _l("学位"), "choice", choices=enums.DEGREES),
    Field("ft_school", _l("毕业院校系及专业"), max_length=100),
    Field("pt_education", _l("在职教育学历"), "choice", choices=enums.EDUCATION_LEVELS),
    Field("pt_degree", _l("在职教育学位"), "choice", choices=enums.DEGREES),
    Field("pt_school", _l("在职教育毕业院校系及专业"), max_length=100),
    Field("professional_title", _l("专业技术职务"), max_length=50),
    Field("expertise", _l("熟悉专业有何专长"), max_length=200),
    Field("department_id", _l("部门"), "department", required=True),
    Field("position_title", _l("现任职务"), max_length=100),
    Field("rank", _l("职级"), "choice", required=True, choices=enums.RANK_LADDER),
    Field("rank_since", _l("任现职级时间"), "date"),
    Field("leadership_level", _l("领导职务"), "choice", choices=enums.LEADERSHIP_LEVELS),
    Field("phone", _l("手机号"), "phone", max_length=20),
    Field("rewards", _l("奖惩情况"), "longtext", max_length=2000),
)
FIELD_BY_ATTR = {f.attr: f for f in FIELDS}
LABELS = {f.attr: f.label for f in FIELDS}


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class RosterError(Exception):
    """Rules were broken; ``errors`` says which field and why."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{LABELS.get(e.field, e.field)}: {e.message}" for e in errors))
        self.errors = errors


#: The edit-conflict error of every domain (services.core.conflicts).
VersionConflict = conflicts.VersionConflict


def age_on(birth: date, on: date) -> int:
    """Whole years between ``birth`` and ``on``: age is always computed at a stated date."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def age_line_level(rank: str | None, leadership_level: str | None) -> str:
    """Which young-cadre age line applies: 县处级 for 县处级 posts and 职级 from 四级调研员 up,
    else 乡科级 (which also covers staff below 乡科级)."""
    if leadership_level and not leadership_level.startswith("乡科级"):
        return "县处级"
    if enums.rank_index(rank) >= enums.rank_index(enums.COUNTY_RANK_FLOOR):
        return "县处级"
    return "乡科级"


def is_young_cadre(
    birth: date, rank: str | None, leadership_level: str | None, *, on: date, lines: dict[str, int]
) -> bool:
    """Young cadre (年轻干部) at the stated date ``on`` under the age ``lines`` in force."""
    return age_on(birth, on) <= lines[age_line_level(rank, leadership_level)]


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
        (county, Cadre.birth_date > _add_years(on, -(lines["县处级"] + 1))),
        else_=Cadre.birth_date > _add_years(on, -(lines["乡科级"] + 1)),
    )


def validate(values: dict[str, Any], *, today: date) -> list[FieldError]:
    """Rules that need no database: presence, formats, vocabularies, dates in order, the ID
    number's checksum and its agreement with birth date and sex."""
    errors: list[FieldError] = []

    def err(attr: str, message: str) -> None:
        errors.append(FieldError(attr, message))

    for field in FIELDS:
        value = values.get(field.attr)
        if value in (None, ""):
            if field.required and not (
                field.kind == "department" and values.get("department_name")
            ):
                err(field.attr, _("%(label)s为必填项。", label=field.label))
            continue
        if isinstance(value, str) and len(value) > field.max_length:
            err(
                field.attr, _("%(label)s最多 %(n)d 个字符。", label=field.label, n=field.max_length)
            )
        if field.kind == "choice" and value not in field.choices:
            err(
                field.attr,
                _(
                    "%(label)s“%(value)s”不在可选范围内（%(choices)s）。",
                    label=field.label,
                    value=value,
                    choices="、".join(field.choices),
                ),
            )
        if field.kind == "date" and isinstance(value, date) and value > today:
            err(field.attr, _("%(label)s不能晚于今天。", label=field.label))

    staff_no = values.get("staff_no")
    if staff_no and not STAFF_NO_PATTERN.match(staff_no):
        err("staff_no", _("工号只能由字母、数字、-、_ 组成，最多 32 位。"))
    name = values.get("name")
    if name and not NAME_PATTERN.match(name):
        err("name", _("姓名只能包含汉字、字母、间隔号和空格。"))
    phone = values.get("phone")
    if phone and not MOBILE_PATTERN.match(phone):
        err("phone", _("手机号应为 11 位数字，以 13 至 19 开头。"))

    birth = values.get("birth_date")
    number = values.get("id_number")
    if number:
        problem = idcard.problem(number)
        if problem:
            err("id_number", problem)
        else:
            if birth and idcard.birth_date(number) != birth:
                err(
                    "id_number",
                    _(
                        "身份证号中的出生日期 %(id_birth)s 与出生日期 %(birth)s 不一致。",
                        id_birth=idcard.birth_date(number).isoformat(),
                        birth=birth.isoformat(),
                    ),
                )
            gender = values.get("gender")
            if gender in enums.GENDERS and idcard.sex(number) != gender:
                err(
                    "id_number",
                    _(
                        "身份证号第 17 位表示性别为%(id_sex)s，与性别“%(sex)s”不一致。",
                        id_sex=idcard.sex(number),
                        sex=gender,
                    ),
                )

    if birth:
        work = values.get("work_start_date")
        if work and work <= birth:
            err("work_start_date", _("参加工作时间须晚于出生日期。"))
        elif work and age_on(birth, work) < 16:
            err("work_start_date", _("参加工作时未满 16 周岁，请核对参加工作时间。"))
        party = values.get("party_join_date")
        if party and party < _add_years(birth, 18):
            err("party_join_date", _("入党时须年满 18 周岁，请核对入党时间。"))
        since = values.get("rank_since")
        if since and since <= birth:
            err("rank_since", _("任现职级时间须晚于出生日期。"))
    party = values.get("party_join_date")
    status = values.get("political_status")
    if party and status and status not in enums.PARTY_MEMBER_STATUSES:
        err("party_join_date", _("政治面貌为“%(s)s”，不应填写入党时间。", s=status))
    work = values.get("work_start_date")
    since = values.get("rank_since")
    if work and since and since < work:
        err("rank_since", _("任现职级时间不能早于参加工作时间。"))
    if values.get("pt_education") is None and (values.get("pt_degree") or values.get("pt_school")):
        err("pt_education", _("填写在职教育学位或院校时，请同时填写在职教育学历。"))
    return errors


def uniqueness_problems(values: dict[str, Any], *, cadre_id: int | None) -> list[FieldError]:
    """工号 and 身份证号 must each belong to one cadre."""
    errors = []
    for attr, column in (("staff_no", Cadre.staff_no), ("id_number", Cadre.id_number)):
        value = values.get(attr)
        if not value:
            continue
        stmt = sa.select(Cadre.staff_no, Cadre.name).where(column == value)
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


def snapshot(cadre: Cadre) -> dict[str, Any]:
    """The record's editable values (for the audit log and conflict display)."""
    return {f.attr: getattr(cadre, f.attr) for f in FIELDS}


def _check(values: dict[str, Any], *, cadre_id: int | None, today: date) -> None:
    errors = validate(values, today=today)
    errors += uniqueness_problems(values, cadre_id=cadre_id)
    if values.get("department_id") and db.session.get(Department, values["department_id"]) is None:
        errors.append(FieldError("department_id", _("部门不存在。")))
    if errors:
        raise RosterError(errors)


def create_cadre(values: dict[str, Any], *, actor: str | None, today: date) -> Cadre:
    """Add a cadre after every rule passed; raises RosterError otherwise. Audited."""
    _check(values, cadre_id=None, today=today)
    cadre = Cadre(**{f.attr: values.get(f.attr) for f in FIELDS}, updated_by=actor)
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


def changed_fields(cadre: Cadre, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """attr -> (old, new) for the fields ``values`` would change."""
    return {
        f.attr: (getattr(cadre, f.attr), values.get(f.attr))
        for f in FIELDS
        if f.attr in values and getattr(cadre, f.attr) != values.get(f.attr)
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
    merged = snapshot(cadre) | values
    _check(merged, cadre_id=cadre.id, today=today)
    changes = changed_fields(cadre, values)
    if not changes:
        return {}
    for attr, (_old, new) in changes.items():
        setattr(cadre, attr, new)
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

PHOTO_MAX_BYTES = 2 * 1024 * 1024
_PHOTO_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}


def set_photo(cadre: Cadre, data: bytes, *, actor: str | None) -> None:
    """Store a JPEG or PNG of at most 2 MB that really decodes as an image."""
    from io import BytesIO

    from PIL import Image, UnidentifiedImageError

    if not data:
        raise RosterError([FieldError("photo", _("照片文件为空。"))])
    if len(data) > PHOTO_MAX_BYTES:
        raise RosterError([FieldError("photo", _("照片不能超过 2 MB。"))])
    try:
        with Image.open(BytesIO(data)) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError):
        kind = None
    if kind not in _PHOTO_TYPES:
        raise RosterError([FieldError("photo", _("照片须为 JPEG 或 PNG 图片。"))])
    if cadre.photo is None:
        cadre.photo = CadrePhoto(content_type=_PHOTO_TYPES[kind], data=data)
    else:
        cadre.photo.content_type = _PHOTO_TYPES[kind]
        cadre.photo.data = data
    db.session.flush()
    audit.record(
        "update",
        object_type="cadre_photo",
        object_id=cadre.id,
        summary=f"{cadre.staff_no} {cadre.name}：照片（{len(data)} 字节）",
        actor_name=actor,
    )


def add_family_member(
    cadre: Cadre, values: dict[str, Any], *, actor: str | None, today: date
) -> FamilyMember:
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


def add_resume_entry(
    cadre: Cadre, values: dict[str, Any], *, actor: str | None, today: date
) -> ResumeEntry:
    start, end = values["start"], values.get("end")
    errors = []
    if start > today:
        errors.append(FieldError("start", _("起始年月不能晚于今天。")))
    if end and end < start:
        errors.append(FieldError("end", _("截止年月不能早于起始年月。")))
    if start < cadre.birth_date:
        errors.append(FieldError("start", _("起始年月不能早于出生日期。")))
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


def profile(cadre: Cadre, *, on: date) -> dict[str, Any]:
    """Plain data for the profile page (and later the PDF forms)."""
    lines = settings.value("young_cadre_age_lines")
    return {
        "id": cadre.id,
        "values": snapshot(cadre),
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
        "family": [
            {
                "id": m.id,
                "relation": m.relation,
                "name": m.name,
                "birth_date": m.birth_date,
                "political_status": m.political_status,
                "employer_and_post": m.employer_and_post,
            }
            for m in cadre.family
        ],
        "resume": [{"id": e.id, "line": e.line} for e in cadre.resume],
    }
