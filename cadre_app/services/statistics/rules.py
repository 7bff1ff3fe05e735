"""The monthly table, pure: the figures of one measure per section and month with the
totals, from plain mappings. The measures and what each counts are listed in ``MEASURES``.

Choices where the issue is silent (each tested):
- A figure counts under the section the cadre is in now (the roster keeps no history of
  sections): a cadre moved in June brings their January 学时 along.
- Sections with nothing in the year still get their row of zeros (a section that did nothing
  is a finding); cadres with no section fall under "未分配处室" only when they have figures.
- 学时 are shown to one decimal; counts as whole numbers.
- An honour counts in the month its quarter's roll was published, under its own section (an
  individual's section when nominated).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

MONTHS = tuple(range(1, 13))


def _(message: str) -> str:
    return message


class Measure(NamedTuple):
    key: str
    label: str  # msgid
    unit: str  # msgid
    decimal: bool = False


#: In the order they are shown.
MEASURES = (
    Measure("hours", _("培训学时"), _("学时"), decimal=True),
    Measure("lectures", _("业务微讲座"), _("场")),
    Measure("essays", _("策论"), _("篇")),
    Measure("secondments_started", _("挂职锻炼开始"), _("人次")),
    Measure("secondments_ended", _("挂职锻炼结束"), _("人次")),
    Measure("talks_opened", _("谈话发起"), _("次")),
    Measure("talks_closed", _("谈话办结"), _("次")),
    Measure("honours", _("光荣榜表彰"), _("项")),
)
BY_KEY = {m.key: m for m in MEASURES}

Number = int | Decimal
Cells = Mapping[tuple[int | None, int], Number]


@dataclass(frozen=True)
class Row:
    section_id: int | None
    name: str
    months: tuple[Number, ...]  # January to December
    total: Number


@dataclass(frozen=True)
class Table:
    measure: Measure
    rows: list[Row]
    totals: tuple[Number, ...]  # per month, every row
    total: Number


def table(
    measure: Measure,
    cells: Cells,
    sections: Sequence[tuple[int, str]],
    *,
    unassigned: str = "未分配处室",
) -> Table:
    """``cells`` ((section id or None, month) -> figure) as a row per section in the order of
    ``sections`` (every one, with zeros), then the unassigned row when it has figures;
    figures of sections not listed are left out (a manager's own sections)."""
    zero: Number = Decimal(0) if measure.decimal else 0
    listed = [(sid, name) for sid, name in sections]
    if any(sid is None and value for (sid, _m), value in cells.items()):
        listed.append((None, unassigned))  # type: ignore[arg-type]
    rows = []
    for sid, name in listed:
        months = tuple(cells.get((sid, m), zero) for m in MONTHS)
        rows.append(Row(sid, name, months, sum(months, zero)))
    totals = tuple(sum((r.months[i] for r in rows), zero) for i in range(12))
    return Table(measure, rows, totals, sum(totals, zero))


def summary(tables: Sequence[Table]) -> list[tuple[Measure, tuple[Number, ...], Number]]:
    """Each measure's monthly totals: the first table of the page and the workbook."""
    return [(t.measure, t.totals, t.total) for t in tables]
