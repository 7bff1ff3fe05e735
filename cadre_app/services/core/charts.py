"""Charts drawn on the server as SVG geometry, so they work offline, under a strict CSP and
in PDFs. The template ``_macros/charts.html`` turns the geometry into <svg> elements."""

from __future__ import annotations

from typing import Any

#: Calm colours per grade; anything else is grey.
GRADE_COLOURS = {
    "优秀": "#2e7d32",
    "称职": "#1565c0",
    "基本称职": "#ef6c00",
    "不称职": "#c62828",
    "不定等次": "#757575",
    "未定": "#bdbdbd",
}


def bar_chart(
    counts: dict[str, int],
    *,
    width: int = 520,
    height: int = 220,
    colours: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Vertical bars for ``counts`` (label -> value) with value labels and a baseline."""
    colours = colours or GRADE_COLOURS
    labels = list(counts)
    top, bottom, left, right = 24, 36, 12, 12
    plot_h = height - top - bottom
    slot = (width - left - right) / max(1, len(labels))
    bar_w = slot * 0.6
    peak = max(counts.values(), default=0) or 1
    total = sum(counts.values())
    bars = []
    for i, label in enumerate(labels):
        value = counts[label]
        h = plot_h * value / peak
        x = left + i * slot + (slot - bar_w) / 2
        bars.append(
            {
                "label": label,
                "value": value,
                "share": f"{value / total:.0%}" if total else "0%",
                "x": round(x, 1),
                "y": round(top + plot_h - h, 1),
                "w": round(bar_w, 1),
                "h": round(h, 1),
                "cx": round(x + bar_w / 2, 1),
                "colour": colours.get(label, "#9e9e9e"),
            }
        )
    return {
        "width": width,
        "height": height,
        "baseline": top + plot_h,
        "label_y": height - 12,
        "bars": bars,
        "total": total,
    }


def bar_rows(
    counts: dict[str, int],
    *,
    width: int = 360,
    colours: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Horizontal bars for ``counts``, one row per label: the label on its own line above its
    bar and the value after the bar's end. No label shares a line with another, so none can
    run into the next however long its translation ("Basically competent") and whatever
    width the page scales the chart to (1280 px or a 390 px phone)."""
    colours = colours or GRADE_COLOURS
    left, right, top, row = 2, 2, 2, 38
    value_room = 90  # "100 (83%)" after the longest bar
    plot_w = width - left - right - value_room
    peak = max(counts.values(), default=0) or 1
    total = sum(counts.values())
    rows = []
    for i, (label, value) in enumerate(counts.items()):
        y = top + i * row
        w = plot_w * value / peak
        rows.append(
            {
                "label": label,
                "value": value,
                "share": f"{value / total:.0%}" if total else "0%",
                "label_y": y + 15,
                "x": left,
                "y": y + 20,
                "w": round(max(w, 1.5), 1),  # a zero still shows where its bar starts
                "h": 13,
                "value_x": round(left + w + 6, 1),
                "value_y": y + 31,
                "colour": colours.get(label, "#9e9e9e"),
            }
        )
    return {
        "rows": rows,
        "width": width,
        "height": top + len(rows) * row + 2,
        "baseline_x": left,
        "total": total,
    }
