"""A selection round in headless Chromium (issue 14, points 1 and 6–9): HR walks a round
from 动议 through 考察, 讨论决定 and 任前公示 to 任职 on the round page, at desktop and phone
width; screenshots of the page at 讨论决定 and after 任职, and the 考察材料 PDF rendered to PNG
to look at."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta

import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import Cadre, Talk
from cadre_app.models.selection import SelectionRound, Stage
from tests.conftest import PASSWORD, office_today
from tests.e2e.conftest import SCREENSHOTS, screenshot
from tests.test_selection_rounds import make_round

pytestmark = pytest.mark.e2e


def _sign_in(browser, live_server, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=username]", "hr1")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/")
    return context, page


def _step(page, target, **fields):
    box = page.locator(f"[data-testid=step-{target}]")
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    for name, value in fields.items():
        box.locator(f"[name={name}]").fill(value)
    box.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=step-errors]").count() == 0, page.content()[:3000]


def _save_candidate(page, candidate_id, *, integrity=False, notes=None):
    box = page.locator(f"#candidate-{candidate_id}")
    box.locator("[name=inspected]").check()
    if integrity:
        box.locator("[name=integrity_received]").check()
    if notes is not None:
        box.locator("[name=inspection_notes]").fill(notes)
    box.locator("button[type=submit]").click()
    page.wait_for_load_state()


def _stage(app, round_id):
    with app.app_context():
        return db.session.get(SelectionRound, round_id).stage


def test_hr_walks_a_round_to_the_appointment(app, org, users, live_server, browser):
    ids = make_round(app, org)
    today = office_today()
    start = today - timedelta(days=14)
    context, page = _sign_in(browser, live_server, {"width": 1280, "height": 900})
    page.goto(f"{live_server}/selection/rounds/")
    page.click(f"[data-round='{ids['round']}'] a")
    _step(page, "recommendation", documents="党组会议纪要〔2026〕3号", outcome="同意启动")
    _step(page, "candidates", outcome="推荐票集中")
    _save_candidate(page, ids["own"])
    _step(page, "inspection")
    _save_candidate(page, ids["own"], integrity=True, notes="政治坚定，业务扎实，群众公认度高。")
    assert _stage(app, ids["round"]) is Stage.INSPECTION
    _step(page, "decision")
    form = page.locator("[data-testid=meeting-form]")
    form.locator("[name=meeting_on]").fill(start.isoformat())
    form.locator("[name=members_entitled]").fill("9")
    form.locator("[name=members_present]").fill("6")
    form.locator(f"[name=votes_{ids['own']}]").fill("5")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "会议有效" in page.locator("[data-testid=quorum]").inner_text()
    shot = screenshot(page, "selection-round-decision")
    _step(page, "publicity")
    form = page.locator("[data-testid=publicity-form]")
    form.locator("[name=publicity_start]").fill(start.isoformat())
    form.locator("[name=publicity_end]").fill((start + timedelta(days=7)).isoformat())
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    _step(page, "appointment")
    assert _stage(app, ids["round"]) is Stage.APPOINTMENT
    assert "试用期一年" in page.locator("[data-testid=probation]").inner_text()
    screenshot(page, "selection-round-appointed")
    assert not page.console_errors
    context.close()

    phone, small = _sign_in(browser, live_server, {"width": 390, "height": 844})
    small.goto(f"{live_server}/selection/rounds/{ids['round']}")
    width = small.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    screenshot(small, "selection-round-phone")
    response = small.request.get(
        f"{live_server}/selection/rounds/{ids['round']}/candidates/{ids['own']}/inspection.pdf"
    )
    assert response.status == 200
    pdf_path = SCREENSHOTS / "selection-inspection.pdf"
    pdf_path.write_bytes(response.body())
    phone.close()
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf_path),
             str(SCREENSHOTS / "selection-inspection")],
            check=True,
        )  # fmt: skip
    with app.app_context():
        cadre = db.session.get(Cadre, org["own_cadre"])
        assert cadre.position_title == "预算处副处长"
        assert (
            db.session.scalar(sa.select(Talk).where(Talk.subject_id == cadre.id)).kind == "任职谈话"
        )
    assert shot.exists()
