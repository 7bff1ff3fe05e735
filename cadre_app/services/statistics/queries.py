"""The figures of the monthly table, each read through its own domain's queries."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from io import BytesIO
from typing import Any

import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import Department
from cadre_app.services.honours import queries as honour_queries
from cadre_app.services.secondments import queries as secondment_queries
from cadre_app.services.statistics import rules
from cadre_app.services.statistics.rules import Cells, Table
from cadre_app.services.talks import queries as talk_queries
from cadre_app.services.training import ledger
from cadre_app.services.training import queries as training_queries


def cells(year: int) -> dict[str, Cells]:
    """Every measure's (section, month) -> figure for ``year``."""
    training = training_queries.monthly_counts(year)
    secondments = secondment_queries.monthly_counts(year)
    talks = talk_queries.monthly_counts(year)
    return {
        "hours": ledger.monthly_hours(year),
        "lectures": training["lectures"],
        "essays": training["essays"],
        "secondments_started": secondments["started"],
        "secondments_ended": secondments["ended"],
        "talks_opened": talks["opened"],
        "talks_closed": talks["closed"],
        "honours": honour_queries.monthly_counts(year),
    }


def sections(section_ids: Sequence[int] | None) -> list[tuple[int, str]]:
    """(id, name) of the sections shown: all (None) or those given, in the office's order."""
    stmt = sa.select(Department.id, Department.name).order_by(
        Department.sort_order, Department.name
    )
    if section_ids is not None:
        stmt = stmt.where(Department.id.in_(list(section_ids) or [-1]))
    return [(sid, name) for sid, name in db.session.execute(stmt)]


def tables(year: int, section_ids: Sequence[int] | None, *, unassigned: str) -> list[Table]:
    """One table per measure for ``year``, for the sections ``section_ids`` (None: all, and
    then cadres with no section too)."""
    shown = sections(section_ids)
    figures = cells(year)
    result = []
    for measure in rules.MEASURES:
        data = figures[measure.key]
        if section_ids is not None:
            data = {k: v for k, v in data.items() if k[0] is not None}
        result.append(rules.table(measure, data, shown, unassigned=unassigned))
    return result


def _number(value: object) -> object:
    return float(value) if isinstance(value, Decimal) else value


def workbook(tables_: Sequence[Table], labels: dict[str, str], words: dict[str, Any]) -> bytes:
    """汇总 (each measure's monthly totals), then one sheet per measure (sections × months).
    ``labels``: the measures' names in the reader's language; ``words``: 处室, 合计, 汇总,
    统计项目 and ``months``, the twelve months' headings."""
    import openpyxl
    from openpyxl.styles import Font

    from cadre_app.services.core.workbook import write_text

    book = openpyxl.Workbook()
    bold = Font(bold=True)
    months = list(words["months"])

    def fill(
        sheet: Any, header: list[str], lines: list[tuple[str, Any, Any]], decimal: bool
    ) -> None:
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = bold
        for name, values, total in lines:
            sheet.append([None, *(_number(v) for v in values), _number(total)])
            write_text(sheet.cell(row=sheet.max_row, column=1), name)
            if decimal:
                for cell in sheet[sheet.max_row][1:]:
                    cell.number_format = "0.0"
        sheet.freeze_panes = "B2"

    first = book.active
    first.title = words["summary"]
    fill(
        first,
        [words["measure"], *months, words["total"]],
        [(labels[t.measure.key], t.totals, t.total) for t in tables_],
        False,
    )
    for t in tables_:
        sheet = book.create_sheet(labels[t.measure.key][:31])
        fill(
            sheet,
            [words["section"], *months, words["total"]],
            [(r.name, r.months, r.total) for r in t.rows] + [(words["total"], t.totals, t.total)],
            t.measure.decimal,
        )
    out = BytesIO()
    book.save(out)
    return out.getvalue()
