"""The roster's rules without a database (DOMAIN.md, Cadre record): the fields and their
checks, every one returning ``FieldError(field, message)`` so that forms show the message
beside the field and imports name the row and the column; ages and young-cadre status at a
stated date. services.roster.operations applies them to rows.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cadre_app.models import enums
from cadre_app.services.core import dates, idcard

STAFF_NO_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
MOBILE_PATTERN = re.compile(r"^1[3-9]\d{9}$")
NAME_PATTERN = re.compile(r"^[\u3400-\u9fffA-Za-z·• ]{1,50}$")


@dataclass(frozen=True)
class Field:
    attr: str
    label: Any  # a lazy translated string
    kind: str = "text"  # text | date | choice | degree | id_number | phone | department | longtext
    required: bool = False
    choices: tuple[str, ...] = ()
    max_length: int = 100


#: Every editable field of the record, in the order forms and the workbook use.
FIELDS: tuple[Field, ...] = (
    # 工号: blank on a new cadre means the next number of the configured scheme (operations)
    Field("staff_no", _l("工号"), max_length=32),
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
    Field("ft_degree", _l("学位"), "degree", max_length=20),
    Field("ft_school", _l("毕业院校系及专业"), max_length=100),
    Field("pt_education", _l("在职教育学历"), "choice", choices=enums.EDUCATION_LEVELS),
    Field("pt_degree", _l("在职教育学位"), "degree", max_length=20),
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

#: Dates that real files often give only to the month; each has a ``<attr>_precision`` column
#: (``month`` or ``day``) so that such a date is shown and printed as it was given.
MONTH_DATES: tuple[str, ...] = ("birth_date", "party_join_date", "work_start_date", "rank_since")
#: 学位 (full text) -> the column holding its level (学士/硕士/博士), derived by degree_level.
DEGREE_LEVEL_ATTRS = {"ft_degree": "ft_degree_level", "pt_degree": "pt_degree_level"}


def precision_attr(attr: str) -> str:
    return f"{attr}_precision"


# --- 学位 and 学历 as offices write them ------------------------------------------------------

# fmt: off
#: Common 学位 for the edit form's suggestions: the official forms write the discipline.
COMMON_DEGREES: tuple[str, ...] = (
    "哲学学士", "经济学学士", "法学学士", "教育学学士", "文学学士", "历史学学士", "理学学士",
    "工学学士", "农学学士", "医学学士", "管理学学士", "艺术学学士",
    "经济学硕士", "法学硕士", "文学硕士", "理学硕士", "工学硕士", "管理学硕士",
    "工商管理硕士", "公共管理硕士", "金融硕士", "会计硕士", "法律硕士", "工程硕士",
    "经济学博士", "法学博士", "工学博士", "管理学博士",
)
#: Professional degrees written by their English abbreviation -> level.
_DEGREE_ABBREVIATIONS = {
    "MBA": "硕士", "EMBA": "硕士", "MPA": "硕士", "MPACC": "硕士", "JM": "硕士", "MF": "硕士",
    "JD": "硕士", "DBA": "博士", "PHD": "博士",
}
#: 学历 as written in files and rosters -> the roster's vocabulary (enums.EDUCATION_LEVELS),
#: after a party-school or 在职 prefix and a 毕业/学历 suffix are removed.
_EDUCATION_ALIASES = {
    alias: level
    for level, aliases in {
        "研究生": ("博士研究生", "硕士研究生", "研究生班"),
        "大学本科": ("大学", "本科"),
        "大学专科": ("大专", "专科"),
        "中专": ("中等专科", "中等专业学校", "中技", "技校"),
        "高中": (),
        "初中及以下": ("初中", "小学"),
    }.items()
    for alias in (level, *aliases)
}
#: How the 干部任免审批表 writes each 学历 (the box is filled 大学, 研究生, 大专 …).
_PRINTED_EDUCATION = {
    "研究生": "研究生", "大学本科": "大学", "大学专科": "大专", "中专": "中专", "高中": "高中",
    "初中及以下": "初中",
}
# fmt: on
_DEGREE_LEVEL = re.compile(r"(博士|硕士|学士)(学位)?$")
_ABBREVIATION = re.compile(r"[(（]?([A-Za-z]{2,5})[)）]?$")
_EDUCATION_PREFIX = re.compile(r"^(中央党校|省委党校|市委党校|区委党校|县委党校|党校|在职)")
_EDUCATION_SUFFIX = re.compile(r"(毕业|学历)$")


def _plain(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw).replace(" ", "").strip()


def degree_level(text: str | None) -> str | None:
    """学士, 硕士 or 博士 for a 学位 as written (经济学学士, 工商管理硕士, 工商管理硕士（MBA）,
    MPA, 法学博士学位); None for none (empty, 无) or for text that names no level."""
    if not text:
        return None
    value = _plain(text)
    match = _DEGREE_LEVEL.search(value)
    if match:
        return match.group(1)
    abbreviation = _ABBREVIATION.search(value)
    if abbreviation:
        return _DEGREE_ABBREVIATIONS.get(abbreviation.group(1).upper())
    return None


def normalise_degree(text: str | None) -> str | None:
    """The 学位 text to store, as written (Chinese brackets kept): spaces removed; None for
    empty."""
    if text is None:
        return None
    value = "".join(str(text).split())
    return value or None


def education_level(raw: str | None) -> str | None:
    """The roster's 学历 (enums.EDUCATION_LEVELS) for a 学历 as written (本科, 硕士研究生,
    中央党校研究生, 大学本科毕业 …); None when it is not one."""
    if not raw:
        return None
    text = _EDUCATION_SUFFIX.sub("", _EDUCATION_PREFIX.sub("", _plain(raw)))
    return _EDUCATION_ALIASES.get(text)


def printed_education(label: str | None) -> str:
    """学历 as the 干部任免审批表 is filled: 大学, 研究生, 大专, 中专, 高中 — whatever the stored
    label (大学本科, 硕士研究生, 本科, 专科 …). Unknown text is printed as it is."""
    if not label:
        return ""
    level = education_level(label)
    return _PRINTED_EDUCATION[level] if level else label


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
        if field.kind == "degree" and value != "无" and degree_level(value) is None:
            err(
                field.attr,
                _(
                    "%(label)s“%(value)s”看不出是学士、硕士还是博士"
                    "（可写作 经济学学士、工商管理硕士、法学博士 或 无）。",
                    label=field.label,
                    value=value,
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
            if birth and not idcard.agrees_with_birth(number, birth):
                err(
                    "id_number",
                    _(
                        "身份证号中的出生日期 %(id_birth)s 与出生日期 %(birth)s 不一致。",
                        id_birth=dates.shown(idcard.birth_date(number)),
                        birth=dates.shown(birth),
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
