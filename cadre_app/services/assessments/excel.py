"""The results workbook of an assessment (``/assessments/<id>/results.xlsx``, ``flask
assessments results ID -o FILE.xlsx``), in the workbook conventions of services.core.workbook
(text cells never formulas, numbers as numbers, a bold tinted header, a 说明 sheet).

Sheets: 测评结果汇总 (one row per subject), 分组得分 (the shown buckets), 正向测评 (per item),
反向测评 (per item), 投票情况 (per rater group), 说明 (the rules). Figures are folded as on the
pages (services.assessments.tally): nothing in the workbook reveals a small group.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from cadre_app.models import RATINGS, Assessment, AssessmentSubject
from cadre_app.services.assessments import results, tally
from cadre_app.services.core.workbook import write_text

SUMMARY_SHEET = "测评结果汇总"
SUMMARY_HEADER = (
    "工号",
    "姓名",
    "处室",
    "有效票数",
    "正向测评得分",
    "加权得分",
    "好和较好占比",
    "总体评价-好",
    "总体评价-较好",
    "总体评价-一般",
    "总体评价-差",
    "达到提醒标准的反向项目",
    "提醒谈话",
    "考察结论",
    "结论理由",
    "结论日期",
)
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")


class _Sheet:
    """A write-only sheet with typed cells."""

    def __init__(self, book: Any, title: str, header: tuple[str, ...], widths: tuple[int, ...]):
        self.sheet = book.create_sheet(title)
        for index, width in enumerate(widths, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = width
        self.sheet.freeze_panes = "C2" if len(header) > 2 else "A2"
        cells = []
        for label in header:
            cell = WriteOnlyCell(self.sheet, value=label)
            cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
            cells.append(cell)
        self.sheet.append(cells)

    def row(self, values: list[Any]) -> None:
        cells = []
        for value in values:
            if value is None:
                cells.append(None)
            elif isinstance(value, tuple):  # (number, format)
                number, number_format = value
                if number is None:
                    cells.append(None)
                    continue
                cell = WriteOnlyCell(self.sheet, value=number)
                cell.number_format = number_format
                cells.append(cell)
            elif isinstance(value, int | float):
                cells.append(WriteOnlyCell(self.sheet, value=value))
            else:
                cell = WriteOnlyCell(self.sheet)
                write_text(cell, str(value))
                cells.append(cell)
        self.sheet.append(cells)


def _score(value: float | None) -> tuple[float | None, str]:
    return (round(value, 2) if value is not None else None, "0.00")


def _share(value: float | None) -> tuple[float | None, str]:
    return (round(value, 4) if value is not None else None, "0.0%")


def results_workbook(
    assessment: Assessment,
    subjects: list[AssessmentSubject],
    figures: dict[int, tally.SubjectTally],
) -> bytes:
    """The workbook of ``subjects``' results (see the module docstring)."""
    setup = results.setup_of(assessment)
    book = openpyxl.Workbook(write_only=True)
    summary = _Sheet(
        book,
        SUMMARY_SHEET,
        SUMMARY_HEADER,
        (10, 10, 14, 9, 12, 10, 12) + (8,) * 4 + (40, 8, 10, 40, 12),
    )
    rows = results.summary_rows(assessment, subjects, figures)
    for row in rows:
        overall = row["overall"] or [None] * len(RATINGS)
        summary.row(
            [
                row["staff_no"],
                row["name"],
                row["department"],
                row["ballots"],
                _score(row["positive_score"]),
                _score(row["weighted_score"]),
                _share(row["good_share"]),
                *overall,
                "；".join(row["flagged"]) or ("" if row["shown"] else "票数不足，不显示"),
                "是" if row["talk_id"] else "否",
                row["conclusion"] or "",
                row["reason"] or "",
                row["concluded_on"].isoformat() if row["concluded_on"] else "",
            ]
        )
    buckets = _Sheet(
        book,
        "分组得分",
        ("工号", "姓名", "评价组", "票数", "权重", "正向测评得分", "好和较好占比"),
        (10, 10, 24, 8, 8, 12, 12),
    )
    items = _Sheet(
        book,
        "正向测评",
        ("工号", "姓名", "方面", "测评项目", *RATINGS, "得分"),
        (10, 10, 10, 48, 6, 6, 6, 6, 10),
    )
    negative = _Sheet(
        book,
        "反向测评",
        ("工号", "姓名", "类别", "测评项目", "勾选人数", "占比", "达到提醒标准"),
        (10, 10, 10, 48, 10, 10, 12),
    )
    for row in rows:
        result = figures.get(row["subject_id"])
        if result is None or result.whole is None:
            continue
        who = [row["staff_no"], row["name"]]
        for b in result.buckets:
            buckets.row(
                [
                    *who,
                    results.bucket_label(b.kind, b.groups),
                    b.figures.ballots,
                    b.weight,
                    _score(b.figures.positive_score),
                    _share(b.figures.good_share),
                ]
            )
        whole = result.whole
        for index, item in enumerate(setup.positive):
            items.row(
                [
                    *who,
                    item.category,
                    item.text,
                    *whole.ratings[index],
                    _score(whole.item_scores[index]),
                ]
            )
        flagged = {f.index for f in result.flagged}
        for index, item in enumerate(setup.negative):
            negative.row(
                [
                    *who,
                    item.category,
                    item.text,
                    whole.ticks[index],
                    _share(whole.tick_shares[index]),
                    "是" if index in flagged else "否",
                ]
            )
    turnout = _Sheet(
        book, "投票情况", ("评价组", "权重", "发放票码", "作废票码", "已投票"), (12, 8, 10, 10, 10)
    )
    for t in results.turnout(assessment):
        turnout.row([t["name"], t["weight"], t["issued"], t["voided"], t["cast"]])
    notes = book.create_sheet("说明")
    notes.column_dimensions["B"].width = 100
    for label, text in (
        ("测评", assessment.title),
        ("测评目的", assessment.purpose),
        ("测评表", f"{assessment.checklist.name}（第 {assessment.checklist.version} 版）"),
        ("计分", "、".join(f"{r} {setup.points.get(r, 0):g} 分" for r in RATINGS)),
        (
            "得分",
            "项目得分为各票分值的平均数；方面得分为其项目得分的平均数；正向测评得分为全部正向项目得分的平均数。",
        ),
        ("合并规则", results.folding_rule(assessment.min_group_ballots)),
        (
            "提醒标准",
            results.talk_rule(assessment.talk_threshold),
        ),
    ):
        cells = []
        for value in (label, text):
            cell = WriteOnlyCell(notes)
            write_text(cell, value)  # the title is typed by HR: never a formula
            cells.append(cell)
        notes.append(cells)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def filename(assessment: Assessment) -> str:
    return f"{assessment.title}-测评结果.xlsx"
