"""The 干部队伍结构分析报告 as a workbook: a sheet per table of the report, the same figures as
the page and the PDF. Text cells are never formulas (core.workbook.write_text)."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from cadre_app.services.analytics import rules
from cadre_app.services.analytics.pdf import TITLE

SHEETS = ("概况", "年龄性别", "学历", "职级", "领导职务", "政治面貌", "年轻干部", "考核等次")


def _counts_sheet(book: Any, name: str, header: str, counts: dict[str, int], total: int) -> None:
    rows = [[header, "人数", "占比"]]
    rows += [[key, n, rules.share(n, total)] for key, n in counts.items()]
    rows.append(["合计", sum(counts.values()), rules.share(sum(counts.values()), total)])
    _sheet(book, name, rows)


def _sheet(book: Any, name: str, rows: list[list[Any]]) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from cadre_app.services.core.workbook import write_text

    sheet = book.create_sheet(name)
    bold = Font(bold=True)
    for i, row in enumerate(rows):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet)
            if isinstance(value, str):
                write_text(cell, value)
            else:
                cell.value = value
            if i == 0:
                cell.font = bold
            cells.append(cell)
        sheet.append(cells)


def structure_workbook(s: rules.Structure, *, scope: str) -> bytes:
    """The workbook of ``s`` for ``scope`` (the organisation or a section's name)."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    lines = "，".join(f"{level} {age} 岁及以下" for level, age in s.lines.items())
    _sheet(
        book,
        "概况",
        [
            [TITLE, ""],
            ["范围", scope],
            ["统计日期（计算年龄时间）", s.on.isoformat()],
            ["干部总数", s.total],
            ["男", s.male],
            ["女", s.female],
            ["女性占比", s.female_share],
            ["中共党员（含预备党员）", s.party_members],
            ["党员占比", s.party_share],
            ["年轻干部", s.young],
            ["年轻干部占比", s.young_share],
            ["年轻干部口径", lines],
        ],
    )
    pyramid = [["年龄段", "男", "女", "合计"]]
    pyramid += [[r["band"], r["male"], r["female"], r["total"]] for r in s.pyramid]
    pyramid.append(["合计", s.male, s.female, s.total])
    _sheet(book, "年龄性别", pyramid)
    _counts_sheet(book, "学历", "学历（全日制与在职取高）", s.education, s.total)
    _counts_sheet(book, "职级", "职级", s.ranks, s.total)
    _counts_sheet(book, "领导职务", "领导职务", s.leadership, s.total)
    _counts_sheet(book, "政治面貌", "政治面貌", s.party, s.total)
    young = [["处室", "年轻干部", "干部人数", "占比"]]
    young += [[r["name"], r["young"], r["total"], r["share"]] for r in s.young_by_section]
    young.append(["合计", s.young, s.total, s.young_share])
    _sheet(book, "年轻干部", young)
    trend = [["年度", *rules.GRADES, "合计"]]
    trend += [[r["year"], *(r["counts"][g] for g in rules.GRADES), r["total"]] for r in s.trend]
    _sheet(book, "考核等次", trend)
    out = BytesIO()
    book.save(out)
    return out.getvalue()
