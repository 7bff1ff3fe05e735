"""The demo manager's main page in Chromium (issue 14, points 3 and 10): at 1280 and 390 px
the manager opens 候选人审阅 from the menu, reads the shortlist of the round they review with
each score part, and records a view of a candidate with a reason; nothing wider than the
screen. Screenshots in build/screenshots (selection-review-*.png)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import User
from cadre_app.models.selection import ReviewerView, RoundCandidate
from cadre_app.services import demo
from cadre_app.services.selection.demo import OPEN_TITLE
from tests import demo_snapshot
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def seeded(app, live_server):
    with app.app_context():
        demo_snapshot.seed()
        db.session.commit()


def _views_of_manager(app) -> dict[str, tuple[str, str, bool]]:
    with app.app_context():
        manager = db.session.scalar(sa.select(User).where(User.username == "manager"))
        rows = db.session.execute(
            sa.select(RoundCandidate, ReviewerView)
            .join(ReviewerView, ReviewerView.candidate_id == RoundCandidate.id)
            .where(ReviewerView.user_id == manager.id)
        ).all()
        return {c.cadre.staff_no: (v.view, v.reason, v.recommended) for c, v in rows}


@pytest.mark.parametrize("size", list(SIZES))
def test_the_demo_manager_reviews_the_shortlist(app, seeded, live_server, browser, size):
    viewport = SIZES[size]
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=username]", "manager")
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/")
    assert page.locator("[data-testid=selection-review-panel]").is_visible()
    page.click("[data-testid=selection-review-panel] >> text=去审阅")
    page.wait_for_url(f"{live_server}/selection/reviews")
    assert OPEN_TITLE in page.locator("[data-testid=review-round]").first.inner_text()
    cards = page.locator("[data-testid=candidate]")
    assert cards.count() == 5
    assert page.locator("[data-testid=my-view]").count() == 1  # the demo's recorded view
    first_parts = cards.first.locator("[data-testid=score-parts]").inner_text()
    for label in ("年度考核", "教育培训", "实践锻炼", "政治素质", "荣誉表彰"):
        assert label in first_parts
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], width
    screenshot(page, f"selection-review-{size}")

    # a candidate without a view yet: the second card
    card = cards.nth(1)
    staff_no = card.get_attribute("data-staff-no")
    card.locator("button[type=submit]").click()  # no choice, no reason: refused
    page.wait_for_load_state()
    assert "请选择意见" in page.locator("[data-testid=form-errors]").inner_text()
    card = page.locator(f"[data-testid=candidate][data-staff-no={staff_no}]")
    card.locator("label", has_text="暂缓").click()
    card.locator("textarea[name=reason]").fill("需进一步了解基层工作情况")
    card.locator("label", has_text="推荐为考察对象").click()
    card.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "已记录" in page.locator(".alert-success").first.inner_text()
    card = page.locator(f"[data-testid=candidate][data-staff-no={staff_no}]")
    mine = card.locator("[data-testid=my-view]").inner_text()
    assert "暂缓" in mine and "需进一步了解基层工作情况" in mine
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    card.scroll_into_view_if_needed()
    screenshot(page, f"selection-review-{size}-recorded")
    assert _views_of_manager(app)[staff_no] == ("暂缓", "需进一步了解基层工作情况", True)
    assert not errors
    context.close()


def test_hr_curates_the_shortlist_in_the_browser(app, seeded, live_server, page):
    """HR finds a cadre by 工号, lists them with a reason, strikes another off with a reason."""
    with app.app_context():
        round_id = db.session.scalar(
            sa.select(RoundCandidate.round_id)
            .join(ReviewerView, ReviewerView.candidate_id == RoundCandidate.id)
            .limit(1)
        )
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=username]", "hr")
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/selection/rounds/{round_id}/shortlist")
    rows = page.locator("[data-testid=shortlist-table] tbody tr")
    assert rows.count() == 5
    page.fill("#shortlist-q", "G0002")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_load_state()
    found = page.locator("form[data-testid^=add-]").first
    staff_no = found.get_attribute("data-testid").removeprefix("add-")
    found.locator("textarea[name=reason]").fill("处室推荐补充人选")
    found.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "列入名单" in page.locator(".alert-success").first.inner_text()
    assert page.locator(f"tr[data-staff-no={staff_no}]").count() == 1
    last = page.locator("[data-testid=shortlist-table] tbody tr").last
    last.locator("summary").click()
    last.locator("textarea[name=reason]").fill("经研究暂不列入")
    last.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("tr[data-removed='1'] del").count() == 1
    screenshot(page, "selection-shortlist-hr")
    assert not page.console_errors
