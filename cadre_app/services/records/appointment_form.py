"""The 干部任免审批表 (DOMAIN.md): plain data for ``templates/pdf/appointment_form.html``
from a cadre's record and the AppointmentDraft HR filled in, and saving that draft.

The form is two A4 pages: every text box has a fixed size (``BOXES``, in millimetres,
matching the column widths the template is given), and ``fit`` picks the largest font size
at which the text fits its box, estimated from the number of characters (CJK characters are
one em wide, Latin ones about 0.6 em). The 简历 alone is never set below ``RESUME_MIN_PT``:
what does not fit page 1 at that size continues on attached sheets (续页) after page 2,
split by ``split_resume`` (a pure function: the same record always gives the same pages).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app

from cadre_app.extensions import db
from cadre_app.models import AppointmentDraft, Cadre, CadrePhoto
from cadre_app.services.core import audit, pdf, photos
from cadre_app.services.evaluations import queries as evaluation_query
from cadre_app.services.honours import queries as honour_queries
from cadre_app.services.roster.operations import age_on, printed_education

TITLE = "干部任免审批表"
TEMPLATE = "appointment_form.html"
#: Rows of the family table; more members make the rows (and their text) smaller.
FAMILY_ROWS = 7
#: Draft fields: model attribute -> label on the form.
DRAFT_FIELDS = {
    "proposed_post": "拟任职务",
    "post_to_remove": "拟免职务",
    "reason": "任免理由",
    "reporting_unit": "呈报单位",
    "age_date": "计算年龄时间",
    "filled_by": "填表人",
    "fill_date": "填表时间",
}
#: Column widths in mm (the table is 174 mm wide: A4 less 18 mm margins).
PAGE1_COLUMNS = (20, 25, 20, 25, 22, 27, 35)
PAGE2_COLUMNS = (20, 16, 22, 14, 24, 78)  # label, then the family table's five
PAGE2_BOX_COLUMNS = (20, 154)  # label and box: 奖惩情况, 任免理由, 呈报单位 ...
APPROVAL_COLUMNS = (20, 67, 20, 67)  # the two opinion boxes
SHEET_COLUMNS = (20, 47, 20, 87)  # a 续页: 姓名 and 出生年月, then the 简历 box below
#: Height of the 简历 box, the rest of page 1 (see form.css for the other rows).
RESUME_HEIGHT = 130
FAMILY_HEIGHT = 70  # the family rows together, below their header row
FAMILY_LABEL = "家庭主要成员及重要社会关系"
#: Text boxes: (width, height) in mm, inside the cell padding.
BOXES: dict[str, tuple[float, float]] = {
    "narrow": (22.6, 11.4),  # 姓名, 性别, 民族, 籍贯, 入党时间, 参加工作时间
    "wide": (24.6, 11.4),  # 出生年月, 出生地, 健康状况
    "专业技术职务": (42.6, 11.4),
    "熟悉专业有何专长": (46.6, 11.4),
    "学历学位": (42.6, 13.4),
    "毕业院校系及专业": (59.6, 13.4),
    "职务": (126.6, 9.4),  # 现任职务, 拟任职务, 拟免职务
    "简历": (149.6, RESUME_HEIGHT),
    "奖惩情况": (151.6, 36),
    "年度考核结果": (151.6, 14),
    "任免理由": (151.6, 32),
    "呈报单位": (151.6, 20),
    "称谓": (13.6, 0),
    "姓名": (19.6, 0),
    "年龄": (11.6, 0),
    "政治面貌": (21.6, 0),
    "工作单位及职务": (75.6, 0),
}
#: Width reserved for the period of a résumé line (``2019.07--2023.06``), in em.
RESUME_PERIOD_EM = 8.4
#: (font size in pt, line height) from the largest to the smallest allowed.
SIZES = (
    (12, 1.5),
    (11, 1.45),
    (10.5, 1.4),
    (10, 1.4),
    (9.5, 1.35),
    (9, 1.35),
    (8.5, 1.3),
    (8, 1.3),
    (7.5, 1.25),
    (7, 1.25),
    (6.5, 1.2),
    (6, 1.2),
    (5.5, 1.15),
    (5, 1.15),
)
#: Lines may be set this tight before the text gets a smaller size.
MIN_LEADING = 1.2
#: The 简历 is never set smaller than this (五号, the body size of official documents):
#: lines that do not fit page 1 at this size go to 续页 instead of shrinking the type.
RESUME_MIN_PT = 10.5
#: The 简历 box of a 续页: A4 less the margins, the title and the name row.
CONTINUATION_BOX = (149.6, 222.0)
#: Written at the foot of a 简历 box whose lines go on on the next sheet.
CONTINUED_MARK = "（转续页）"
_PT_MM = 25.4 / 72
PHOTO_MAX_HEIGHT_PX = 600  # 45 mm at about 340 dpi; bigger photos are scaled down


def text_width_em(text: str) -> float:
    """Estimated width of ``text`` in em: wide (CJK) characters 1, others 0.6."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.6 for ch in text)


def fit(
    paragraphs: list[str], box: tuple[float, float], *, indent_em: float = 0.0, largest: float = 12
) -> tuple[str, bool]:
    """CSS for the largest font size at which ``paragraphs`` fit ``box`` (width, height in
    mm), and whether they fit at all. ``indent_em`` is taken off every line (the résumé
    period column). The CSS caps the height to the box, so text that does not fit even at
    the smallest size is cut, never pushes the form onto a third page."""
    width_mm, height_mm = box
    size, leading = SIZES[-1]
    fits = False
    for size, nominal in SIZES:
        if size > largest:
            continue
        width_em = width_mm / (size * _PT_MM) * 0.96 - indent_em
        lines = sum(max(1, math.ceil(text_width_em(p) / width_em)) for p in paragraphs or [""])
        # the nominal line height, or tighter down to MIN_LEADING before a smaller size
        room = height_mm * 0.98  # a little slack for rounding in the layout
        leading = min(nominal, math.floor(room / (lines * size * _PT_MM) * 100) / 100)
        if leading >= min(nominal, MIN_LEADING):
            fits = True
            break
    leading = max(leading, SIZES[-1][1])
    return f"font-size: {size}pt; line-height: {leading}; max-height: {height_mm:.1f}mm", fits


def wrap(text: str, width_em: float) -> list[str]:
    """``text`` broken into lines of at most ``width_em`` (estimated as ``text_width_em``),
    character by character as CJK text breaks; at least one line, possibly empty."""
    lines: list[str] = []
    line, used = "", 0.0
    for ch in text:
        w = text_width_em(ch)
        if line and used + w > width_em:
            lines.append(line)
            line, used = "", 0.0
        line += ch
        used += w
    lines.append(line)
    return lines


@dataclass(frozen=True)
class ResumeSplit:
    """Where the 简历 goes: ``pages[0]`` on page 1 of the form, the rest one 续页 each; every
    piece is (period, text) with an empty period where an entry goes on from the page
    before. ``size`` (pt) and ``leading`` are the same on every page."""

    size: float
    leading: float
    pages: tuple[tuple[tuple[str, str], ...], ...]


def _leading(size: float) -> float:
    return next(nominal for s, nominal in SIZES if s == size)


def split_resume(
    entries: list[tuple[str, str]],
    *,
    first: tuple[float, float] = (149.6, 130.0),
    following: tuple[float, float] = CONTINUATION_BOX,
    period_em: float = 8.4,
    min_size: float = RESUME_MIN_PT,
    largest: float = 12,
) -> ResumeSplit:
    """Lay out résumé ``entries`` ((period, text) pairs) in the 简历 box ``first`` (width,
    height in mm) and, when they do not fit there at ``min_size``, in 续页 boxes
    ``following``.

    The largest size from ``SIZES`` (not above ``largest``, not below ``min_size``) at which
    all lines fit page 1 wins, as ``fit`` would choose it. Otherwise the type stays at
    ``min_size`` with its nominal leading and the lines are packed page by page: an entry
    that does not fit the rest of a page starts the next one whole, unless it is longer
    than a page itself, when it is cut at a line break and goes on (without its period) on
    the next. Every page but the last keeps one line free for ``CONTINUED_MARK``. Lines are
    counted by ``wrap``, character by character, so the split depends on the text alone."""

    def text_width(size: float, box: tuple[float, float]) -> float:
        return box[0] / (size * _PT_MM) * 0.96 - period_em

    for size, nominal in SIZES:
        if size > largest or size < min_size:
            continue
        width = text_width(size, first)
        lines = sum(len(wrap(text, width)) for _period, text in entries) or 1
        room = first[1] * 0.98
        leading = min(nominal, math.floor(room / (lines * size * _PT_MM) * 100) / 100)
        if leading >= min(nominal, MIN_LEADING):
            return ResumeSplit(size, leading, (tuple(entries),))
    size = min_size
    leading = _leading(size)

    def capacity(box: tuple[float, float]) -> int:
        return max(2, math.floor(box[1] * 0.98 / (size * leading * _PT_MM))) - 1

    width = text_width(size, first)
    pages: list[list[tuple[str, str]]] = [[]]
    free = capacity(first)
    for period, text in entries:
        lines = wrap(text, width)
        if len(lines) > free and pages[-1] and len(lines) <= capacity(following):
            pages.append([])
            free = capacity(following)
        while len(lines) > free:  # longer than what is left of an empty page
            if free:
                pages[-1].append((period, "".join(lines[:free])))
                lines, period = lines[free:], ""
            pages.append([])
            free = capacity(following)
        pages[-1].append((period, "".join(lines)))
        free -= len(lines)
    return ResumeSplit(size, leading, tuple(tuple(page) for page in pages))


class _Fitter:
    """Applies ``fit``, names each distinct result as a CSS class (``fit1``, ``fit2``, ...
    in order of first use) and remembers the labels of the boxes whose text is cut.

    Classes rather than ``style`` attributes: WeasyPrint shares one computed style between
    elements with the same parent style and the same rules, but never between elements
    with style attributes, and parses each attribute on its own. A form with its sizes in
    ~80 attributes took about 30 ms longer to lay out."""

    def __init__(self) -> None:
        self.overflow: list[str] = []
        self.rules: dict[str, str] = {}  # CSS declarations -> class name

    def __call__(
        self, label: str, paragraphs: list[str], box: tuple[float, float], **kw: Any
    ) -> str:
        style, fits = fit(paragraphs, box, **kw)
        if not fits and label not in self.overflow:
            self.overflow.append(label)
        return self.rules.setdefault(style, f"fit{len(self.rules) + 1}")

    def named(self, declarations: str) -> str:
        """The class name for ``declarations`` worked out elsewhere (the 简历)."""
        return self.rules.setdefault(declarations, f"fit{len(self.rules) + 1}")

    def stylesheet(self) -> dict[str, str]:
        """Class name -> its declarations, for the template's style block."""
        return {name: style for style, name in self.rules.items()}


def month(day: date | None) -> str:
    """``1990.01`` as the form writes dates; empty for none."""
    return f"{day:%Y.%m}" if day else ""


def long_date(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def _paragraphs(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def organisation_name(cadre: Cadre) -> str:
    """The cadre's bureau (the reporting unit by default), else the configured name."""
    department = cadre.department
    if department is not None and department.organisation is not None:
        return department.organisation.name
    return current_app.config["ORGANISATION_NAME"]


def draft_values(
    cadre: Cadre, draft: AppointmentDraft | None, *, today: date, filled_by: str | None = None
) -> dict[str, Any]:
    """The draft's fields (model attribute names), with defaults where nothing was saved:
    no proposed or removed post, the cadre's bureau as 呈报单位, ages and the form dated
    ``today``, ``filled_by`` (the HR user) as 填表人."""
    defaults = {
        "proposed_post": "",
        "post_to_remove": "",
        "reason": "",
        "reporting_unit": organisation_name(cadre),
        "age_date": today,
        "filled_by": filled_by or "",
        "fill_date": today,
    }
    if draft is None:
        return defaults
    values = {attr: getattr(draft, attr) or "" for attr in DRAFT_FIELDS}
    for attr in ("reporting_unit", "age_date", "filled_by", "fill_date"):  # never blank
        values[attr] = values[attr] or defaults[attr]
    return values


def photo_data_uri(photo: CadrePhoto | None) -> str | None:
    """The photo as a ``data:`` URI, scaled down when it is larger than the form needs.
    A photo that does not decode is left out (and logged) rather than failing the form."""
    if photo is None:
        return None
    uri = photos.data_uri(photo.data, photo.content_type, max_height=PHOTO_MAX_HEIGHT_PX)
    if uri is None and photo.content_type in photos.PHOTO_TYPES.values():
        current_app.logger.warning("photo of cadre %s unreadable", photo.cadre_id)
    return uri


def _education(
    fitter: _Fitter, level: str | None, degree: str | None, school: str | None
) -> dict[str, Any]:
    level = printed_education(level)  # 大学本科 is printed 大学, as the form is filled
    degree = degree if degree and degree != "无" else ""  # as written: 经济学学士
    lines = [part for part in (level or "", degree) if part]
    return {
        "学历": level or "",
        "学位": degree,
        "学历学位": lines,
        "毕业院校系及专业": school or "",
        "style": fitter("学历学位", lines, BOXES["学历学位"]),
        "school_style": fitter("毕业院校系及专业", [school or ""], BOXES["毕业院校系及专业"]),
    }


def _family(fitter: _Fitter, cadre: Cadre, age_date: date) -> tuple[list[Any], str]:
    rows: list[Any] = [
        {
            "称谓": member.relation,
            "姓名": member.name,
            "年龄": age_on(member.birth_date, age_date) if member.birth_date else "",
            "政治面貌": member.political_status or "",
            "工作单位及职务": member.employer_and_post or "",
        }
        for member in cadre.family
    ]
    row_height = FAMILY_HEIGHT / max(FAMILY_ROWS, len(rows))
    for row in rows:
        row["styles"] = {
            key: fitter(FAMILY_LABEL, [str(row[key])], (BOXES[key][0], row_height - 1.6))
            for key in ("称谓", "姓名", "年龄", "政治面貌", "工作单位及职务")
        }
    rows += [None] * (FAMILY_ROWS - len(rows))
    return rows, f"{row_height:.2f}mm"


#: Boxes on page 1 and the text each holds.
_PAGE1_BOXES = {
    "姓名": "narrow",
    "性别": "narrow",
    "民族": "narrow",
    "籍贯": "narrow",
    "入党时间": "narrow",
    "参加工作时间": "narrow",
    "出生地": "wide",
    "健康状况": "wide",
    "专业技术职务": "专业技术职务",
    "熟悉专业有何专长": "熟悉专业有何专长",
    "现任职务": "职务",
    "拟任职务": "职务",
    "拟免职务": "职务",
}


def form_data(
    cadre: Cadre, draft: AppointmentDraft | None, *, today: date, filled_by: str | None = None
) -> dict[str, Any]:
    """Everything the form prints, as plain values (Chinese keys as on the form). ``draft``
    None uses the defaults of ``draft_values``; ``filled_by`` is the default 填表人.
    ``layout.overflow`` names the boxes whose text is too long to print in full."""
    values = draft_values(cadre, draft, today=today, filled_by=filled_by)
    age_date = values["age_date"]
    fitter = _Fitter()
    text = {
        "姓名": cadre.name,
        "性别": cadre.gender,
        "民族": cadre.ethnicity or "",
        "籍贯": cadre.native_place or "",
        "出生地": cadre.birthplace or "",
        "入党时间": month(cadre.party_join_date),
        "参加工作时间": month(cadre.work_start_date),
        "健康状况": cadre.health or "",
        "专业技术职务": cadre.professional_title or "",
        "熟悉专业有何专长": cadre.expertise or "",
        "现任职务": cadre.position_title or "",
        "拟任职务": values["proposed_post"],
        "拟免职务": values["post_to_remove"],
    }
    styles = {key: fitter(key, [text[key]], BOXES[box]) for key, box in _PAGE1_BOXES.items()}
    birth = [month(cadre.birth_date), "（00岁）"]
    styles["出生年月"] = fitter("出生年月", birth, BOXES["wide"])
    education = {
        "全日制教育": _education(fitter, cadre.ft_education, cadre.ft_degree, cadre.ft_school),
        "在职教育": _education(fitter, cadre.pt_education, cadre.pt_degree, cadre.pt_school),
    }
    resume = [
        {"时间": entry.line[:16].rstrip(), "经历": entry.description, "line": entry.line}
        for entry in cadre.resume
    ]
    split = split_resume(
        [(e["时间"], e["经历"]) for e in resume], first=BOXES["简历"], period_em=RESUME_PERIOD_EM
    )
    resume_pages = [[{"时间": p, "经历": t} for p, t in page] for page in split.pages]
    styles["简历"] = fitter.named(
        f"font-size: {split.size}pt; line-height: {split.leading}; "
        f"max-height: {BOXES['简历'][1]:.1f}mm"
    )
    styles["简历续页"] = fitter.named(
        f"font-size: {split.size}pt; line-height: {split.leading}; "
        f"max-height: {CONTINUATION_BOX[1]:.1f}mm"
    )
    page2 = {
        # the honours the organisation chose to list there (services.honours) follow
        "奖惩情况": _paragraphs(cadre.rewards) + honour_queries.reward_lines(cadre.id),
        "年度考核结果": evaluation_query.recent_results(cadre.id, today=today),
        "任免理由": _paragraphs(values["reason"]),
        "呈报单位": values["reporting_unit"],
    }
    for key, value in page2.items():
        styles[key] = fitter(key, value if isinstance(value, list) else [value], BOXES[key])
    family, family_row_style = _family(fitter, cadre, age_date)
    return (
        text
        | page2
        | {
            "出生年月": birth[0],
            "年龄": age_on(cadre.birth_date, age_date),
            "照片": photo_data_uri(cadre.photo),
            "学历学位": education,
            "简历": [entry["line"] for entry in resume],
            "简历条目": resume_pages[0],
            "续页": resume_pages[1:],
            "续页标记": CONTINUED_MARK,
            "家庭主要成员": family,
            "呈报日期": long_date(values["fill_date"]),
            "计算年龄时间": month(age_date),
            "填表时间": month(values["fill_date"]),
            "填表人": values["filled_by"],
            "layout": {
                "columns": {  # table class -> its column widths in mm
                    "page1": PAGE1_COLUMNS,
                    "boxes": PAGE2_BOX_COLUMNS,
                    "relations": (PAGE2_COLUMNS[0], sum(PAGE2_COLUMNS[1:])),
                    "family": PAGE2_COLUMNS[1:],
                    "approval": APPROVAL_COLUMNS,
                    "sheet": SHEET_COLUMNS,
                },
                "resume_height": f"{RESUME_HEIGHT}mm",
                "continuation_height": f"{CONTINUATION_BOX[1]}mm",
                "resume_period": f"{RESUME_PERIOD_EM}em",
                "family_row_height": family_row_style,
                "styles": styles,
                "rules": fitter.stylesheet(),
                "overflow": fitter.overflow,
            },
        }
    )


def render(
    cadre: Cadre, *, today: date, filled_by: str | None = None, with_draft: bool = True
) -> bytes:
    """The cadre's form as PDF bytes (raises pdf.PdfUnavailable). ``with_draft`` False leaves
    out HR's proposal (拟任/拟免职务, 任免理由), which a cadre must not read before the
    decision."""
    draft = db.session.get(AppointmentDraft, cadre.id) if with_draft else None
    return pdf.render_pdf(
        TEMPLATE,
        form_data(cadre, draft, today=today, filled_by=filled_by),
        title=f"{TITLE}（{cadre.name}）",
        author=current_app.config["ORGANISATION_NAME"],
        subject=TITLE,
    )


def save_draft(cadre: Cadre, values: dict[str, Any], *, actor: str | None) -> AppointmentDraft:
    """Create or update the cadre's draft from ``values`` (keys of DRAFT_FIELDS); audited.
    Flushes, never commits."""
    draft = db.session.get(AppointmentDraft, cadre.id)
    before = {attr: getattr(draft, attr) for attr in DRAFT_FIELDS} if draft else None
    if draft is None:
        draft = AppointmentDraft(cadre_id=cadre.id)
        db.session.add(draft)
    for attr in DRAFT_FIELDS:
        setattr(draft, attr, values.get(attr) or None)
    draft.updated_by = actor
    db.session.flush()
    after = {attr: getattr(draft, attr) for attr in DRAFT_FIELDS}
    changed = {attr for attr in DRAFT_FIELDS if before is None or before[attr] != after[attr]}
    audit.record(
        "create" if before is None else "update",
        object_type="appointment_draft",
        object_id=cadre.id,
        summary=f"{cadre.staff_no} {cadre.name}：{TITLE}",
        before={attr: before[attr] for attr in changed} if before else None,
        after={attr: after[attr] for attr in changed},
        actor_name=actor,
    )
    return draft
