"""The structure report's charts (services/core/charts.py): an age pyramid, stacked rows and a
line over years, as geometry that fits its drawing at 360 units (a 390 px phone)."""

from __future__ import annotations

from cadre_app.services.core import charts


def test_pyramid_grows_both_ways_from_the_middle_column():
    chart = charts.pyramid([(">55", 2, 1), ("≤30", 4, 0)], width=360)
    old, young = chart["rows"]
    assert (old["label"], young["label"]) == (">55", "≤30")  # drawn in the order given
    assert young["lx"] + young["lw"] == chart["left_axis"]  # left bars end at the column
    assert old["rx"] == chart["right_axis"]
    assert young["lw"] == 2 * old["lw"]  # one scale for both sides
    assert young["rw"] == 1.0  # a zero still marks where its bar starts
    for row in chart["rows"]:  # values stay inside the drawing
        assert row["left_value_x"] >= 30 and row["right_value_x"] <= chart["width"] - 30
    assert chart["height"] == 26 + 2 * 26 + 4


def test_stacked_rows_share_one_scale_and_put_the_note_after_the_bar():
    chart = charts.stacked_rows(
        [("预算处", [3, 2], "3/5 60.0%"), ("国库处", [2, 8], "2/10 20.0%")],
        colours=["#2e7d32", "#cfd8dc"],
    )
    small, large = chart["rows"]
    assert sum(s["w"] for s in large["segments"]) == 2 * sum(s["w"] for s in small["segments"])
    assert large["note_x"] > large["segments"][-1]["x"] + large["segments"][-1]["w"]
    assert large["note_x"] + 100 <= chart["width"]


def test_line_chart_axis_counts_whole_people():
    chart = charts.line_chart({"优秀": [1, 3], "称职": [7, 5]}, ["2024", "2025"])
    assert [g["value"] for g in chart["grid"]] == ["0", "2", "4", "6", "8"]
    line = chart["lines"][1]
    assert line["colour"] == charts.GRADE_COLOURS["称职"]
    (x1, y1, v1), (x2, y2, v2) = line["points"]
    assert (v1, v2) == (7, 5) and x1 < x2 and y1 < y2  # more is higher up
    assert chart["baseline"] == chart["grid"][0]["y"]
    assert chart["legend"][0]["y"] > chart["x_label_y"]  # the legend under the plot


def test_nice_steps():
    assert [charts._nice_step(v) for v in (0, 4, 5, 9, 100, 101)] == [1, 1, 2, 5, 25, 50]
