"""Phones (issue 10, item 16): at 390 px every table reads as one card per row, nothing cut
off; the cadre sees their own grade; the 关注 mark has a visible legend."""

from __future__ import annotations

import pytest

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.services.evaluations import operations as evaluation
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot
from tests.test_evaluation import score

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}

#: Every table on the page: its width, its container's width, and whether each body cell lies
#: within the viewport (a cell off to the right is hidden behind a sideways scroll).
MEASURE = """() => [...document.querySelectorAll('main table')].map(t => ({
  width: Math.round(t.getBoundingClientRect().width),
  room: Math.round(t.parentElement.getBoundingClientRect().width),
  hidden: [...t.querySelectorAll('tbody td')].filter(c => c.offsetParent !== null)
    .filter(c => c.getBoundingClientRect().right > window.innerWidth + 1).length,
}))"""


@pytest.fixture
def three_falling_years(app, org, users):
    """李晓明 (cadre1) scored 2023-2025 with falling totals, each year ranked, 2025 confirmed."""
    for year, points in ((2023, 90), (2024, 85), (2025, 80)):
        score(app, year, [org["own_cadre"], org["other_cadre"]], [(points,) * 3, (88, 88, 88)])
        with app.app_context():
            evaluation.rank_cycle(evaluation.get_cycle(year), actor="test")
            db.session.commit()
    with app.app_context():
        evaluation.confirm_cycle(evaluation.get_cycle(2025), actor="hr", today=clock.today())
        db.session.commit()


def _phone(browser, live_server, username):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/")
    return context, page


def _all_readable(page):
    tables = page.evaluate(MEASURE)
    assert tables, "no table on the page"
    for table in tables:
        assert table["width"] <= table["room"] and table["hidden"] == 0, tables


def test_the_cadre_sees_their_own_grade_on_a_phone(live_server, browser, three_falling_years):
    context, page = _phone(browser, live_server, "cadre1")
    page.goto(f"{live_server}/me?tab=evaluation")
    _all_readable(page)
    grade = page.locator("table tbody tr").first.locator("td[data-label='等次']")
    assert grade.inner_text().startswith("称职") and grade.is_visible()
    box = grade.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"]
    screenshot(page, "phone-cadre-evaluation")
    context.close()


def test_ranking_and_roster_fit_a_phone_and_explain_the_attention_mark(
    live_server, browser, three_falling_years
):
    context, page = _phone(browser, live_server, "hr1")
    page.goto(f"{live_server}/evaluations/2025/ranking")
    _all_readable(page)
    legend = page.locator("[data-testid=attention-legend]")
    assert legend.is_visible() and "总分连续三年下降" in legend.inner_text()
    screenshot(page, "phone-ranking")
    page.goto(f"{live_server}/cadres/")
    _all_readable(page)
    assert page.locator("thead .sort-link").first.is_visible()  # still sortable on a phone
    screenshot(page, "phone-roster")
    context.close()
