"""A fast, streaming reader of one worksheet's cell values (for the 培训记录 import of 20,000
rows × 11 columns, where openpyxl's read-only mode spends ~1 ms a row building cell objects).

It reads the workbook part, the relationships, the shared strings and the sheet's XML with the
stdlib expat parser, keeping only values: text (shared, inline or formula results) as ``str``,
numbers as ``int``/``float``, booleans as ``bool``, errors and empties as ``None``. Number
formats are not read: the caller knows which columns are dates and converts an Excel serial
itself (``excel_date``), unless it asks for ``dates=True``: then a number in a cell whose
number format is a date comes as a ``datetime`` (as openpyxl reads it). A DOCTYPE or an entity
declaration is refused (no XML entity tricks); the upload's size and entry count were checked
before (services.core.workbook.check_upload).

A hostile workbook of a few KB can claim ``A1:XFD1048576`` or hold 400,000 rows of one empty
cell in column XFD. The reader ignores the claimed dimension, keeps only cells that hold a
value (an empty cell never widens a row), and stops with ``SheetLimitError`` as soon as one of
``Limits`` is passed: the sheet's XML larger than allowed (checked on the zip entry's declared
size before any parsing), too many row or cell elements visited (empty ones included), too
many rows holding data, or a value beyond the last allowed column.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from io import BytesIO
from typing import Any
from xml.parsers import expat

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_COLUMN = re.compile(r"^([A-Z]+)")
_EXCEL_EPOCH = datetime(1899, 12, 30)


class SheetReadError(Exception):
    pass


@dataclass(frozen=True)
class Limits:
    """How much of a sheet one read may visit before it gives up."""

    max_rows: int = 20_020  # rows holding at least one value (header rows included)
    max_columns: int = 60  # a value in a later column is refused
    max_sheet_rows: int = 50_000  # <row> elements visited, empty ones included
    max_cells: int = 1_500_000  # <c> elements visited, empty ones included
    max_sheet_bytes: int = 40 * 1024 * 1024  # the sheet's XML, uncompressed


class SheetLimitError(SheetReadError):
    """A limit was passed; ``kind`` names it (rows, columns, sheet_rows, cells, bytes),
    ``limit`` is its value, ``row``/``column`` (0-based) where it happened, ``size`` the
    sheet's declared size for ``bytes``."""

    def __init__(self, kind: str, limit: int, *, row: int = 0, column: int = 0, size: int = 0):
        super().__init__(f"{kind} limit {limit} passed")
        self.kind, self.limit, self.row, self.column, self.size = kind, limit, row, column, size


@dataclass
class ReadStats:
    """What one read visited (for tests and benchmarks)."""

    rows_visited: int = 0
    cells_visited: int = 0


def _parser() -> Any:
    parser = expat.ParserCreate(namespace_separator="|")
    parser.buffer_text = True

    def refuse(*_args: Any) -> None:
        raise SheetReadError("DTD or entity declarations are not allowed")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return parser


_LETTERS: dict[str, int] = {}


def _column_index(ref: str) -> int:
    letters = ref.rstrip("0123456789")
    index = _LETTERS.get(letters)
    if index is not None:
        return index
    match = _COLUMN.match(ref)
    if not match or len(letters) > 3:
        raise SheetReadError(f"bad cell reference {ref!r}")
    index = 0
    for char in match.group(1):
        index = index * 26 + (ord(char) - 64)
    _LETTERS[letters] = index - 1
    return index - 1


def _attributes(data: bytes, element: str) -> list[dict[str, str]]:
    """The attributes of every ``element`` (namespace|local) of a small XML part."""
    found: list[dict[str, str]] = []
    parser = _parser()
    parser.StartElementHandler = lambda name, attrs: (
        found.append(attrs) if name == element else None
    )
    parser.Parse(data, True)
    return found


def _sheet_path(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    sheets = _attributes(archive.read("xl/workbook.xml"), f"{_MAIN}|sheet")
    rel_id = next((s.get(f"{_REL}|id") for s in sheets if s.get("name") == sheet_name), None)
    if rel_id is None:
        return None
    rels = _attributes(archive.read("xl/_rels/workbook.xml.rels"), f"{_PKG_REL}|Relationship")
    target = next((r["Target"] for r in rels if r.get("Id") == rel_id), None)
    if target is None:
        return None
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join("xl", target))


def sheet_names(archive: zipfile.ZipFile) -> list[str]:
    sheets = _attributes(archive.read("xl/workbook.xml"), f"{_MAIN}|sheet")
    return [s.get("name", "") for s in sheets]


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    """The shared strings; rich text runs joined, phonetic runs (rPh) left out."""
    names = set(archive.namelist())
    path = "xl/sharedStrings.xml"
    if path not in names:
        return []
    strings: list[str] = []
    parts: list[str] = []
    state = {"in_t": False, "phonetic": 0}
    t_tag, si_tag, rph_tag = f"{_MAIN}|t", f"{_MAIN}|si", f"{_MAIN}|rPh"

    def start(name: str, _attrs: dict[str, str]) -> None:
        if name == t_tag and not state["phonetic"]:
            state["in_t"] = True
        elif name == rph_tag:
            state["phonetic"] += 1
        elif name == si_tag:
            parts.clear()

    def end(name: str) -> None:
        if name == t_tag:
            state["in_t"] = False
        elif name == rph_tag:
            state["phonetic"] -= 1
        elif name == si_tag:
            strings.append("".join(parts))

    def text(data: str) -> None:
        if state["in_t"]:
            parts.append(data)

    parser = _parser()
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = text
    with archive.open(path) as stream:
        parser.ParseFile(stream)
    return strings


def _number(text: str) -> int | float | None:
    """As openpyxl casts: an int when the text has no point or exponent (exact, so an
    18-digit number keeps every digit), else a float."""
    try:
        if "." in text or "e" in text or "E" in text:
            return float(text)
        return int(text)
    except ValueError:
        return None


def _date_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indexes of the cell formats (``s`` of a cell) whose number format is a date or time."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

    if "xl/styles.xml" not in set(archive.namelist()):
        return set()
    custom: dict[int, str] = {}
    xf_formats: list[int] = []
    state = {"cell_xfs": False}
    numfmt_tag, cellxfs_tag, xf_tag = f"{_MAIN}|numFmt", f"{_MAIN}|cellXfs", f"{_MAIN}|xf"

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == numfmt_tag and attrs.get("numFmtId", "").isdigit():
            custom[int(attrs["numFmtId"])] = attrs.get("formatCode", "")
        elif name == cellxfs_tag:
            state["cell_xfs"] = True
        elif name == xf_tag and state["cell_xfs"]:
            number = attrs.get("numFmtId", "0")
            xf_formats.append(int(number) if number.isdigit() else 0)

    def end(name: str) -> None:
        if name == cellxfs_tag:
            state["cell_xfs"] = False

    parser = _parser()
    parser.StartElementHandler, parser.EndElementHandler = start, end
    with archive.open("xl/styles.xml") as stream:
        parser.ParseFile(stream)
    found = set()
    for index, number in enumerate(xf_formats):
        code = custom.get(number, BUILTIN_FORMATS.get(number, "General"))
        if is_date_format(code) and not is_timedelta_format(code):
            found.add(index)
    return found


def _uses_1904(archive: zipfile.ZipFile) -> bool:
    flags = _attributes(archive.read("xl/workbook.xml"), f"{_MAIN}|workbookPr")
    return any(f.get("date1904", "").lower() in ("1", "true") for f in flags)


def read_rows(
    content: bytes,
    sheet_name: str,
    *,
    limits: Limits | None = None,
    dates: bool = False,
    stats: ReadStats | None = None,
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, cell values) of the sheet, in order; rows with no value are skipped and a
    row's tuple ends at its last value. Raises KeyError when there is no such sheet,
    SheetLimitError when ``limits`` (default ``Limits()``) are passed, and
    SheetReadError/expat.ExpatError/BadZipFile for a damaged file."""
    limits = limits or Limits()
    stats = stats if stats is not None else ReadStats()
    archive = zipfile.ZipFile(BytesIO(content))
    path = _sheet_path(archive, sheet_name)
    if path is None:
        raise KeyError(sheet_name)
    size = archive.getinfo(path).file_size  # declared; zipfile never inflates more
    if size > limits.max_sheet_bytes:
        raise SheetLimitError("bytes", limits.max_sheet_bytes, size=size)
    shared = _shared_strings(archive)
    date_styles = _date_styles(archive) if dates else set()
    epoch = datetime(1904, 1, 1) if date_styles and _uses_1904(archive) else None
    rows: list[tuple[int, tuple[Any, ...]]] = []
    row_tag, c_tag, v_tag = f"{_MAIN}|row", f"{_MAIN}|c", f"{_MAIN}|v"
    t_tag, is_tag = f"{_MAIN}|t", f"{_MAIN}|is"
    state: dict[str, Any] = {
        "row": 0,
        "cells": {},
        "col": -1,
        "type": "n",
        "text": None,
        "style": 0,
        "data_rows": 0,
    }
    buffer: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == c_tag:
            stats.cells_visited += 1
            if stats.cells_visited > limits.max_cells:
                raise SheetLimitError("cells", limits.max_cells, row=state["row"])
            ref = attrs.get("r")
            state["col"] = _column_index(ref) if ref else state["col"] + 1
            state["type"] = attrs.get("t", "n")
            state["text"] = None
            style = attrs.get("s")
            state["style"] = int(style) if style and style.isdigit() else 0
        elif name == v_tag or (name == t_tag and state["type"] == "inlineStr"):
            buffer.clear()
            state["reading"] = True
        elif name == is_tag:
            state["text"] = ""
        elif name == row_tag:
            stats.rows_visited += 1
            if stats.rows_visited > limits.max_sheet_rows:
                raise SheetLimitError("sheet_rows", limits.max_sheet_rows, row=state["row"] + 1)
            number = attrs.get("r")
            state["row"] = int(number) if number and number.isdigit() else state["row"] + 1
            state["cells"] = {}
            state["col"] = -1

    def end(name: str) -> None:
        if name == v_tag or (name == t_tag and state["type"] == "inlineStr"):
            state["reading"] = False
            piece = "".join(buffer)
            state["text"] = (state["text"] or "") + piece if name == t_tag else piece
        elif name == c_tag:
            value = _value(state["type"], state["text"], shared)
            if value is None or value == "":
                return  # an empty cell, wherever it is, is not data
            column = state["col"]
            if column >= limits.max_columns:
                raise SheetLimitError(
                    "columns", limits.max_columns, row=state["row"], column=column
                )
            if state["style"] in date_styles and type(value) in (int, float):
                value = _as_datetime(value, epoch)
            state["cells"][column] = value
        elif name == row_tag:
            cells = state["cells"]
            if cells:
                state["data_rows"] += 1
                if state["data_rows"] > limits.max_rows:
                    raise SheetLimitError("rows", limits.max_rows, row=state["row"])
                width = max(cells) + 1
                rows.append((state["row"], tuple(cells.get(i) for i in range(width))))

    def text(data: str) -> None:
        if state.get("reading"):
            buffer.append(data)

    parser = _parser()
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = text
    with archive.open(path) as stream:
        while chunk := stream.read(1 << 16):
            parser.Parse(chunk, False)
            yield from rows
            rows.clear()
        parser.Parse(b"", True)
    yield from rows


def _value(kind: str, text: str | None, shared: list[str]) -> Any:
    if text is None:
        return None
    if kind == "s":
        index = int(text)
        return shared[index] if 0 <= index < len(shared) else None
    if kind in ("str", "inlineStr"):
        return text
    if kind == "b":
        return text.strip() == "1"
    if kind == "e":
        return None
    if kind == "d":
        return text
    return _number(text)


def _as_datetime(serial: int | float, epoch: datetime | None) -> Any:
    """A date-formatted number as openpyxl reads it; the number itself when out of range."""
    from openpyxl.utils.datetime import from_excel

    try:
        if epoch is not None:
            return epoch + timedelta(days=serial)
        return from_excel(serial)
    except (OverflowError, ValueError, TypeError):
        return serial


def excel_date(serial: float) -> date:
    """An Excel serial day number (1900 system) as a date; ValueError when out of range."""
    if not 1 <= serial < 2958466:
        raise ValueError(serial)
    return (_EXCEL_EPOCH + timedelta(days=int(serial))).date()
