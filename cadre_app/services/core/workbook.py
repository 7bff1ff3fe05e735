"""What every workbook import and export shares (the roster, the annual scores): checks on
the bytes before any parser runs, cell text cleaning, header location by label, the preview
vocabulary, chunked IN (...) look-ups and the formula-safe text cell.

``check_upload`` refuses macro-enabled and legacy files, zip bombs (entry count and declared
expanded size) and anything that is not an Office Open XML spreadsheet, with a reason in
Chinese (WorkbookError). ``sheet_rows`` is the one guarded reader every workbook import goes
through: only cells holding a value are read, and the limits (``import_limits``, settings
``IMPORT_MAX_*``) stop a hostile sheet early with a reason. Nothing here touches the database.
"""

from __future__ import annotations

import enum
import re
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from defusedxml import ElementTree
from flask import current_app, has_app_context
from flask_babel import gettext as _
from openpyxl.utils import get_column_letter

from cadre_app.services.core import idcard

#: Limits checked on the bytes before any parser runs.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_EXPANDED_BYTES = 50 * 1024 * 1024
MAX_ZIP_ENTRIES = 100
#: The header must be within the first rows; data rows beyond this many are refused.
HEADER_SCAN_ROWS = 20
#: Defaults of the reading limits; each can be set per installation (Config ``IMPORT_MAX_*``).
MAX_DATA_ROWS = 20_000
MAX_COLUMNS = 60
MAX_SHEET_ROWS = 50_000
MAX_CELLS = 1_500_000
MAX_SHEET_XML_BYTES = 40 * 1024 * 1024
#: Bulk look-ups use ``IN (...)`` lists of at most this many values (SQLite's variable limit).
LOOKUP_CHUNK = 1000

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx
_SPREADSHEET_MAIN_TYPES = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    }
)
_MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlam", ".xlsb")
#: Text that a spreadsheet could take for a formula (OWASP CSV/formula injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


class WorkbookError(Exception):
    """The file as a whole cannot be read as a roster workbook; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def check_upload(content: bytes, filename: str) -> None:
    """Refuse what must never reach a parser; raises WorkbookError with the reason.

    The sum of the declared entry sizes bounds what openpyxl can inflate: Python's zipfile
    stops every entry at its declared size (and fails its CRC if the data was longer).
    """
    name = (filename or "").strip().lower()
    if name.endswith(_MACRO_SUFFIXES):
        raise WorkbookError(
            _(
                "不接受启用宏的工作簿（%(suffix)s）：请在 Excel 中另存为“Excel 工作簿"
                "（*.xlsx）”后再上传。",
                suffix=name.rsplit(".", 1)[-1],
            )
        )
    if not content:
        raise WorkbookError(_("文件是空的。"))
    if len(content) > MAX_UPLOAD_BYTES:
        raise WorkbookError(
            _(
                "文件大小为 %(size)s，超过了 %(limit)s 的上限。",
                size=_megabytes(len(content)),
                limit=_megabytes(MAX_UPLOAD_BYTES),
            )
        )
    if content.startswith(_OLE_MAGIC):
        raise WorkbookError(
            _(
                "这是 Excel 97-2003 格式（.xls）或设置了打开密码的工作簿：请在 Excel 中另存为"
                "不加密的“Excel 工作簿（*.xlsx）”后再上传。"
            )
        )
    not_xlsx = _("这不是 Excel 工作簿（.xlsx）文件。")
    if not content.startswith(_ZIP_MAGIC):
        raise WorkbookError(not_xlsx)
    try:
        archive = zipfile.ZipFile(BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise WorkbookError(not_xlsx) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise WorkbookError(
                _(
                    "文件中的压缩条目过多（%(n)d 个，上限 %(limit)d 个），已拒绝处理。",
                    n=len(entries),
                    limit=MAX_ZIP_ENTRIES,
                )
            )
        expanded = sum(entry.file_size for entry in entries)
        if expanded > MAX_EXPANDED_BYTES:
            raise WorkbookError(
                _(
                    "文件解压后达 %(size)s，超过了 %(limit)s 的上限，已拒绝处理。",
                    size=_megabytes(expanded),
                    limit=_megabytes(MAX_EXPANDED_BYTES),
                )
            )
        macro = _("文件中含有宏（VBA 工程），不予接受：请另存为不含宏的“Excel 工作簿（*.xlsx）”。")
        if any(e.filename.rsplit("/", 1)[-1].lower() == "vbaproject.bin" for e in entries):
            raise WorkbookError(macro)
        try:
            types_xml = archive.read("[Content_Types].xml")
            root = ElementTree.fromstring(types_xml)
        except Exception:  # a missing entry, broken XML or an XML attack: not a workbook
            raise WorkbookError(not_xlsx) from None
    content_types = {
        element.get("ContentType", "") for element in root.iter() if element.get("ContentType")
    }
    if any("macroenabled" in t.lower() or "vbaproject" in t.lower() for t in content_types):
        raise WorkbookError(macro)
    if not content_types & _SPREADSHEET_MAIN_TYPES:
        raise WorkbookError(not_xlsx)


def clean_text(value: Any) -> str | None:
    """NFKC (full-width letters, digits and spaces become half-width), invisible characters
    dropped, surrounding white space (also the ideographic space) stripped; empty -> None."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).translate(_INVISIBLE).strip()
    return text or None


def normalise_cell(kind: str, value: Any) -> Any:
    """The value a text cell of ``kind`` stands for (dates are parsed elsewhere)."""
    text = clean_text(value)
    if text is None:
        return None
    if kind == "name":
        return _CJK_GAP.sub("", text)  # “张　三” padded for alignment is 张三
    if kind == "phone":
        return re.sub(r"[\s-]", "", text)
    if kind == "id_number":
        return idcard.normalise(text) or None
    return text


def header_text(value: Any) -> str:
    """A header cell's label: white space, a leading * and a trailing （必填） ignored."""
    text = clean_text(value) or ""
    text = re.sub(r"\s+", "", text).strip("*")
    return re.sub(r"[(（]必填[)）]$", "", text)


def locate_columns(
    cells: Sequence[Any], known: Collection[str], required: Sequence[str], warnings: list[str]
) -> dict[str, int]:
    """label -> column index of the ``known`` labels in a header row. A label twice or a
    ``required`` one missing raises WorkbookError; unknown labels become a warning."""
    found: dict[str, list[int]] = defaultdict(list)
    unknown = []
    for index, value in enumerate(cells):
        text = header_text(value)
        if text in known:
            found[text].append(index)
        elif text:
            unknown.append(text)
    for label, indexes in found.items():
        if len(indexes) > 1:
            raise WorkbookError(
                _(
                    "表头中“%(label)s”出现了不止一次（第 %(columns)s 列）。",
                    label=label,
                    columns="、".join(get_column_letter(i + 1) for i in indexes),
                )
            )
    missing = [label for label in required if label not in found]
    if missing:
        raise WorkbookError(_("缺少必填列：%(columns)s。", columns="、".join(missing)))
    if unknown:
        warnings.append(_("已忽略无法识别的列：%(columns)s。", columns="、".join(unknown)))
    return {label: indexes[0] for label, indexes in found.items()}


class RowStatus(enum.StrEnum):
    NEW = "new"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    ERROR = "error"


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


class PreviewRows:
    """What every import preview answers from its ``rows`` (each with a ``status``): how many
    of each status, the rows in error, whether there are any. Mixed into the previews'
    dataclasses; it adds no fields."""

    rows: list[Any]

    def status_counts(self) -> dict[str, int]:
        """Rows per RowStatus value, every status present (0 when none)."""
        counts = dict.fromkeys((status.value for status in RowStatus), 0)
        for row in self.rows:
            counts[row.status.value] += 1
        return counts

    @property
    def error_rows(self) -> list[Any]:
        return [r for r in self.rows if r.status is RowStatus.ERROR]

    @property
    def has_errors(self) -> bool:
        return any(r.status is RowStatus.ERROR for r in self.rows)


class ImportRejected(Exception):
    """At least one row has an error; nothing was written (or the caller must roll back)."""

    def __init__(self, preview: PreviewRows):
        super().__init__(f"{len(preview.error_rows)} rows rejected")
        self.preview = preview


def chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    """``values`` in slices small enough for one IN (...) query."""
    for start in range(0, len(values), LOOKUP_CHUNK):
        yield values[start : start + LOOKUP_CHUNK]


def write_text(cell: Any, text: str) -> None:
    """A string cell, never a formula, whatever the text starts with. ``quotePrefix`` (a
    style flag, not a character of the value) keeps Excel from reading it as one when the
    cell is edited."""
    cell.value = text
    cell.data_type = "s"
    cell.number_format = "@"
    if text.startswith(FORMULA_PREFIXES):
        cell.quotePrefix = True


def _setting(name: str, default: int) -> int:
    if has_app_context():
        return int(current_app.config.get(name, default))
    return default


def max_data_rows() -> int:
    """Data rows (below the header) one import may hold (``IMPORT_MAX_DATA_ROWS``)."""
    return _setting("IMPORT_MAX_DATA_ROWS", MAX_DATA_ROWS)


def too_many_rows() -> WorkbookError:
    return WorkbookError(_("数据行过多（上限 %(limit)d 行），请分批导入。", limit=max_data_rows()))


def import_limits() -> Any:
    """The reading limits in force (sheet_reader.Limits), from the settings."""
    from cadre_app.services.core.sheet_reader import Limits

    return Limits(
        max_rows=max_data_rows() + HEADER_SCAN_ROWS,
        max_columns=_setting("IMPORT_MAX_COLUMNS", MAX_COLUMNS),
        max_sheet_rows=_setting("IMPORT_MAX_SHEET_ROWS", MAX_SHEET_ROWS),
        max_cells=_setting("IMPORT_MAX_CELLS", MAX_CELLS),
        max_sheet_bytes=_setting("IMPORT_MAX_SHEET_XML_BYTES", MAX_SHEET_XML_BYTES),
    )


def _limit_error(error: Any, sheet: str) -> WorkbookError:
    """The reader's SheetLimitError as the message the user reads."""
    if error.kind == "bytes":
        return WorkbookError(
            _(
                "工作表“%(sheet)s”解压后达 %(size)s，超过了 %(limit)s 的上限，已拒绝处理。",
                sheet=sheet,
                size=_megabytes(error.size),
                limit=_megabytes(error.limit),
            )
        )
    if error.kind == "columns":
        return WorkbookError(
            _(
                "单元格 %(cell)s 有内容，超出了 %(limit)d 列的上限：请删除多余的列后再上传。",
                cell=f"{get_column_letter(error.column + 1)}{error.row}",
                limit=error.limit,
            )
        )
    if error.kind == "rows":
        return too_many_rows()
    if error.kind == "sheet_rows":
        return WorkbookError(
            _(
                "工作表“%(sheet)s”的行数超过 %(limit)d 行（空行也计在内），已拒绝处理："
                "请删除多余的空行，或分批导入。",
                sheet=sheet,
                limit=error.limit,
            )
        )
    return WorkbookError(
        _(
            "工作表“%(sheet)s”的单元格超过 %(limit)d 个（空单元格也计在内），已拒绝处理："
            "请删除多余的行和列，或分批导入。",
            sheet=sheet,
            limit=error.limit,
        )
    )


def sheet_rows(
    content: bytes, sheet: str, *, dates: bool = False, stats: Any = None
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(Excel row number, cell values) of the worksheet ``sheet``, read by the streaming
    reader (services.core.sheet_reader: values only, several times faster than openpyxl on
    20,000 rows), within ``import_limits()``; rows without a value are skipped. With
    ``dates`` a date-formatted number comes as a ``datetime``. A damaged file, a missing
    sheet or a passed limit is a ``WorkbookError`` saying which. ``stats`` (a
    sheet_reader.ReadStats) counts what was visited."""
    from cadre_app.services.core import sheet_reader

    damaged = _("无法读取工作簿：文件已损坏或不是有效的 .xlsx 文件。")
    try:
        names = sheet_reader.sheet_names(zipfile.ZipFile(BytesIO(content)))
    except Exception:  # a missing part or broken XML: not a readable workbook
        raise WorkbookError(damaged) from None
    if sheet not in names:
        raise WorkbookError(
            _(
                "工作簿中没有名为“%(sheet)s”的工作表（现有：%(sheets)s）。",
                sheet=sheet,
                sheets="、".join(names) or "—",
            )
        )
    try:
        yield from sheet_reader.read_rows(
            content, sheet, limits=import_limits(), dates=dates, stats=stats
        )
    except GeneratorExit:
        raise
    except sheet_reader.SheetLimitError as error:
        raise _limit_error(error, sheet) from None
    except Exception:
        raise WorkbookError(damaged) from None
