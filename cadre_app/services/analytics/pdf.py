"""Plain data for the 干部队伍结构分析报告 (templates/pdf/structure_report.html): the figures of
``rules.Structure`` and the geometry of the same charts as the page, in Chinese (a report of
the personnel office, not translated)."""

from __future__ import annotations

from datetime import date
from typing import Any

from cadre_app.services.analytics import report, rules

TITLE = "干部队伍结构分析报告"
TEMPLATE = "structure_report.html"


def report_data(
    s: rules.Structure, *, scope: str, organisation: str, printed: date
) -> dict[str, Any]:
    """Everything the report prints, as plain values."""
    return {
        **report.plain(s),
        "title": TITLE,
        "scope": scope,
        "organisation": organisation,
        "printed": printed.isoformat(),
        "charts": report.chart_set(s),
    }
