"""A fast, streaming reader of one worksheet's cell values (for the 培训记录 import of 20,000
rows × 11 columns, where openpyxl's read-only mode spends ~1 ms a row building cell objects).

It reads the workbook part, the relationships, the shared strings and the sheet's XML with the
stdlib expat parser, keeping only values: text (shared, inline or formula results) as ``str``,
numbers as ``int``/``float``, booleans as ``bool``, errors and empties as ``None``. Number
formats are not read: the caller knows which columns are dates and converts an Excel serial
itself (``excel_date``). A DOCTYPE or an entity declaration is refused (no XML entity tricks);
the upload's size and entry count were checked before (services.core.workbook.check_upload).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
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
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() and "e" not in text.lower() else value


def read_rows(content: bytes, sheet_name: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, cell values) of the sheet, in order; rows with no cells are skipped.
    Raises KeyError when there is no such sheet, SheetReadError/expat.ExpatError/BadZipFile
    for a damaged file."""
    archive = zipfile.ZipFile(BytesIO(content))
    path = _sheet_path(archive, sheet_name)
    if path is None:
        raise KeyError(sheet_name)
    shared = _shared_strings(archive)
    rows: list[tuple[int, tuple[Any, ...]]] = []
    row_tag, c_tag, v_tag = f"{_MAIN}|row", f"{_MAIN}|c", f"{_MAIN}|v"
    t_tag, is_tag = f"{_MAIN}|t", f"{_MAIN}|is"
    state: dict[str, Any] = {"row": 0, "cells": {}, "col": -1, "type": "n", "text": None}
    buffer: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == c_tag:
            ref = attrs.get("r")
            state["col"] = _column_index(ref) if ref else state["col"] + 1
            state["type"] = attrs.get("t", "n")
            state["text"] = None
        elif name == v_tag or (name == t_tag and state["type"] == "inlineStr"):
            buffer.clear()
            state["reading"] = True
        elif name == is_tag:
            state["text"] = ""
        elif name == row_tag:
            number = attrs.get("r")
            state["row"] = int(number) if number else state["row"] + 1
            state["cells"] = {}
            state["col"] = -1

    def end(name: str) -> None:
        if name == v_tag or (name == t_tag and state["type"] == "inlineStr"):
            state["reading"] = False
            piece = "".join(buffer)
            state["text"] = (state["text"] or "") + piece if name == t_tag else piece
        elif name == c_tag:
            state["cells"][state["col"]] = _value(state["type"], state["text"], shared)
        elif name == row_tag:
            cells = state["cells"]
            if cells:
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


def excel_date(serial: float) -> date:
    """An Excel serial day number (1900 system) as a date; ValueError when out of range."""
    if not 1 <= serial < 2958466:
        raise ValueError(serial)
    return (_EXCEL_EPOCH + timedelta(days=int(serial))).date()
