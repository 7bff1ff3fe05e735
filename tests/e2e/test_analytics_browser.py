"""HR's dashboard and the structure page in headless Chromium at 1280 and 390 px: every chart
drawn (no console error, so nothing broke the CSP), nothing wider than the screen, the numbers
in tables beside the charts; a manager sees their own section only."""

from __future__ import annotations

import pytest

from tests import analytics_org as hand
from tests.conftest import PASSWORD, office_today
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


def _sign_in(browser, live_server, username, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/")
    return context, page, errors


@pytest.mark.parametrize("width", [1280, 390])
def test_hr_dashboard_and_structure_page(app, org, users, live_server, browser, width):
    hand.make_pool(app, org)
    context, page, errors = _sign_in(browser, live_server, "hr1", width)
    panel = page.locator("[data-testid=structure-panel]")
    assert panel.locator("svg.chart").count() == 4
    assert office_today().isoformat() in panel.inner_text()  # the panel counts ages today
    screenshot(page, f"70-structure-dashboard-hr-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.goto(f"{live_server}/analytics/structure?as_of=2026-06-15")
    assert page.locator("svg.chart").count() == 7
    pyramid = page.locator("[data-testid=table-pyramid]").inner_text()
    assert "31–35" in pyramid
    young = page.locator("[data-testid=table-young]").inner_text()
    assert "预算处" in young and "66.7%" in young  # 4 of 6 on 2026-06-15
    screenshot(page, f"71-structure-page-hr-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert not errors, errors
    context.close()


def test_manager_sees_their_section(app, org, users, live_server, browser):
    hand.make_pool(app, org)
    context, page, errors = _sign_in(browser, live_server, "manager1", 390)
    page.goto(f"{live_server}/analytics/structure?as_of=2026-06-15")
    options = page.locator("#section option").all_inner_texts()
    assert options[1:] == ["预算处"]
    assert "国库处" not in page.content()
    screenshot(page, "72-structure-page-manager-390")
    assert not errors, errors
    context.close()
