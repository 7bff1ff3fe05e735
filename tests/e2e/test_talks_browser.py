"""HR works the talks in headless Chromium: the list with an overdue talk in red, a 诫勉谈话
with its deadlines and history, one move made through the page, no CSP errors."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from cadre_app.extensions import db
from cadre_app.models import TalkState
from cadre_app.services.talks import operations as talks
from tests.conftest import PASSWORD, office_today
from tests.e2e.conftest import screenshot
from tests.factories import TalkFactory

pytestmark = pytest.mark.e2e
S = TalkState


def _some_talks(app, org) -> dict[str, int]:
    today = office_today()
    with app.app_context():
        common = {"subject_id": org["own_cadre"], "conductor_id": org["other_cadre"]}
        late = TalkFactory(
            kind="提醒谈话",
            source="考核排名",
            conductor_name="王芳",
            reason="2026 年度考核排名末位",
            due_date=today - timedelta(days=6),
            **common,
        )
        inquiry = TalkFactory(
            kind="函询",
            source="信访举报",
            conductor_name="王芳",
            reason="群众来信反映工作作风问题",
            due_date=today + timedelta(days=12),
            state=S.PLANNED,
            scheduled_at=datetime(2026, 10, 12, 9, 30),
            **common,
        )
        admonition = TalkFactory(
            kind="诫勉谈话",
            source="巡视巡察",
            conductor_name="王芳",
            conductor_unit="国库处",
            conductor_post="处长",
            recorder_name="张记录",
            reason="巡察发现报销审核把关不严",
            due_date=today,
            state=S.APPROVED,
            scheduled_at=datetime.combine(today, datetime.min.time()).replace(hour=9),
            place="三楼会议室",
            **common,
        )
        held = datetime.combine(today, datetime.min.time()).replace(hour=9)
        talks.transition(
            admonition,
            S.HELD,
            {"held_at": held, "content": "指出问题，提出整改要求。", "measures": "逐笔复核。"},
            expected_version=admonition.version,
            actor="hr1",
            today=today,
        )
        talks.transition(
            admonition,
            S.AWAITING_REPLY,
            {},
            expected_version=admonition.version,
            actor="hr1",
            today=today,
        )
        db.session.commit()
        return {"late": late.id, "inquiry": inquiry.id, "admonition": admonition.id}


def test_hr_works_the_talks(app, org, users, live_server, page):
    ids = _some_talks(app, org)
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=username]", "hr1")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/")

    page.goto(f"{live_server}/talks/")
    assert "谈话管理" in page.title()
    overdue = page.locator("[data-testid=talk-table] tr[data-overdue]")
    assert overdue.count() == 1 and "逾期 6 天" in overdue.inner_text()
    screenshot(page, "20-talks-list")

    page.goto(f"{live_server}/talks/{ids['admonition']}")
    assert "年度考核不得评为优秀" in page.locator("[data-testid=admonition-effects]").inner_text()
    assert "已谈话 → 待回复" in page.locator("[data-testid=talk-history]").inner_text()
    screenshot(page, "21-talk-detail-admonition")

    page.goto(f"{live_server}/talks/{ids['inquiry']}")
    page.click("details[data-target=approved] summary")
    page.fill("#approved-note", "同意发函")
    page.click("details[data-target=approved] button[type=submit]")
    page.wait_for_url(f"{live_server}/talks/{ids['inquiry']}")
    assert "已转为“已审批”" in page.content()
    page.click("details[data-target=held] summary")
    page.fill("#held-held_at", f"{office_today().isoformat()}T10:00")
    page.fill("#held-content", "函询函已送达本人。")
    screenshot(page, "22-talk-detail-move")
    page.click("details[data-target=held] button[type=submit]")
    page.wait_for_url(f"{live_server}/talks/{ids['inquiry']}")
    assert "函询回复期限" in page.content()
    assert page.console_errors == [], page.console_errors  # the CSP blocked nothing


def test_hr_opens_a_talk_and_keeps_the_calendar(app, org, users, live_server, page):
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=username]", "hr1")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/")

    page.goto(f"{live_server}/talks/holidays?year=2026")
    page.fill("#day", "2026-10-01")
    page.fill("#name", "国庆节")
    page.click("[data-testid=holiday-form] button[type=submit]")
    page.wait_for_url("**/talks/holidays?year=2026")
    page.fill("#day", "2026-10-10")
    page.fill("#name", "国庆调休")
    page.check("#is_workday")
    page.click("[data-testid=holiday-form] button[type=submit]")
    page.wait_for_url("**/talks/holidays?year=2026")
    assert page.locator("[data-testid=holiday-table] tbody tr").count() == 2
    screenshot(page, "23-talk-holidays")

    page.goto(f"{live_server}/talks/new?subject={org['own_cadre']}")
    page.select_option("#kind", "诫勉谈话")
    page.select_option("#source", "巡视巡察")
    page.fill("#reason", "巡察发现报销审核把关不严")
    page.fill("#conductor_staff_no", "X404")
    with page.expect_navigation():  # the refused form comes back as a new page
        page.click("[data-testid=talk-form] button[type=submit]")
    assert "名册中没有工号为 X404 的干部" in page.content()
    screenshot(page, "24-talk-new-error")
    page.fill("#conductor_staff_no", "T0002")
    page.fill("#scheduled_at", "2026-12-01T09:30")
    page.click("[data-testid=talk-form] button[type=submit]")
    page.wait_for_url("**/talks/*")
    assert "已创建诫勉谈话" in page.content()
    assert all("status of 400" in error for error in page.console_errors), page.console_errors
