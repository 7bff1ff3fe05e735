"""Two-factor sign-in in headless Chromium (issue 16, point 10): HR, whose role requires
it, signs in, is sent to the set-up page, reads the QR code's secret, confirms with a code,
sees the recovery codes once, then signs in again with password and code. Both pages at
1280 px and on a 390 px phone."""

from __future__ import annotations

import time

import pyotp
import pytest

from cadre_app.config import Config
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width, height", [(1280, 800), (390, 844)])
def test_hr_enrols_and_signs_in_with_a_code(
    live_server, browser, users, app, monkeypatch, width, height
):
    monkeypatch.setitem(app.config, "TOTP_REQUIRED_ROLES", list(Config.TOTP_REQUIRED_ROLES))
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=username]", "hr1")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/auth/two-factor")
    assert "须启用两步验证" in page.content()
    qr = page.locator("[data-testid=totp-qr]")
    # the SVG data: image is drawn under the CSP, large enough for a phone's camera
    assert page.evaluate("img => img.complete && img.naturalWidth > 100", qr.element_handle())
    box = qr.bounding_box()
    assert box is not None and 150 <= box["width"] <= 230
    assert _fits(page)
    screenshot(page, f"2fa-enrol-{width}")
    secret = page.locator("[data-testid=totp-secret]").get_attribute("data-secret")
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.get_by_role("button", name="启用两步验证").click()
    codes = page.locator("[data-testid=recovery-codes] li").all_inner_texts()
    assert len(codes) == 10
    assert _fits(page)
    screenshot(page, f"2fa-recovery-codes-{width}")
    page.get_by_role("link", name="我已保存，继续").click()
    page.wait_for_url(f"{live_server}/")
    context.close()
    # another browser: password, then the code page
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=username]", "hr1")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/auth/code")
    assert _fits(page)
    screenshot(page, f"2fa-code-{width}")
    # the code of the step used at enrolment is spent: the next step's (within the drift)
    page.fill("input[name=code]", pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="验证").click()
    page.wait_for_url(f"{live_server}/")
    assert page.locator("[data-testid=cadre-count]").inner_text() == "2"
    assert errors == [], errors
    context.close()
