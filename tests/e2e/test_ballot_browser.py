"""A rater's phone, by scanning nothing (issue 13's acceptance): HR prints the slips of a
rater group from the codes page in Chromium; the test decodes the QR codes of the PDF
(pdftoppm, then zbarimg), opens the URL one of them holds at phone width (390 px), submits
once incomplete (the errors beside the questions, the answers kept), completes and casts the
ballot and sees the thank-you page; the database holds one ballot and the codes page counts
it; a second rater types a code on ``/ballot/`` with JavaScript off and casts too. Screenshots
in build/screenshots (80-84)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import Ballot, BallotEntry
from cadre_app.services.assessments import rules
from tests.ballot_support import group, make_assessment
from tests.conftest import PASSWORD
from tests.e2e.conftest import SCREENSHOTS, screenshot

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


def _decode(pdf_path, out_dir) -> list[str]:
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        pytest.fail("pdftoppm (poppler-utils) and zbarimg (zbar-tools) are needed")
    subprocess.run(
        ["pdftoppm", "-r", "100", "-png", str(pdf_path), str(out_dir / "slips")], check=True
    )
    urls: list[str] = []
    for png in sorted(out_dir.glob("slips*.png")):
        found = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True)
        urls += found.stdout.split()
    return urls


def test_a_rater_casts_the_ballot_a_slips_qr_code_opens_on_a_phone(
    app, users, live_server, browser
):
    with app.app_context():
        assessment = make_assessment(
            title="2026年度年轻干部政治素质测评", subjects=2, n_positive=15, n_negative=22
        )
        db.session.commit()
        assessment_id, group_id = assessment.id, group(assessment, "同事").id
        checklist = assessment.checklist
        n_positive, n_negative = len(checklist.positive), len(checklist.negative)

    hr = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = hr.new_page()
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=username]", users["hr"].username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/assessments/{assessment_id}/codes")
    issue = page.locator("[data-testid='issue-同事']")
    issue.locator("input[name=count]").fill("3")
    screenshot(page, "80-ballot-codes-panel")
    with page.expect_download() as download:
        issue.locator("button[type=submit]").click()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    slips = SCREENSHOTS / "81-ballot-slips.pdf"
    download.value.save_as(slips)
    urls = _decode(slips, SCREENSHOTS)
    assert len(urls) == 3 and all(u.startswith(f"{live_server}/ballot/") for u in urls)

    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    rater = phone.new_page()
    rater.goto(urls[0])
    assert rater.locator("h1").inner_text() == "2026年度年轻干部政治素质测评"
    width = rater.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the ballot scrolls sideways on a phone: {width}px"
    screenshot(rater, "82-ballot-phone")

    # submit with the first subject's first item and the second subject's overall missing
    subjects = rater.locator("[data-testid^=subject-]")
    assert subjects.count() == 2
    for s in range(2):
        subject = subjects.nth(s)
        sid = subject.get_attribute("data-testid").split("-")[1]
        for n in range(n_positive):
            if (s, n) != (0, 0):
                subject.locator(f"label[for='p-{sid}-{n}-2']").click()
        if s == 0:
            subject.locator(f"label[for='o-{sid}-1']").click()
            subject.locator(f"label[for='n-{sid}-4']").click()
    rater.click("[data-testid=cast]")
    rater.wait_for_load_state()
    assert "还有 2 项未填写或有误" in rater.locator("[data-testid=ballot-errors]").inner_text()
    first = subjects.nth(0).get_attribute("data-testid").split("-")[1]
    second = subjects.nth(1).get_attribute("data-testid").split("-")[1]
    assert rater.locator(f"[data-testid=error-p-{first}-0]").is_visible()
    assert rater.locator(f"[data-testid=error-o-{second}]").is_visible()
    assert rater.locator(f"#p-{first}-1-2").is_checked()  # kept
    assert rater.locator(f"#n-{first}-4").is_checked()
    rater.locator(f"[data-testid=error-p-{first}-0]").scroll_into_view_if_needed()
    screenshot(rater, "83-ballot-phone-errors")

    rater.locator(f"label[for='p-{first}-0-1']").click()
    rater.locator(f"label[for='o-{second}-3']").click()
    rater.click("[data-testid=cast]")
    rater.wait_for_url(f"{live_server}/ballot/thanks")
    assert "感谢您的参与" in rater.locator("[data-testid=thanks]").inner_text()
    screenshot(rater, "84-ballot-phone-thanks")
    rater.goto(urls[0])
    assert "票码无效或已经使用" in rater.locator("[data-testid=refusal]").inner_text()
    screenshot(rater, "86-ballot-phone-used")

    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 1
        answers = dict(
            db.session.execute(sa.select(BallotEntry.subject, BallotEntry.answers)).all()
        )
    decoded = {s: rules.decode(a) for s, a in answers.items()}
    assert decoded[int(first)].positive == (0,) + (1,) * (n_positive - 1)
    assert decoded[int(first)].negative == tuple(n == 4 for n in range(n_negative))
    assert decoded[int(first)].overall == 0 and decoded[int(second)].overall == 2

    # without JavaScript, typing the code on /ballot/ as printed on the slip
    plain = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
    typed = plain.new_page()
    typed.goto(f"{live_server}/ballot/")
    screenshot(typed, "85-ballot-enter-phone")
    typed.fill("input[name=code]", urls[1].rsplit("/", 1)[1].lower())
    typed.click("[data-testid=code-form] button[type=submit]")
    typed.wait_for_url(urls[1])
    for label in typed.locator("label[for$='-1']").all():
        label.click()
    typed.click("[data-testid=cast]")
    typed.wait_for_url(f"{live_server}/ballot/thanks")
    plain.close()

    page.goto(f"{live_server}/assessments/{assessment_id}/codes")
    assert page.locator("[data-testid='codes-group-同事'] [data-testid=cast]").inner_text() == "2"
    assert page.locator("[data-testid='codes-group-同事'] [data-testid=unused]").inner_text() == "1"

    # HR closes early; the tally then counts both ballots for each subject, in their group
    from cadre_app.models import Assessment
    from cadre_app.services.assessments import operations as assessment_operations
    from cadre_app.services.assessments import results

    with app.app_context():
        assessment = db.session.get(Assessment, assessment_id)
        assessment_operations.close(assessment, actor="hr1", reason="两张票已收齐")
        db.session.commit()
        figures = results.subject_tallies(db.session.get(Assessment, assessment_id))
    for subject in (int(first), int(second)):
        assert figures[subject].ballots == 2
        assert dict(map(tuple, figures[subject].turnout))["同事"] == 2
    shown = page.goto(f"{live_server}/assessments/{assessment_id}/results")
    assert shown is not None and shown.status == 200
    screenshot(page, "87-ballot-results-after-close")
    phone.close()
    hr.close()
    assert group_id
