"""HR in headless Chromium: a new position, a 诫勉 recorded, the eligibility reviewed and read
with its reasons (1280 px and 390 px screenshots to look at)."""

from __future__ import annotations

from datetime import date

import pytest

from cadre_app.extensions import db
from cadre_app.models import Department
from tests.conftest import PASSWORD, office_today
from tests.e2e.conftest import screenshot
from tests.factories import CadreFactory

pytestmark = pytest.mark.e2e


def test_hr_creates_a_position_records_an_admonition_and_reads_eligibility(
    app, org, users, live_server, browser
):
    with app.app_context():
        section = db.session.get(Department, org["treasury"])
        CadreFactory.create_batch(
            8,
            department=section,
            rank="二级主任科员",
            rank_since=date(2021, 5, 1),
            political_status="中共党员",
            ft_education="大学本科",
        )
        db.session.commit()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=username]", "hr1")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/")

    page.goto(f"{live_server}/selection/discipline?q=李晓明")
    page.click("[data-testid=cadre-matches] a")
    page.select_option("#kind", "诫勉")
    page.fill("#decided_on", office_today().isoformat())
    page.fill("#document_no", "财人〔2026〕7号")
    page.click("[data-testid=discipline-form] button[type=submit]")
    assert page.locator("[data-testid=records] tbody tr").count() == 1
    screenshot(page, "selection-discipline")

    page.goto(f"{live_server}/selection/")
    page.click("text=新建选任职位")
    page.fill("#title", "国库处副处长")
    page.select_option("#post_kind", "领导职务")
    page.select_option("#target_level", "乡科级副职")
    page.select_option("#min_rank", "二级主任科员")
    page.fill("#max_age", "40")
    page.check("#party_member")
    page.fill("#other_conditions", "熟悉国库集中支付业务")
    screenshot(page, "selection-position-form")
    page.click("[data-testid=position-form] button[type=submit]")
    page.click("[data-testid=run-form] button[type=submit]")
    page.wait_for_selector("[data-testid=eligibility]")
    text = page.locator("[data-testid=eligibility]").inner_text()
    assert "符合" in text and "不符合" in text
    assert "诫勉影响期至" in text
    assert "其他条件：熟悉国库集中支付业务，需人工核对" in text
    page.click("[data-testid=run-rules] summary")
    screenshot(page, "selection-eligibility-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "selection-eligibility-390")
    context.close()
