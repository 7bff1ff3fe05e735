"""The grade chart: server-drawn SVG whose labels never run into each other (issue 10, point
15: the English labels overlapped), in either language, at 1280 or 390 px."""

from __future__ import annotations

from cadre_app.services.core import charts
from cadre_app.services.records.appointment_form import text_width_em

GRADES = {"优秀": 18, "称职": 100, "基本称职": 2, "不称职": 0, "不定等次": 0, "未定": 0}
ENGLISH = ("Excellent", "Competent", "Basically competent", "Incompetent", "No grade", "Not graded")
LABEL_PX, VALUE_PX = 15, 14


def test_each_label_has_a_line_of_its_own_and_every_text_fits_the_width():
    chart = charts.bar_rows(GRADES)
    rows = chart["rows"]
    assert [r["label"] for r in rows] == list(GRADES)
    for above, below in zip(rows, rows[1:], strict=False):
        # the next label starts below this row's bar and value: nothing shares a line
        assert below["label_y"] - LABEL_PX >= above["value_y"]
        assert below["label_y"] - LABEL_PX >= above["y"] + above["h"]
    for row, english in zip(rows, ENGLISH, strict=True):
        longest = max(text_width_em(row["label"]), text_width_em(english) * 1.1)
        assert row["x"] + 4 + longest * LABEL_PX <= chart["width"]
        value = f"{row['value']} ({row['share']})"
        assert row["value_x"] + text_width_em(value) * VALUE_PX <= chart["width"]
        assert row["label_y"] < row["y"] < row["value_y"] <= chart["height"]
    assert max(r["w"] for r in rows) == rows[1]["w"]  # the longest bar is the largest count


def test_the_ranking_page_draws_rows_with_translated_labels(app, hr_client, org):
    from cadre_app.extensions import db
    from cadre_app.services.evaluations import operations as evaluation

    with app.app_context():
        evaluation.ensure_cycle(2026, actor="hr")
        db.session.commit()
    hr_client.post("/auth/language", data={"lang": "en", "next": "/"})
    page = hr_client.get("/evaluations/2026/ranking").get_data(as_text=True)
    svg = page.split('<svg class="chart chart-rows"')[1].split("</svg>")[0]
    assert ">Basically competent</text>" in svg and ">Excellent</text>" in svg
    assert "基本称职" not in svg and "（" not in svg
