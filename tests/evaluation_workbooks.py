"""年度考核 score workbooks and roster rows in bulk for tests and the benchmark: generated people,
never real ones."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from io import BytesIO
from typing import Any

import openpyxl

from cadre_app.services.evaluations.excel import HEADER, RANKING_SHEET, SHEET
from tests import workbooks
from tests.workbooks import GIVEN, SURNAMES

#: The org fixture's two cadres (tests/conftest.py).
OWN = ("T0001", "李晓明")
OTHER = ("T0002", "王芳")


def score_row(
    staff_no: str,
    name: str,
    ordinary: Any = 85,
    democratic: Any = 90,
    leader: Any = 88,
    grade: str | None = None,
) -> dict[str, Any]:
    """One row of the 年度考核 sheet (header label -> cell value)."""
    row = {"工号": staff_no, "姓名": name, "平时考核": ordinary, "民主测评": democratic}
    return row | {"领导评价": leader, "拟定等次": grade}


def build_scores(
    rows: Sequence[dict[str, Any]],
    *,
    header: Sequence[str] = HEADER,
    sheet: str = SHEET,
    above: Sequence[Sequence[Any]] = (),
) -> bytes:
    """The score workbook, written as tests.workbooks.build writes it (strings as text cells,
    never formulas; numbers as numbers) but in linear time: that one asks for ``max_row`` at
    every cell, which takes minutes for 20,000 rows."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    lines = [*above, header, *([row.get(label) for label in header] for row in rows)]
    for number, line in enumerate(lines, start=1):
        for column, value in enumerate(line, start=1):
            if value is None:
                continue
            cell = ws.cell(row=number, column=column, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def cadre_name(i: int) -> str:
    return SURNAMES[i % len(SURNAMES)] + GIVEN[i % len(GIVEN)] + GIVEN[(i // 7) % len(GIVEN)]


def cadre_records(
    n: int, department_ids: Sequence[int], *, start: int = 1, prefix: str = "E"
) -> list[dict[str, Any]]:
    """``n`` cadres as dicts for ``sa.insert(Cadre)``, spread over the given sections."""
    return [
        {
            "staff_no": f"{prefix}{i:05d}",
            "name": cadre_name(i),
            "gender": "男" if i % 2 else "女",
            "birth_date": date(1970 + i % 30, 1 + i % 12, 1 + i % 28),
            "department_id": department_ids[i % len(department_ids)],
            "rank": "一级科员",
        }
        for i in range(start, start + n)
    ]


def scores_for(records: Sequence[dict[str, Any]], *, shift: int = 0) -> list[dict[str, Any]]:
    """A score row for each record, with varied scores (``shift`` changes every score)."""
    rows = []
    for i, record in enumerate(records):
        ordinary = 60 + (i * 7 + shift) % 40 + (i % 4) * 0.25
        democratic = 70 + (i * 3 + shift) % 30
        leader = 65 + (i * 11 + shift) % 35 + 0.5
        rows.append(score_row(record["staff_no"], record["name"], ordinary, democratic, leader))
    return rows


def read_ranking(content: bytes) -> list[list[Any]]:
    """Every row of the 考核排名 sheet (full load, formulas not evaluated)."""
    return workbooks.read_back(content, sheet=RANKING_SHEET)


def ranking_cells(content: bytes) -> list[list[Any]]:
    """The cells themselves (to look at data types and styles)."""
    book = openpyxl.load_workbook(BytesIO(content))
    return [list(row) for row in book[RANKING_SHEET].iter_rows()]
