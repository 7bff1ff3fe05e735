"""月度统计 in Chromium on the demo organisation (issue 15, point 2): HR opens it from the
menu, picks a measure from the summary; the chart and the sections' table at 1280 px, the
tables as cards at 390 px with nothing wider than the screen. Screenshots in
build/screenshots (statistics-monthly-*.png)."""

from __future__ import annotations

import pytest

from cadre_app.extensions import db
from tests import demo_snapshot
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

SIZES = {"1280": {"width": 1280, "height": 900}, "390": {"width": 390, "height": 844}}


def test_hr_reads_the_monthly_statistics(app, live_server, browser):
    with app.app_context():
        demo_snapshot.seed()  # once for both widths
        db.session.commit()
    for size in SIZES:
        _read(live_server, browser, size)


def _read(live_server, browser, size: str) -> None:
    context = browser.new_context(viewport=SIZES[size], locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=username]", "hr")
    page.fill("input[name=password]", "Demo@2026")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/")
    if size == "390":
        page.click("button.navbar-toggler")
    page.click("nav >> text=月度统计")
    page.wait_for_url("**/statistics/monthly")
    summary = page.locator("[data-testid=monthly-summary]")
    assert summary.is_visible()
    page.click("[data-measure=talks_opened] a")
    page.wait_for_url("**measure=talks_opened")
    assert page.locator("[data-testid=monthly-chart] svg").is_visible()
    total = int(page.locator("[data-testid=monthly-total]").inner_text())
    assert total > 0  # the demo's talks
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= SIZES[size]["width"], wide
    screenshot(page, f"statistics-monthly-{size}")
    assert errors == []
    context.close()
