"""HR works a course in headless Chromium: creates it, enrols a section, records attendance
with one cadre over the 1/7 leave limit (未结业, 0 学时, the reason shown); the course page
at phone width; no CSP errors. Then the cadre signs in on a phone and finds, on /me, their
development plan and the hours bar with the course's 学时 (issue 11's browser story)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import User
from cadre_app.services.training import plans
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot
from tests.factories import CadreFactory

pytestmark = pytest.mark.e2e


def test_hr_creates_a_course_enrols_a_section_and_records_attendance(
    app, org, users, live_server, page
):
    with app.app_context():
        CadreFactory(department_id=org["budget"], name="赵明远", staff_no="T0003")
        db.session.commit()
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=username]", "hr1")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/")

    page.goto(f"{live_server}/training/courses/new")
    page.fill("#name", "预算绩效管理专题培训班")
    page.select_option("#category", "专题培训班")
    page.select_option("#mode", "脱产")
    page.fill("#organiser", "市委组织部")
    page.fill("#start_date", "2026-03-02")
    page.fill("#end_date", "2026-03-06")
    page.fill("#hours", "35")
    page.fill("#capacity", "30")
    screenshot(page, "40-training-course-new")
    page.click("[data-testid=course-form] button[type=submit]")
    page.wait_for_url("**/training/courses/*")

    page.select_option("[data-testid=section-form] select", str(org["budget"]))
    page.click("[data-testid=section-form] button[type=submit]")
    page.wait_for_url("**/training/courses/*")
    assert "已报名 2 人" in page.content()
    rows = page.locator("[data-testid=participants] tbody tr")
    assert rows.count() == 2

    own = page.locator("tr[data-cadre=T0001]")
    own.locator("input[name=leave_hours]").fill("5")  # exactly 1/7: passes
    own.locator("button[type=submit]").first.click()
    page.wait_for_url("**/training/courses/*")
    other = page.locator("tr[data-cadre=T0003]")
    other.locator("input[name=leave_hours]").fill("6")  # above 1/7: 未结业
    other.locator("button[type=submit]").first.click()
    page.wait_for_url("**/training/courses/*")

    own = page.locator("tr[data-cadre=T0001]")
    other = page.locator("tr[data-cadre=T0003]")
    assert "结业" in own.locator("[data-testid=passed]").inner_text()
    assert own.locator("[data-testid=earned]").inner_text().strip() == "30.0"
    assert "未结业" in other.locator("[data-testid=passed]").inner_text()
    assert other.locator("[data-testid=earned]").inner_text().strip() == "0.0"
    assert "超过课程 35.0 学时的 1/7" in other.locator("[data-testid=reason]").inner_text()
    screenshot(page, "41-training-course-attendance")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    screenshot(page, "42-training-course-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width  # nothing sticks out at phone width
    page.goto(f"{live_server}/training/")
    screenshot(page, "43-training-index-phone")
    assert page.console_errors == [], page.console_errors  # the CSP blocked nothing

    # the cadre's plan, made as HR would make it, then the cadre on a phone
    with app.app_context():
        today = clock.today()
        manager = db.session.scalar(db.select(User).where(User.username == "manager1"))
        plan = plans.create_plan(
            {
                "cadre_id": org["own_cadre"],
                "period_start": today - timedelta(days=90),
                "period_end": today + timedelta(days=640),
                "goals": "熟悉预算绩效管理全流程",
                "review_interval_months": 3,
                "mentor_user_id": manager.id if manager else None,
            },
            actor="hr1",
        )
        plans.add_milestone(plan, "完成基层调研报告", today - timedelta(days=3), None, actor="hr1")
        plans.transition(plan, "active", expected_version=plan.version, note=None, actor="hr1")
        db.session.commit()
    page.context.clear_cookies()
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=username]", "cadre1")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/me?tab=training")
    plan_card = page.locator("[data-testid=plan-section]")
    assert "熟悉预算绩效管理全流程" in plan_card.inner_text()
    assert "完成基层调研报告" in plan_card.inner_text()
    bar = page.locator("[data-testid=hours-bar]")
    assert bar.get_attribute("aria-valuenow") == "33"  # 30 of 90 学时
    assert "还差 60.0 学时" in page.locator("[data-testid=hours-short]").inner_text()
    assert "预算绩效管理专题培训班" in page.locator("[data-testid=hours-records]").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    screenshot(page, "44-training-me-phone")
    assert page.console_errors == [], page.console_errors
