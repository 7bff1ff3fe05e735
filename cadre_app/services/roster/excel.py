"""The roster workbook (DESIGN.md, Contracts): safety checks, parsing, preview, all-or-nothing
import, export and the blank template.

The flow is the same for the web and the CLI:

1. ``workbook.check_upload`` looks at the bytes before any parser does: size, macros, zip
   bombs, that it is an Office Open XML spreadsheet at all (shared with the score workbook,
   as are the cell cleaning, header location and formula-safe cells).
2. ``read_roster`` reads the sheet through the one guarded reader (``workbook.sheet_rows``:
   only cells holding a value, within the import limits), finds the header row and takes every
   cell as **text**, so an 18-digit 身份证号 is never turned into a float. Cells that the
   workbook itself stored as numbers in the ID and date columns are looked at once more in
   their raw form, because only there can we tell ``1990.10`` from ``1990.1`` or see that
   Excel already rounded an ID number.
3. ``preview_import`` checks every row with ``services.roster.operations.validate`` and checks
   uniqueness in bulk (one query for the 工号 and one for the 身份证号 of the whole file).
4. ``apply_import`` writes only when no row has an error, through ``roster.create_cadre`` and
   ``roster.update_cadre`` so that every row is audited, then records one ``import`` event.

Services flush, never commit: the caller commits, or rolls back on an exception.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO
from typing import Any

import openpyxl
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from cadre_app.extensions import db
from cadre_app.models import Cadre, Department, Organisation, enums
from cadre_app.services.core import audit, dates, idcard, workbook
from cadre_app.services.core.workbook import (
    HEADER_SCAN_ROWS,
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
from cadre_app.services.roster import departments as department_rules
from cadre_app.services.roster import operations as roster

SHEET = "干部名册"
INSTRUCTIONS_SHEET = "填写说明"

_DATETIME_TEXT = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]\d{2}:\d{2}:\d{2}$")
_NUMERIC_MONTH = re.compile(r"^\d{4}\.\d{2}$")
_NUMERIC_MONTH_ONE_DIGIT = re.compile(r"^\d{4}\.\d$")


@dataclass(frozen=True)
class Column:
    """One column of the workbook: its header (the contract) and the Cadre attribute."""

    label: str
    attr: str
    kind: str = "text"  # text | code | name | choice | date | id_number | phone | department
    required: bool = False
    width: int = 12

    @property
    def choices(self) -> tuple[str, ...]:
        return roster.FIELD_BY_ATTR[self.attr].choices


#: The header row, in order (DESIGN.md, Contracts: roster workbook).
COLUMNS: tuple[Column, ...] = (
    Column("工号", "staff_no", "code", required=True, width=10),  # a blank cell: generated
    Column("姓名", "name", "name", required=True, width=10),
    Column("性别", "gender", "choice", required=True, width=6),
    Column("民族", "ethnicity", width=8),
    Column("出生日期", "birth_date", "date", required=True),
    Column("籍贯", "native_place"),
    Column("出生地", "birthplace"),
    Column("政治面貌", "political_status", "choice", width=14),
    Column("入党时间", "party_join_date", "date"),
    Column("参加工作时间", "work_start_date", "date", width=14),
    Column("身份证号", "id_number", "id_number", width=21),
    Column("学历", "ft_education", "choice", width=10),
    Column("学位", "ft_degree", "degree", width=14),
    Column("毕业院校系及专业", "ft_school", width=28),
    Column("部门", "department_id", "department", required=True, width=14),
    Column("现任职务", "position_title", width=18),
    Column("职级", "rank", "choice", required=True, width=14),
    Column("任现职级时间", "rank_since", "date", width=14),
    Column("手机号", "phone", "phone", width=14),
)
HEADER: tuple[str, ...] = tuple(c.label for c in COLUMNS)
REQUIRED_LABELS: tuple[str, ...] = tuple(c.label for c in COLUMNS if c.required)
_COLUMN_BY_LABEL = {c.label: c for c in COLUMNS}
_COLUMN_BY_ATTR = {c.attr: c for c in COLUMNS}
assert all(c.attr in roster.FIELD_BY_ATTR for c in COLUMNS)


# --- cells to values (the bytes are checked by workbook.check_upload) -----------------------


def _same(column: Column, old: Any, new: Any) -> bool:
    """Whether a stored value and a workbook value mean the same thing. A stored value that
    differs only in what import normalises (full-width forms, spaces) is kept as it is, so
    exporting and importing again never changes anything."""
    if column.kind == "date":
        return old == new and dates.precision(old) == dates.precision(new)
    return old == new or normalise_cell(column.kind, old) == new


def _parse_date_text(text: str) -> date | None:
    match = _DATETIME_TEXT.match(text)  # a real Excel date, read as text by pandas
    return dates.parse(match.group(1) if match else text)


def _numeric_date(column: Column, raw: int | float) -> date | None:
    """A date column cell that the workbook stored as a number (typed into a General cell)."""
    text = repr(raw) if isinstance(raw, float) else str(raw)
    if isinstance(raw, float) and _NUMERIC_MONTH_ONE_DIGIT.match(text):
        raise dates.DateFormatError(
            _(
                "%(label)s以数字 %(value)s 保存，无法判断月份（如 1 月还是 10 月）："
                "请将该列设为文本格式后重新填写，如 1990.10。",
                label=column.label,
                value=text,
            )
        )
    if isinstance(raw, float) and not _NUMERIC_MONTH.match(text):
        raise dates.DateFormatError(
            _(
                "%(label)s以数字 %(value)s 保存，不是日期：请填写日期，"
                "如 1990-01-31、1990.01 或 1990年01月。",
                label=column.label,
                value=text,
            )
        )
    return dates.parse(text)


def _numeric_id_number(raw: int | float) -> tuple[str | None, str | None]:
    """(number, problem) for an ID cell stored as a number. Only an exact integer whose
    checksum and birth date hold can be trusted; anything else may already be rounded."""
    text = str(raw) if isinstance(raw, int) else repr(raw)
    if isinstance(raw, int) and len(text) == 18 and idcard.problem(text) is None:
        return text, None
    return None, _(
        "身份证号单元格以数字格式保存（读到 %(value)s），数字可能已被 Excel 舍入、无法核对："
        "请将该列设为文本格式后重新填写。",
        value=text,
    )


# --- the workbook to rows ------------------------------------------------------------------


@dataclass
class ParsedRow:
    """One data row: the values it gives and the cells that could not be read."""

    row: int  # the Excel row number the user sees
    values: dict[str, Any]  # Cadre attrs; department as ``department_name``
    errors: list[tuple[str, str]]  # (column label, message)


@dataclass
class ParsedRoster:
    columns: list[Column]  # the known columns present, in file order
    rows: list[ParsedRow]
    warnings: list[str]


def _find_header(grid: list[tuple[int, list[str], dict[int, int | float]]]) -> int:
    """The position in ``grid`` of the header row (within the first HEADER_SCAN_ROWS rows)."""
    for index, (number, cells, _numbers) in enumerate(grid):
        if number > HEADER_SCAN_ROWS:
            break
        texts = {header_text(v) for v in cells}
        if "工号" in texts and "姓名" in texts:
            return index
    raise WorkbookError(
        _(
            "在工作表“%(sheet)s”的前 %(n)d 行中找不到表头：须有一行同时包含“工号”和“姓名”。",
            sheet=SHEET,
            n=HEADER_SCAN_ROWS,
        )
    )


#: Other names a header may carry: the template says 部门, the UI says 处室; both are read.
HEADER_ALIASES = {"处室": "部门"}


def _map_header(cells: list[str], warnings: list[str]) -> dict[int, Column]:
    cells = [HEADER_ALIASES.get(header_text(c), c) for c in cells]
    located = locate_columns(cells, _COLUMN_BY_LABEL, REQUIRED_LABELS, warnings)
    return {index: _COLUMN_BY_LABEL[label] for label, index in located.items()}


def _as_text(value: Any) -> str:
    """A cell as the text it shows (as pandas with ``dtype=str`` gave it): whole numbers
    without ``.0``, a date as ``1990-10-01 00:00:00``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _load(content: bytes) -> list[tuple[int, list[str], dict[int, int | float]]]:
    """The rows holding a value: (Excel row number, cells as text, column index -> raw value
    of every cell stored as a number, not a date)."""
    grid = []
    with closing(workbook.sheet_rows(content, SHEET, dates=True)) as rows:
        for number, cells in rows:
            numbers = {i: v for i, v in enumerate(cells) if type(v) in (int, float)}
            grid.append((number, [_as_text(v) for v in cells], numbers))
    return grid


def read_roster(content: bytes, filename: str) -> ParsedRoster:
    """Check the bytes, then read the sheet ``干部名册`` into rows of values; raises
    WorkbookError for a file that cannot be a roster at all. Row problems are kept per row."""
    check_upload(content, filename)
    grid = _load(content)
    header_index = _find_header(grid)
    warnings: list[str] = []
    by_index = _map_header(grid[header_index][1], warnings)
    columns = sorted(by_index.items())
    rows = []
    numeric_ids = []
    limit = workbook.max_data_rows()
    for excel_row, cells, numbers in grid[header_index + 1 :]:
        if not any(clean_text(cells[i]) for i, _c in columns if i < len(cells)):
            continue  # an empty row
        if len(rows) >= limit:
            raise workbook.too_many_rows()
        values: dict[str, Any] = {}
        errors: list[tuple[str, str]] = []
        for i, column in columns:
            text = cells[i] if i < len(cells) else ""
            raw = numbers.get(i)
            try:
                value = _cell_value(column, text, raw)
            except ValueError as error:  # also dates.DateFormatError
                errors.append((column.label, str(error)))
                value = None
            if column.kind == "department":
                values["department_name"] = value
            else:
                values[column.attr] = value
            if column.kind == "id_number" and raw is not None and value is not None:
                numeric_ids.append(excel_row)
        if "birth_date" in values:  # a month-only birth date takes its day from the ID number
            values["birth_date"] = idcard.completed_birth(
                values.get("id_number"), values["birth_date"]
            )
        rows.append(ParsedRow(excel_row, values, errors))
    if not rows:
        raise WorkbookError(_("工作表“%(sheet)s”的表头以下没有数据。", sheet=SHEET))
    if numeric_ids:
        warnings.append(
            _(
                "第 %(rows)s 行的身份证号以数字格式保存，已按原样读取并通过校验；"
                "建议将该列设为文本格式。",
                rows="、".join(map(str, numeric_ids)),
            )
        )
    return ParsedRoster([c for _i, c in columns], rows, warnings)


class MaskedIdNumber(str):
    """A masked ID number read from a workbook (``110105********0023``, as every export
    writes it unless HR chose full numbers): it means "the stored number, unchanged" for the
    cadre of that 工号, so a masked export re-imports without clobbering the full numbers."""


def _resolve_masked_ids(rows: list[ParsedRow], existing: dict[str, Cadre]) -> None:
    """Put the stored number in place of each masked one that agrees with it (the same
    region code and last four); a masked number for a new cadre, or one that does not agree,
    is a row error: a full number is needed there."""
    for p in rows:
        masked = p.values.get("id_number")
        if not isinstance(masked, MaskedIdNumber):
            continue
        cadre = existing.get(p.values.get("staff_no") or "")
        if cadre is not None and cadre.id_number and idcard.mask(cadre.id_number) == masked:
            p.values["id_number"] = cadre.id_number
            continue
        p.values["id_number"] = None
        p.errors.append(
            (
                "身份证号",
                _("身份证号已脱敏（含 *）：新干部须填写完整号码。")
                if cadre is None
                else _("身份证号已脱敏（含 *）且与系统中的号码不符：请填写完整号码。"),
            )
        )


def _cell_value(column: Column, text: str, raw: int | float | None) -> Any:
    if column.kind == "date":
        if raw is not None:
            return _numeric_date(column, raw)
        cleaned = clean_text(text)
        return _parse_date_text(cleaned) if cleaned else None
    if column.kind == "id_number":
        if raw is not None:
            number, problem = _numeric_id_number(raw)
            if problem:
                raise ValueError(problem)
            return number
        number = normalise_cell("id_number", text)
        if number and "*" in number:
            return MaskedIdNumber(number)  # "unchanged": resolved against the stored number
        return number
    if column.attr == "ft_education":  # 本科, 硕士研究生, 大学本科毕业 … as rosters write them
        cleaned = clean_text(text)
        return roster.education_level(cleaned) or cleaned
    if column.kind == "degree":
        return roster.normalise_degree(clean_text(text))
    return normalise_cell(column.kind, text)


# --- preview -------------------------------------------------------------------------------


@dataclass
class RowResult:
    row: int
    status: RowStatus
    staff_no: str | None
    name: str | None
    department: str | None
    changes: list[Change] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    #: What apply writes: all values for a new cadre, the changed ones for an update.
    values: dict[str, Any] = field(default_factory=dict, repr=False)
    cadre: Cadre | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class UnknownSection:
    """A 部门 cell naming no existing section: its rows, the nearest existing name (a misspelt
    one usually has one), and whether HR chose to create it."""

    name: str
    rows: list[int]
    suggestion: str | None
    create: bool


@dataclass
class ImportPreview(PreviewRows):
    filename: str
    rows: list[RowResult]
    #: The sections the import will create: only those HR chose (``create_sections``).
    new_departments: list[str]
    warnings: list[str]
    unknown_sections: list[UnknownSection] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return self.status_counts()


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int
    new_departments: list[str]


def _organisation(name: str | None = None) -> Organisation | None:
    """The installation's organisation: the only one, else the one named ``name``, else the
    first."""
    organisations = list(db.session.scalars(sa.select(Organisation).order_by(Organisation.id)))
    if len(organisations) > 1 and name:
        for organisation in organisations:
            if organisation.name == name:
                return organisation
    return organisations[0] if organisations else None


def _departments(organisation: Organisation | None) -> dict[str, Department]:
    """Departments by their normalised name."""
    if organisation is None:
        return {}
    stmt = sa.select(Department).where(Department.organisation_id == organisation.id)
    return {clean_text(d.name) or d.name: d for d in db.session.scalars(stmt)}


def _display(attr: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, date):
        return dates.for_input(value)
    if attr == "id_number":
        return idcard.mask(value)
    return str(value)


def _label(attr: str) -> str:
    column = _COLUMN_BY_ATTR.get(attr)
    return column.label if column else str(roster.LABELS.get(attr, attr))


def _duplicates_in_file(rows: list[RowResult], parsed: list[ParsedRow]) -> None:
    for attr in ("staff_no", "id_number"):
        seen: dict[str, list[int]] = defaultdict(list)
        for position, p in enumerate(parsed):
            value = p.values.get(attr)
            if value:
                seen[value].append(position)
        for value, positions in seen.items():
            if len(positions) < 2:
                continue
            numbers = "、".join(str(parsed[p].row) for p in positions)
            for position in positions:
                rows[position].errors.append(
                    (
                        _label(attr),
                        _(
                            "%(label)s“%(value)s”在本文件中重复出现（第 %(rows)s 行）。",
                            label=_label(attr),
                            value=_display(attr, value),
                            rows=numbers,
                        ),
                    )
                )


def _changed_values(
    cadre: Cadre, values: dict[str, Any], columns: list[Column], *, skip: set[str]
) -> dict[str, Any]:
    """The workbook values that differ from the stored record (columns in ``skip`` could not
    be read). A new section comes as department_id None plus ``department_name``."""
    stored = roster.snapshot(cadre)
    changed = {
        c.attr: values[c.attr]
        for c in columns
        if c.kind != "department"
        and c.label not in skip
        and not _same(c, stored[c.attr], values[c.attr])
    }
    if values["department_id"] != cadre.department_id:
        changed["department_id"] = values["department_id"]
        if values["department_id"] is None:
            changed["department_name"] = values.get("department_name")
    return changed


def _describe_changes(
    cadre: Cadre, changed: dict[str, Any], department_names: dict[int, str]
) -> list[Change]:
    changes = []
    for attr, new in changed.items():
        if attr == "department_name":
            continue
        if attr == "department_id":
            old_text = department_names.get(cadre.department_id, "")
            new_text = department_names.get(new, "") if new else changed.get("department_name")
        else:
            old = roster.snapshot(cadre)[attr] if attr in roster.FIELD_BY_ATTR else None
            old_text, new_text = _display(attr, old), _display(attr, new)
        changes.append(Change(_label(attr), old_text, new_text or ""))
    return changes


def preview_import(
    content: bytes,
    filename: str,
    *,
    today: date,
    organisation_name: str | None = None,
    create_sections: Collection[str] = (),
) -> ImportPreview:
    """What importing the file would do, row by row; writes nothing. Raises WorkbookError.

    A 部门 naming no existing section is never created silently: its rows are errors (with
    the nearest existing name) unless the name is in ``create_sections``, HR's explicit
    choice in the preview."""
    parsed = read_roster(content, filename)
    organisation = _organisation(organisation_name)
    departments = _departments(organisation)
    department_names = {d.id: d.name for d in departments.values()}

    staff_nos = sorted({p.values["staff_no"] for p in parsed.rows if p.values.get("staff_no")})
    existing: dict[str, Cadre] = {}
    for chunk in chunks(staff_nos):
        for cadre in db.session.scalars(sa.select(Cadre).where(Cadre.staff_no.in_(chunk))):
            existing[cadre.staff_no] = cadre
    _resolve_masked_ids(parsed.rows, existing)
    numbers = sorted({p.values["id_number"] for p in parsed.rows if p.values.get("id_number")})
    id_owner: dict[str, Any] = {}
    for chunk in chunks(numbers):
        stmt = sa.select(Cadre.id_number, Cadre.staff_no, Cadre.name).where(
            Cadre.id_number_in(chunk)
        )
        id_owner.update({r.id_number: r for r in db.session.execute(stmt)})

    blank = [p for p in parsed.rows if not p.values.get("staff_no")]
    numbers = roster.allocate_staff_nos(len(blank), reserved=staff_nos) if blank else []
    for p, number in zip(blank, numbers, strict=True):
        p.values["staff_no"] = number  # a new cadre gets the configured scheme's next 工号

    new_departments: list[str] = []
    unknown_rows: dict[str, list[int]] = {}
    results = []
    for p in parsed.rows:
        values = dict(p.values)
        department_name = values.pop("department_name", None)
        department = departments.get(department_name) if department_name else None
        if department_name and department is None:
            if len(department_name) > 100:
                p.errors.append(("部门", _("处室名称最多 100 个字符。")))
            else:
                unknown_rows.setdefault(department_name, []).append(p.row)
                if department_name not in create_sections:
                    p.errors.append(
                        ("部门", _unknown_section_message(department_name, departments))
                    )
                elif department_name not in new_departments:
                    new_departments.append(department_name)
        values["department_id"] = department.id if department else None
        if department is None and department_name:
            values["department_name"] = department_name
        cadre = existing.get(values.get("staff_no") or "")
        unreadable = {label for label, _m in p.errors}
        result = RowResult(
            p.row,
            RowStatus.NEW if cadre is None else RowStatus.UNCHANGED,
            values.get("staff_no"),
            values.get("name"),
            department_name,
            errors=list(p.errors),
            cadre=cadre,
        )
        if cadre is None:
            result.values = values
            to_check = values
        else:
            changed = _changed_values(cadre, values, parsed.columns, skip=unreadable)
            result.values = changed
            result.changes = _describe_changes(cadre, changed, department_names)
            result.status = RowStatus.UPDATE if changed else RowStatus.UNCHANGED
            to_check = roster.snapshot(cadre) | changed
        if result.status is not RowStatus.UNCHANGED:
            for problem in roster.validate(to_check, today=today):
                label = _label(problem.field)
                if label not in unreadable:
                    result.errors.append((label, problem.message))
        number = values.get("id_number")
        owner = id_owner.get(number) if number else None
        if owner is not None and owner.staff_no != values.get("staff_no"):
            result.errors.append(
                (
                    "身份证号",
                    _(
                        "%(label)s已被 %(name)s（工号 %(no)s）使用。",
                        label="身份证号",
                        name=owner.name,
                        no=owner.staff_no,
                    ),
                )
            )
        results.append(result)
    _duplicates_in_file(results, parsed.rows)
    for result in results:
        if result.errors:
            result.status = RowStatus.ERROR
    unknown = [
        UnknownSection(
            name,
            rows,
            department_rules.nearest_name(name, list(departments)),
            name in create_sections,
        )
        for name, rows in unknown_rows.items()
    ]
    return ImportPreview(filename, results, new_departments, parsed.warnings, unknown)


def _unknown_section_message(name: str, departments: dict[str, Department]) -> str:
    nearest = department_rules.nearest_name(name, list(departments))
    if nearest:
        return _(
            "系统中没有处室“%(name)s”，最相近的是“%(nearest)s”。请改正后重新上传，"
            "或在预览页选择新建该处室。",
            name=name,
            nearest=nearest,
        )
    return _("系统中没有处室“%(name)s”。请改正后重新上传，或在预览页选择新建该处室。", name=name)


# --- apply ---------------------------------------------------------------------------------


def apply_import(
    content: bytes,
    filename: str,
    *,
    actor: str | None,
    today: date,
    organisation_name: str,
    create_sections: Collection[str] = (),
) -> ImportSummary:
    """Import the file all-or-nothing against the database as it is now.

    Raises ImportRejected (nothing written) when any row has an error, WorkbookError for a
    file that is not a roster. Creates the missing sections named in ``create_sections`` (a
    row naming another unknown section is an error), and the organisation if there is none,
    then every cadre through ``roster.create_cadre`` / ``roster.update_cadre`` (each
    audited), then one ``import`` event. Flushes; the caller commits, or rolls back if a
    late error (RosterError from a concurrent change) escapes.
    """
    preview = preview_import(
        content,
        filename,
        today=today,
        organisation_name=organisation_name,
        create_sections=create_sections,
    )
    if preview.has_errors:
        raise ImportRejected(preview)
    organisation = _organisation(organisation_name)
    if organisation is None:
        organisation = Organisation(name=organisation_name)
        db.session.add(organisation)
        db.session.flush()
    created_departments = _create_departments(organisation, preview.new_departments, actor=actor)
    created = updated = unchanged = 0
    for row in preview.rows:
        values = dict(row.values)
        name = values.pop("department_name", None)
        if name is not None:
            values["department_id"] = created_departments[name].id
        try:
            if row.status is RowStatus.NEW:
                roster.create_cadre(values, actor=actor, today=today)
                created += 1
            elif row.status is RowStatus.UPDATE and row.cadre is not None:
                roster.update_cadre(
                    row.cadre, values, expected_version=row.cadre.version, actor=actor, today=today
                )
                updated += 1
            else:
                unchanged += 1
        except roster.RosterError as error:
            row.errors = [(_label(e.field), e.message) for e in error.errors]
            row.status = RowStatus.ERROR
    if preview.has_errors:
        raise ImportRejected(preview)
    names = "、".join(preview.new_departments) or "无"
    audit.record(
        "import",
        object_type="cadre",
        summary=f"导入干部名册 {filename}：新增 {created} 人，更新 {updated} 人，"
        f"未变 {unchanged} 人，新建处室 {names}",
        actor_name=actor,
    )
    return ImportSummary(created, updated, unchanged, list(preview.new_departments))


def _create_departments(
    organisation: Organisation, names: list[str], *, actor: str | None
) -> dict[str, Department]:
    if not names:
        return {}
    last = db.session.scalar(
        sa.select(sa.func.max(Department.sort_order)).where(
            Department.organisation_id == organisation.id
        )
    )
    created = {}
    for offset, name in enumerate(names, start=1):
        department = Department(
            organisation_id=organisation.id, name=name, sort_order=(last or 0) + offset
        )
        db.session.add(department)
        created[name] = department
    db.session.flush()
    for department in created.values():
        audit.record(
            "create",
            object_type="department",
            object_id=department.id,
            summary=f"导入干部名册时新建处室 {department.name}",
            after={"name": department.name, "organisation_id": organisation.id},
            actor_name=actor,
        )
    return created


# --- export and the blank template ---------------------------------------------------------


def cadres_for_export(department_ids: Sequence[int] | None) -> list[Cadre]:
    """Cadres in workbook order; ``None`` means all, otherwise only those sections."""
    stmt = (
        sa.select(Cadre)
        .join(Cadre.department)
        .options(so.contains_eager(Cadre.department))
        .order_by(Department.sort_order, Department.name, Cadre.staff_no)
    )
    if department_ids is not None:
        stmt = stmt.where(Cadre.department_id.in_(list(department_ids) or [-1]))
    return list(db.session.scalars(stmt))


_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")
_REQUIRED_FONT = Font(bold=True, color="8C1C13")


def _cell_for(cadre: Cadre, column: Column, *, mask_ids: bool) -> Any:
    if column.kind == "department":
        return cadre.department.name
    value = getattr(cadre, column.attr)
    if column.kind == "date" and value is not None:
        value = dates.with_precision(value, getattr(cadre, roster.precision_attr(column.attr)))
        if isinstance(value, dates.MonthDate):
            return dates.shown(value)  # text 1990.03: a month stays a month when imported again
    if column.kind == "id_number" and value and mask_ids:
        return idcard.mask(value)
    return value


def build_workbook(cadres: Iterable[Cadre], *, mask_ids: bool) -> bytes:
    """The roster workbook: sheet 干部名册 with the contract header, one row per cadre, and
    the sheet 填写说明. Dates are real dates; everything else is text, never a formula."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = SHEET
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=column.label)
        cell.font = _REQUIRED_FONT if column.required else _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        # Typing into an empty row keeps text as text: no rounded IDs, 1990.10 stays 1990.10.
        sheet.column_dimensions[letter].number_format = "@"
    row_number = 1
    for row_number, cadre in enumerate(cadres, start=2):
        for index, column in enumerate(COLUMNS, start=1):
            value = _cell_for(cadre, column, mask_ids=mask_ids)
            if value is None or value == "":
                continue
            cell = sheet.cell(row=row_number, column=index)
            if isinstance(value, date):
                cell.value = value
                cell.number_format = "yyyy-mm-dd"
            else:
                write_text(cell, str(value))
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(row_number, 1)}"
    last = max(row_number, 1) + 1000
    for index, column in enumerate(COLUMNS, start=1):
        if column.kind != "choice":
            continue
        letter = get_column_letter(index)
        rule = DataValidation(
            type="list",
            formula1='"' + ",".join(column.choices) + '"',
            allow_blank=not column.required,
            showErrorMessage=True,
            errorStyle="warning",
            error="请从下拉列表中选择：" + "、".join(column.choices),
        )
        rule.add(f"{letter}2:{letter}{last}")
        sheet.add_data_validation(rule)
    _write_instructions(book.create_sheet(INSTRUCTIONS_SHEET))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def blank_template() -> bytes:
    """The workbook with the header row only (and 填写说明)."""
    return build_workbook([], mask_ids=False)


def _write_instructions(sheet: Any) -> None:
    """The rules, in the workbook's own language (the header is a Chinese contract)."""
    rules = [
        ("干部名册填写说明", ""),
        ("", ""),
        ("工作表", f"数据填在工作表“{SHEET}”中，第一行为表头，列名不要改动；列的顺序可以调整。"),
        ("必填列", "、".join(REQUIRED_LABELS) + "（表头中以深红色标出）。"),
        ("日期", "可填 1990-01-31、1990/01/31、1990.01.31、1990.01 或 1990年01月，"),
        ("", "也可用 Excel 日期格式；只写到月份时按该月 1 日计。"),
        ("身份证号", "18 位，须以文本格式填写（本模板已设为文本），最后一位可为 X；"),
        ("", "须与出生日期、性别一致。"),
        ("工号", "字母、数字、-、_，最多 32 位；工号已存在的行将更新该干部，其余为新增。"),
        (
            "部门",
            "填写处室全称（表头也可写作“处室”）；系统中尚无的处室在预览中列出，须选择新建后才会导入。",
        ),
        ("手机号", "11 位，以 13 至 19 开头。"),
        ("导入规则", "全部行通过检查后才会导入；任何一行有错误时不写入任何数据。"),
        ("", "空白单元格会清空该项；表中没有的列不会改动。"),
        ("", ""),
        ("可选值", ""),
    ]
    for column in COLUMNS:
        if column.kind == "choice":
            rules.append((column.label, "、".join(column.choices)))
    rules.append(("领导职务（参考）", "、".join(enums.LEADERSHIP_LEVELS)))
    for row in rules:
        sheet.append(row)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 100


def export_filename(today: date, *, template: bool = False) -> str:
    return "干部名册模板.xlsx" if template else f"干部名册-{today:%Y%m%d}.xlsx"
