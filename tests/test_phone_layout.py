"""Phones (issue 10, item 16), the server's part: every page loads the table script, and the
关注 mark has a visible legend where it is used (the browser test checks the layout)."""

from __future__ import annotations

from cadre_app.extensions import db
from cadre_app.services.evaluations import operations as evaluation
from tests.test_evaluation import score


def _rank_three_falling_years(app, org):
    for year, points in ((2023, 90), (2024, 85), (2025, 80)):
        score(app, year, [org["own_cadre"], org["other_cadre"]], [(points,) * 3, (88, 88, 88)])
        with app.app_context():
            evaluation.rank_cycle(evaluation.get_cycle(year), actor="test")
            db.session.commit()


def test_the_attention_mark_has_a_visible_legend(app, hr_client, org):
    _rank_three_falling_years(app, org)
    html = hr_client.get("/evaluations/2025/ranking").get_data(as_text=True)
    assert 'data-testid="attention-legend"' in html
    legend = html.split('data-testid="attention-legend"')[1].split("</p>")[0]
    assert "关注" in legend and "总分连续三年下降" in legend
    # a year without the mark has no legend
    assert 'data-testid="attention-legend"' not in hr_client.get(
        "/evaluations/2023/ranking"
    ).get_data(as_text=True)


def test_every_page_loads_the_phone_table_script(hr_client):
    for url in ("/", "/cadres/"):
        assert "/static/js/tables.js" in hr_client.get(url).get_data(as_text=True)
    script = hr_client.get("/static/js/tables.js")
    assert script.status_code == 200 and b"table-stack" in script.data
    script.close()
