"""民主推荐 in Chromium: HR opens a round's recommendation ballot through its form, prints a
group's slips (the PDF's QR codes decoded with pdftoppm and zbarimg), a rater opens a slip's
URL on a phone (390 px), ticks one too many (refused beside the list, the ticks kept), then
two and casts; another abstains, two more name one; HR closes early with a reason and reads
the results.
Screenshots in build/screenshots (90-95)."""

from __future__ import annotations

import pytest

from cadre_app.extensions import db
from cadre_app.models import Position, RoundCandidate, SelectionRound, Stage
from tests.conftest import PASSWORD
from tests.e2e.conftest import SCREENSHOTS, screenshot
from tests.e2e.test_ballot_browser import PHONE, _decode
from tests.factories import CadreFactory

pytestmark = pytest.mark.e2e
NAMES = ("张明", "李华", "王强", "赵敏")


def test_hr_opens_a_recommendation_and_a_rater_casts_on_a_phone(
    app, users, org, live_server, browser
):
    with app.app_context():
        position = Position(
            title="预算处副处长", post_kind="领导职务", target_level="县处级副职", places=2
        )
        db.session.add(position)
        db.session.flush()
        chosen = SelectionRound(
            position_id=position.id,
            title="2026年预算处副处长选任",
            reason="职位空缺",
            stage=Stage.RECOMMENDATION,
        )
        db.session.add(chosen)
        db.session.flush()
        for name in NAMES:
            cadre = CadreFactory(name=name, department_id=org["budget"], position_title="科长")
            db.session.add(RoundCandidate(round_id=chosen.id, cadre_id=cadre.id))
        db.session.commit()
        rid = chosen.id

    hr = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = hr.new_page()
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=username]", users["hr"].username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/selection/rounds/{rid}/recommendation")
    screenshot(page, "90-recommendation-open-form")
    page.click("[data-testid=open-submit]")
    page.wait_for_load_state()
    assert page.locator("[data-testid=recommendation-state]").inner_text() == "投票中"
    issue = page.locator("[data-testid='issue-科级及以下干部']")
    issue.locator("input[name=count]").fill("4")
    with page.expect_download() as download:
        issue.locator("button[type=submit]").click()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    slips = SCREENSHOTS / "91-recommendation-slips.pdf"
    download.value.save_as(slips)
    urls = _decode(slips, SCREENSHOTS)
    assert len(urls) == 4 and all(u.startswith(f"{live_server}/ballot/") for u in urls)

    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    rater = phone.new_page()
    rater.goto(urls[0])
    assert "最多推荐 2 人" in rater.locator("[data-testid=choose-up-to]").inner_text()
    width = rater.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the ballot scrolls sideways on a phone: {width}px"
    screenshot(rater, "92-recommendation-ballot-phone")
    boxes = rater.locator("input[name=c]")
    assert boxes.count() == 4
    for n in range(3):
        boxes.nth(n).check()
    rater.click("[data-testid=cast]")
    rater.wait_for_load_state()
    assert "最多可推荐 2 人，您选了 3 人" in rater.locator("[data-testid=error-c]").inner_text()
    assert rater.locator("input[name=c]:checked").count() == 3  # kept
    screenshot(rater, "93-recommendation-ballot-phone-too-many")
    rater.locator("input[name=c]").nth(2).uncheck()
    rater.click("[data-testid=cast]")
    rater.wait_for_url(f"{live_server}/ballot/thanks")
    rater.goto(urls[1])
    rater.click("[data-testid=cast]")  # nobody ticked: 弃权
    rater.wait_for_url(f"{live_server}/ballot/thanks")
    for url in urls[2:]:
        rater.goto(url)
        rater.locator("input[name=c]").nth(1).check()
        rater.click("[data-testid=cast]")
        rater.wait_for_url(f"{live_server}/ballot/thanks")

    page.goto(f"{live_server}/selection/rounds/{rid}/recommendation")
    assert page.locator("[data-testid=cast-total]").inner_text() == "4"
    page.fill("textarea[name=reason]", "全部推荐人已投票")
    page.check("input[name=confirm]")
    screenshot(page, "94-recommendation-panel-open")
    page.click("[data-testid=close-submit]")
    page.wait_for_url(f"{live_server}/selection/rounds/{rid}/recommendation/results")
    assert (
        "收回有效票 4 张，其中弃权 1 张" in page.locator("[data-testid=ballots-total]").inner_text()
    )
    top = page.locator("[data-testid=results-whole] tbody tr").first
    assert top.locator("[data-testid=votes]").inner_text() == "3"
    assert top.locator("[data-testid=share]").inner_text() == "75.0%"
    screenshot(page, "95-recommendation-results")
