"""The evaluation workbooks (DESIGN.md, Contracts): the 年度考核 score workbook in, all or
nothing, and the 考核排名 ranking workbook out, with the blank score template.

The import mirrors services.roster.excel and shares services.core.workbook with it:
``check_upload`` looks at the bytes first; ``read_scores`` finds the header by name in the first
20 rows and reads every cell as text first (a cell stored as a number is judged as that number,
so Excel's 85.549999999999997 is the 85.55 typed); ``preview_import`` checks every row against
the roster (工号 known, 姓名 the same, which catches shifted rows) and the year's evaluations
in a few queries; ``apply_import`` writes only when no row has an error, with bulk INSERT and
UPDATE rather than ``evaluation.set_scores`` per row, audits every changed row (a change of
scores already entered is a correction whose reason is the file name) and flushes, never
commits.

A score is a number from 0 to 100 with at most two decimals; full-width digits and a trailing
分 are accepted. An empty score cell is "missing": imported, not ranked, and the year cannot
be confirmed until it is entered.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

import openpyxl
import sqlalchemy as sa
from flask_babel import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import Cadre, CycleState, Department, Evaluation, EvaluationCycle
from cadre_app.services.core import audit, workbook
from cadre_app.services.core.workbook import (
    HEADER_SCAN_ROWS,
    MAX_DATA_ROWS,
    Change,
    ImportRejected,
    PreviewRows,
    RowStatus,
    WorkbookError,
    check_upload,
    chunks,
    clean_text,
    header_text,
    locate_columns,
    normalise_cell,
    write_text,
)
from cadre_app.services.evaluations import operations as evaluation
from cadre_app.services.evaluations import rules as ranking

SHEET = "年度考核"
INSTRUCTIONS_SHEET = "填写说明"
RANKING_SHEET = "考核排名"
#: The score workbook's header (DESIGN.md); 拟定等次 may be left out.
HEADER: tuple[str, ...] = ("工号", "姓名", "平时考核", "民主测评", "领导评价", "拟定等次")
REQUIRED: tuple[str, ...] = HEADER[:5]
#: Header label -> Evaluation attribute, for the three scores.
SCORE_COLUMNS: dict[str, str] = {label: attr for attr, label in ranking.COMPONENT_LABELS.items()}
GRADE_LABEL = "拟定等次"
#: The ranking workbook's header (DESIGN.md), exactly.
RANKING_HEADER: tuple[str, ...] = (
    *("工号", "姓名", "部门", "平时考核", "民主测评", "领导评价"),
    *("总分", "部门排名", "全局排名", "等次", "末位", "谈话状态"),
)
_NUMBER = re.compile(r"^[+-]?(\d+)(?:\.(\d+))?$")
_ATTRS = (*ranking.COMPONENTS, "proposed_grade")


# --- reading ----------------------------------------------------------------------------------


@dataclass
class ScoreRow:
    """One data row: what the file says, then (preview) what importing it would do."""

    row: int  # the Excel row number the user sees
    staff_no: str | None
    name: str | None
    values: dict[str, Any]  # ordinary, democratic, leader (+ proposed_grade with its column)
    errors: list[tuple[str, str]]  # (column label, message)
    status: RowStatus = RowStatus.NEW
    department: str | None = None
    changes: list[Change] = field(default_factory=list)
    staff_no_was_number: bool = field(default=False, repr=False)
    cadre_id: int | None = field(default=None, repr=False)
    department_id: int | None = field(default=None, repr=False)
    evaluation_id: int | None = field(default=None, repr=False)
    before: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def missing(self) -> bool:
        """Some score is empty: imported, but not ranked until it is entered."""
        return any(self.values.get(attr) is None for attr in ranking.COMPONENTS)


@dataclass
class ParsedScores:
    has_grade_column: bool
    rows: list[ScoreRow]
    warnings: list[str]


def _as_text(value: Any) -> str:
    """A cell as the text it shows: numbers without a spurious ``.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date().isoformat()
    return "" if value is None else str(value)


def _rows(content: bytes) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(Excel row number, raw cell values) of the score sheet, read by the one guarded reader
    (workbook.sheet_rows); date-formatted cells come as datetimes, as openpyxl reads them."""
    return workbook.sheet_rows(content, SHEET, dates=True)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and clean_text(value) is None)


def _map_header(cells: Sequence[Any], warnings: list[str]) -> dict[str, int]:
    return locate_columns(cells, HEADER, REQUIRED, warnings)


def parse_score(label: str, value: Any) -> float | None:
    """A score cell's value: None when empty, else a number 0-100 with at most 2 decimals.
    Raises ValueError with the message (Chinese) naming the column."""
    if isinstance(value, bool) or (isinstance(value, float) and not math.isfinite(value)):
        value = str(value)
    if isinstance(value, int | float):  # stored as a number: judge the number itself
        problem = evaluation.score_problem(label, value)
        if problem:
            raise ValueError(problem)
        return round(float(value), 2)
    text = clean_text(_as_text(value))
    if text is None:
        return None
    number = text[:-1].rstrip() if text.endswith("分") else text
    match = _NUMBER.match(number)
    if match is None:
        raise ValueError(
            _(
                "%(label)s须为 0 至 100 之间的数字（最多两位小数），现为“%(value)s”。",
                label=label,
                value=text,
            )
        )
    exact = Decimal(number)
    if not 0 <= exact <= 100:
        raise ValueError(
            _("%(label)s须在 0 至 100 之间，现为 %(value)s。", label=label, value=text)
        )
    if match.group(2) and len(match.group(2).rstrip("0")) > 2:
        raise ValueError(_("%(label)s最多保留两位小数，现为 %(value)s。", label=label, value=text))
    return float(round(exact, 2))


def _parse_grade(value: Any) -> str | None:
    text = clean_text(_as_text(value))
    if text is None:
        return None
    if text not in ranking.GRADES:
        raise ValueError(
            _(
                "拟定等次须为 %(grades)s 之一，或留空；现为“%(value)s”。",
                grades="、".join(ranking.GRADES),
                value=text,
            )
        )
    return text


def read_scores(content: bytes, filename: str) -> ParsedScores:
    """Check the bytes, then read the sheet 年度考核 into rows; raises WorkbookError for a file
    that cannot be a score workbook at all. Problems of single cells are kept per row."""
    check_upload(content, filename)
    warnings: list[str] = []
    columns: dict[str, int] | None = None
    rows: list[ScoreRow] = []
    limit = workbook.max_data_rows()
    with closing(_rows(content)) as sheet_rows:
        for number, cells in sheet_rows:
            if columns is None:
                if number > HEADER_SCAN_ROWS:
                    break
                texts = {header_text(v) for v in cells}
                if "工号" in texts and "姓名" in texts:
                    columns = _map_header(cells, warnings)
                continue
            picked = {label: cells[i] if i < len(cells) else None for label, i in columns.items()}
            if all(_blank(v) for v in picked.values()):
                continue  # an empty row
            if len(rows) >= limit:
                raise workbook.too_many_rows()
            rows.append(_parse_row(number, picked))
    if columns is None:
        raise WorkbookError(
            _(
                "在工作表“%(sheet)s”的前 %(n)d 行中找不到表头：须有一行同时包含“工号”和“姓名”。",
                sheet=SHEET,
                n=HEADER_SCAN_ROWS,
            )
        )
    if not rows:
        raise WorkbookError(_("工作表“%(sheet)s”的表头以下没有数据。", sheet=SHEET))
    return ParsedScores(GRADE_LABEL in columns, rows, warnings)


def _parse_row(number: int, cells: dict[str, Any]) -> ScoreRow:
    errors: list[tuple[str, str]] = []
    raw_no = cells["工号"]
    staff_no = clean_text(_as_text(raw_no))
    if staff_no is None:
        errors.append(("工号", _("工号不能为空。")))
    name = normalise_cell("name", _as_text(cells["姓名"]))
    values: dict[str, Any] = {}
    for label, attr in SCORE_COLUMNS.items():
        try:
            values[attr] = parse_score(label, cells[label])
        except ValueError as error:
            errors.append((label, str(error)))
            values[attr] = None
    if GRADE_LABEL in cells:
        try:
            values["proposed_grade"] = _parse_grade(cells[GRADE_LABEL])
        except ValueError as error:
            errors.append((GRADE_LABEL, str(error)))
            values["proposed_grade"] = None
    row = ScoreRow(number, staff_no, name, values, errors)
    row.staff_no_was_number = isinstance(raw_no, int | float) and not isinstance(raw_no, bool)
    return row


# --- preview ----------------------------------------------------------------------------------


@dataclass
class ScoresPreview(PreviewRows):
    year: int
    filename: str
    cycle_exists: bool
    has_grade_column: bool
    rows: list[ScoreRow]
    warnings: list[str]

    @property
    def counts(self) -> dict[str, int]:
        """Rows per status, and ``missing``: rows without an error but with a score left out."""
        missing = sum(1 for r in self.rows if r.status is not RowStatus.ERROR and r.missing)
        return self.status_counts() | {"missing": missing}


@dataclass(frozen=True)
class ScoresSummary:
    year: int
    created: int
    updated: int
    unchanged: int
    missing: int
    cycle_created: bool


def format_score(value: float | None) -> str:
    """85.0 -> "85", 85.5 -> "85.5", None -> ""."""
    return "" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")


def _same(attr: str, old: Any, new: Any) -> bool:
    if attr == "proposed_grade" or old is None or new is None:
        return old == new
    return round(float(old) * 100) == round(float(new) * 100)


def _label(attr: str) -> str:
    return ranking.COMPONENT_LABELS.get(attr, GRADE_LABEL)


def check_year(year: int) -> EvaluationCycle | None:
    """The year's cycle (None when it will be created); refuses a year whose scores are
    fixed."""
    if not 2000 <= year <= 2100:
        raise evaluation.EvaluationError(_("考核年度 %(year)s 不在合理范围内。", year=year))
    cycle = evaluation.get_cycle(year)
    if cycle is not None and cycle.state not in evaluation.EDITABLE_STATES:
        raise evaluation.EvaluationError(
            _(
                "%(year)s 年度考核处于“%(state)s”阶段，成绩已固定，不能再导入。",
                year=year,
                state=cycle.state.label,
            )
        )
    return cycle


def preview_import(content: bytes, filename: str, *, year: int) -> ScoresPreview:
    """What importing the file into ``year`` would do, row by row; writes nothing. Raises
    WorkbookError for a file that is not a score workbook and EvaluationError when the year
    cannot take scores (out of range, or already confirmed)."""
    cycle = check_year(year)
    parsed = read_scores(content, filename)
    staff_nos = sorted({p.staff_no for p in parsed.rows if p.staff_no})
    cadres: dict[str, Any] = {}
    for chunk in chunks(staff_nos):
        stmt = (
            sa.select(
                Cadre.id,
                Cadre.staff_no,
                Cadre.name,
                Cadre.department_id,
                Department.name.label("department_name"),
            )
            .join(Department, Department.id == Cadre.department_id)
            .where(Cadre.staff_no.in_(chunk))
        )
        cadres.update({r.staff_no: r for r in db.session.execute(stmt)})
    existing: dict[int, Any] = {}
    if cycle is not None:
        columns = [getattr(Evaluation, attr) for attr in ("id", "cadre_id", "no_grade", *_ATTRS)]
        stmt = sa.select(*columns).where(Evaluation.cycle_id == cycle.id)
        existing = {r.cadre_id: r for r in db.session.execute(stmt)}

    for row in parsed.rows:
        _compare(row, cadres.get(row.staff_no or ""), existing)
    _duplicates_in_file(parsed.rows)
    for row in parsed.rows:
        if row.errors:
            row.status = RowStatus.ERROR
    return ScoresPreview(
        year, filename, cycle is not None, parsed.has_grade_column, parsed.rows, parsed.warnings
    )


def _compare(row: ScoreRow, cadre: Any, existing: dict[int, Any]) -> None:
    """Check the row against the roster and the year's evaluation; set what import does."""
    if cadre is None:
        if row.staff_no:
            message = _("工号“%(no)s”不在干部名册中。", no=row.staff_no)
            if row.staff_no_was_number:
                message += _(
                    "该单元格以数字保存，开头的 0 可能已丢失：请将该列设为文本格式后重新填写。"
                )
            row.errors.append(("工号", message))
        return
    row.cadre_id, row.department_id = cadre.id, cadre.department_id
    row.department = cadre.department_name
    if row.name is None:
        row.errors.append(("姓名", _("姓名不能为空：须与干部名册核对。")))
    elif row.name != normalise_cell("name", cadre.name):
        message = _(
            "姓名“%(given)s”与干部名册中工号 %(no)s 的姓名“%(name)s”不符，请检查是否错行。",
            given=row.name,
            no=row.staff_no,
            name=cadre.name,
        )
        row.errors.append(("姓名", message))
    old = existing.get(cadre.id)
    if old is None:
        return
    if old.no_grade and row.values.get("proposed_grade"):
        row.errors.append((GRADE_LABEL, _("该干部已标记“不定等次”，拟定等次须留空。")))
    row.evaluation_id = old.id
    row.before = {attr: getattr(old, attr) for attr in _ATTRS} | {"no_grade": old.no_grade}
    for attr, new in row.values.items():
        if not _same(attr, getattr(old, attr), new):
            row.changes.append(Change(_label(attr), _display(getattr(old, attr)), _display(new)))
    row.status = RowStatus.UPDATE if row.changes else RowStatus.UNCHANGED


def _display(value: Any) -> str:
    return value if isinstance(value, str) else format_score(value)


def _duplicates_in_file(rows: list[ScoreRow]) -> None:
    seen: dict[str, list[ScoreRow]] = defaultdict(list)
    for row in rows:
        if row.staff_no:
            seen[row.staff_no].append(row)
    for staff_no, same in seen.items():
        if len(same) < 2:
            continue
        numbers = "、".join(str(r.row) for r in same)
        message = _(
            "%(label)s“%(value)s”在本文件中重复出现（第 %(rows)s 行）。",
            label="工号",
            value=staff_no,
            rows=numbers,
        )
        for row in same:
            row.errors.append(("工号", message))


# --- apply ------------------------------------------------------------------------------------


def apply_import(content: bytes, filename: str, *, year: int, actor: str | None) -> ScoresSummary:
    """Import the file into ``year`` all-or-nothing against the database as it is now.

    Raises ImportRejected (nothing written) when any row has an error, WorkbookError for a
    file that is not a score workbook, EvaluationError when the year cannot take scores.
    Creates the year's cycle with the default settings when missing, inserts and updates the
    evaluations in bulk (a new one in the cadre's current section), puts the cycle back to
    采集成绩 (an earlier ranking is stale), audits each changed row with its before and after,
    and records one ``import`` event. Flushes; the caller commits.
    """
    preview = preview_import(content, filename, year=year)
    if preview.has_errors:
        raise ImportRejected(preview)
    cycle, cycle_created = evaluation.ensure_cycle(year, actor=actor)
    new_rows = [r for r in preview.rows if r.status is RowStatus.NEW]
    updated_rows = [r for r in preview.rows if r.status is RowStatus.UPDATE]
    now = utcnow()
    if new_rows:
        inserted = db.session.execute(
            sa.insert(Evaluation).returning(Evaluation.id, sort_by_parameter_order=True),
            [
                {
                    "cycle_id": cycle.id,
                    "cadre_id": r.cadre_id,
                    "department_id": r.department_id,
                    "proposed_grade": None,
                    "updated_at": now,
                    **r.values,
                }
                for r in new_rows
            ],
        ).scalars()
        for row, new_id in zip(new_rows, inserted, strict=True):
            row.evaluation_id = new_id
    if updated_rows:
        db.session.execute(
            sa.update(Evaluation),
            [{"id": r.evaluation_id, "updated_at": now, **r.values} for r in updated_rows],
        )
    if new_rows or updated_rows:
        cycle.state = CycleState.COLLECTING  # an earlier ranking is stale
    db.session.flush()
    audit.record_many(
        [_row_event(year, filename, r) for r in (*new_rows, *updated_rows)], actor_name=actor
    )
    summary = ScoresSummary(
        year=year,
        created=len(new_rows),
        updated=len(updated_rows),
        unchanged=len(preview.rows) - len(new_rows) - len(updated_rows),
        missing=preview.counts["missing"],
        cycle_created=cycle_created,
    )
    audit.record(
        "import",
        object_type="evaluation_cycle",
        object_id=cycle.id,
        summary=f"导入 {year} 年度考核成绩 {filename}：新增 {summary.created} 人，"
        f"更新 {summary.updated} 人，未变 {summary.unchanged} 人，成绩不全 {summary.missing} 人",
        actor_name=actor,
    )
    return summary


def _row_event(year: int, filename: str, row: ScoreRow) -> dict[str, Any]:
    """One audit event per changed row, with the snapshot keys of evaluations.operations."""
    before = row.before
    after = (before or {"proposed_grade": None, "no_grade": False}) | row.values
    head = f"{year} 年度考核 {row.staff_no} {row.name}"
    if before is None:
        return {
            "action": "create",
            "object_type": "evaluation",
            "object_id": row.evaluation_id,
            "summary": f"{head}（导入 {filename}）",
            "after": after,
        }
    correcting = any(before.get(attr) is not None for attr in ranking.COMPONENTS)
    reason = f"（更正理由：导入 {filename}）" if correcting else f"（导入 {filename}）"
    return {
        "action": "update",
        "object_type": "evaluation",
        "object_id": row.evaluation_id,
        "summary": head + reason,
        "before": before,
        "after": after,
    }


# --- the ranking workbook and the blank template ----------------------------------------------

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")
_RANKING_WIDTHS = (10, 10, 14, 10, 10, 10, 10, 10, 10, 10, 6, 12)


def _text_cell(sheet: Any, text: str) -> WriteOnlyCell:
    """A string cell of a write-only sheet, never a formula."""
    cell = WriteOnlyCell(sheet)
    write_text(cell, text)
    return cell


def _number_cell(sheet: Any, value: float | int | None, number_format: str) -> Any:
    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell


def ranking_workbook(rows: list[dict[str, Any]], year: int) -> bytes:
    """The sheet 考核排名 (DESIGN.md): one row per dict, in the order given. Dict keys:
    staff_no, name, department, ordinary, democratic, leader, total, section_rank,
    overall_rank, grade, bottom (bool), talk_state (str or None). Scores and ranks are numbers
    (empty when missing); text is never a formula. A second sheet states the tie rule."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(RANKING_SHEET)
    for index, width in enumerate(_RANKING_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C2"
    header = []
    for label in RANKING_HEADER:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append(
            [
                _text_cell(sheet, str(row.get("staff_no") or "")),
                _text_cell(sheet, str(row.get("name") or "")),
                _text_cell(sheet, str(row.get("department") or "")),
                _number_cell(sheet, row.get("ordinary"), "0.00"),
                _number_cell(sheet, row.get("democratic"), "0.00"),
                _number_cell(sheet, row.get("leader"), "0.00"),
                _number_cell(sheet, row.get("total"), "0.00"),
                _number_cell(sheet, row.get("section_rank"), "0"),
                _number_cell(sheet, row.get("overall_rank"), "0"),
                _text_cell(sheet, str(row.get("grade") or "")),
                _text_cell(sheet, "是" if row.get("bottom") else "否"),
                _text_cell(sheet, str(row.get("talk_state") or "")),
            ]
        )
    notes = book.create_sheet("说明")
    notes.append([f"{year} 年度考核排名"])
    notes.append(["排名规则", ranking.TIE_RULE])
    notes.append(["末位", "“是”表示排名末位（须开展提醒谈话），规则见考核设置。"])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def ranking_filename(year: int) -> str:
    return f"{year}年度考核排名.xlsx"


def scores_template(cadres: list[tuple[str, str]] | None = None) -> bytes:
    """The score workbook to fill: header row, 工号 as text, a 拟定等次 drop-down, 填写说明;
    with ``cadres`` ((工号, 姓名) pairs) those two columns filled in, one row each."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(list(HEADER))
    for staff_no, name in cadres or []:
        sheet.append([staff_no, name])
        sheet.cell(row=sheet.max_row, column=1).number_format = "@"
    for index, label in enumerate(HEADER, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = 12
        if label in ("工号", "姓名", GRADE_LABEL):  # 工号 0012 stays 0012
            sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "C2"
    rule = DataValidation(
        type="list",
        formula1='"' + ",".join(ranking.GRADES) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        error="请从下拉列表中选择：" + "、".join(ranking.GRADES),
    )
    rule.add(f"F2:F{MAX_DATA_ROWS + 1}")
    sheet.add_data_validation(rule)
    notes = book.create_sheet(INSTRUCTIONS_SHEET)
    for line in (
        ("年度考核成绩填写说明", ""),
        ("", ""),
        ("工作表", f"数据填在工作表“{SHEET}”中，第一行为表头，列名不要改动；列的顺序可以调整。"),
        ("必填列", "、".join(REQUIRED) + "；“拟定等次”列可以没有（没有时不改动已有的拟定等次）。"),
        ("工号、姓名", "须与干部名册一致；姓名用于核对，防止错行。"),
        ("成绩", "0 至 100 的数字，最多两位小数，如 85、85.5、85.25；可带“分”字。"),
        ("", "成绩留空表示暂缺：可以导入，但该干部不参加排名，补录之前不能审核确认。"),
        ("拟定等次", "、".join(ranking.GRADES) + "，或留空。"),
        ("导入规则", "导入时选择考核年度；该年度尚无考核时按默认设置新建。"),
        ("", "全部行通过检查后才会导入；任何一行有错误时不写入任何数据。"),
        ("", "已录入的成绩被改动时视为更正，记入审计日志，更正理由为导入的文件名。"),
    ):
        notes.append(line)
    notes["A1"].font = Font(bold=True, size=14)
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 90
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def template_filename() -> str:
    return "年度考核成绩模板.xlsx"
