"""The 挂职锻炼 workbook (DESIGN.md, Secondment workbook): import all-or-nothing, export in the
same template.

Header: 工号, 姓名, 类别, 派往单位, 单位类型, 挂任职务, 开始日期, 计划结束日期, 实际结束日期
(optional column; 挂任职务 may be left empty in a row).

Dates are read in every form the roster accepts: Excel dates, ``2025-03-18``, ``2025.03.18``,
``2025年03月18日``, ``20250318``, and a month alone (``2025.03``, ``2025年03月``). A secondment has
no "known to the month" flag, so a month alone is read as its first day for the start and as
its last day for an end (``2025.03``–``2026.02`` is 2025-03-01 to 2026-02-28).

A row is identified by (工号, 开始日期, 派往单位): one that matches a stored secondment (not a
cancelled one) with the same values is *unchanged* (nothing written, so export → import changes
nothing); with other values it is *updated* through ``operations.update`` (and, when it brings
the actual end of a secondment 在岗 or 延期, moved to 期满鉴定 through ``operations.transition``;
an actual end for one not yet on post is refused); otherwise it is *new* and created through
``operations.create_many`` (``create``'s checks, in bulk) in the state its dates imply against
today:

- 实际结束日期 given, or the planned end already before today → 期满鉴定 (the period is over;
  the appraisal is still to be recorded, so it is not 归档: 归档 needs a grade and HR's
  conclusion and writes the 简历 line). A missing actual end is not invented: it stays empty
  and the period ends at the planned end. (In 在岗, two past secondments of one cadre without
  actual ends would be two active ones, and a file of past records could not be imported.)
- start after today → 已审批 (a list HR imports holds decided postings, not proposals);
- otherwise → 在岗 (延期 and 提前召回 are never set by an import).

A row is refused, named by row and column, for: a missing required cell, an unknown 工号, a name
that is not the 工号's, an unknown 类别 or 单位类型, an impossible date, an end before the start,
an actual end after today, a period longer than the configured maximum (``max_years``), the
same secondment twice in the file, a change to an archived or cancelled secondment, and a
second active or an overlapping secondment of the cadre, against the database and against the
other rows of the file (the message names the other secondment or row).

``preview_import`` reads the cadres with one query per 1,000 工号 and the stored secondments of
those cadres with one query per 1,000 cadres. ``apply_import`` writes through the operations
(``update`` for each changed row, ``create_many`` for the new ones: every rule checked again
under the cadres' locks, rows and audit events written in bulk), flushes; the caller commits
or, on ``ImportRejected``, rolls back.
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO
from typing import Any

import openpyxl
import sqlalchemy as sa
from flask_babel import gettext as _
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from cadre_app.extensions import db
from cadre_app.models import Cadre, Department, Secondment, SecondmentState
from cadre_app.models.secondments import HOST_TYPES, SECONDMENT_KINDS
from cadre_app.services.core import audit, dates, sheet_reader, workbook
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
from cadre_app.services.secondments import operations, queries, rules

__all__ = ["ImportRejected", "WorkbookError"]

S = SecondmentState

SHEET = "挂职锻炼"
INSTRUCTIONS_SHEET = "填写说明"
HEADER: tuple[str, ...] = (
    "工号",
    "姓名",
    "类别",
    "派往单位",
    "单位类型",
    "挂任职务",
    "开始日期",
    "计划结束日期",
    "实际结束日期",
)
REQUIRED: tuple[str, ...] = HEADER[:-1]
#: workbook label -> Secondment attribute, for the compared values.
FIELDS: tuple[tuple[str, str], ...] = (
    ("类别", "kind"),
    ("派往单位", "host_unit"),
    ("单位类型", "host_type"),
    ("挂任职务", "post"),
    ("开始日期", "start_date"),
    ("计划结束日期", "planned_end"),
    ("实际结束日期", "actual_end"),
)
_LABEL = dict((attr, label) for label, attr in FIELDS)
#: The values an import may change on a stored secondment (the key is cadre, start, host).
_COMPARED = ("kind", "host_type", "post", "planned_end", "actual_end")
_MAX_TEXT = 100
_DATETIME_TEXT = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]00:00(:00)?$")


def _as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _clean(value: Any) -> str | None:
    return clean_text(_as_text(value))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and clean_text(value) is None)


# --- dates ------------------------------------------------------------------------------------


def _month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def parse_date(label: str, value: Any, *, end: bool) -> date | None:
    """The date a cell stands for (None when empty). A month alone is its first day, or its
    last day when ``end``. Raises ValueError with a message naming ``label``."""
    if value is None or isinstance(value, bool):
        if isinstance(value, bool):
            raise ValueError(_("%(label)s“%(value)s”不是日期。", label=label, value=value))
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int) and (
        10_000_000 <= value <= 99_991_231 or 100_000 <= value <= 999_912
    ):
        text = str(value)  # 20250318 or 202503 typed into a number cell
    elif isinstance(value, float) and 1000 <= value < 10_000 and not value.is_integer():
        text = repr(value)  # 2025.03 typed into a General cell becomes the number 2025.03
        if len(text.split(".", 1)[1]) != 2:
            raise ValueError(
                _(
                    "%(label)s以数字 %(value)s 保存，无法判断月份（如 1 月还是 10 月）："
                    "请将该列设为文本或日期格式后重新填写，如 2025.10。",
                    label=label,
                    value=text,
                )
            )
    elif isinstance(value, int | float):
        try:
            return sheet_reader.excel_date(value)
        except ValueError:
            raise ValueError(
                _("%(label)s“%(value)s”不是日期。", label=label, value=_as_text(value))
            ) from None
    else:
        text = _clean(value) or ""
        match = _DATETIME_TEXT.match(text)
        if match:
            text = match.group(1)
    if not text:
        return None
    try:
        parsed = dates.parse(text)
    except ValueError as error:
        raise ValueError(f"{label}：{error}") from None
    if isinstance(parsed, dates.MonthDate):
        first = date(parsed.year, parsed.month, 1)
        return _month_end(first) if end else first
    return parsed


# --- reading ----------------------------------------------------------------------------------


@dataclass
class SecondmentRow:
    """One data row: what the file says, then (preview) what importing it would do."""

    row: int
    staff_no: str | None
    name: str | None
    values: dict[str, Any]  # kind host_unit host_type post start_date planned_end actual_end
    errors: list[tuple[str, str]]
    status: RowStatus = RowStatus.NEW
    #: the state a new row is created in (derived from its dates); a matched row's stored one
    state: SecondmentState | None = None
    department: str | None = None
    changes: list[Change] = field(default_factory=list)
    staff_no_was_number: bool = field(default=False, repr=False)
    cadre_id: int | None = field(default=None, repr=False)
    secondment_id: int | None = field(default=None, repr=False)
    #: an updated row that brings the actual end of a secondment on post: 期满鉴定
    next_state: SecondmentState | None = None

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.staff_no, self.values["start_date"], self.values["host_unit"])

    @property
    def end(self) -> date | None:
        return self.values["actual_end"] or self.values["planned_end"]

    @property
    def state_label(self) -> str:
        if self.state is None:
            return ""
        if self.next_state is not None:
            return f"{self.state.label} → {self.next_state.label}"
        return self.state.label


@dataclass
class ParsedRows:
    rows: list[SecondmentRow]
    warnings: list[str]


def _rows(content: bytes) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(Excel row number, cell values) of the sheet 挂职锻炼."""
    return workbook.sheet_rows(content, SHEET)


def read_rows(content: bytes, filename: str, *, today: date) -> ParsedRows:
    """Check the bytes, then read the sheet 挂职锻炼 into rows; raises WorkbookError for a file
    that cannot be a secondment workbook. Problems of single cells are kept per row."""
    check_upload(content, filename)
    conf = operations.current_settings()
    warnings: list[str] = []
    columns: dict[str, int] | None = None
    rows: list[SecondmentRow] = []
    limit = workbook.max_data_rows()
    with closing(_rows(content)) as sheet_rows:
        for number, cells in sheet_rows:
            if columns is None:
                if number > HEADER_SCAN_ROWS:
                    break
                texts = {header_text(v) for v in cells}
                if "工号" in texts and "派往单位" in texts:
                    columns = locate_columns(cells, HEADER, REQUIRED, warnings)
                continue
            picked = {label: cells[i] if i < len(cells) else None for label, i in columns.items()}
            if all(_blank(v) for v in picked.values()):
                continue
            if len(rows) >= limit:
                raise workbook.too_many_rows()
            rows.append(_parse_row(number, picked, conf, today))
    if columns is None:
        raise WorkbookError(
            _(
                "在工作表“%(sheet)s”的前 %(n)d 行中找不到表头："
                "须有一行同时包含“工号”和“派往单位”。",
                sheet=SHEET,
                n=HEADER_SCAN_ROWS,
            )
        )
    if not rows:
        raise WorkbookError(_("工作表“%(sheet)s”的表头以下没有数据。", sheet=SHEET))
    return ParsedRows(rows, warnings)


def _vocabulary(label: str, value: str | None, known: Sequence[str]) -> tuple[str, str] | None:
    if value is None:
        return (label, _("%(label)s不能为空。", label=label))
    if value not in known:
        return (
            label,
            _(
                "%(label)s须为 %(values)s 之一，现为“%(value)s”。",
                label=label,
                values="、".join(known),
                value=value,
            ),
        )
    return None


def derived_state(
    start: date, planned_end: date | None, actual_end: date | None, today: date
) -> SecondmentState:
    """The state a new row is created in (see the module docstring)."""
    if actual_end is not None or (planned_end is not None and planned_end < today):
        return S.APPRAISAL
    if start > today:
        return S.APPROVED
    return S.ON_POST


def _parse_row(
    number: int, cells: Mapping[str, Any], conf: Mapping[str, Any], today: date
) -> SecondmentRow:
    errors: list[tuple[str, str]] = []
    raw_no = cells["工号"]
    staff_no = _clean(raw_no)
    if staff_no is None:
        errors.append(("工号", _("工号不能为空。")))
    name = normalise_cell("name", _as_text(cells["姓名"]))
    kind = _clean(cells["类别"])
    host_type = _clean(cells["单位类型"])
    for problem in (
        _vocabulary("类别", kind, SECONDMENT_KINDS),
        _vocabulary("单位类型", host_type, HOST_TYPES),
    ):
        if problem is not None:
            errors.append(problem)
    host_unit = _clean(cells["派往单位"])
    post = _clean(cells["挂任职务"])
    if host_unit is None:
        errors.append(("派往单位", _("派往单位不能为空。")))
    for label, text in (("派往单位", host_unit), ("挂任职务", post)):
        if text is not None and len(text) > _MAX_TEXT:
            errors.append((label, _("%(label)s过长（最多 %(n)d 字）。", label=label, n=_MAX_TEXT)))
    parsed: dict[str, date | None] = {}
    for label, attr, end in (
        ("开始日期", "start_date", False),
        ("计划结束日期", "planned_end", True),
        ("实际结束日期", "actual_end", True),
    ):
        try:
            parsed[attr] = parse_date(label, cells.get(label), end=end)
        except ValueError as error:
            errors.append((label, str(error)))
            parsed[attr] = None
            continue
        if parsed[attr] is None and attr != "actual_end":
            errors.append((label, _("%(label)s不能为空。", label=label)))
    start, planned, actual = parsed["start_date"], parsed["planned_end"], parsed["actual_end"]
    if start is not None:
        for label, day in (("计划结束日期", planned), ("实际结束日期", actual)):
            if day is not None and day < start:
                errors.append(
                    (
                        label,
                        _(
                            "%(label)s %(end)s 早于开始日期 %(start)s。",
                            label=label,
                            end=day.isoformat(),
                            start=start.isoformat(),
                        ),
                    )
                )
        if planned is not None and planned >= start:
            longest = max(planned, actual or planned)
            try:
                rules.check_length(start, longest, conf)
            except rules.TransitionRefused as refused:
                label = "实际结束日期" if longest != planned else "计划结束日期"
                errors.append((label, str(refused)))
    if actual is not None and actual > today:
        errors.append(
            (
                "实际结束日期",
                _(
                    "实际结束日期 %(day)s 晚于今天：尚未结束的挂职请留空。",
                    day=actual.isoformat(),
                ),
            )
        )
    row = SecondmentRow(
        number,
        staff_no,
        name,
        {
            "kind": kind,
            "host_unit": host_unit,
            "host_type": host_type,
            "post": post,
            "start_date": start,
            "planned_end": planned,
            "actual_end": actual,
        },
        errors,
    )
    if start is not None:
        row.state = derived_state(start, planned, actual, today)
    row.staff_no_was_number = isinstance(raw_no, int | float) and not isinstance(raw_no, bool)
    return row


# --- preview ----------------------------------------------------------------------------------


@dataclass
class SecondmentsPreview(PreviewRows):
    filename: str
    rows: list[SecondmentRow]
    warnings: list[str]
    #: the stored secondments the file's rows match (id -> object), for apply_import
    matched: dict[int, Secondment] = field(default_factory=dict, repr=False)

    @property
    def counts(self) -> dict[str, int]:
        return self.status_counts()


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _cadres(staff_nos: Sequence[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for chunk in chunks(staff_nos):
        stmt = (
            sa.select(Cadre.id, Cadre.staff_no, Cadre.name, Department.name.label("department"))
            .join(Department, Department.id == Cadre.department_id)
            .where(Cadre.staff_no.in_(chunk))
        )
        found.update({r.staff_no: r for r in db.session.execute(stmt)})
    return found


def _stored(cadre_ids: Sequence[int]) -> dict[int, list[Secondment]]:
    """cadre id -> every stored secondment of the cadre (cancelled ones too), by start."""
    found: dict[int, list[Secondment]] = defaultdict(list)
    for chunk in chunks(sorted(cadre_ids)):  # type: ignore[arg-type]
        stmt = (
            sa.select(Secondment)
            .where(Secondment.cadre_id.in_(chunk))
            .order_by(Secondment.start_date, Secondment.id)
        )
        for secondment in db.session.scalars(stmt):
            found[secondment.cadre_id].append(secondment)
    return found


def _check_cadre(row: SecondmentRow, cadre: Any | None) -> None:
    if cadre is None:
        if row.staff_no:
            message = _("工号“%(no)s”不在干部名册中。", no=row.staff_no)
            if row.staff_no_was_number:
                message += _(
                    "该单元格以数字保存，开头的 0 可能已丢失：请将该列设为文本格式后重新填写。"
                )
            row.errors.append(("工号", message))
        return
    row.cadre_id, row.department = cadre.id, cadre.department
    if row.name is None:
        row.errors.append(("姓名", _("姓名不能为空：须与干部名册核对。")))
    elif row.name != normalise_cell("name", cadre.name):
        row.errors.append(
            (
                "姓名",
                _(
                    "姓名“%(given)s”与干部名册中工号 %(no)s 的姓名“%(name)s”不符，请检查是否错行。",
                    given=row.name,
                    no=row.staff_no,
                    name=cadre.name,
                ),
            )
        )


def _duplicates_in_file(rows: list[SecondmentRow]) -> set[int]:
    """Mark rows that repeat (工号, 开始日期, 派往单位); returns their row numbers."""
    seen: dict[tuple[Any, ...], list[SecondmentRow]] = defaultdict(list)
    for row in rows:
        if row.staff_no and row.values["start_date"] and row.values["host_unit"]:
            seen[row.key].append(row)
    repeated: set[int] = set()
    for same in seen.values():
        if len(same) < 2:
            continue
        numbers = "、".join(str(r.row) for r in same)
        for row in same:
            repeated.add(row.row)
            row.errors.append(
                (
                    "开始日期",
                    _(
                        "同一干部同一开始日期、同一派往单位的挂职锻炼"
                        "在本文件中重复出现（第 %(rows)s 行）。",
                        rows=numbers,
                    ),
                )
            )
    return repeated


def _compare(row: SecondmentRow, stored: Secondment) -> None:
    """Unchanged, updated (with its changes) or refused (archived or cancelled)."""
    row.secondment_id, row.state = stored.id, SecondmentState(stored.state)
    changes = [
        Change(_LABEL[attr], _display(getattr(stored, attr)), _display(row.values[attr]))
        for attr in _COMPARED
        if (getattr(stored, attr) or None) != (row.values[attr] or None)
    ]
    if not changes:
        row.status = RowStatus.UNCHANGED
        return
    row.changes = changes
    if stored.state in (S.ARCHIVED, S.CANCELLED):
        details = "；".join(
            f"{c.label}：{c.old or '（空）'} → {c.new or '（空）'}" for c in changes
        )
        row.errors.append(
            (
                "开始日期",
                _(
                    "系统中该挂职锻炼已%(state)s，不能再修改（%(details)s）。",
                    state=stored.state.label,
                    details=details,
                ),
            )
        )
        return
    if stored.actual_end is None and row.values["actual_end"] is not None:
        if stored.state in (S.ON_POST, S.EXTENDED):
            row.next_state = S.APPRAISAL  # the file says it ended
        elif stored.state in (S.PROPOSED, S.APPROVED):
            row.errors.append(
                (
                    "实际结束日期",
                    _(
                        "系统中该挂职锻炼为“%(state)s”，尚未在岗，不能填写实际结束日期。",
                        state=stored.state.label,
                    ),
                )
            )
            return
    row.status = RowStatus.UPDATE


def _file_label(row: SecondmentRow) -> str:
    return _(
        "本文件第 %(row)d 行（%(start)s 至 %(end)s %(host)s）",
        row=row.row,
        start=row.values["start_date"].isoformat(),
        end=row.end.isoformat(),  # type: ignore[union-attr]
        host=row.values["host_unit"],
    )


def _check_periods(rows: list[SecondmentRow], stored: list[Secondment]) -> None:
    """One cadre's rows (without errors so far) against the cadre's stored secondments that no
    row of the file stands for, and against each other: a second active secondment, an
    overlapping period. Rows found unchanged are checked only as the others' counterparts."""
    matched = {r.secondment_id for r in rows if r.secondment_id is not None}
    by_id = {s.id: s for s in stored}
    unmatched = [s for s in stored if s.id not in matched and s.state in rules.HOLDS_PERIOD]
    periods = [
        rules.Period(s.start_date, s.end_date, operations.describe(s), s.id) for s in unmatched
    ]

    def active(row: SecondmentRow) -> bool:
        if row.next_state is not None:
            return rules.is_active(row.next_state)
        if row.secondment_id is not None:
            return by_id[row.secondment_id].is_active
        return row.state is not None and rules.is_active(row.state)

    for row in rows:
        if row.status is RowStatus.UNCHANGED:
            continue
        start, end = row.values["start_date"], row.end
        if row.status is RowStatus.NEW and active(row):
            other = next((s for s in unmatched if s.is_active), None)
            if other is not None:
                row.errors.append(
                    (
                        "开始日期",
                        _(
                            "该干部已有进行中的挂职锻炼：%(other)s。",
                            other=operations.describe(other),
                        ),
                    )
                )
            twin = next((r for r in rows if r is not row and active(r)), None)
            if twin is not None:
                row.errors.append(
                    (
                        "开始日期",
                        _(
                            "该干部在%(other)s也有一次进行中的挂职锻炼：同一时间只能有一次。",
                            other=_file_label(twin),
                        ),
                    )
                )
        hit = rules.first_overlap(start, end, periods)
        if hit is not None:
            row.errors.append(
                ("开始日期", _("时间与另一次挂职锻炼重叠：%(other)s。", other=hit.label))
            )
        in_file = [
            rules.Period(r.values["start_date"], r.end, _file_label(r), r.row)
            for r in rows
            if r is not row
        ]
        hit = rules.first_overlap(start, end, in_file)
        if hit is not None:
            row.errors.append(("开始日期", _("时间与%(other)s重叠。", other=hit.label)))


def preview_import(content: bytes, filename: str, *, today: date) -> SecondmentsPreview:
    """What importing the file would do, row by row; writes nothing."""
    parsed = read_rows(content, filename, today=today)
    cadres = _cadres(sorted({r.staff_no for r in parsed.rows if r.staff_no}))
    for row in parsed.rows:
        _check_cadre(row, cadres.get(row.staff_no or ""))
    stored = _stored([c.id for c in cadres.values()])
    repeated = _duplicates_in_file(parsed.rows)
    matched: dict[int, Secondment] = {}
    by_cadre: dict[int, list[SecondmentRow]] = defaultdict(list)
    for row in parsed.rows:
        if row.errors or row.cadre_id is None:
            continue
        v = row.values
        same = next(
            (
                s
                for s in stored.get(row.cadre_id, ())
                if s.start_date == v["start_date"]
                and s.host_unit == v["host_unit"]
                and s.state is not S.CANCELLED  # a posting once cancelled may happen after all
            ),
            None,
        )
        if same is not None:
            matched[same.id] = same
            _compare(row, same)
        if not row.errors and row.row not in repeated:
            by_cadre[row.cadre_id].append(row)
    for cadre_id, rows in by_cadre.items():
        _check_periods(rows, stored.get(cadre_id, []))
    for row in parsed.rows:
        if row.errors:
            row.status = RowStatus.ERROR
    return SecondmentsPreview(filename, parsed.rows, parsed.warnings, matched)


# --- apply ------------------------------------------------------------------------------------


def apply_import(content: bytes, filename: str, *, actor: str | None, today: date) -> ImportSummary:
    """Import all-or-nothing against the database as it is now. Raises ImportRejected when any
    row has an error (the caller rolls back: rows written before a late error are undone),
    WorkbookError for a file that is not a secondment workbook. Flushes; the caller commits."""
    preview = preview_import(content, filename, today=today)
    if preview.has_errors:
        raise ImportRejected(preview)
    reason = f"导入 {filename}"  # stored: in Chinese whatever the reader's language
    updates = [r for r in preview.rows if r.status is RowStatus.UPDATE]
    new_rows = [r for r in preview.rows if r.status is RowStatus.NEW]
    for row in updates:  # first: a shortened period may make room for a new row
        secondment = preview.matched[row.secondment_id]  # type: ignore[index]
        values = {attr: row.values[attr] for attr in _COMPARED}
        try:
            operations.update(secondment, values, expected_version=secondment.version, actor=actor)
        except (
            operations.SecondmentError,
            operations.VersionConflict,
            sa.orm.exc.StaleDataError,
        ) as error:
            _refuse(row, error)
            raise ImportRejected(preview) from None  # the session may be unusable now
        if row.next_state is not None:
            try:
                operations.transition(
                    secondment,
                    row.next_state,
                    rules.Step(reason=reason, actual_end=row.values["actual_end"]),
                    expected_version=secondment.version,
                    actor=actor,
                    today=today,
                )
            except operations.SecondmentError as error:
                _refuse(row, error)
                raise ImportRejected(preview) from None
    cadres = {
        c.id: c
        for chunk in chunks(sorted({r.cadre_id for r in new_rows}))  # type: ignore[type-var]
        for c in db.session.scalars(sa.select(Cadre).where(Cadre.id.in_(chunk)))
    }
    items = [
        (
            cadres[row.cadre_id],  # type: ignore[index]
            {attr: row.values[attr] for _label, attr in FIELDS},
            row.state or S.ON_POST,
        )
        for row in new_rows
    ]
    try:
        operations.create_many(items, actor=actor, reason=reason)
    except operations.BatchRefused as refused:
        for index, errors in refused.by_item.items():
            _refuse(new_rows[index], operations.SecondmentError(errors))
    if preview.has_errors:
        raise ImportRejected(preview)
    summary = ImportSummary(
        created=len(new_rows),
        updated=len(updates),
        unchanged=len(preview.rows) - len(new_rows) - len(updates),
    )
    audit.record(
        "import",
        object_type="secondment",
        summary=f"导入挂职锻炼 {filename}：新增 {summary.created} 条，更新 {summary.updated} 条，"
        f"未变 {summary.unchanged} 条",
        after={
            "file": filename,
            "created": summary.created,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
        },
        actor_name=actor,
    )
    return summary


def _refuse(row: SecondmentRow, error: Exception) -> None:
    """A rule the operations found broken at the last moment (someone saved since the preview):
    the row becomes an error and the import is rejected."""
    if isinstance(error, operations.SecondmentError):
        for attr, message in error.errors:
            row.errors.append((_LABEL.get(attr or "", "开始日期"), message))
    else:
        row.errors.append(("开始日期", _("该挂职锻炼刚被他人修改，请重新上传。")))
    row.status = RowStatus.ERROR


# --- export -----------------------------------------------------------------------------------

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="E2EFDA")
_WIDTHS = (10, 10, 12, 26, 14, 18, 13, 13, 13)
_DATE_FORMAT = "yyyy-mm-dd"


def secondments_for_export(visible_departments: list[int] | None) -> list[Any]:
    """Every secondment but the cancelled ones (a manager: their sections' cadres), by start."""
    stmt = queries.scoped(
        sa.select(
            Cadre.staff_no,
            Cadre.name.label("cadre_name"),
            Secondment.kind,
            Secondment.host_unit,
            Secondment.host_type,
            Secondment.post,
            Secondment.start_date,
            Secondment.planned_end,
            Secondment.actual_end,
        )
        .select_from(Secondment)
        .where(Secondment.state != S.CANCELLED),
        visible_departments,
    )
    if visible_departments is None:
        stmt = stmt.join(Cadre, Cadre.id == Secondment.cadre_id)
    stmt = stmt.order_by(Secondment.start_date, Cadre.staff_no, Secondment.id)
    return list(db.session.execute(stmt))


def build_workbook(records: Sequence[Any]) -> bytes:
    """The sheet 挂职锻炼 in the import's template (drop-downs for 类别 and 单位类型, 工号 as
    text, real dates), one row per secondment, and the sheet 填写说明."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = SHEET
    for index, label in enumerate(HEADER, start=1):
        cell = sheet.cell(row=1, column=index, value=label)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        sheet.column_dimensions[get_column_letter(index)].width = _WIDTHS[index - 1]
    for number, r in enumerate(records, start=2):
        texts = (r.staff_no, r.cadre_name, r.kind, r.host_unit, r.host_type, r.post)
        for index, text in enumerate(texts, start=1):
            if text:
                write_text(sheet.cell(row=number, column=index), text)
        for index, day in enumerate((r.start_date, r.planned_end, r.actual_end), start=7):
            if day is not None:
                cell = sheet.cell(row=number, column=index, value=day)
                cell.number_format = _DATE_FORMAT
    last = max(len(records) + 1, 500)
    for column, values in (("C", SECONDMENT_KINDS), ("E", HOST_TYPES)):
        rule = DataValidation(
            type="list",
            formula1='"' + ",".join(values) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
        )
        rule.add(f"{column}2:{column}{last}")
        sheet.add_data_validation(rule)
    sheet.column_dimensions["A"].number_format = "@"  # a 工号 typed in keeps its leading 0
    sheet.freeze_panes = "C2"
    _instructions(book.create_sheet(INSTRUCTIONS_SHEET))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _instructions(notes: Any) -> None:
    for line in (
        ("挂职锻炼填写说明", ""),
        ("工作表", f"数据填在工作表“{SHEET}”中，第一行为表头，列名不要改动；列的顺序可以调整。"),
        (
            "必填列",
            "工号、姓名、类别、派往单位、单位类型、开始日期、计划结束日期；"
            "挂任职务、实际结束日期可以留空。",
        ),
        ("工号、姓名", "须与干部名册一致；姓名用于核对，防止错行。"),
        ("类别", "、".join(SECONDMENT_KINDS)),
        ("单位类型", "、".join(HOST_TYPES)),
        (
            "日期",
            "如 2025-03-18、2025.03.18、2025年03月18日；只写到月（2025.03）时，"
            "开始日期按当月 1 日、结束日期按当月最后一天计。",
        ),
        ("期限", "计划结束日期不早于开始日期；挂职时间不超过系统设置的年限（默认 3 年）。"),
        ("实际结束日期", "已结束的挂职才填写，不能晚于今天。"),
        (
            "状态",
            "填了实际结束日期或计划结束日期已过的导入为“期满鉴定”；开始日期在今天之后的导入为"
            "“已审批”；其余为“在岗”。",
        ),
        ("唯一性", "同一干部同一时间只能有一次进行中的挂职锻炼，各次挂职的时间不能重叠。"),
        (
            "已有记录",
            "工号、开始日期、派往单位都与系统中已有记录相同的行：内容相同不再写入，内容不同则更新；"
            "为在岗记录填了实际结束日期的，转为“期满鉴定”。",
        ),
        ("导入规则", "全部行通过检查后才会导入；任何一行有错误时不写入任何数据。"),
    ):
        notes.append(line)


def export_filename(today: date) -> str:
    return f"挂职锻炼_{today.isoformat()}.xlsx"
