"""HR imports the year's scores, ranks and confirms; the bottom-ranked get their reminder
talk; a cadre then reads their own result on /me. Headless Chromium, real forms."""

from __future__ import annotations

from datetime import date

import pytest

from cadre_app.extensions import db
from cadre_app.models import Department
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot
from tests.evaluation_workbooks import build_scores, score_row
from tests.factories import CadreFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def budget_section(app, org):
    """预算处 with the test cadre 李晓明 (T0001) and five more; the first extra is its head."""
    with app.app_context():
        budget = db.session.get(Department, org["budget"])
        extra = [
            CadreFactory(
                staff_no=f"E{i:02d}",
                name=f"预算{i}号",
                birth_date=date(1980 + i, 1, 1),
                department=budget,
                rank="一级主任科员",
            )
            for i in range(5)
        ]
        budget.head = extra[0]
        db.session.commit()
        return [(c.staff_no, c.name) for c in extra]


def login(page, base, username):
    page.goto(f"{base}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/")


def test_hr_imports_ranks_confirms_and_cadre_reads_own_result(
    live_server, browser, page, users, budget_section, tmp_path
):
    rows = [
        score_row(no, name, 90 - i, 90, 90, "优秀" if i == 0 else "称职")
        for i, (no, name) in enumerate(budget_section)
    ]
    rows.append(score_row("T0001", "李晓明", 70, 72, 75, "称职"))  # last in 预算处
    workbook = tmp_path / "2025年度考核.xlsx"
    workbook.write_bytes(build_scores(rows))

    login(page, live_server, "hr1")
    page.goto(f"{live_server}/evaluations/import")
    page.fill("input[name=year]", "2025")
    page.set_input_files("input[type=file]", str(workbook))
    page.click("main form [type=submit]")
    page.wait_for_selector("[data-testid=confirm]")
    screenshot(page, "20-evaluation-import-preview")
    page.click("[data-testid=confirm]")
    page.wait_for_url(f"{live_server}/evaluations/2025/ranking")
    page.click("[data-testid=rank-button]")
    page.wait_for_selector("[data-testid=quota]")
    assert "李晓明" in page.locator("tr.table-danger").inner_text()
    screenshot(page, "21-evaluation-ranked")
    page.check("[data-testid=confirm-confirm]")  # 审核确认 cannot be undone: ticked first
    page.click("[data-testid=confirm-button]")
    page.wait_for_selector(".alert-success")
    assert "开启提醒谈话" in page.locator(".alert-success").inner_text()
    bottom = page.locator("tr.table-danger")
    assert bottom.count() == 1 and "待安排" in bottom.inner_text()  # its reminder talk
    assert "已审核确认" in page.locator("[data-testid=cycle-state]").inner_text()
    screenshot(page, "22-evaluation-confirmed")
    assert page.console_errors == [], page.console_errors

    cadre_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    cadre_page = cadre_context.new_page()
    login(cadre_page, live_server, "cadre1")
    cadre_page.goto(f"{live_server}/me?tab=evaluation")
    history = cadre_page.locator("[data-testid=evaluation-history]").inner_text()
    assert "2025" in history and "72.00" in history and "预算1号" not in history
    screenshot(cadre_page, "23-cadre-me-evaluation")
    cadre_context.close()
