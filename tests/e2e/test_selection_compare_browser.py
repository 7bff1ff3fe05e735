"""赛道相马 in headless Chromium, as the demo manager would use it: open the comparison of a
round they review, tick three candidates, compare; the table at 1280 px (first column fixed
while it scrolls), the stacked rows at 390 px with nothing wider than the screen; the
landscape PDF downloaded and rendered to PNG to look at."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import SCREENSHOTS, screenshot
from tests.test_selection_compare_web import _round, three  # noqa: F401

pytestmark = pytest.mark.e2e


def _sign_in(browser, live_server, username, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/")
    return context, page


def test_the_manager_compares_three_candidates_of_their_round(
    app,
    users,
    three,  # noqa: F811
    live_server,
    browser,
):
    round_id = _round(app, three, users["manager"])
    context, page = _sign_in(browser, live_server, "manager1", {"width": 1280, "height": 900})
    page.goto(f"{live_server}/selection/compare?round={round_id}")
    form = page.locator("[data-testid=compare-form]")
    for key in ("a", "b", "c"):
        form.locator(f"#pick-{three[key]}").check()
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    table = page.locator("[data-testid=compare-table]")
    assert table.is_visible()
    assert table.locator("thead th[data-cadre-id]").all_inner_texts()[0].startswith("甲一")
    assert "表彰奖励" in table.inner_text() and "光荣榜尚未建立" not in table.inner_text()
    assert table.locator("td.compare-best").count() >= 5
    assert table.locator("tr[data-differs] td.table-warning").count() >= 10
    sticky = page.evaluate(
        "getComputedStyle(document.querySelector('[data-testid=compare-table] tbody th')).position"
    )
    assert sticky == "sticky"
    screenshot(page, "70-selection-compare-1280")
    response = page.request.get(
        live_server + page.locator("[data-testid=compare-pdf]").get_attribute("href")
    )
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pdf = SCREENSHOTS / "70-selection-compare.pdf"
    pdf.write_bytes(response.body())
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for words in ("干部赛道相马比较表", "甲一", "乙二", "丙三", "预算处副处长选任"):
        assert words in text, words
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", str(pdf), str(pdf.with_suffix(""))], check=True
        )
    url = page.url
    assert page.console_errors == [] if hasattr(page, "console_errors") else True
    context.close()

    context, phone = _sign_in(browser, live_server, "manager1", {"width": 390, "height": 844})
    phone.goto(url)
    assert not phone.locator("[data-testid=compare-table]").is_visible()
    stacked = phone.locator("[data-testid=compare-stacked]")
    assert stacked.is_visible() and "连续上升" in stacked.inner_text()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    screenshot(phone, "70-selection-compare-390")
    context.close()
