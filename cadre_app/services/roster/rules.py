"""The roster's rules without a database (DOMAIN.md, Cadre record): the fields and their
checks, every one returning ``FieldError(field, message)`` so that forms show the message
beside the field and imports name the row and the column; ages and young-cadre status at a
stated date. services.roster.operations applies them to rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cadre_app.models import enums
from cadre_app.services.core import idcard

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
    Field("department_id", _l("处室"), "department", required=True),
    Field("position_title", _l("现任职务"), max_length=100),
    Field("rank", _l("职级"), "choice", required=True, choices=enums.RANK_LADDER),
    Field("rank_since", _l("任现职级时间"), "date"),
    Field("leadership_level", _l("领导职务"), "choice", choices=enums.LEADERSHIP_LEVELS),
    Field("phone", _l("手机号"), "phone", max_length=20),
    Field("rewards", _l("奖惩情况"), "longtext", max_length=2000),
)
FIELD_BY_ATTR = {f.attr: f for f in FIELDS}
LABELS = {f.attr: f.label for f in FIELDS}
#: Labels of the other roster records' audit snapshots (the audit page describes changes).
FAMILY_LABELS = {
    "relation": _l("称谓"),
    "name": _l("姓名"),
    "birth_date": _l("出生日期"),
    "political_status": _l("政治面貌"),
    "employer_and_post": _l("工作单位及职务"),
}
RESUME_LABELS = {"start": _l("起始年月"), "end": _l("截止年月"), "description": _l("简历")}
DEPARTMENT_LABELS = {
    "name": _l("名称"),
    "sort_order": _l("排序"),
    "head": _l("负责人工号"),
    "secretary": _l("支部书记工号"),
    "organisation_id": _l("单位"),
}


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class RosterError(Exception):
    """Rules were broken; ``errors`` says which field and why."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{LABELS.get(e.field, e.field)}: {e.message}" for e in errors))
        self.errors = errors


def age_on(birth: date, on: date) -> int:
    """Whole years between ``birth`` and ``on``: age is always computed at a stated date."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def add_years(day: date, years: int) -> date:
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
        if party and party < add_years(birth, 18):
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
