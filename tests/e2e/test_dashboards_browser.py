"""Each role's first page in Chromium at 1280 and 390 px (issue 15, point 3), on the demo
organisation (seeded once for the whole walk): nothing wider than the screen, no script
errors, the role's first answers visible. Screenshots in build/screenshots
(dashboard-<role>-<width>.png)."""

from __future__ import annotations

import pytest

from cadre_app.extensions import db
from tests import demo_snapshot
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

SIZES = {"1280": {"width": 1280, "height": 900}, "390": {"width": 390, "height": 844}}
PASSWORD = "Demo@2026"
#: What each role must see first (data-testid on its dashboard).
FIRST = {
    "admin": ("locked-card", "worker-card", "chain-card"),
    "auditor": ("failed-logins", "chain-card"),
    "hr": ("cadre-count",),
    "manager": ("talks-conducted-panel",),
    "cadre": ("profile-name", "my-progress"),
}


def test_each_roles_dashboard(app, live_server, browser):
    with app.app_context():
        demo_snapshot.seed()
        db.session.commit()
    for role, first in FIRST.items():
        for size, viewport in SIZES.items():
            context = browser.new_context(viewport=viewport, locale="zh-CN")
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
            page.goto(f"{live_server}/auth/login")
            page.fill("input[name=username]", role)
            page.fill("input[name=password]", PASSWORD)
            page.click("input[type=submit]")
            page.wait_for_url(f"{live_server}/")
            for testid in first:
                assert page.locator(f"[data-testid={testid}]").first.is_visible(), (role, testid)
            if role in ("admin", "auditor"):
                assert page.locator("[data-testid=chain-state]").get_attribute("data-ok") == "1"
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= viewport["width"], (role, size, wide)
            screenshot(page, f"dashboard-{role}-{size}")
            assert errors == [], (role, size, errors)
            context.close()
