"""The auditor reads the log in headless Chromium: the table, a filter, no CSP errors."""

from __future__ import annotations

import pytest

from cadre_app.extensions import db
from cadre_app.services.core import audit
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


def _some_events(app) -> None:
    with app.app_context():
        audit.record(
            "login_failed", object_type="user", summary="hr1", result="fail", actor_name=None
        )
        audit.record(
            "update",
            object_type="cadre",
            object_id=1,
            summary="T0001 李晓明",
            before={"position_title": "科员", "rank": "一级科员"},
            after={"position_title": "副科长", "rank": "四级主任科员", "version": 2},
            actor_name="hr1",
            actor_role="hr",
        )
        audit.record(
            "reveal",
            object_type="cadre",
            object_id=1,
            summary="T0001 李晓明",
            after={"id_number": "110105199001010023"},
            actor_name="hr1",
            actor_role="hr",
        )
        db.session.commit()


def test_auditor_reads_and_filters_the_log(app, live_server, page, users):
    _some_events(app)
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=username]", "auditor1")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/audit/")
    assert "审计日志" in page.title()
    table = page.locator("[data-testid=audit-table]")
    # who did what to which record and which fields: never the values (issue 16, finding 4)
    assert "现任职务" in table.inner_text() and "副科长" not in table.inner_text()
    assert "110105" not in table.inner_text() and "0023" not in table.inner_text()
    screenshot(page, "10-audit-log")

    page.select_option("select[name=action]", "reveal")
    page.click("[data-testid=audit-filters] button[type=submit]")
    page.wait_for_url("**/audit/?*action=reveal*")
    assert page.locator("[data-testid=audit-table] tbody tr").count() == 1
    screenshot(page, "11-audit-log-filtered")
    assert page.console_errors == [], page.console_errors  # the CSP blocked nothing

    page.goto(f"{live_server}/audit/?date_from=2026-02-30")
    assert "请输入有效日期" in page.locator("[data-testid=filter-errors]").inner_text()
    screenshot(page, "12-audit-log-bad-filter")
    # Chromium logs the 400 itself as a console error; nothing else may appear.
    assert all("status of 400" in error for error in page.console_errors), page.console_errors
