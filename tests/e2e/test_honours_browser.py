"""The honour roll in headless Chromium, from nomination to reading: the demo-like manager
nominates a cadre of their section with a photo (1280 px), HR approves it on its page and
publishes the quarter from the management page, and the cadre reads the roll on a phone
(390 px). Screenshots of the roll at both widths go to build/screenshots."""

from __future__ import annotations

from io import BytesIO

import pytest
from PIL import Image

from cadre_app.extensions import db
from cadre_app.models import HonourEntry, HonourState
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e
DEEDS = (
    "该同志工作勤恳踏实，在预算审核中严格把关、节约资金。\n"
    "面对任务重、时间紧的情况，主动加班加点，带头攻坚。"
)


def _sign_in(browser, live_server, username, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/")
    return context, page


def _photo(tmp_path):
    out = BytesIO()
    Image.new("RGB", (300, 400), (120, 150, 200)).save(out, "JPEG")
    path = tmp_path / "photo.jpg"
    path.write_bytes(out.getvalue())
    return path


def test_nominated_approved_published_and_read_on_a_phone(
    app, org, users, live_server, browser, tmp_path
):
    context, page = _sign_in(browser, live_server, "manager1", {"width": 1280, "height": 900})
    page.click("nav >> text=光荣榜")
    page.wait_for_url(f"{live_server}/honours/")  # is_visible does not wait for the new page
    assert page.locator("[data-testid=roll-empty]").is_visible()
    page.click("[data-testid=manage]")
    page.click("[data-testid=nominate]")
    form = page.locator("[data-testid=nomination-form]")
    form.locator("#quarter").fill("2025-3")
    form.locator("#kind").select_option("individual")
    form.locator("#staff_no").fill("T0001")
    form.locator("#title").fill("攻坚克难标兵")
    form.locator("#deeds").fill(DEEDS)
    form.locator("#photo").set_input_files(str(_photo(tmp_path)))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "已提名" in page.inner_text("body")
    context.close()

    context, page = _sign_in(browser, live_server, "hr1", {"width": 1280, "height": 900})
    page.goto(f"{live_server}/honours/manage")
    page.click("text=李晓明")
    page.locator("[data-testid=step-approved] button[type=submit]").click()
    page.wait_for_load_state()
    assert "已转为“已通过”" in page.inner_text("body")
    page.goto(f"{live_server}/honours/manage")
    page.locator("[data-testid=publish-2025-3] button[type=submit]").click()
    page.wait_for_url(f"{live_server}/honours/2025/3")
    assert page.locator("[data-testid=roll-people] [data-entry-id]").count() == 1
    assert page.locator("img.honour-photo").evaluate("img => img.naturalWidth") == 300
    screenshot(page, "honours-roll-1280")
    context.close()
    with app.app_context():
        entry = db.session.scalar(db.select(HonourEntry))
        assert entry.state is HonourState.PUBLISHED and entry.nominated_by == "manager1"

    context, page = _sign_in(browser, live_server, "cadre1", {"width": 390, "height": 844})
    page.goto(f"{live_server}/honours/")
    assert page.locator("[data-testid=roll-quarter]").inner_text() == "2025年第三季度"
    card = page.locator("[data-testid=roll-people] [data-entry-id]")
    assert "李晓明" in card.inner_text() and "攻坚克难标兵" in card.inner_text()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, overflow
    photo = page.locator("img.honour-photo").bounding_box()
    assert photo and photo["x"] >= 0 and photo["x"] + photo["width"] <= 390
    assert page.locator("[data-testid=manage]").count() == 0
    screenshot(page, "honours-roll-390")
    context.close()
