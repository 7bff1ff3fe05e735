"""HR exports 42 forms as one merged PDF in headless Chromium: the batch runs in the
background (laid out by the worker processes), the progress page moves without a reload,
and the file downloaded from it has two pages per cadre in 工号 order."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from cadre_app.extensions import db
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot
from tests.factories import CadreFactory

pytestmark = pytest.mark.e2e
COUNT = 42  # over PDF_PARALLEL_FROM (40): laid out in two parts, then joined


@pytest.fixture
def many_cadres(app, org) -> None:
    with app.app_context():
        for i in range(COUNT):
            CadreFactory(
                staff_no=f"E{i:03d}",
                name=f"浏览{i:02d}号",
                gender="男" if i % 2 else "女",
                birth_date=date(1990, 1 + i % 12, 1),
                department_id=org["budget"],
                position_title="预算处科员",
            )
        db.session.commit()


def test_hr_exports_a_merged_pdf_and_watches_it_progress(
    app, users, many_cadres, live_server, page, queue_worker
):
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=username]", "hr1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/records/batch?q=浏览")
    page.check("input[name=scope][value=matching]")
    page.check("input[name=output][value=pdf]")
    page.click("[data-testid=batch-submit]")
    page.wait_for_url("**/records/jobs/*")
    job_url = page.url

    seen: list[int] = []
    bar = page.locator("[data-job-bar]")
    download = page.locator("[data-testid=job-download]")
    for _ in range(600):  # up to a minute; 42 forms take a few seconds
        seen.append(int(bar.get_attribute("aria-valuenow")))
        if download.is_visible():
            break
        if 0 < seen[-1] < COUNT and len(set(seen)) == 2:
            screenshot(page, "30-batch-job-running")
        page.wait_for_timeout(100)
    assert page.url == job_url  # the page updated itself: no reload, no navigation
    assert download.is_visible(), seen
    assert seen == sorted(seen) and seen[-1] == COUNT
    assert any(0 < n < COUNT for n in seen), seen  # it was seen in between
    assert "已完成" in page.locator("[data-job-state]").inner_text()
    screenshot(page, "31-batch-job-done")
    with page.expect_download() as info:
        download.click()
    reader = PdfReader(BytesIO(Path(info.value.path()).read_bytes()))
    assert len(reader.pages) == 2 * COUNT
    first, last = reader.pages[0].extract_text(), reader.pages[-2].extract_text()
    assert "浏览00号" in first and f"浏览{COUNT - 1:02d}号" in last
    assert page.console_errors == []
