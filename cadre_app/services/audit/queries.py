"""Reading the audit log: a filtered search, newest first, one page at a time, and the Excel export.

The page and the workbook get plain ``AuditRow`` values, never ORM objects. Times are stored as
naive UTC and shown in the display time zone (Asia/Shanghai by default); a date filter means whole
days in that zone, both ends included.

What the auditor reads is who did what to which record and when, and **which fields** changed,
never the values (issue 16, finding 4; 三员分立: the auditor is not a reader of personnel data).
The stored before/after snapshots stay as they are (the chain covers them); only their keys are
shown, each by the label its domain registered for the object type
(``services.core.registry.add_field_labels``): “职务、手机号”. A summary of a personal object type
(``add_personal_object_types``: a talk, a relative, a score) is shown only up to the record's
label (“T0001 李晓明”) when the event is about one record, the rest (a talk's reason, a relative's
name) left out; a failed sign-in
with a name that matches no account is shown masked even when it was stored as typed before the
login started masking it. ``Describer.changes`` still words values (old → new) for code that
is entitled to them; the page and the export use ``Describer.fields``. No list of domains lives
here.

Only the requested page is loaded: the rows come from ``ORDER BY id DESC LIMIT/OFFSET`` over the
indexed columns (time, user, action, object type) and the total from one ``COUNT(*)``.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import gettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Role
from cadre_app.services.accounts import queries as account_queries
from cadre_app.services.accounts.rules import masked_unknown_username
from cadre_app.services.core import registry
from cadre_app.services.core.audit import ACTIONS

SHEET_NAME = "审计日志"
NOTE_SHEET_NAME = "说明"
COLUMNS = (
    "时间",
    "用户",
    "角色",
    "IP",
    "操作",
    "对象类型",
    "对象ID",
    "摘要",
    "修改字段",
    "结果",
    "哈希",
)
_WIDTHS = (20, 14, 12, 16, 12, 12, 10, 40, 60, 8, 66)
#: The most rows one export writes (8–9 s with openpyxl on two cores; see bench_audit.py).
EXPORT_CAP = 50_000
#: Result codes and their Chinese names.
RESULTS = {"ok": "成功", "fail": "失败"}
#: Snapshot keys that are bookkeeping, not content: never described.
HIDDEN_KEYS = frozenset({"version"})
#: How an empty value reads in a described change.
EMPTY_VALUE = "（空）"
#: Text starting with one of these would be a formula (or turn into one) in a spreadsheet.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
EMPTY = "—"


class FilterError(ValueError):
    """A filter value the log cannot be searched with; ``field`` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class AuditFilters:
    """What to search for; ``None`` or empty means "any"."""

    date_from: date | None = None
    date_to: date | None = None
    actor: str | None = None
    actor_prefix: bool = False
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    result: str | None = None

    def __post_init__(self) -> None:
        if self.action and self.action not in ACTIONS:
            raise FilterError("action", f"未知的操作类型：{self.action}")
        if self.result and self.result not in RESULTS:
            raise FilterError("result", f"未知的结果：{self.result}")
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise FilterError("date_to", "结束日期不能早于开始日期。")

    def describe(self) -> str:
        """The filters in words, for the summary of an export event ("全部" when none)."""
        parts = []
        if self.date_from:
            parts.append(f"起={self.date_from.isoformat()}")
        if self.date_to:
            parts.append(f"止={self.date_to.isoformat()}")
        if self.actor:
            parts.append(f"用户{'前缀' if self.actor_prefix else ''}={self.actor}")
        if self.action:
            parts.append(f"操作={ACTIONS[self.action]}")
        if self.object_type:
            name = registry.current().object_types.get(self.object_type, self.object_type)
            parts.append(f"对象类型={name}")
        if self.object_id:
            parts.append(f"对象ID={self.object_id}")
        if self.result:
            parts.append(f"结果={RESULTS[self.result]}")
        return "；".join(parts) or "全部"


@dataclass(frozen=True)
class Change:
    """One field of a before/after pair, in words; ``old`` is None for a value set where there
    was none recorded (a creation), ``new`` None for one removed (a deletion)."""

    field: str
    label: str
    old: str | None
    new: str | None

    @property
    def text(self) -> str:
        """“职务：科员 → 副科长”, or “职务：科员” when only one side was recorded."""
        if self.old is None:
            return f"{self.label}：{self.new}"
        if self.new is None:
            return f"{self.label}：{self.old}"
        return f"{self.label}：{self.old} → {self.new}"


def _identity(text: str) -> str:
    return text


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


class Describer:
    """Describes before/after snapshots in words with the labels each domain registered,
    looked up (and translated) once per object type: one per page or export."""

    def __init__(self, translate: Callable[[str], str] | None = None):
        if translate is None:
            translate = gettext if has_app_context() else _identity
        self._translate_fn = translate
        self._labels: dict[str | None, tuple[dict[str, str], dict[str, Mapping[Any, str]]]] = {}

    def translate(self, label: Any) -> str:
        return self._translate_fn(str(label))

    def labels(
        self, object_type: str | None
    ) -> tuple[dict[str, str], dict[str, Mapping[Any, str]]]:
        if object_type not in self._labels:
            try:
                current = registry.current()
            except RuntimeError:  # no app built: the keys as they are
                self._labels[object_type] = ({}, {})
                return self._labels[object_type]
            fields = {k: self.translate(v) for k, v in current.field_labels(object_type).items()}
            values = {
                key: {value: self.translate(label) for value, label in mapping.items()}
                for key, mapping in current.value_labels(object_type).items()
            }
            self._labels[object_type] = (fields, values)
        return self._labels[object_type]

    def value(self, value: Any, value_labels: Mapping[Any, str] | None = None) -> str:
        """A stored value in words: its registered label, 是/否, a list joined with 、."""
        if _is_empty(value):
            return self._translate_fn(EMPTY_VALUE)
        if value_labels:
            try:
                if value in value_labels:
                    return value_labels[value]
            except TypeError:  # unhashable: a list or dict
                pass
        if isinstance(value, bool):
            return self._translate_fn("是") if value else self._translate_fn("否")
        if isinstance(value, list | tuple):
            return "、".join(self.value(v, value_labels) for v in value)
        if isinstance(value, dict):
            return "，".join(f"{k}：{self.value(v)}" for k, v in value.items())
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    def fields(
        self,
        object_type: str | None,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> tuple[str, ...]:
        """The labels of the fields an event changed, in the order recorded, never their
        values: for an update the keys whose value differs (a key kept only to name the record,
        the same on both sides, is not a change); for a record made or removed the keys that
        held something. Bookkeeping keys (``version``) are left out."""
        labels, _values = self.labels(object_type)
        keys = [k for k in (before or {}) if k not in HIDDEN_KEYS]
        keys += [k for k in (after or {}) if k not in HIDDEN_KEYS and k not in (before or {})]
        shown = []
        for key in keys:
            if before is not None and after is not None:
                if before.get(key) == after.get(key) or (
                    _is_empty(before.get(key)) and _is_empty(after.get(key))
                ):
                    continue
            elif _is_empty((after or before or {}).get(key)):
                continue
            shown.append(labels.get(key, key))
        return tuple(shown)

    def changes(
        self,
        object_type: str | None,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> tuple[Change, ...]:
        """Each key named in ``before`` or ``after`` (bookkeeping keys left out) as a Change,
        in the order recorded; for a record made or removed, only the keys with a value."""
        fields, values = self.labels(object_type)
        keys = [k for k in (before or {}) if k not in HIDDEN_KEYS]
        keys += [k for k in (after or {}) if k not in HIDDEN_KEYS and k not in (before or {})]
        changes = []
        for key in keys:
            if (before is None or after is None) and _is_empty((after or before or {}).get(key)):
                continue  # a record made or removed: only what it held is worth reading
            shown = values.get(key)
            old = (
                self.value(before.get(key), shown)
                if before is not None and (key in before or after is None)
                else None
            )
            new = (
                self.value(after.get(key), shown)
                if after is not None and (key in after or before is None)
                else None
            )
            if before is not None and after is not None:
                # an update: a key on one side only was empty on the other
                old = old if old is not None else self.value(None)
                new = new if new is not None else self.value(None)
            changes.append(Change(key, fields.get(key, key), old, new))
        return tuple(changes)


def changes_of(
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    object_type: str | None = None,
) -> tuple[Change, ...]:
    """``Describer().changes`` for one event."""
    return Describer().changes(object_type, before, after)


@dataclass(frozen=True)
class AuditRow:
    """One event as the page and the workbook show it (``occurred_at`` in the display zone)."""

    id: int
    occurred_at: datetime
    actor_name: str | None
    actor_role: str | None
    role_label: str
    ip: str | None
    action: str
    action_label: str
    object_type: str | None
    object_type_label: str
    object_id: str | None
    summary: str | None
    result: str
    result_label: str
    hash: str
    #: labels of the fields the event changed (never their values)
    fields: tuple[str, ...] = ()

    @property
    def fields_text(self) -> str:
        """The changed fields' labels, “、” between them (the export's 修改字段)."""
        return "、".join(self.fields)


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        """1-based position of the first row on this page (0 when there is none)."""
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last_index(self) -> int:
        return (self.page - 1) * self.per_page + len(self.rows)

    def page_numbers(self, around: int = 2) -> list[int | None]:
        """Page links to show: first, last and ``around`` either side of this one; ``None`` for
        a gap."""
        wanted = {1, self.pages, *range(self.page - around, self.page + around + 1)}
        numbers: list[int | None] = []
        for number in sorted(n for n in wanted if 1 <= n <= self.pages):
            if numbers and number - (numbers[-1] or 0) > 1:
                numbers.append(None)
            numbers.append(number)
        return numbers


_SELECTED = (
    AuditEvent.id,
    AuditEvent.occurred_at,
    AuditEvent.actor_name,
    AuditEvent.actor_role,
    AuditEvent.ip,
    AuditEvent.action,
    AuditEvent.object_type,
    AuditEvent.object_id,
    AuditEvent.summary,
    AuditEvent.before,
    AuditEvent.after,
    AuditEvent.result,
    AuditEvent.hash,
)


def _utc_midnight(day: date, tz: ZoneInfo) -> datetime | None:
    """Local midnight at the start of ``day`` as naive UTC; ``None`` beyond datetime's range."""
    try:
        return datetime.combine(day, time.min, tz).astimezone(UTC).replace(tzinfo=None)
    except (OverflowError, ValueError):
        return None


def _conditions(filters: AuditFilters, tz: ZoneInfo) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.date_from:
        start = _utc_midnight(filters.date_from, tz)
        if start is not None:
            conditions.append(AuditEvent.occurred_at >= start)
    if filters.date_to and filters.date_to < date.max:
        end = _utc_midnight(filters.date_to + timedelta(days=1), tz)
        if end is not None:
            conditions.append(AuditEvent.occurred_at < end)
    if filters.actor:
        if filters.actor_prefix:
            conditions.append(AuditEvent.actor_name.startswith(filters.actor, autoescape=True))
        else:
            conditions.append(AuditEvent.actor_name == filters.actor)
    if filters.action:
        conditions.append(AuditEvent.action == filters.action)
    if filters.object_type:
        conditions.append(AuditEvent.object_type == filters.object_type)
    if filters.object_id:
        conditions.append(AuditEvent.object_id == filters.object_id)
    if filters.result:
        conditions.append(AuditEvent.result == filters.result)
    return conditions


def _role_labels() -> dict[str, str]:
    return {role.value: role.label for role in Role}


def _object_type_labels(describer: Describer) -> dict[str, str]:
    try:
        types = registry.current().object_types
    except RuntimeError:
        return {}
    return {code: describer.translate(name) for code, name in types.items()}


#: Where a personal summary's record label ends: what follows is the record's content.
_LABEL_END = re.compile(r"[：:（(]")
#: A failed sign-in's name as ``masked_unknown_username`` stores it.
_MASKED_NAME = re.compile(r"^.?\*\*\*（\d+ 字符，#[0-9a-f]{8}）")
_LOCKED_NOTE = "（账户已锁定）"


def record_label(summary: str | None) -> str | None:
    """The part of a personal summary that names the record (“T0001 李晓明 提醒谈话” of
    “T0001 李晓明 提醒谈话：年度考核末位”), without what follows the first colon or bracket."""
    if not summary:
        return summary
    return _LABEL_END.split(summary, maxsplit=1)[0].strip() or None


class _Summaries:
    """Shows each event's summary as the auditor may read it: personal object types only up to
    the record's label; failed sign-ins with an unknown name masked (events stored before the
    login masked them); everything else as stored."""

    def __init__(self, rows: list[Sequence[Any]]):
        try:
            self.personal = registry.current().personal_object_types
        except RuntimeError:  # no app built
            self.personal = frozenset()
        typed = {self._typed(row[8]) for row in rows if row[5] == "login_failed" and row[7] is None}
        typed.discard("")
        self.known = account_queries.known_usernames(typed)
        self.key = current_app.config["SECRET_KEY"] if has_app_context() else "audit"

    @staticmethod
    def _typed(summary: str | None) -> str:
        return (summary or "").removesuffix(_LOCKED_NOTE).strip()

    def shown(self, action: str, object_type: str | None, object_id: Any, summary: Any) -> Any:
        if object_type in self.personal and object_id is not None:
            return record_label(summary)  # one person's record (not an import or export)
        if action == "login_failed" and object_id is None and summary:
            if _MASKED_NAME.match(summary):
                return summary
            typed = self._typed(summary)
            if typed in self.known:
                return summary
            note = _LOCKED_NOTE if summary.endswith(_LOCKED_NOTE) else ""
            return masked_unknown_username(typed, self.key) + note
        return summary


def _row(
    values: Sequence[Any],
    tz: ZoneInfo,
    role_labels: dict[str, str],
    describer: Describer,
    type_labels: dict[str, str],
    summaries: _Summaries,
) -> AuditRow:
    (id_, occurred_at, actor_name, actor_role, ip, action, object_type, object_id, summary) = (
        values[:9]
    )
    before, after, result, hash_ = values[9:]
    return AuditRow(
        id=id_,
        occurred_at=occurred_at.replace(tzinfo=UTC).astimezone(tz),
        actor_name=actor_name,
        actor_role=actor_role,
        role_label=role_labels.get(actor_role, actor_role) if actor_role else EMPTY,
        ip=ip,
        action=action,
        action_label=ACTIONS.get(action, action),
        object_type=object_type,
        object_type_label=type_labels.get(object_type, object_type) if object_type else EMPTY,
        object_id=object_id,
        summary=summaries.shown(action, object_type, object_id, summary),
        result=result,
        result_label=RESULTS.get(result, result),
        hash=hash_,
        fields=describer.fields(object_type, before, after),
    )


def count(filters: AuditFilters, *, tz: ZoneInfo | None = None) -> int:
    """How many events match ``filters``."""
    tz = tz or clock.zone()
    stmt = sa.select(sa.func.count()).select_from(AuditEvent).where(*_conditions(filters, tz))
    return db.session.scalar(stmt) or 0


def search(
    filters: AuditFilters, page: int = 1, per_page: int = 50, *, tz: ZoneInfo | None = None
) -> AuditPage:
    """One page of the events matching ``filters``, newest first (by id, the chain's order).

    ``page`` is clamped to the pages that exist, so a stale link shows the last page."""
    tz = tz or clock.zone()
    per_page = max(1, per_page)
    total = count(filters, tz=tz)
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    stmt = (
        sa.select(*_SELECTED)
        .where(*_conditions(filters, tz))
        .order_by(AuditEvent.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    rows = _rows(stmt, tz)
    return AuditPage(rows=rows, total=total, page=page, per_page=per_page)


def _rows(stmt: sa.Select[Any], tz: ZoneInfo) -> list[AuditRow]:
    labels = _role_labels()
    describer = Describer()
    types = _object_type_labels(describer)
    rows = db.session.execute(stmt).all()
    summaries = _Summaries(rows)
    return [_row(values, tz, labels, describer, types, summaries) for values in rows]


def rows_for_export(
    filters: AuditFilters, *, cap: int = EXPORT_CAP, tz: ZoneInfo | None = None
) -> tuple[list[AuditRow], int]:
    """The newest ``cap`` events matching ``filters`` and how many match in all."""
    tz = tz or clock.zone()
    total = count(filters, tz=tz)
    stmt = (
        sa.select(*_SELECTED)
        .where(*_conditions(filters, tz))
        .order_by(AuditEvent.id.desc())
        .limit(cap)
    )
    return _rows(stmt, tz), total


def _cell_text(value: str) -> str:
    # Control characters other than tab, LF and CR cannot be stored in xlsx: show them as \xNN.
    return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", value)


def _cell(sheet: Any, value: Any) -> Any:
    """A value for a write-only sheet; text is always a string cell, never a formula."""
    if value is None or not isinstance(value, str):
        return value
    text = _cell_text(value)
    if not text.startswith(FORMULA_TRIGGERS):
        return text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # openpyxl makes "=..." a formula; keep it as text
    cell.quotePrefix = True  # and Excel keeps it text even when the cell is edited
    return cell


def to_workbook(rows: Iterable[AuditRow], *, note: str | None = None) -> bytes:
    """The rows as an .xlsx: sheet ``审计日志`` with the columns of ``COLUMNS``, times in the
    display zone. No cell is ever a formula, whatever the text. ``note`` (e.g. that the export
    was capped) goes on a second sheet ``说明``."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET_NAME)
    for index, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append(COLUMNS)
    for row in rows:
        when = WriteOnlyCell(sheet, value=row.occurred_at.replace(tzinfo=None))
        when.number_format = "yyyy-mm-dd hh:mm:ss"
        values = (
            row.actor_name,
            row.role_label if row.actor_role else None,
            row.ip,
            row.action_label,
            row.object_type_label if row.object_type else None,
            row.object_id,
            row.summary,
            row.fields_text or None,
            row.result_label,
            row.hash,
        )
        sheet.append([when, *(_cell(sheet, value) for value in values)])
    if note:
        notes = book.create_sheet(NOTE_SHEET_NAME)
        notes.column_dimensions["A"].width = 80
        notes.append([_cell(notes, note)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class Export:
    """A finished export: the workbook and what went into it."""

    data: bytes
    exported: int
    total: int
    filters: AuditFilters

    @property
    def capped(self) -> bool:
        return self.total > self.exported

    @property
    def summary(self) -> str:
        """The summary of the ``export`` audit event that records this export."""
        text = f"导出审计日志 {self.exported} 条（筛选：{self.filters.describe()}）"
        if self.capped:
            text += (
                f"；符合条件共 {self.total} 条，超出上限的 {self.total - self.exported} 条未导出"
            )
        return text


def export(filters: AuditFilters, *, cap: int = EXPORT_CAP, tz: ZoneInfo | None = None) -> Export:
    """The newest ``cap`` events matching ``filters`` as a workbook; when more match, the
    workbook says so on its ``说明`` sheet. Recording the export is the caller's job."""
    tz = tz or clock.zone()
    rows, total = rows_for_export(filters, cap=cap, tz=tz)
    note = None
    if total > len(rows):
        note = f"符合条件的记录共 {total} 条，仅导出最新的 {len(rows)} 条；请缩小筛选范围分批导出。"
    return Export(to_workbook(rows, note=note), len(rows), total, filters)
