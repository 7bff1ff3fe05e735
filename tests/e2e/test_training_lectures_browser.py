"""In headless Chromium: HR records a 业务微讲座 through the pages (speaker by search, a whole
section as attendees, the paper slips), uploads a 策论 and assigns two reviewers; a reviewer
grades it; the cadre, at phone width, finds both on their 教育培训 tab and rates the lecture.
No CSP errors. Screenshots in build/screenshots (CADRE_SCREENSHOT_DIR)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cadre_app.extensions import db
from cadre_app.models import Cadre, Role
from tests.conftest import PASSWORD, office_today
from tests.e2e.conftest import screenshot
from tests.factories import CadreFactory, pdf_bytes

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


def _sign_in(page, live_server, username):
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/")


def test_lectures_and_essays_through_the_pages(
    app,
    org,
    users,
    make_user,
    live_server,
    page,
    browser,
    tmp_path,
):
    with app.app_context():
        treasury = db.session.get(Cadre, org["other_cadre"]).department
        budget = db.session.get(Cadre, org["own_cadre"]).department
        CadreFactory(staff_no="S0001", name="张主讲", department=treasury)
        for i in range(3):
            CadreFactory(staff_no=f"B000{i}", name=f"预算干部{i}", department=budget)
        leader = CadreFactory(
            staff_no="L0001", name="赵处长", department=treasury, leadership_level="县处级正职"
        )
        db.session.commit()
        leader_id = leader.id
    make_user("leader1", Role.CADRE, cadre_id=leader_id)

    _sign_in(page, live_server, "hr1")
    page.goto(f"{live_server}/training/lectures/new?q=张主讲")
    page.click("[data-testid=subject-matches] a")
    page.fill("#topic", "预算绩效评价的十个常见问题")
    page.fill("#held_on", (office_today() - timedelta(days=2)).isoformat())
    page.fill("#duration_hours", "2")
    page.fill("#place", "三楼会议室")
    page.click("[data-testid=lecture-form] button[type=submit]")
    page.wait_for_url("**/attendees")
    page.select_option("#department_id", str(org["budget"]))
    page.click("[data-testid=add-section] button[type=submit]")
    page.wait_for_url("**/attendees")
    assert "已添加 4 名听众" in page.content()
    assert page.locator("[data-testid=attendee-table] tbody tr").count() == 4
    screenshot(page, "h3-01-lecture-attendees")
    page.goto(page.url.replace("/attendees", "/ratings"))
    selects = page.locator("[data-testid=ratings-form] select")
    # rows by staff number: B0000-B0002, then 李晓明 (T0001), who rates later, themselves
    for i, value in enumerate(["5", "4", "5"]):
        selects.nth(i).select_option(value)
    page.click("[data-testid=ratings-form] button[type=submit]")
    page.wait_for_url("**/training/lectures/*")
    assert "4.67" in page.locator("[data-testid=lecture-rating]").inner_text()
    assert "主讲人 4 学时，每位听众 1 学时" in page.content()
    screenshot(page, "h3-02-lecture-detail")
    page.goto(f"{live_server}/training/lectures")
    assert "预算绩效评价的十个常见问题" in page.locator("[data-testid=best-rated]").inner_text()
    screenshot(page, "h3-03-lecture-list")

    essay_file = tmp_path / "关于预算绩效的策论.pdf"
    essay_file.write_bytes(pdf_bytes())
    page.goto(f"{live_server}/training/essays/new?author={org['own_cadre']}")
    page.fill("#title", "关于完善预算绩效评价的建议")
    page.fill("#topic", "预算管理")
    page.set_input_files("#file", str(essay_file))
    page.click("[data-testid=essay-form] button[type=submit]")
    page.wait_for_url("**/training/essays/*")
    page.check("text=赵处长")
    page.check("text=manager1")
    page.click("[data-testid=reviewers-form] button[type=submit]")
    page.wait_for_url("**/training/essays/*")
    assert "已指定评审人" in page.content()
    screenshot(page, "h3-04-essay-detail-hr")
    essay_url = page.url
    assert page.console_errors == [], page.console_errors

    reviewer = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    rpage = reviewer.new_page()
    _sign_in(rpage, live_server, "leader1")
    assert "待评定 1 篇" in rpage.locator("[data-testid=essay-review-panel]").inner_text()
    rpage.click("[data-testid=essay-review-panel] a")
    rpage.click("[data-testid=review-queue] a")
    rpage.check("input[value=良好]")
    rpage.fill("#comment", "对策具体，可操作。")
    screenshot(rpage, "h3-05-essay-grade-form")
    rpage.click("[data-testid=grade-form] button[type=submit]")
    rpage.wait_for_url(essay_url)
    assert "尚无可显示的评定" not in rpage.content()
    reviewer.close()

    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    cpage = phone.new_page()
    errors: list[str] = []
    cpage.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    _sign_in(cpage, live_server, "cadre1")
    cpage.goto(f"{live_server}/me?tab=training")
    section = cpage.locator("[data-testid=lecture-essay-section]")
    assert "预算绩效评价的十个常见问题" in section.inner_text()
    assert "关于完善预算绩效评价的建议" in section.inner_text()
    width = cpage.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width  # nothing runs off a phone's screen
    screenshot(cpage, "h3-06-me-training-phone")
    cpage.click("[data-testid=rate-link]")
    cpage.select_option("#rating", "4")
    cpage.fill("#comment", "很实用")
    cpage.click("[data-testid=rate-form] button[type=submit]")
    cpage.wait_for_url("**/me?tab=training")
    assert "感谢您的评分" in cpage.content()
    screenshot(cpage, "h3-07-me-after-rating-phone")
    assert errors == [], errors
    phone.close()
