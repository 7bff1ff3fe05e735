"""The 培训记录 workbook (DESIGN.md, Training workbook): import all-or-nothing, export in
the same template, and the blank template.

Header: 工号, 姓名, 培训名称, 培训类别, 培训形式, 主办单位, 开始日期, 结束日期, 学时, 请假学时
(optional), 是否结业 (是/否, optional: derived from the leave rule when empty).

Import mirrors services.evaluations.excel and shares services.core.workbook with it. Each row
is one cadre's record of one course. Rows with the same (培训名称, 类别, 形式, 主办单位, dates,
学时) are one course: found among the stored courses or created once. A row is refused, named
by row and column, for: an unknown 工号, a name that is not the 工号's, an unknown category or
mode, an impossible date or one without its day, end before start, 学时 not a positive number
or more than the days allow (``max_hours_per_day`` a day), leave above the 学时, 是否结业=是
over the leave limit, the same record twice in the file, or a stored record of the same
cadre, course name and dates with *different* values. A row identical to a stored record is
unchanged (counted, not written), so export → re-import changes nothing.

``apply_import`` inserts in bulk (courses, then enrolments), audits, flushes; the caller
commits.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from io import BytesIO
from typing import Any

import openpyxl
import sqlalchemy as sa
from flask_babel import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import Cadre, Department
from cadre_app.models.training import TRAINING_CATEGORIES, TRAINING_MODES, Enrolment, TrainingCourse
from cadre_app.services.core import audit, dates, sheet_reader, workbook
from cadre_app.services.core.workbook import (
    FORMULA_PREFIXES,
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
from cadre_app.services.training import courses, ledger, rules, settings_ops

__all__ = ["ImportRejected", "WorkbookError"]

SHEET = "培训记录"
INSTRUCTIONS_SHEET = "填写说明"
HEADER: tuple[str, ...] = (
    "工号",
    "姓名",
    "培训名称",
    "培训类别",
    "培训形式",
    "主办单位",
    "开始日期",
    "结束日期",
    "学时",
    "请假学时",
    "是否结业",
)
REQUIRED: tuple[str, ...] = (
    "工号",
    "姓名",
    "培训名称",
    "培训类别",
    "培训形式",
    "开始日期",
    "结束日期",
    "学时",
)
YES, NO = "是", "否"


def _as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return "" if value is None else str(value)


@lru_cache(maxsize=65536)
def _clean(value: Any) -> str | None:
    """clean_text of a cell's text (cached: a workbook repeats its course names, categories
    and organisers on every row)."""
    return clean_text(_as_text(value))


@lru_cache(maxsize=4096)
def _outcome(
    course_hours: Decimal, leave: Decimal, given: bool | None, settings_key: str
) -> rules.Outcome:
    return rules.course_outcome(course_hours, leave, json.loads(settings_key), given)


def outcome(
    course_hours: Decimal, leave: Decimal, given: bool | None, course_settings: Mapping[str, Any]
) -> rules.Outcome:
    """rules.course_outcome, cached for the rows of one import (they repeat)."""
    key = course_settings.get("_key") if isinstance(course_settings, dict) else None
    if key is None:
        key = json.dumps(dict(course_settings), sort_keys=True)
    return _outcome(course_hours, leave, given, key)


def _keyed(course_settings: Mapping[str, Any]) -> dict[str, Any]:
    """The settings with their cache key computed once (``outcome``)."""
    plain = {k: v for k, v in course_settings.items() if k != "_key"}
    return plain | {"_key": json.dumps(plain, sort_keys=True)}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and clean_text(value) is None)


# --- reading ----------------------------------------------------------------------------------


@dataclass
class RecordRow:
    """One data row: what the file says, then (preview) what importing it would do."""

    row: int
    staff_no: str | None
    name: str | None
    values: dict[
        str, Any
    ]  # course_name category mode organiser start_date end_date hours leave passed_given
    errors: list[tuple[str, str]]
    status: RowStatus = RowStatus.NEW
    department: str | None = None
    changes: list[Change] = field(default_factory=list)
    passed: bool | None = None  # what the record will say (derived or stated)
    earned: Decimal | None = None
    staff_no_was_number: bool = field(default=False, repr=False)
    cadre_id: int | None = field(default=None, repr=False)

    @property
    def course_key(self) -> tuple[Any, ...]:
        v = self.values
        return (
            v["course_name"],
            v["category"],
            v["mode"],
            v["organiser"],
            v["start_date"],
            v["end_date"],
            v["hours"],
        )

    @property
    def record_key(self) -> tuple[Any, ...]:
        v = self.values
        return (self.staff_no, v["course_name"], v["start_date"], v["end_date"])


@dataclass
class ParsedRecords:
    rows: list[RecordRow]
    warnings: list[str]


def _rows(content: bytes) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(Excel row number, cell values) of the sheet 培训记录."""
    return workbook.sheet_rows(content, SHEET)


def read_records(content: bytes, filename: str) -> ParsedRecords:
    """Check the bytes, then read the sheet 培训记录 into rows; raises WorkbookError for a file
    that cannot be a training workbook. Problems of single cells are kept per row."""
    check_upload(content, filename)
    _version, course_settings = settings_ops.current()
    course_settings = _keyed(course_settings)
    warnings: list[str] = []
    columns: dict[str, int] | None = None
    rows: list[RecordRow] = []
    limit = workbook.max_data_rows()
    with closing(_rows(content)) as sheet_rows:
        for number, cells in sheet_rows:
            if columns is None:
                if number > HEADER_SCAN_ROWS:
                    break
                texts = {header_text(v) for v in cells}
                if "工号" in texts and "培训名称" in texts:
                    columns = locate_columns(cells, HEADER, REQUIRED, warnings)
                continue
            picked = {label: cells[i] if i < len(cells) else None for label, i in columns.items()}
            if all(_blank(v) for v in picked.values()):
                continue
            if len(rows) >= limit:
                raise workbook.too_many_rows()
            rows.append(_parse_row(number, picked, course_settings))
    if columns is None:
        raise WorkbookError(
            _(
                "在工作表“%(sheet)s”的前 %(n)d 行中找不到表头："
                "须有一行同时包含“工号”和“培训名称”。",
                sheet=SHEET,
                n=HEADER_SCAN_ROWS,
            )
        )
    if not rows:
        raise WorkbookError(_("工作表“%(sheet)s”的表头以下没有数据。", sheet=SHEET))
    return ParsedRecords(rows, warnings)


def _parse_date(label: str, value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    compact = isinstance(value, int) and 10_000_000 <= value <= 99_991_231  # 20250318
    if isinstance(value, int | float) and not isinstance(value, bool) and not compact:
        try:
            return sheet_reader.excel_date(value)
        except ValueError:
            raise ValueError(
                _("%(label)s“%(value)s”不是日期。", label=label, value=_as_text(value))
            ) from None
    text = _clean(value)
    if text is None:
        raise ValueError(_("%(label)s不能为空。", label=label))
    try:
        parsed = dates.parse(text)
    except ValueError as error:
        raise ValueError(f"{label}：{error}") from None
    if isinstance(parsed, dates.MonthDate):
        raise ValueError(
            _("%(label)s须写到日，如 2025-03-18；现为“%(value)s”。", label=label, value=text)
        )
    return parsed


def _parse_hours(label: str, value: Any, *, allow_zero: bool) -> Decimal | None:
    """学时 of a cell (None for an empty optional one); a number cell is judged as the number
    it shows (Excel's 2.4000000000000004 is 2.4)."""
    if isinstance(value, float) and not isinstance(value, bool):
        text = format(round(value, 6), "f").rstrip("0").rstrip(".") or "0"
    else:
        text = _clean(value) or ""
        if text.endswith("学时"):
            text = text[:-2].strip()
    if not text:
        if allow_zero:
            return None
        raise ValueError(_("%(label)s不能为空。", label=label))
    return _hours(text, label, allow_zero)


@lru_cache(maxsize=4096)
def _hours(text: str, label: str, allow_zero: bool) -> Decimal:
    return courses.parse_hours(text, label, allow_zero=allow_zero)


def _parse_row(
    number: int, cells: Mapping[str, Any], course_settings: Mapping[str, Any]
) -> RecordRow:
    errors: list[tuple[str, str]] = []
    raw_no = cells["工号"]
    staff_no = _clean(raw_no)
    if staff_no is None:
        errors.append(("工号", _("工号不能为空。")))
    name = normalise_cell("name", _as_text(cells["姓名"]))
    course_name = _clean(cells["培训名称"])
    if course_name is None:
        errors.append(("培训名称", _("培训名称不能为空。")))
    elif len(course_name) > 200:
        errors.append(("培训名称", _("培训名称过长（最多 200 字）。")))
    category = _clean(cells["培训类别"])
    if category not in TRAINING_CATEGORIES:
        errors.append(
            (
                "培训类别",
                _(
                    "培训类别须为 %(values)s 之一，现为“%(value)s”。",
                    values="、".join(TRAINING_CATEGORIES),
                    value=category or "",
                ),
            )
        )
    mode = _clean(cells["培训形式"])
    if mode not in TRAINING_MODES:
        errors.append(
            (
                "培训形式",
                _(
                    "培训形式须为 %(values)s 之一，现为“%(value)s”。",
                    values="、".join(TRAINING_MODES),
                    value=mode or "",
                ),
            )
        )
    organiser = _clean(cells.get("主办单位"))
    if organiser is not None and len(organiser) > 200:
        errors.append(("主办单位", _("主办单位过长（最多 200 字）。")))
    parsed: dict[str, Any] = {}
    for label, key in (("开始日期", "start_date"), ("结束日期", "end_date")):
        try:
            parsed[key] = _parse_date(label, cells[label])
        except ValueError as error:
            errors.append((label, str(error)))
            parsed[key] = None
    start, end = parsed["start_date"], parsed["end_date"]
    if start is not None and end is not None and end < start:
        errors.append(
            (
                "结束日期",
                _(
                    "结束日期 %(end)s 早于开始日期 %(start)s。",
                    end=end.isoformat(),
                    start=start.isoformat(),
                ),
            )
        )
    hours = leave = None
    try:
        hours = _parse_hours("学时", cells["学时"], allow_zero=False)
    except ValueError as error:
        errors.append(("学时", str(error)))
    if hours is not None and start is not None and end is not None and end >= start:
        limit = rules.max_hours_for(start, end, course_settings)
        if hours > limit:
            days = (end - start).days + 1
            errors.append(
                (
                    "学时",
                    _(
                        "学时 %(hours)s 超过了 %(days)d 天培训最多可计的 %(limit)s 学时"
                        "（每天不超过 %(per_day)s 学时）。",
                        hours=hours,
                        days=days,
                        limit=limit,
                        per_day=course_settings["max_hours_per_day"],
                    ),
                )
            )
    if "请假学时" in cells:
        try:
            leave = _parse_hours("请假学时", cells["请假学时"], allow_zero=True)
        except ValueError as error:
            errors.append(("请假学时", str(error)))
            leave = None
    passed_given: bool | None = None
    if "是否结业" in cells:
        text = _clean(cells["是否结业"])
        if text in (YES, NO):
            passed_given = text == YES
        elif text is not None:
            errors.append(
                ("是否结业", _("是否结业须为“是”或“否”，或留空；现为“%(value)s”。", value=text))
            )
    row = RecordRow(
        number,
        staff_no,
        name,
        {
            "course_name": course_name,
            "category": category,
            "mode": mode,
            "organiser": organiser,
            "start_date": start,
            "end_date": end,
            "hours": hours,
            "leave_hours": leave if leave is not None else Decimal("0.0"),
            "passed_given": passed_given,
        },
        errors,
    )
    if hours is not None and leave is not None and leave > hours:
        errors.append(
            (
                "请假学时",
                _("请假学时 %(leave)s 超过了课程学时 %(hours)s。", leave=leave, hours=hours),
            )
        )
    elif hours is not None:
        given = passed_given
        derived = outcome(hours, row.values["leave_hours"], None, course_settings)
        if given is True and not derived.passed:
            errors.append(
                (
                    "是否结业",
                    _(
                        "请假学时 %(leave)s 超过课程学时的 %(limit)s，按规定不能结业，"
                        "“是否结业”不能填“是”。",
                        leave=row.values["leave_hours"],
                        limit=courses.limit_text(course_settings),
                    ),
                )
            )
        else:
            result = outcome(hours, row.values["leave_hours"], given, course_settings)
            row.passed, row.earned = result.passed, result.earned
    row.staff_no_was_number = isinstance(raw_no, int | float) and not isinstance(raw_no, bool)
    return row


# --- preview ----------------------------------------------------------------------------------


@dataclass
class RecordsPreview(PreviewRows):
    filename: str
    rows: list[RecordRow]
    warnings: list[str]
    new_courses: int = 0

    @property
    def counts(self) -> dict[str, int]:
        return self.status_counts() | {"courses": self.new_courses}


@dataclass(frozen=True)
class RecordsSummary:
    created: int
    unchanged: int
    courses_created: int

    #: the import never changes a stored record (a differing one is an error)
    updated: int = 0


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _stored_records(names: Sequence[str]) -> dict[tuple[Any, ...], Any]:
    """(工号, course name, start, end) -> the stored record's values, for those course names."""
    found: dict[tuple[Any, ...], Any] = {}
    for chunk in chunks(sorted(names)):
        stmt = (
            sa.select(
                Cadre.staff_no,
                TrainingCourse.name,
                TrainingCourse.category,
                TrainingCourse.mode,
                TrainingCourse.organiser,
                TrainingCourse.start_date,
                TrainingCourse.end_date,
                TrainingCourse.hours,
                Enrolment.leave_hours,
                Enrolment.passed,
                Enrolment.attended_hours,
            )
            .join(TrainingCourse, TrainingCourse.id == Enrolment.course_id)
            .join(Cadre, Cadre.id == Enrolment.cadre_id)
            .where(TrainingCourse.name.in_(chunk))
        )
        for r in db.session.execute(stmt):
            found[(r.staff_no, r.name, r.start_date, r.end_date)] = r
    return found


def _stored_courses(names: Sequence[str]) -> dict[tuple[Any, ...], int]:
    """course key -> id of the stored (non-external) courses of those names."""
    found: dict[tuple[Any, ...], int] = {}
    for chunk in chunks(sorted(names)):
        stmt = sa.select(
            TrainingCourse.id,
            TrainingCourse.name,
            TrainingCourse.category,
            TrainingCourse.mode,
            TrainingCourse.organiser,
            TrainingCourse.start_date,
            TrainingCourse.end_date,
            TrainingCourse.hours,
        ).where(TrainingCourse.name.in_(chunk), TrainingCourse.external.is_(False))
        for r in db.session.execute(stmt.order_by(TrainingCourse.id)):
            key = (
                r.name,
                r.category,
                r.mode,
                r.organiser,
                r.start_date,
                r.end_date,
                rules.hours(r.hours),
            )
            found.setdefault(key, r.id)
    return found


_COMPARED = (
    ("category", "培训类别"),
    ("mode", "培训形式"),
    ("organiser", "主办单位"),
    ("hours", "学时"),
    ("leave_hours", "请假学时"),
)


def _compare_stored(row: RecordRow, stored: Any) -> None:
    differences: list[Change] = []
    for key, label in _COMPARED:
        old = getattr(stored, key)
        new = row.values[key]
        if key in ("hours", "leave_hours"):
            same = old is not None and rules.hours(old) == new
        else:
            same = (old or None) == (new or None)
        if not same:
            differences.append(Change(label, _display(old), _display(new)))
    if stored.attended_hours is not None and row.passed is not None and stored.passed != row.passed:
        differences.append(Change("是否结业", _display(stored.passed), _display(row.passed)))
    if stored.attended_hours is None:
        differences.append(Change("请假学时", _("未登记考勤"), _display(row.values["leave_hours"])))
    if differences:
        row.changes = differences
        details = "；".join(
            f"{c.label}：{c.old or '（空）'} → {c.new or '（空）'}" for c in differences
        )
        row.errors.append(
            (
                "培训名称",
                _(
                    "系统中已有该干部同名同日期的培训记录，但内容不同（%(details)s）："
                    "请核对，如需更正请在系统中修改。",
                    details=details,
                ),
            )
        )
    else:
        row.status = RowStatus.UNCHANGED


def _duplicates_in_file(rows: list[RecordRow]) -> None:
    seen: dict[tuple[Any, ...], list[RecordRow]] = defaultdict(list)
    for row in rows:
        v = row.values
        if row.staff_no and v["course_name"] and v["start_date"] and v["end_date"]:
            seen[row.record_key].append(row)
    for same in seen.values():
        if len(same) < 2:
            continue
        numbers = "、".join(str(r.row) for r in same)
        for row in same:
            row.errors.append(
                (
                    "培训名称",
                    _(
                        "同一干部的同一培训（名称和日期相同）"
                        "在本文件中重复出现（第 %(rows)s 行）。",
                        rows=numbers,
                    ),
                )
            )


def preview_import(content: bytes, filename: str) -> RecordsPreview:
    """What importing the file would do, row by row; writes nothing."""
    parsed = read_records(content, filename)
    staff_nos = sorted({p.staff_no for p in parsed.rows if p.staff_no})
    cadres: dict[str, Any] = {}
    for chunk in chunks(staff_nos):
        stmt = (
            sa.select(Cadre.id, Cadre.staff_no, Cadre.name, Department.name.label("department"))
            .join(Department, Department.id == Cadre.department_id)
            .where(Cadre.staff_no.in_(chunk))
        )
        cadres.update({r.staff_no: r for r in db.session.execute(stmt)})
    names = sorted({p.values["course_name"] for p in parsed.rows if p.values["course_name"]})
    stored = _stored_records(names)
    known_courses = _stored_courses(names)
    for row in parsed.rows:
        cadre = cadres.get(row.staff_no or "")
        if cadre is None:
            if row.staff_no:
                message = _("工号“%(no)s”不在干部名册中。", no=row.staff_no)
                if row.staff_no_was_number:
                    message += _(
                        "该单元格以数字保存，开头的 0 可能已丢失：请将该列设为文本格式后重新填写。"
                    )
                row.errors.append(("工号", message))
        else:
            row.cadre_id, row.department = cadre.id, cadre.department
            if row.name is None:
                row.errors.append(("姓名", _("姓名不能为空：须与干部名册核对。")))
            elif row.name != normalise_cell("name", cadre.name):
                row.errors.append(
                    (
                        "姓名",
                        _(
                            "姓名“%(given)s”与干部名册中工号 %(no)s 的姓名“%(name)s”不符，"
                            "请检查是否错行。",
                            given=row.name,
                            no=row.staff_no,
                            name=cadre.name,
                        ),
                    )
                )
        if not row.errors:
            old = stored.get(row.record_key)
            if old is not None:
                _compare_stored(row, old)
    _duplicates_in_file(parsed.rows)
    new_keys = set()
    for row in parsed.rows:
        if row.errors:
            row.status = RowStatus.ERROR
        elif row.status is RowStatus.NEW and row.course_key not in known_courses:
            new_keys.add(row.course_key)
    preview = RecordsPreview(filename, parsed.rows, parsed.warnings, len(new_keys))
    preview._known_courses = known_courses  # type: ignore[attr-defined]
    return preview


# --- apply ------------------------------------------------------------------------------------


def apply_import(content: bytes, filename: str, *, actor: str | None) -> RecordsSummary:
    """Import all-or-nothing against the database as it is now. Raises ImportRejected (nothing
    written) when any row has an error, WorkbookError for a file that is not a training
    workbook. Flushes; the caller commits."""
    preview = preview_import(content, filename)
    if preview.has_errors:
        raise ImportRejected(preview)
    known: dict[tuple[Any, ...], int] = dict(preview._known_courses)  # type: ignore[attr-defined]
    new_rows = [r for r in preview.rows if r.status is RowStatus.NEW]
    version, course_settings = settings_ops.current()
    course_settings = _keyed(course_settings)
    now = utcnow()
    wanted: dict[tuple[Any, ...], RecordRow] = {}
    for row in new_rows:
        if row.course_key not in known:
            wanted.setdefault(row.course_key, row)
    created_courses = 0
    if wanted:
        keys = list(wanted)
        inserted = db.session.execute(
            sa.insert(TrainingCourse).returning(TrainingCourse.id, sort_by_parameter_order=True),
            [
                {
                    "name": k[0],
                    "category": k[1],
                    "mode": k[2],
                    "organiser": k[3],
                    "start_date": k[4],
                    "end_date": k[5],
                    "hours": k[6],
                    "external": False,
                    "created_at": now,
                    "created_by": actor,
                    "version": 1,
                }
                for k in keys
            ],
        ).scalars()
        for key, new_id in zip(keys, inserted, strict=True):
            known[key] = new_id
        created_courses = len(keys)
    if new_rows:
        records = []
        for row in new_rows:
            given = row.values["passed_given"]
            result = outcome(row.values["hours"], row.values["leave_hours"], given, course_settings)
            records.append(
                {
                    "course_id": known[row.course_key],
                    "cadre_id": row.cadre_id,
                    "attended_hours": result.attended,
                    "leave_hours": row.values["leave_hours"],
                    "passed": result.passed,
                    "passed_given": given is not None,
                    "hours_earned": result.earned,
                    "source": "import",
                    "settings_version": version,
                    "created_at": now,
                    "created_by": actor,
                }
            )
        db.session.execute(sa.insert(Enrolment), records)
    db.session.flush()
    ledger.refresh_years(
        {row.cadre_id for row in new_rows}, {row.course_key[5].year for row in new_rows}
    )
    if wanted:
        audit.record_many(
            [
                {
                    "action": "create",
                    "object_type": "course",
                    "object_id": known[key],
                    "summary": f"新建培训课程 {key[0]}（{key[4].isoformat()}—{key[5].isoformat()}）"
                    f"（导入 {filename}）",
                    "after": {
                        "name": key[0],
                        "category": key[1],
                        "mode": key[2],
                        "organiser": key[3],
                        "start_date": key[4],
                        "end_date": key[5],
                        "hours": str(key[6]),
                    },
                }
                for key in wanted
            ],
            actor_name=actor,
        )
    summary = RecordsSummary(
        created=len(new_rows),
        unchanged=len(preview.rows) - len(new_rows),
        courses_created=created_courses,
    )
    audit.record(
        "import",
        object_type="enrolment",
        summary=f"导入培训记录 {filename}：新增 {summary.created} 条，未变 {summary.unchanged} 条，"
        f"新建课程 {summary.courses_created} 门",
        after={"file": filename, "created": summary.created, "unchanged": summary.unchanged},
        actor_name=actor,
    )
    return summary


# --- export and the blank template ------------------------------------------------------------

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WIDTHS = (10, 10, 30, 12, 8, 20, 12, 12, 8, 10, 10)


def records_for_export(
    filters: courses.CourseFilters, visible_departments: list[int] | None
) -> list[Any]:
    """Every record with attendance (the index's filters; a manager: their sections)."""
    conditions = courses._course_conditions(filters, None)  # noqa: SLF001 - same module family
    stmt = (
        sa.select(
            Cadre.staff_no,
            Cadre.name.label("cadre_name"),
            TrainingCourse.name,
            TrainingCourse.category,
            TrainingCourse.mode,
            TrainingCourse.organiser,
            TrainingCourse.start_date,
            TrainingCourse.end_date,
            TrainingCourse.hours,
            Enrolment.leave_hours,
            Enrolment.passed,
        )
        .join(TrainingCourse, TrainingCourse.id == Enrolment.course_id)
        .join(Cadre, Cadre.id == Enrolment.cadre_id)
        .where(Enrolment.attended_hours.is_not(None), *conditions)
        .order_by(TrainingCourse.start_date, TrainingCourse.id, Cadre.staff_no)
    )
    if visible_departments is not None:
        stmt = stmt.where(Cadre.department_id.in_(visible_departments or [-1]))
    return list(db.session.execute(stmt))


def _text_cell(sheet: Any, text: str | None) -> Any:
    """Text as a plain value (fast), or as a guarded cell when a spreadsheet could take it for
    a formula (services.core.workbook.write_text)."""
    if not text:
        return None
    if not text.startswith(FORMULA_PREFIXES):
        return text
    cell = WriteOnlyCell(sheet)
    write_text(cell, text)
    return cell


def _hours_value(value: Decimal) -> int | float:
    number = float(value)
    return int(number) if number.is_integer() else number


def build_workbook(records: Sequence[Any]) -> bytes:
    """The sheet 培训记录 in the import's template, one row per record, and 填写说明."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(SHEET)
    for index, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C2"
    header = []
    for label in HEADER:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        header.append(cell)
    sheet.append(header)
    for r in records:
        sheet.append(
            [
                _text_cell(sheet, r.staff_no),
                _text_cell(sheet, r.cadre_name),
                _text_cell(sheet, r.name),
                _text_cell(sheet, r.category),
                _text_cell(sheet, r.mode),
                _text_cell(sheet, r.organiser),
                r.start_date,
                r.end_date,
                _hours_value(r.hours),
                _hours_value(r.leave_hours),
                _text_cell(sheet, YES if r.passed else NO),
            ]
        )
    _instructions(book.create_sheet(INSTRUCTIONS_SHEET))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _instructions(notes: Any) -> None:
    for line in (
        ("培训记录填写说明", ""),
        ("工作表", f"数据填在工作表“{SHEET}”中，第一行为表头，列名不要改动；列的顺序可以调整。"),
        ("必填列", "、".join(REQUIRED) + "；“主办单位”“请假学时”“是否结业”可以留空。"),
        ("工号、姓名", "须与干部名册一致；姓名用于核对，防止错行。"),
        ("培训类别", "、".join(TRAINING_CATEGORIES)),
        ("培训形式", "、".join(TRAINING_MODES)),
        ("日期", "写到日，如 2025-03-18、2025.03.18 或 2025年03月18日；结束日期不早于开始日期。"),
        ("学时", "正数，最多一位小数；不超过培训天数 × 每天最多学时（默认 8）。"),
        ("请假学时", "不超过学时；超过学时的 1/7（可在培训设置中调整）时不予结业、不计学时。"),
        ("是否结业", "是 或 否；留空时按请假规定判定。"),
        ("课程", "培训名称、类别、形式、主办单位、日期、学时都相同的行属于同一门课程。"),
        ("导入规则", "全部行通过检查后才会导入；任何一行有错误时不写入任何数据。"),
        (
            "",
            "与系统中已有记录（同一干部、培训名称和日期）完全相同的行不再写入；内容不同的行报错。",
        ),
    ):
        notes.append(line)


def blank_template() -> bytes:
    """The workbook to fill: header, drop-downs for 类别, 形式, 是否结业, 填写说明."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(list(HEADER))
    for index, width in enumerate(_WIDTHS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = width
        cell = sheet.cell(row=1, column=index)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
    sheet.column_dimensions["A"].number_format = "@"
    for column, values in (("D", TRAINING_CATEGORIES), ("E", TRAINING_MODES), ("K", (YES, NO))):
        rule = DataValidation(
            type="list",
            formula1='"' + ",".join(values) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
        )
        rule.add(f"{column}2:{column}{MAX_DATA_ROWS + 1}")
        sheet.add_data_validation(rule)
    sheet.freeze_panes = "C2"
    _instructions(book.create_sheet(INSTRUCTIONS_SHEET))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def export_filename(today: date, *, template: bool = False) -> str:
    return "培训记录模板.xlsx" if template else f"培训记录_{today.isoformat()}.xlsx"
