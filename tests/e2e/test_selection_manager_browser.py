"""Issue 14's browser acceptance, in one go as the demo manager would do it (demo data, login
``manager``), at 1280 and at 390 px: the home page's menu → 候选人审阅 → the demo round's
shortlist → 对比候选人 (the link on that page) → untick all but three candidates → 比较: the
three side by side, nothing wider than the screen → 下载 PDF: a landscape PDF naming the
three, rendered to PNG → back to 候选人审阅 through the menu → a view of one of the three with
a reason and the recommendation, found afterwards in ``ReviewerView``.

Screenshots and the PDF's pages in build/screenshots (selection-manager-<size>-*.png)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import User
from cadre_app.models.selection import ReviewerView, RoundCandidate
from cadre_app.services import demo
from cadre_app.services.selection.demo import OPEN_TITLE, SHORTLIST_SIZE
from tests import demo_snapshot
from tests.e2e.conftest import SCREENSHOTS, screenshot

pytestmark = pytest.mark.e2e

SIZES = {"1280": {"width": 1280, "height": 900}, "390": {"width": 390, "height": 844}}
REASON = "有基层挂职经历，任现职级时间较长，同意列为考察对象"


@pytest.fixture
def seeded(app, live_server):
    with app.app_context():
        demo_snapshot.seed()
        db.session.commit()


def _fits(page, viewport) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{width} px wide on a {viewport['width']} px screen"


def _menu(page, viewport, entry: str) -> None:
    """Click a main-menu entry as a person would (on a phone, open the menu first)."""
    toggler = page.locator("nav .navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        page.locator("#mainnav.show").wait_for()
    page.locator("#mainnav").get_by_role("link", name=entry, exact=True).click()


def _stored_view(app, staff_no: str) -> tuple[str, str, bool] | None:
    with app.app_context():
        manager = db.session.scalar(sa.select(User).where(User.username == "manager"))
        row = db.session.execute(
            sa.select(ReviewerView)
            .join(RoundCandidate, ReviewerView.candidate_id == RoundCandidate.id)
            .where(ReviewerView.user_id == manager.id)
            .where(RoundCandidate.cadre.has(staff_no=staff_no))
        ).scalar_one_or_none()
        return None if row is None else (row.view, row.reason, row.recommended)


@pytest.mark.parametrize("size", list(SIZES))
def test_the_demo_manager_shortlist_compare_pdf_and_view(app, seeded, live_server, browser, size):
    viewport = SIZES[size]
    phone = viewport["width"] < 768
    name = f"selection-manager-{size}"
    context = browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    # sign in, then the menu's 候选人审阅
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=username]", "manager")
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/")
    _fits(page, viewport)
    screenshot(page, f"{name}-1-home")
    _menu(page, viewport, "候选人审阅")
    page.wait_for_url(f"{live_server}/selection/reviews")

    # the demo round's shortlist
    round_card = page.locator("[data-testid=review-round]", has_text=OPEN_TITLE)
    assert round_card.count() == 1
    cards = round_card.locator("[data-testid=candidate]")
    assert cards.count() == SHORTLIST_SIZE
    shortlist = []  # (staff_no, name, has my view) in the shortlist's order
    for i in range(cards.count()):
        card = cards.nth(i)
        shortlist.append(
            (
                card.get_attribute("data-staff-no"),
                card.locator("strong").first.inner_text().strip(),
                card.locator("[data-testid=my-view]").count() == 1,
            )
        )
    assert sum(seen for *_, seen in shortlist) == 1  # the demo recorded one view
    # three of the four still awaiting the manager's view, not all next to each other
    open_ = [(staff_no, person) for staff_no, person, seen in shortlist if not seen]
    three = [open_[0], open_[2], open_[3]]
    three_nos = [staff_no for staff_no, _ in three]
    three_names = [person for _, person in three]
    _fits(page, viewport)
    screenshot(page, f"{name}-2-shortlist")

    # 对比候选人: the link on the round's card, then keep exactly the three ticked
    round_card.locator("[data-testid=compare-link]").click()
    page.wait_for_url(re.compile(r"/selection/compare\?"))
    form = page.locator("[data-testid=compare-form]")
    boxes = form.locator("input[type=checkbox][name=cadre]")
    assert boxes.count() == SHORTLIST_SIZE  # every candidate of the round offered
    for i in range(boxes.count()):
        box = boxes.nth(i)
        label = form.locator(f"label[for='{box.get_attribute('id')}']").inner_text()
        wanted = any(staff_no in label for staff_no in three_nos)
        if box.is_checked() != wanted:
            form.locator(f"label[for='{box.get_attribute('id')}']").click()
        assert box.is_checked() == wanted
    form.get_by_role("button", name="比较").click()
    page.wait_for_load_state()
    assert page.url.count("cadre=") == 3
    assert OPEN_TITLE in page.locator("[data-testid=compare-round]").inner_text()
    if phone:
        assert not page.locator("[data-testid=compare-table]").is_visible()
        stacked = page.locator("[data-testid=compare-stacked]")
        assert stacked.is_visible()
        # every row lists the three, in order, and no one else
        first_row = stacked.locator("dl").first.locator("dt").all_inner_texts()
        assert first_row == three_names, first_row
    else:
        table = page.locator("[data-testid=compare-table]")
        assert table.is_visible()
        heads = table.locator("thead th[data-cadre-id]").all_inner_texts()
        assert len(heads) == 3, heads
        for head, person, staff_no in zip(heads, three_names, three_nos, strict=True):
            assert head.startswith(person) and staff_no in head, (head, person)
        right = page.evaluate(
            "document.querySelector('[data-testid=compare-table-wrap]')"
            ".getBoundingClientRect().right"
        )
        assert right <= viewport["width"]
    _fits(page, viewport)
    screenshot(page, f"{name}-3-compare")

    # the landscape PDF, downloaded by its button
    with page.expect_download() as waiting:
        page.locator("[data-testid=compare-pdf]").click()
    download = waiting.value
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pdf = SCREENSHOTS / f"{name}-compare.pdf"
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    width_pt, height_pt = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert width_pt > height_pt, info  # landscape
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for words in ("干部赛道相马比较表", OPEN_TITLE, *three_names, *three_nos):
        assert words in text, words
    others = [person for _, person, _ in shortlist if person not in three_names]
    assert not any(person in text for person in others), others
    if shutil.which("pdftoppm"):
        for old in SCREENSHOTS.glob(f"{name}-compare-*.png"):
            old.unlink()
        subprocess.run(
            ["pdftoppm", "-png", "-r", "100", str(pdf), str(SCREENSHOTS / f"{name}-compare")],
            check=True,
        )
        assert list(SCREENSHOTS.glob(f"{name}-compare-*.png"))

    # back to 候选人审阅 and a view of the second of the three
    _menu(page, viewport, "候选人审阅")
    page.wait_for_url(f"{live_server}/selection/reviews")
    staff_no, person = three[1]
    assert _stored_view(app, staff_no) is None
    card = page.locator(f"[data-testid=candidate][data-staff-no='{staff_no}']")
    card.scroll_into_view_if_needed()
    card.locator("label", has_text=re.compile(r"^同意$")).click()
    card.locator("textarea[name=reason]").fill(REASON)
    card.locator("label", has_text="推荐为考察对象").click()
    card.get_by_role("button", name="提交意见").click()
    page.wait_for_load_state()
    assert person in page.locator(".alert-success").first.inner_text()
    card = page.locator(f"[data-testid=candidate][data-staff-no='{staff_no}']")
    mine = card.locator("[data-testid=my-view]").inner_text()
    assert "同意" in mine and "推荐" in mine and REASON in mine, mine
    assert card.get_by_role("button", name="修改意见").is_visible()
    _fits(page, viewport)
    card.scroll_into_view_if_needed()
    screenshot(page, f"{name}-4-view-recorded")
    assert _stored_view(app, staff_no) == ("同意", REASON, True)

    assert not errors, errors
    context.close()
