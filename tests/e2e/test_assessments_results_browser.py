"""Results on a phone (issue 13, item 6): at 375 px HR reads a closed assessment's results,
opens a subject, records 基本合格 with a reason, and the cadre then finds the entry in the
政治素质档案 on /me; the results PDF is a real PDF. Nothing wider than the screen."""

from __future__ import annotations

import pytest

from cadre_app.extensions import db
from cadre_app.models import AssessmentSubject
from tests import assessments_results_data as data
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 800}


def _phone(browser, live_server, username):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/")
    return context, page


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width


def test_hr_concludes_on_a_phone_and_the_cadre_reads_the_dossier(
    app, org, users, live_server, browser
):
    with app.app_context():
        built = data.standard(org)
    context, page = _phone(browser, live_server, "hr1")
    page.goto(f"{live_server}/assessments/{built.assessment_id}/results")
    _fits(page)
    table = page.locator("[data-testid=results-table]")
    assert "table-stack" in (table.get_attribute("class") or "")
    assert "82.22" in table.inner_text()
    screenshot(page, "phone-assessment-results")
    pdf = context.request.get(f"{live_server}/assessments/{built.assessment_id}/results.pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    page.click("text=李晓明")
    page.wait_for_load_state()
    _fits(page)
    assert "领导及其他（下属）" in page.locator("[data-testid=buckets]").inner_text()
    page.check("input[name=conclusion][value=基本合格]")
    page.click("text=保存结论")
    page.wait_for_load_state()
    assert "必须填写理由" in page.content()  # a reason is required: nothing saved
    page.check("input[name=conclusion][value=基本合格]")
    page.fill("textarea[name=reason]", "正向测评中“一般”较多，需加强理论学习。")
    page.click("text=保存结论")
    page.wait_for_load_state()
    assert page.locator(".alert-success").first.inner_text().strip() == "已记录考察结论。"
    screenshot(page, "phone-assessment-subject")
    context.close()
    with app.app_context():
        subject = db.session.get(AssessmentSubject, built.subject_ids[0])
        assert subject.conclusion == "基本合格"

    context, page = _phone(browser, live_server, "cadre1")
    page.goto(f"{live_server}/me?tab=political")
    _fits(page)
    entry = page.locator("[data-testid=political-dossier]").inner_text()
    assert "2025年度政治素质考察" in entry and "需加强理论学习" in entry and "82.22" in entry
    screenshot(page, "phone-political-dossier")
    context.close()
