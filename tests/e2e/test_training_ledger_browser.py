"""The 学时 pages in Chromium: the cadre's hours bar on /me at phone width, HR's table with its
chart at desktop width and on a phone (one card per row, nothing cut off)."""

from __future__ import annotations

from datetime import date

import pytest

from cadre_app.extensions import db
from tests.conftest import PASSWORD, office_today
from tests.e2e.conftest import screenshot
from tests.test_training_ledger import essay, lecture, record

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
HIDDEN_CELLS = """() => [...document.querySelectorAll('main table tbody td')]
  .filter(c => c.offsetParent !== null)
  .filter(c => c.getBoundingClientRect().right > window.innerWidth + 1).length"""


@pytest.fixture
def hours(app, org, users):
    year = office_today().year
    with app.app_context():
        record(org["own_cadre"], "40", end=date(year, 3, 1))
        record(org["own_cadre"], "56", leave="9", end=date(year, 4, 1))  # over 1/7: 0
        record(org["own_cadre"], "30", category="网络培训", mode="网络", end=date(year, 5, 1))
        lecture(org["other_cadre"], date(year, 6, 1), [org["own_cadre"]])
        essay(org["own_cadre"], "良好", date(year, 6, 2))
        record(org["other_cadre"], "90", end=date(year, 3, 1))
        db.session.commit()
    return org


def _login(browser, live_server, username, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/")
    return context, page


def test_the_cadre_sees_the_hours_bar_on_a_phone(browser, live_server, hours):
    context, page = _login(browser, live_server, "cadre1", PHONE)
    try:
        page.goto(f"{live_server}/me?tab=training")
        bar = page.locator("[data-testid=hours-bar]")
        assert bar.get_attribute("aria-valuenow") == "87"  # 40 + 30 online + 1 + 8 = 79 of 90
        box = bar.bounding_box()
        assert box["width"] > 300 and box["x"] + box["width"] <= PHONE["width"]
        assert page.evaluate(HIDDEN_CELLS) == 0
        assert "还差" in page.locator("[data-testid=hours-short]").inner_text()
        screenshot(page, "training-hours-me-phone")
    finally:
        context.close()


def test_hr_sees_the_table_and_chart(browser, live_server, hours):
    context, page = _login(browser, live_server, "hr1", {"width": 1280, "height": 900})
    try:
        page.goto(f"{live_server}/training/hours")
        assert page.locator("[data-testid=hours-chart] svg").count() == 1
        assert page.locator("[data-testid=hours-table] tbody tr").count() == 2
        screenshot(page, "training-hours-hr")
        page.set_viewport_size(PHONE)
        page.reload()
        assert page.evaluate(HIDDEN_CELLS) == 0
        screenshot(page, "training-hours-hr-phone")
    finally:
        context.close()
