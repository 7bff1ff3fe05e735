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


#: A calm pair for the two sides of an age pyramid.
GENDER_COLOURS = {"男": "#1565c0", "女": "#c2185b"}


def pyramid(
    rows: list[tuple[str, int, int]],
    *,
    width: int = 360,
    colours: tuple[str, str] = (GENDER_COLOURS["男"], GENDER_COLOURS["女"]),
) -> dict[str, Any]:
    """An age pyramid: one row per (label, left value, right value), drawn top to bottom in
    the order given (pass the oldest band first). Labels sit in a middle column, the left
    bars grow leftwards from it, the right bars rightwards, each value just past its bar's
    end; a 360-wide drawing stays legible on a 390 px phone."""
    top, row_h, bar_h, centre, room = 26, 26, 18, 58, 40
    half = (width - centre) / 2 - room
    mid = width / 2
    peak = max((max(left, right) for _label, left, right in rows), default=0) or 1
    drawn = []
    for i, (label, left, right) in enumerate(rows):
        y = top + i * row_h
        lw, rw = half * left / peak, half * right / peak
        lx = mid - centre / 2 - lw
        rx = mid + centre / 2
        drawn.append(
            {
                "label": label,
                "left": left,
                "right": right,
                "y": y,
                "h": bar_h,
                "text_y": y + 14,
                "lx": round(lx, 1),
                "lw": round(max(lw, 1.0), 1),
                "rx": round(rx, 1),
                "rw": round(max(rw, 1.0), 1),
                "left_value_x": round(lx - 4, 1),
                "right_value_x": round(rx + rw + 4, 1),
            }
        )
    return {
        "width": width,
        "height": top + len(rows) * row_h + 4,
        "mid": mid,
        "left_axis": mid - centre / 2,
        "right_axis": mid + centre / 2,
        "heading_y": 15,
        "rows": drawn,
        "colours": colours,
    }


def stacked_rows(
    rows: list[tuple[str, list[int], str]],
    *,
    colours: list[str],
    width: int = 360,
) -> dict[str, Any]:
    """Horizontal stacked bars, one row per (label, segment values, note): the label on its
    own line above the bar (as ``bar_rows``), the note (``12/40 30.0%``) after the bar. All
    rows share one scale, the largest row's total."""
    left, top, row = 2, 2, 38
    note_room = 110
    plot_w = width - left - note_room
    peak = max((sum(values) for _label, values, _note in rows), default=0) or 1
    drawn = []
    for i, (label, values, note) in enumerate(rows):
        y = top + i * row
        x = float(left)
        segments = []
        for value, colour in zip(values, colours, strict=False):
            w = plot_w * value / peak
            segments.append({"x": round(x, 1), "w": round(w, 1), "colour": colour, "value": value})
            x += w
        drawn.append(
            {
                "label": label,
                "label_y": y + 15,
                "y": y + 20,
                "h": 13,
                "segments": segments,
                "note": note,
                "note_x": round(x + 6, 1),
                "note_y": y + 31,
            }
        )
    return {"rows": drawn, "width": width, "height": top + len(rows) * row + 2, "left": left}


def _nice_step(value: int, steps: int = 4) -> int:
    """The smallest whole step of 1, 2, 2.5 or 5 × 10^k (2.5 only from 25 up) such that
    ``steps`` of them reach ``value``: the grid of a count axis (0, 25, 50, 75, 100), never a
    fraction of a person."""
    scale = 1
    while True:
        candidates = (scale, 2 * scale, 25 * scale // 10, 5 * scale) if scale >= 10 else (1, 2, 5)
        for step in candidates:
            if step * steps >= value:
                return step
        scale *= 10


def line_chart(
    series: dict[str, list[int]],
    x_labels: list[str],
    *,
    colours: dict[str, str] | None = None,
    width: int = 360,
    height: int = 220,
) -> dict[str, Any]:
    """One line per series (label -> values, one per x label) over a shared y axis from 0,
    with four grid lines, a dot per point and a legend in rows under the plot (as many items
    a row as fit), so it reads at 360 wide."""
    colours = colours or GRADE_COLOURS
    left, right, top = 40, 16, 12
    plot_h = height - top - 28
    plot_w = width - left - right
    step = _nice_step(max((v for values in series.values() for v in values), default=0))
    peak = step * 4
    n = len(x_labels)

    def x_at(i: int) -> float:
        return left + (plot_w * (i + 0.5) / n if n else 0)

    def y_at(v: int) -> float:
        return top + plot_h - plot_h * v / peak

    grid = [{"y": round(y_at(peak * k / 4), 1), "value": f"{peak * k / 4:g}"} for k in range(5)]
    lines = []
    for label, values in series.items():
        points = [(round(x_at(i), 1), round(y_at(v), 1), v) for i, v in enumerate(values)]
        lines.append(
            {
                "label": label,
                "colour": colours.get(label, "#9e9e9e"),
                "points": points,
                "path": " ".join(f"{x},{y}" for x, y, _v in points),
            }
        )
    per_row = max(1, width // 115)
    legend_top = height + 4
    legend = [
        {
            "label": line["label"],
            "colour": line["colour"],
            "x": left + (i % per_row) * 115,
            "y": legend_top + (i // per_row) * 20,
        }
        for i, line in enumerate(lines)
    ]
    legend_rows = (len(lines) + per_row - 1) // per_row
    return {
        "width": width,
        "height": legend_top + legend_rows * 20 + 4,
        "left": left,
        "right_x": width - right,
        "baseline": round(y_at(0), 1),
        "grid": grid,
        "x_labels": [{"label": lab, "x": round(x_at(i), 1)} for i, lab in enumerate(x_labels)],
        "x_label_y": top + plot_h + 18,
        "lines": lines,
        "legend": legend,
    }
