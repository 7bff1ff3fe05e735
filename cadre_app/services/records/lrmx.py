"""The ``.lrmx`` exchange file of the 干部任免审批表 (DOMAIN.md): writing it from a cadre's record
and reading one safely.

An ``.lrmx`` file is UTF-8 XML with root ``<Person>`` and one pinyin-named element per box of the
form, in the order of ``ELEMENTS`` (the layout of the public example in xvchaoqun/owip). Dates are
``YYYYMM``; the 简历 is one ``YYYY.MM--YYYY.MM 单位及职务`` line per period; family members are
``<Item>`` children of ``JiaTingChengYuan``; the photo is base64.

``parse_lrmx`` reads with defusedxml and refuses a DTD outright, so entity expansion (billion
laughs) and external entities never happen. It checks the format of every element and returns an
``LrmxRecord`` of the file's own values; mapping them onto the roster is ``lrmx_import``'s job.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
import xml.etree.ElementTree as ET  # writes XML; parsing is defusedxml's  # nosec B405
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from flask_babel import gettext as _

from cadre_app.models import AppointmentDraft, Cadre, enums
from cadre_app.services.core import dates, idcard, photos
from cadre_app.services.evaluations.queries import recent_results as annual_results
from cadre_app.services.roster import operations as roster

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_PHOTO_BYTES = 2 * 1024 * 1024
VERSION = "3.2.1.6"

# fmt: off
#: Element -> label on the form, in the order of the file.
ELEMENTS: dict[str, str] = {
    "XingMing": "姓名", "XingBie": "性别", "ChuShengNianYue": "出生年月", "MinZu": "民族",
    "JiGuan": "籍贯", "ChuShengDi": "出生地", "RuDangShiJian": "入党时间",
    "CanJiaGongZuoShiJian": "参加工作时间", "JianKangZhuangKuang": "健康状况",
    "ZhuanYeJiShuZhiWu": "专业技术职务", "ShuXiZhuanYeYouHeZhuanChang": "熟悉专业有何专长",
    "QuanRiZhiJiaoYu_XueLi": "全日制教育学历",
    "QuanRiZhiJiaoYu_XueWei": "全日制教育学位",
    "QuanRiZhiJiaoYu_XueLi_BiYeYuanXiaoXi": "全日制教育学历毕业院校系及专业",
    "QuanRiZhiJiaoYu_XueWei_BiYeYuanXiaoXi": "全日制教育学位毕业院校系及专业",
    "ZaiZhiJiaoYu_XueLi": "在职教育学历",
    "ZaiZhiJiaoYu_XueWei": "在职教育学位",
    "ZaiZhiJiaoYu_XueLi_BiYeYuanXiaoXi": "在职教育学历毕业院校系及专业",
    "ZaiZhiJiaoYu_XueWei_BiYeYuanXiaoXi": "在职教育学位毕业院校系及专业",
    "XianRenZhiWu": "现任职务", "NiRenZhiWu": "拟任职务", "NiMianZhiWu": "拟免职务",
    "JianLi": "简历", "JiangChengQingKuang": "奖惩情况", "NianDuKaoHeJieGuo": "年度考核结果",
    "RenMianLiYou": "任免理由", "JiaTingChengYuan": "家庭主要成员及重要社会关系",
    "ChengBaoDanWei": "呈报单位", "JiSuanNianLingShiJian": "计算年龄时间",
    "TianBiaoShiJian": "填表时间", "TianBiaoRen": "填表人", "ShenFenZheng": "身份证号",
    "ZhaoPian": "照片", "Version": "版本",
}
FAMILY_ELEMENTS: dict[str, str] = {
    "ChengWei": "称谓", "XingMing": "姓名", "ChuShengRiQi": "出生日期",
    "ZhengZhiMianMao": "政治面貌", "GongZuoDanWeiJiZhiWu": "工作单位及职务",
}
#: Element -> attribute, for the elements that are one value of the record, the family member
#: (FamilyMember and FamilyItem) or the draft (AppointmentDraft).
TEXT_FIELDS = {
    "XingMing": "name", "XingBie": "gender", "MinZu": "ethnicity", "JiGuan": "native_place",
    "ChuShengDi": "birthplace", "JianKangZhuangKuang": "health",
    "ZhuanYeJiShuZhiWu": "professional_title", "ShuXiZhuanYeYouHeZhuanChang": "expertise",
    "QuanRiZhiJiaoYu_XueLi": "ft_education", "QuanRiZhiJiaoYu_XueWei": "ft_degree",
    "ZaiZhiJiaoYu_XueLi": "pt_education", "ZaiZhiJiaoYu_XueWei": "pt_degree",
    "XianRenZhiWu": "position_title", "JiangChengQingKuang": "rewards",
    "ShenFenZheng": "id_number",
}
DATE_FIELDS = {
    "ChuShengNianYue": "birth_date", "RuDangShiJian": "party_join_date",
    "CanJiaGongZuoShiJian": "work_start_date",
}
FAMILY_FIELDS = {
    "ChengWei": "relation", "XingMing": "name", "ChuShengRiQi": "birth_date",
    "ZhengZhiMianMao": "political_status", "GongZuoDanWeiJiZhiWu": "employer_and_post",
}
DRAFT_FIELDS = {
    "NiRenZhiWu": "proposed_post", "NiMianZhiWu": "post_to_remove", "RenMianLiYou": "reason",
    "ChengBaoDanWei": "reporting_unit", "JiSuanNianLingShiJian": "age_date",
    "TianBiaoShiJian": "fill_date", "TianBiaoRen": "filled_by",
}
# fmt: on
#: Elements whose text keeps its line breaks.
_MULTILINE = ("JianLi", "JiangChengQingKuang", "RenMianLiYou", "NianDuKaoHeJieGuo")
_YYYYMM = re.compile(r"^(\d{4})(\d{2})$")
_DATED_LINE = re.compile(r"^\d{4}\.")
_RESUME_LINE = re.compile(
    r"^(\d{4})\.(\d{1,2})\s*(?:--|-|—{1,2}|~)\s*(?:(\d{4})\.(\d{1,2})|至今)?\s*(.*)$"
)
_ENCODING_DECL = re.compile(rb"^(\xef\xbb\xbf)?<\?xml[^>]*encoding=[\"']([A-Za-z0-9_-]+)[\"']")
_GB_ENCODINGS = ("gb2312", "gbk", "gb18030")


class LrmxError(Exception):
    """The file cannot be read as an ``.lrmx``; ``messages`` says why, element by element."""

    def __init__(self, messages: list[str] | str):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("；".join(self.messages))


@dataclass(frozen=True)
class ResumeLine:
    start: date
    end: date | None
    description: str


@dataclass(frozen=True)
class FamilyItem:
    relation: str
    name: str
    birth_date: date | None
    political_status: str
    employer_and_post: str


@dataclass(frozen=True)
class LrmxRecord:
    """The values of one file as written there: text stripped, ``YYYYMM`` dates as a
    ``dates.MonthDate`` (known to the month), the photo decoded. Nothing is mapped onto the
    roster's vocabularies yet."""

    texts: dict[str, str]
    dates: dict[str, date | None]
    id_number: str | None
    photo: bytes | None
    resume: tuple[ResumeLine, ...] = ()
    family: tuple[FamilyItem, ...] = ()
    unknown_elements: tuple[str, ...] = field(default=())
    #: A masked 身份证号 (``110105********0023``, our own export's default): it names no
    #: number, so the import matches by name and mask and keeps the stored number.
    id_number_masked: str | None = None

    def text(self, element: str) -> str:
        return self.texts.get(element, "")


def element_label(element: str) -> str:
    """``出生年月（ChuShengNianYue）``: how messages name an element."""
    label = ELEMENTS.get(element) or FAMILY_ELEMENTS.get(element) or element
    return f"{label}（{element}）"


def yyyymm(day: date | None) -> str:
    return f"{day:%Y%m}" if day else ""


# --- the vocabulary of other tools ---------------------------------------------------------


def _aliases(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """{value: (alias, ...)} -> {alias: value}; every value is also its own alias."""
    return {alias: value for value, aliases in table.items() for alias in (value, *aliases)}


# The normalisation tables: how other tools write a value -> the roster's vocabulary.
# fmt: off
#: A 学历 that also names the degree, used when the 学位 element is empty.
DEGREE_FROM_EDUCATION = {"博士研究生": "博士", "硕士研究生": "硕士"}
#: 政治面貌 of family members (enums.POLITICAL_STATUSES), with the short forms of the form.
POLITICAL_STATUS_ALIASES = _aliases({status: () for status in enums.POLITICAL_STATUSES} | {
    "中共党员": ("党员", "共产党员", "中国共产党党员"),
    "中共预备党员": ("预备党员",),
    "共青团员": ("团员", "中国共产主义青年团团员"),
    "民革党员": ("民革",), "民盟盟员": ("民盟",), "民建会员": ("民建",), "民进会员": ("民进",),
    "农工党党员": ("农工党",), "致公党党员": ("致公党",), "九三学社社员": ("九三学社",),
    "台盟盟员": ("台盟",), "无党派人士": ("无党派",),
})
# fmt: on
def _plain(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw).replace(" ", "")


def normalise_education(raw: str) -> tuple[str | None, str | None]:
    """(学历, 学位 it implies) for a 学历 as written on a form; (None, None) when unknown. The
    roster's rule (``education_level``) decides the 学历, for the workbook and the form alike."""
    return roster.education_level(raw), DEGREE_FROM_EDUCATION.get(_plain(raw))


def normalise_degree(raw: str) -> str | None:
    """The level of a 学位 as written on a form (``经济学学士`` -> 学士, ``MBA`` -> 硕士), ``无``
    for none, None when it names no level (the roster's rule ``degree_level``). The roster
    stores the full text beside the level."""
    if _plain(raw) == "无":
        return "无"
    return roster.degree_level(raw)


def normalise_political_status(raw: str) -> str | None:
    return POLITICAL_STATUS_ALIASES.get(_plain(raw))


# --- export ---------------------------------------------------------------------------------

#: Characters XML 1.0 does not allow (ElementTree would write them and break the file).
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)


def export_values(cadre: Cadre, draft: AppointmentDraft | None, *, today: date) -> dict[str, str]:
    """Element -> text for every element but the family. Without a draft, 呈报单位 is the
    organisation and the two dates are ``today``. The roster keeps one 毕业院校系及专业 per kind
    of education; the form's 学位 line repeats it when there is a degree."""
    values: dict[str, Any] = {e: getattr(cadre, a) for e, a in TEXT_FIELDS.items()}
    values |= {e: yyyymm(getattr(cadre, a)) for e, a in DATE_FIELDS.items()}
    values |= {e: getattr(draft, a) if draft else None for e, a in DRAFT_FIELDS.items()}
    for prefix, kind in (("QuanRiZhiJiaoYu_", "ft_"), ("ZaiZhiJiaoYu_", "pt_")):
        school, degree = getattr(cadre, kind + "school"), getattr(cadre, kind + "degree")
        values[prefix + "XueLi_BiYeYuanXiaoXi"] = school
        values[prefix + "XueWei_BiYeYuanXiaoXi"] = school if degree not in (None, "", "无") else ""
    values["ChengBaoDanWei"] = values["ChengBaoDanWei"] or cadre.department.organisation.name
    for element in ("JiSuanNianLingShiJian", "TianBiaoShiJian"):
        values[element] = yyyymm(values[element] or today)
    values["JianLi"] = "\n".join(entry.line.rstrip() for entry in cadre.resume)
    values["NianDuKaoHeJieGuo"] = annual_results(cadre.id, today=today)
    values["ZhaoPian"] = base64.b64encode(cadre.photo.data).decode() if cadre.photo else ""
    values["Version"] = VERSION
    return {key: _xml_safe(values.get(key) or "") for key in ELEMENTS if key != "JiaTingChengYuan"}


def export_lrmx(
    cadre: Cadre, draft: AppointmentDraft | None, *, today: date, mask_id: bool = False
) -> bytes:
    """The cadre's 干部任免审批表 as ``.lrmx`` bytes: every element present (empty where there is
    no value), the full ID number for HR's exchange between personnel offices (``mask_id``
    for everyone else, as on every page), the draft's values or, without a draft, the
    organisation as 呈报单位 and ``today`` as the dates. The same record and draft always give
    the same bytes."""
    values = export_values(cadre, draft, today=today)
    if mask_id and values.get("ShenFenZheng"):
        values["ShenFenZheng"] = idcard.mask(values["ShenFenZheng"])
    root = ET.Element("Person")
    for element in ELEMENTS:
        child = ET.SubElement(root, element)
        if element == "JiaTingChengYuan":
            for member in cadre.family:
                item = ET.SubElement(child, "Item")
                for tag, attr in FAMILY_FIELDS.items():
                    value = getattr(member, attr)
                    text = yyyymm(value) if isinstance(value, date) else value or ""
                    ET.SubElement(item, tag).text = _xml_safe(text)
        else:
            child.text = values[element]
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode", short_empty_elements=False)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


# --- parsing --------------------------------------------------------------------------------

_DATE_ELEMENTS = (*DATE_FIELDS, "JiSuanNianLingShiJian", "TianBiaoShiJian")


def _as_utf8(content: bytes) -> bytes:
    """Files declared GB2312/GBK/GB18030 (older desktop tools) re-encoded as UTF-8, since the
    XML parser reads only UTF-8, UTF-16 and Latin-1 on its own."""
    match = _ENCODING_DECL.match(content[:200])
    if not match or match.group(2).decode("ascii").lower() not in _GB_ENCODINGS:
        return content
    try:
        text = content.decode("gb18030")
    except UnicodeDecodeError:
        raise LrmxError(_("文件声明为 GB 编码，但内容无法按该编码读取。")) from None
    text = re.sub(r"encoding=[\"'][A-Za-z0-9_-]+[\"']", 'encoding="UTF-8"', text, count=1)
    return text.encode("utf-8")


def _root(content: bytes) -> Any:
    if len(content) > MAX_FILE_BYTES:
        raise LrmxError(
            _(
                "文件大小为 %(size).1f MB，超过了 %(limit)d MB 的上限。",
                size=len(content) / 1024 / 1024,
                limit=MAX_FILE_BYTES // 1024 // 1024,
            )
        )
    if not content.strip():
        raise LrmxError(_("文件是空的。"))
    try:
        root = SafeET.fromstring(_as_utf8(content), forbid_dtd=True)
    except DefusedXmlException:  # any DTD: entity expansion, external entities
        raise LrmxError(
            _("文件含有文档类型定义或实体声明（DOCTYPE/ENTITY），为防范 XML 实体攻击，不予读取。")
        ) from None
    except ET.ParseError as error:
        line, column = error.position
        raise LrmxError(
            _(
                "文件不是格式正确的 XML（第 %(line)d 行第 %(column)d 列附近有错误）。",
                line=line,
                column=column + 1,
            )
        ) from None
    if root.tag != "Person":
        raise LrmxError(
            _("根元素应为 Person，文件中为 %(tag)s：这不是干部任免审批表文件。", tag=root.tag)
        )
    return root


def _clean(text: str | None, *, multiline: bool = False) -> str:
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u3000", " ")
    if multiline:
        return "\n".join(line.rstrip() for line in text.strip().split("\n"))
    return " ".join(text.split())


def _month(element: str, value: str, errors: list[str], *, where: str = "") -> date | None:
    """A date as .lrmx files write it: ``YYYYMM`` in the official software (the first of the
    month), and as other tools write it, ``YYYYMMDD`` (``20231024``), ``YYYY.MM``,
    ``YYYY.MM.DD``, ``YYYY-MM-DD`` or ``YYYY年MM月`` (services.core.dates reads them all);
    wrong values are added to ``errors``."""
    if not value:
        return None
    try:
        found = dates.parse(value)
    except dates.DateFormatError:
        found = None
    if found is not None and 1900 <= found.year <= 2100:
        return found
    errors.append(
        _(
            "%(where)s%(element)s“%(value)s”不是有效的日期"
            "（应为年月 YYYYMM，如 199001；也可写作 20231024、1990.01 或 1990.01.31）。",
            where=where,
            element=element_label(element),
            value=value,
        )
    )
    return None


def _photo(value: str, errors: list[str]) -> bytes | None:
    if not value:
        return None
    try:
        data = base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        errors.append(_("%(element)s不是有效的 Base64 编码。", element=element_label("ZhaoPian")))
        return None
    if len(data) > MAX_PHOTO_BYTES:
        errors.append(_("%(element)s超过 2 MB。", element=element_label("ZhaoPian")))
        return None
    try:
        # The pixel limit is read from the header, before any decoding; the photo is kept as
        # it will be stored, so the preview compares like with like.
        return photos.normalise(data)
    except photos.PhotoRefused as refused:
        if refused.kind == "pixels":
            errors.append(
                _(
                    "%(element)s：%(problem)s",
                    element=element_label("ZhaoPian"),
                    problem=str(refused),
                )
            )
        else:
            errors.append(
                _("%(element)s须为 JPEG 或 PNG 图片。", element=element_label("ZhaoPian"))
            )
        return None


def _resume(text: str, errors: list[str]) -> tuple[ResumeLine, ...]:
    """One entry per ``YYYY.MM--YYYY.MM 单位及职务`` line; a line without dates continues the
    one before (long entries wrapped by other tools)."""
    lines: list[ResumeLine] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = unicodedata.normalize("NFKC", raw).strip()
        if not line:
            continue
        match = _RESUME_LINE.match(line)
        if not match:
            if lines and not _DATED_LINE.match(line):
                last = lines[-1]
                lines[-1] = ResumeLine(last.start, last.end, last.description + line)
                continue
            errors.append(
                _(
                    "%(element)s第 %(n)d 行“%(line)s”应以“YYYY.MM--YYYY.MM”开头。",
                    element=element_label("JianLi"),
                    n=number,
                    line=line[:40],
                )
            )
            continue
        y1, m1, y2, m2, description = match.groups()
        try:
            start = date(int(y1), int(m1), 1)
            end = date(int(y2), int(m2), 1) if y2 else None
        except ValueError:
            errors.append(
                _(
                    "%(element)s第 %(n)d 行的年月“%(line)s”不存在。",
                    element=element_label("JianLi"),
                    n=number,
                    line=line[:17],
                )
            )
            continue
        lines.append(ResumeLine(start, end, description.strip()))
    return tuple(lines)


def _family(node: Any, errors: list[str]) -> tuple[FamilyItem, ...]:
    items = []
    for number, item in enumerate(node.findall("Item") if node is not None else (), start=1):
        values: dict[str, Any] = {a: _clean(item.findtext(e)) for e, a in FAMILY_FIELDS.items()}
        if any(values.values()):
            where = _("家庭成员第 %(n)d 项", n=number)
            values["birth_date"] = _month("ChuShengRiQi", values["birth_date"], errors, where=where)
            items.append(FamilyItem(**values))
    return tuple(items)


def parse_lrmx(content: bytes) -> LrmxRecord:
    """Read an ``.lrmx`` file; raises ``LrmxError`` naming every element that is wrong.

    Refused: files over 5 MB, anything that is not well-formed XML, any DTD (so no entity
    expansion and no external entities), a root other than ``Person``, dates that are not a
    real ``YYYYMM``, 简历 lines without dates, an ID number that fails GB 11643 or disagrees
    with 出生年月, a 性别 other than 男/女, a photo that is not a JPEG or PNG of at most 2 MB.
    """
    root = _root(content)
    errors: list[str] = []
    texts: dict[str, str] = {}
    for element in ELEMENTS:
        if element in ("JiaTingChengYuan", "ZhaoPian"):
            continue
        texts[element] = _clean(root.findtext(element), multiline=element in _MULTILINE)
    read = {element: _month(element, texts.pop(element), errors) for element in _DATE_ELEMENTS}
    gender = texts["XingBie"]
    if gender and gender not in ("男", "女"):
        errors.append(
            _(
                "%(element)s“%(value)s”应为“男”或“女”。",
                element=element_label("XingBie"),
                value=gender,
            )
        )
    id_number = idcard.normalise(texts.pop("ShenFenZheng")) or None
    masked = id_number if idcard.is_masked(id_number) else None
    if masked:
        id_number = None
    if id_number:
        problem = idcard.problem(id_number)
        birth = read["ChuShengNianYue"]
        if problem:
            errors.append(f"{element_label('ShenFenZheng')}：{problem}")
        elif birth and not idcard.agrees_with_birth(id_number, birth):
            errors.append(
                _(
                    "%(element)s中的出生日期 %(id_birth)s 与%(other)s“%(birth)s”不一致。",
                    element=element_label("ShenFenZheng"),
                    other=element_label("ChuShengNianYue"),
                    id_birth=id_number[6:14],
                    birth=f"{birth:%Y%m}"
                    if isinstance(birth, dates.MonthDate)
                    else f"{birth:%Y%m%d}",
                )
            )
    photo = _photo("".join((root.findtext("ZhaoPian") or "").split()), errors)
    resume = _resume(texts.pop("JianLi"), errors)
    family = _family(root.find("JiaTingChengYuan"), errors)
    if errors:
        raise LrmxError(errors)
    unknown = tuple(
        sorted({child.tag for child in root if child.tag not in ELEMENTS and _clean(child.text)})
    )
    return LrmxRecord(
        texts=texts,
        dates=read,
        id_number=id_number,
        photo=photo,
        resume=resume,
        family=family,
        unknown_elements=unknown,
        id_number_masked=masked,
    )
