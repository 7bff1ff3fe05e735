"""The structure figures as charts and tables, the same for the page, the dashboard panel,
the PDF and the workbook. ``label`` puts a stored Chinese term into the reader's language
(the page: ``i18n.term``; the PDF and workbook, national documents: unchanged)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cadre_app.services.analytics import rules
from cadre_app.services.core import charts

Label = Callable[[str], str]

#: The young-cadre share's two segments: young, the others.
YOUNG_COLOURS = ["#2e7d32", "#cfd8dc"]
EDUCATION_COLOURS = {
    "研究生": "#4527a0",
    "大学本科": "#1565c0",
    "大学专科": "#00838f",
    "中专": "#558b2f",
    "高中": "#9e9d24",
    "初中及以下": "#ef6c00",
}
PARTY_COLOURS = {"中共党员": "#c62828", "中共预备党员": "#e57373", "民主党派": "#6a1b9a"}


def _plain(value: str) -> str:
    return value


def _relabelled(counts: dict[str, int], colours: dict[str, str], label: Label) -> Any:
    """``counts`` and ``colours`` keyed by the labels shown."""
    shown = {label(key): value for key, value in counts.items()}
    return shown, {label(key): colour for key, colour in colours.items()}


def chart_set(s: rules.Structure, label: Label = _plain) -> dict[str, Any]:
    """Geometry of every chart of ``s`` (see _macros/charts.html)."""
    education, education_colours = _relabelled(s.education, EDUCATION_COLOURS, label)
    party, party_colours = _relabelled(s.party, PARTY_COLOURS, label)
    ranks, rank_colours = _relabelled(s.ranks, dict.fromkeys(s.ranks, "#1565c0"), label)
    posts = dict.fromkeys(s.leadership, "#00695c") | {rules.NO_LEADING_POST: "#b0bec5"}
    leadership, leadership_colours = _relabelled(s.leadership, posts, label)
    grade_colours = {label(g): charts.GRADE_COLOURS.get(g, "#9e9e9e") for g in rules.GRADES}
    trend_series = {
        label(grade): [year["counts"][grade] for year in s.trend]
        for grade in rules.GRADES
        if any(year["counts"][grade] for year in s.trend) or grade != rules.NO_GRADE
    }
    return {
        "pyramid": charts.pyramid(
            [(r["band"], r["male"], r["female"]) for r in reversed(s.pyramid)]
        ),
        "education": charts.bar_rows(education, colours=education_colours),
        "ranks": charts.bar_rows(ranks, colours=rank_colours),
        "leadership": charts.bar_rows(leadership, colours=leadership_colours),
        "party": charts.bar_rows(party, colours=party_colours),
        "young": charts.stacked_rows(
            [
                (
                    r["name"],
                    [r["young"], r["total"] - r["young"]],
                    f"{r['young']}/{r['total']} {r['share']}",
                )
                for r in s.young_by_section
            ],
            colours=YOUNG_COLOURS,
        ),
        "trend": charts.line_chart(
            trend_series, [str(year["year"]) for year in s.trend], colours=grade_colours
        )
        if s.trend
        else None,
    }


def plain(s: rules.Structure) -> dict[str, Any]:
    """``s`` as plain values (the PDF refuses anything else)."""
    return {
        "on": s.on.isoformat(),
        "lines": dict(s.lines),
        "total": s.total,
        "male": s.male,
        "female": s.female,
        "female_share": s.female_share,
        "young": s.young,
        "young_share": s.young_share,
        "party_members": s.party_members,
        "party_share": s.party_share,
        "pyramid": s.pyramid,
        "education": s.education,
        "ranks": s.ranks,
        "leadership": s.leadership,
        "party": s.party,
        "young_by_section": s.young_by_section,
        "trend": s.trend,
        "grades": list(rules.GRADES),
    }
