"""期满鉴定 on a phone (issue 12, item 3): at 375 px the cadre writes their own summary on /me
and HR fills in and archives the appraisal, nothing wider than the screen."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot
from tests.test_secondments_appraisal import LINE, load, make_secondment, resume_lines

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 800}


def _phone(browser, live_server, username):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/")
    return context, page


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width


def test_the_cadre_writes_the_summary_and_hr_archives_on_a_phone(
    app, org, users, live_server, browser
):
    sid = make_secondment(app, org["own_cadre"])

    context, page = _phone(browser, live_server, "cadre1")
    page.goto(f"{live_server}/me?tab=secondments")
    _fits(page)
    box = page.locator("textarea[name=summary]")
    assert box.is_visible()
    edge = box.bounding_box()
    assert edge["x"] >= 0 and edge["x"] + edge["width"] <= PHONE["width"]
    screenshot(page, "phone-secondment-summary")
    box.fill("一年来，我在示例县财政局挂职副局长。\n深入乡镇调研二十余次。")
    page.click("text=提交总结")
    page.wait_for_load_state()
    assert page.locator(".alert-success").first.inner_text().strip() == "已提交本人总结。"
    assert (
        load(app, sid)["cadre_summary"]
        == "一年来，我在示例县财政局挂职副局长。\n深入乡镇调研二十余次。"
    )
    context.close()

    context, page = _phone(browser, live_server, "hr1")
    page.goto(f"{live_server}/secondments/{sid}/appraisal")
    _fits(page)
    assert "深入乡镇调研二十余次" in page.locator("[data-testid=cadre-summary]").inner_text()
    page.fill("textarea[name=host_opinion]", "政治坚定，工作扎实。")
    page.select_option("select[name=grade]", "优秀")
    page.fill("input[name=appraised_at]", "2026-03-10")
    page.fill("textarea[name=conclusion]", "同意派驻单位鉴定意见。")
    page.click("[data-testid=archive]")
    page.wait_for_load_state()
    _fits(page)
    assert LINE in page.locator("[data-testid=resume-line]").inner_text()
    screenshot(page, "phone-secondment-archived")
    context.close()
    assert resume_lines(app, org["own_cadre"]) == [LINE]
