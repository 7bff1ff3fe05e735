"""A person signs in through the real form in headless Chromium."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


def test_hr_signs_in_and_out_through_the_form(live_server, page, users):
    page.goto(f"{live_server}/")
    assert page.url.startswith(f"{live_server}/auth/login")
    screenshot(page, "01-login")
    page.fill("input[name=username]", "hr1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(f"{live_server}/")
    assert page.locator("[data-testid=cadre-count]").inner_text() == "2"
    assert "工作台" in page.title()
    screenshot(page, "02-hr-dashboard")
    # Bootstrap's JavaScript works under the CSP: the user menu opens.
    page.click("[data-testid=user-menu]")
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(f"{live_server}/auth/login")
    assert "您已安全退出" in page.content()
    assert page.console_errors == [], page.console_errors


def test_wrong_password_shows_the_generic_message(live_server, page, users):
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=username]", "hr1")
    page.fill("input[name=password]", "Wrong@pass1")
    page.click("input[type=submit]")
    assert "用户名或密码错误" in page.locator(".alert").inner_text()
    screenshot(page, "03-login-failed")


def test_cadre_sees_own_record_on_a_phone(live_server, browser, users):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=username]", "cadre1")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/me")
    assert page.locator("[data-testid=profile-name]").inner_text() == "李晓明"
    screenshot(page, "04-cadre-me-mobile")
    context.close()
