"""Roster workbooks built in memory for tests and the benchmark: generated people (never real
ones) with valid ID numbers, written the way Excel users write them."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from datetime import date
from io import BytesIO
from typing import Any

import openpyxl

from cadre_app.models import enums
from cadre_app.services.core import idcard
from cadre_app.services.roster.excel import HEADER, SHEET

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明")
DEPARTMENTS = ("预算处", "国库处", "办公室", "政策法规处")
#: Excel row of the first data row when the header is row 1.
FIRST_ROW = 2


def cadre_row(i: int, *, department: str | None = None, prefix: str = "W") -> dict[str, Any]:
    """The ``i``-th generated cadre as a workbook row (header label -> cell value)."""
    born = date(1966 + i % 34, 1 + i % 12, 1 + i % 28)
    gender = "男" if i % 2 else "女"
    sequence = (i % 499) * 2 + (1 if gender == "男" else 2)
    work = date(born.year + 22, 7, 1)
    rank = enums.RANK_LADDER[i % 8]
    return {
        "工号": f"{prefix}{i:05d}",
        "姓名": SURNAMES[i % len(SURNAMES)] + GIVEN[i % len(GIVEN)] + GIVEN[(i // 7) % len(GIVEN)],
        "性别": gender,
        "民族": "汉族" if i % 9 else "回族",
        "出生日期": born.isoformat(),
        "籍贯": "北京市",
        "出生地": "北京市海淀区",
        "政治面貌": "中共党员" if i % 3 else "群众",
        "入党时间": f"{born.year + 24}.{5:02d}" if i % 3 else None,
        "参加工作时间": f"{work:%Y.%m}",
        "身份证号": idcard.make("110105", born, sequence),
        "学历": "大学本科",
        "学位": "学士",
        "毕业院校系及专业": "中国人民大学财政金融学院财政学专业",
        "部门": department or DEPARTMENTS[i % len(DEPARTMENTS)],
        "现任职务": "科员",
        "职级": rank,
        "任现职级时间": f"{work.year + 3}年{3:02d}月",
        "手机号": f"138{i:08d}",
    }


def cadre_rows(n: int, *, start: int = 1, **kwargs: Any) -> list[dict[str, Any]]:
    return [cadre_row(i, **kwargs) for i in range(start, start + n)]


def build(
    rows: Iterable[dict[str, Any]] = (),
    *,
    header: Sequence[str] = HEADER,
    sheet: str = SHEET,
    above: Sequence[Sequence[Any]] = (),
    extra_sheets: Sequence[str] = (),
) -> bytes:
    """An .xlsx with ``header`` (after the ``above`` rows) and ``rows``. Strings are written as
    text cells (never formulas), dates as Excel dates, numbers as numbers."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for line in above:
        ws.append(list(line))
    ws.append(list(header))
    for row in rows:
        ws.append([None] * len(header))
        for col, label in enumerate(header, start=1):
            value = row.get(label)
            if value is None:
                continue
            cell = ws.cell(row=ws.max_row, column=col)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"
    for name in extra_sheets:
        book.create_sheet(name)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def rezip(content: bytes, *, add: dict[str, bytes] | None = None, replace=None) -> bytes:
    """Copy an .xlsx, adding entries or changing some through ``replace(name, data)``."""
    out = BytesIO()
    with (
        zipfile.ZipFile(BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if replace is not None:
                data = replace(item.filename, data)
            target.writestr(item.filename, data)
        for name, data in (add or {}).items():
            target.writestr(name, data)
    return out.getvalue()


def macro_enabled(content: bytes) -> bytes:
    """The same workbook claiming to be macro-enabled, with a VBA project inside."""

    def swap(name: str, data: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return data.replace(
                b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            )
        return data

    return rezip(
        content, add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 not really vba"}, replace=swap
    )


def many_entries(content: bytes, count: int = 150) -> bytes:
    return rezip(content, add={f"xl/media/pad{i}.bin": b"x" for i in range(count)})


def huge_expansion(content: bytes, megabytes: int = 60) -> bytes:
    """A small file (zeros compress about 1000:1) that expands past the 50 MB limit."""
    return rezip(content, add={"xl/media/zeros.bin": bytes(megabytes * 1024 * 1024)})


def read_back(content: bytes, sheet: str = SHEET) -> list[list[Any]]:
    """Every row of ``sheet`` as values (full load, formulas not evaluated)."""
    book = openpyxl.load_workbook(BytesIO(content))
    return [list(row) for row in book[sheet].iter_rows(values_only=True)]
