"""An assessment's HR side in headless Chromium at 1280 px: HR opens the list, makes a new
assessment from the form (subjects pasted, the groups offered by the settings, the window
typed in the office's zone), opens it, and closes it early with a reason and the
confirmation box; the page shows each state. Screenshots are kept to look at."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cadre_app.extensions import db
from cadre_app.models import Assessment, AssessmentState
from tests.conftest import PASSWORD, office_today
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e
S = AssessmentState


def test_hr_creates_opens_and_closes_an_assessment(app, org, users, live_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=username]", "hr1")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/")

    page.goto(f"{live_server}/assessments/")
    page.click("[data-testid=new-assessment]")
    page.fill("#title", "2026年度政治素质测评（浏览器）")
    page.select_option("#purpose", "年度")
    page.fill("#subjects", "T0001\n王芳")
    start = office_today() + timedelta(days=1)
    page.fill("#opens_at", f"{start.isoformat()}T09:00")
    page.fill("#closes_at", f"{(start + timedelta(days=5)).isoformat()}T17:00")
    assert page.input_value("#groups-0-name") == "领导"  # offered by the settings
    screenshot(page, "assessments-admin-new")
    page.click("[data-testid=assessment-form] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("[data-state=draft]").count() == 1
    assert page.locator("[data-subject=T0001]").count() == 1
    assert "09:00" in page.inner_text("[data-testid=window]")
    screenshot(page, "assessments-admin-draft")

    page.click("[data-testid=step-open] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("h1 [data-state=open]").count() == 1
    page.fill("#close-reason", "测评对象调整")
    page.check("#close-confirm")
    screenshot(page, "assessments-admin-open")
    page.click("[data-testid=step-closed] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("h1 [data-state=closed]").count() == 1
    screenshot(page, "assessments-admin-closed")
    page.goto(f"{live_server}/assessments/?state=closed")
    assert "2026年度政治素质测评（浏览器）" in page.inner_text("[data-testid=assessments]")
    screenshot(page, "assessments-admin-list")
    page.goto(f"{live_server}/assessments/checklists")
    screenshot(page, "assessments-admin-checklists")
    page.click("[data-testid=checklists] a >> nth=0")
    assert page.locator("[data-testid=positive] li").count() == 15
    screenshot(page, "assessments-admin-checklist")
    page.goto(f"{live_server}/assessments/settings")
    assert page.input_value("#groups-3-name") == "服务对象"
    screenshot(page, "assessments-admin-settings")
    assert errors == []
    context.close()
    with app.app_context():
        (assessment,) = db.session.scalars(db.select(Assessment)).all()
        assert assessment.state is S.CLOSED
