"""The idle timeout in headless Chromium (issue 10, item 12): the warning before the limit,
保持登录 renewing the session, and after the session ends, what the form held restored on
the same page once signed in again (never a password). The page's clock is Playwright's, so
no test waits half an hour; the server's idea of the session is set in the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import User, UserSession
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


def _idle_for(app, username: str, minutes: float) -> None:
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.username == username))
        db.session.execute(
            sa.update(UserSession)
            .where(UserSession.user_id == user_id)
            .values(last_seen_at=utcnow() - timedelta(minutes=minutes))
        )
        db.session.commit()


def _last_seen(app, username: str):
    with app.app_context():
        return db.session.scalar(
            sa.select(UserSession.last_seen_at)
            .join(User, User.id == UserSession.user_id)
            .where(User.username == username)
        )


def _sign_in(page, live_server: str, username: str) -> None:
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")


def test_warning_keep_signed_in_and_the_form_restored_after_the_timeout(
    app, live_server, page, users
):
    page.clock.install()
    page.goto(f"{live_server}/auth/login")
    _sign_in(page, live_server, "admin1")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/admin/users/new")
    page.fill("input[name=username]", "zhangsan")
    page.fill("input[name=real_name]", "张三")
    page.select_option("select[name=role]", "manager")
    page.fill("input[name=cadre_staff_no]", "T0002")
    # A password box the form might hold is never kept.
    page.evaluate(
        """() => { const box = document.createElement('input'); box.type = 'password';
        box.name = 'secret'; box.value = 'Secret-Pass1';
        document.querySelector('[data-testid=account-form]').appendChild(box); }"""
    )
    warning = page.locator("[data-testid=idle-warning]")
    assert warning.is_hidden()

    # 28 minutes on, with the server's session as old: the warning, counting down.
    _idle_for(app, "admin1", 28.5)
    page.clock.fast_forward("28:00")
    warning.wait_for(state="visible")
    assert "保持登录" in warning.inner_text() and "自动退出" in warning.inner_text()
    assert page.locator("[data-idle-countdown]").inner_text().startswith(("1:", "0:"))
    screenshot(page, "20-idle-warning")

    page.click("[data-idle-keep]")
    warning.wait_for(state="hidden")
    assert utcnow() - _last_seen(app, "admin1") < timedelta(seconds=30)

    # Then away for good: the session ends, the page goes to the login, keeping the draft.
    _idle_for(app, "admin1", 31)
    page.clock.fast_forward("30:00")
    page.wait_for_url("**/auth/login?next=%2Fadmin%2Fusers%2Fnew")
    kept = page.evaluate("() => JSON.stringify(window.sessionStorage)")
    assert "张三" in kept and "zhangsan" in kept
    assert "Secret-Pass1" not in kept and "csrf" not in kept
    screenshot(page, "21-idle-signed-out")

    _sign_in(page, live_server, "admin1")
    page.wait_for_url(f"{live_server}/admin/users/new")
    assert page.input_value("input[name=real_name]") == "张三"
    assert page.input_value("input[name=username]") == "zhangsan"
    assert page.input_value("select[name=role]") == "manager"
    assert page.input_value("input[name=cadre_staff_no]") == "T0002"
    assert page.locator("[data-draft-restored]").is_visible()
    assert page.evaluate("() => window.sessionStorage.length") == 0  # restored once
    screenshot(page, "22-idle-draft-restored")
    assert page.console_errors == [], page.console_errors


def test_a_draft_is_restored_only_for_the_one_who_typed_it(app, live_server, page, users):
    page.goto(f"{live_server}/auth/login")
    _sign_in(page, live_server, "admin1")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/admin/users/new")
    draft = {
        "saved": 0,
        "forms": [{"index": 0, "action": "/admin/users/new", "values": {"real_name": ["甲"]}}],
    }
    # someone else's, one of 13 hours ago: dropped; the user's own of now: restored
    for owner, age_hours, restored in (("someone-else", 0, ""), (None, 13, ""), (None, 0, "甲")):
        page.evaluate(
            """([draft, owner, ageHours]) => {
                draft.owner = owner || document.body.dataset.sessionUser;
                draft.saved = Date.now() - ageHours * 3600e3;
                sessionStorage.setItem('cadre-draft:/admin/users/new', JSON.stringify(draft));
            }""",
            [draft, owner, age_hours],
        )
        page.reload()
        assert page.input_value("input[name=real_name]") == restored
        assert page.locator("[data-draft-restored]").is_visible() == bool(restored)
        assert page.evaluate("() => window.sessionStorage.length") == 0
    assert page.console_errors == [], page.console_errors
