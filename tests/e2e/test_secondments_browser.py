"""A secondment's whole life in headless Chromium (issue 12's browser story): HR records it
from the list, approves it, sends the cadre, extends it, moves it to 期满鉴定; the cadre writes
the summary on a phone-width /me; HR records the appraisal and archives it; the 简历 line is on
the cadre's record and the 挂职锻炼鉴定表 PDF carries the appraisal (rendered to PNG to look at)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta

import pytest

from cadre_app.extensions import db
from cadre_app.models import ResumeEntry, Secondment, SecondmentState
from tests.conftest import PASSWORD, office_today
from tests.e2e.conftest import SCREENSHOTS, screenshot

pytestmark = pytest.mark.e2e
S = SecondmentState


def _sign_in(browser, live_server, username, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/")
    return context, page


def _step(page, target, **fields):
    box = page.locator(f"[data-testid=step-{target}]")
    box.locator("summary").click()
    for name, value in fields.items():
        box.locator(f"[name={name}]").fill(value)
    box.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=step-errors]").count() == 0, page.content()[:2000]


def _state(app, secondment_id):
    with app.app_context():
        return db.session.get(Secondment, secondment_id).state


def test_hr_records_extends_and_archives_a_secondment_the_cadre_writes_the_summary(
    app, org, users, live_server, browser
):
    today = office_today()
    start, end = today - timedelta(days=300), today + timedelta(days=20)
    longer = today + timedelta(days=60)

    context, page = _sign_in(browser, live_server, "hr1", {"width": 1280, "height": 900})
    page.goto(f"{live_server}/secondments/")
    page.click("[data-testid=new-secondment]")
    page.fill("#q", "T0001")
    page.click("[data-testid=cadre-search] button[type=submit]")
    page.locator("[data-testid=cadre-matches] a").first.click()
    page.select_option("#kind", "下派")
    page.select_option("#host_type", "基层单位")
    page.fill("#host_unit", "示例县财政局")
    page.fill("#post", "副局长")
    page.fill("#start_date", start.isoformat())
    page.fill("#planned_end", end.isoformat())
    screenshot(page, "60-secondment-new")
    page.click("[data-testid=secondment-form] button[type=submit]")
    page.wait_for_url("**/secondments/*")
    secondment_id = int(page.url.rstrip("/").split("/")[-1])
    assert _state(app, secondment_id) is S.PROPOSED

    _step(page, "approved")
    _step(page, "on_post")
    assert _state(app, secondment_id) is S.ON_POST
    _step(page, "extended", new_end=longer.isoformat(), reason="县里请求延长，完成预算改革")
    assert page.locator("[data-testid=planned-end]").inner_text() == longer.isoformat()
    history = page.locator("[data-testid=history]").inner_text()
    assert "县里请求延长" in history and end.isoformat() in history
    screenshot(page, "61-secondment-extended")
    _step(page, "appraisal", actual_end=today.isoformat())
    assert _state(app, secondment_id) is S.APPRAISAL
    context.close()

    phone = {"width": 375, "height": 800}
    context, page = _sign_in(browser, live_server, "cadre1", phone)
    page.goto(f"{live_server}/me?tab=secondments")
    assert page.evaluate("document.documentElement.scrollWidth") <= phone["width"]
    page.fill("textarea[name=summary]", "挂职期间牵头完成县级预算绩效改革。")
    screenshot(page, "62-secondment-summary-phone")
    page.click("text=提交总结")
    page.wait_for_load_state()
    assert "已提交本人总结" in page.content()
    context.close()

    context, page = _sign_in(browser, live_server, "hr1", {"width": 1280, "height": 900})
    page.goto(f"{live_server}/secondments/{secondment_id}")
    page.click("[data-testid=appraisal]")
    assert "县级预算绩效改革" in page.locator("[data-testid=cadre-summary]").inner_text()
    page.fill("textarea[name=host_opinion]", "政治坚定，作风扎实，成效明显。")
    page.select_option("select[name=grade]", "优秀")
    page.fill("input[name=appraised_at]", today.isoformat())
    page.fill("textarea[name=conclusion]", "同意派驻单位鉴定意见。")
    page.click("[data-testid=archive]")
    page.wait_for_load_state()
    line = f"{start:%Y.%m}--{today:%Y.%m} 挂职任示例县财政局副局长"
    assert line in page.locator("[data-testid=resume-line]").inner_text()
    screenshot(page, "63-secondment-archived")
    assert _state(app, secondment_id) is S.ARCHIVED
    with app.app_context():
        lines = [e.line for e in db.session.query(ResumeEntry).filter_by(cadre_id=org["own_cadre"])]
    assert sum(x.split()[-1] == line.split()[-1] for x in lines) == 1, lines  # written once

    response = page.request.get(f"{live_server}/secondments/{secondment_id}/appraisal.pdf")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pdf = SCREENSHOTS / "64-secondment-appraisal.pdf"
    pdf.write_bytes(response.body())
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for words in ("挂职锻炼鉴定表", "示例县财政局", "政治坚定，作风扎实", "同意派驻单位鉴定意见"):
        assert words in text, words
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "1",
                str(pdf),
                str(pdf.with_suffix("")),
            ],
            check=True,
        )
    context.close()
