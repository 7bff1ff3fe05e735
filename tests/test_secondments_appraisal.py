"""期满鉴定 (issue 12, item 3): HR records the host's opinion, the grade, the conclusion and the
date; the cadre writes their own summary on /me; 归档 writes the 简历 line once, and that line
reaches the 干部任免审批表 (PDF and .lrmx); the 挂职锻炼鉴定表 PDF prints every field.

The known secondment: 李晓明 (预算处, led by the matrix manager) 下派 to 示例县财政局 as 副局长,
2025-03-01 to 2026-02-28, in 期满鉴定.
"""

from __future__ import annotations

import re
import subprocess
from datetime import date
from io import BytesIO
from typing import Any

import pytest
import sqlalchemy as sa
from defusedxml import ElementTree as SafeET
from pypdf import PdfReader

from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Cadre, ResumeEntry, Role, Secondment, SecondmentState
from cadre_app.services.secondments import appraisal, operations
from cadre_app.services.secondments.rules import Step
from tests.conftest import login, office_today

S = SecondmentState
VALUES = {
    "kind": "下派",
    "host_unit": "示例县财政局",
    "host_type": "基层单位",
    "post": "副局长",
    "start_date": date(2025, 3, 1),
    "planned_end": date(2026, 2, 28),
}
LINE = "2025.03--2026.02 挂职任示例县财政局副局长"
PATH = {
    S.APPROVED: (S.APPROVED,),
    S.ON_POST: (S.APPROVED, S.ON_POST),
    S.APPRAISAL: (S.APPROVED, S.ON_POST, S.APPRAISAL),
}


def make_secondment(app, cadre_id: int, state: SecondmentState = S.APPRAISAL, **values) -> int:
    """A secondment of the cadre moved to ``state`` through the operations; its id."""
    with app.app_context():
        cadre = db.session.get(Cadre, cadre_id)
        secondment = operations.create(cadre, VALUES | values, actor="hr")
        for target in PATH.get(state, ()):
            operations.transition(
                secondment,
                target,
                Step(),
                expected_version=secondment.version,
                actor="hr",
                today=date(2026, 3, 2),
            )
        db.session.commit()
        return secondment.id


def load(app, secondment_id: int) -> dict[str, Any]:
    with app.app_context():
        s = db.session.get(Secondment, secondment_id)
        return {
            "state": s.state,
            "version": s.version,
            "host_opinion": s.host_opinion,
            "grade": s.grade,
            "hr_conclusion": s.hr_conclusion,
            "appraised_at": s.appraised_at,
            "cadre_summary": s.cadre_summary,
            "summary_at": s.summary_at,
            "resume_entry_id": s.resume_entry_id,
        }


def audit_count(app, secondment_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.object_type == "secondment",
                AuditEvent.object_id == str(secondment_id),
            )
        )


def resume_lines(app, cadre_id: int) -> list[str]:
    with app.app_context():
        entries = db.session.scalars(sa.select(ResumeEntry).where(ResumeEntry.cadre_id == cadre_id))
        return [e.line for e in entries]


def form(version: int, **changes: str) -> dict[str, str]:
    return {
        "version": str(version),
        "host_opinion": "政治坚定，工作扎实，群众认可。",
        "grade": "优秀",
        "conclusion": "同意派驻单位鉴定意见，确定为优秀。",
        "appraised_at": "2026-03-10",
    } | changes


def pdf_lines(content: bytes) -> list[str]:
    """The lines of ``pdftotext -layout`` (a table row is a line), whitespace removed."""
    assert content.startswith(b"%PDF-")
    out = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"],
        input=content,
        capture_output=True,
        check=True,
    )
    return ["".join(line.split()) for line in out.stdout.decode("utf-8").splitlines()]


def pdf_text(content: bytes) -> str:
    """The PDF's text as ``pdftotext`` reads it, whitespace removed (lines wrap anywhere)."""
    assert content.startswith(b"%PDF-")
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=content, capture_output=True, check=True
    )
    return "".join(out.stdout.decode("utf-8").split())


# --- HR's appraisal ------------------------------------------------------------------------


def test_hr_saves_the_appraisal_once_and_a_stale_form_shows_the_other_save(
    app, org, hr_client, login_as
):
    sid = make_secondment(app, org["own_cadre"])
    page = hr_client.get(f"/secondments/{sid}/appraisal")
    assert page.status_code == 200
    assert 'data-testid="appraisal-form"' in page.get_data(as_text=True)
    version = load(app, sid)["version"]
    before = audit_count(app, sid)

    saved = hr_client.post(f"/secondments/{sid}/appraisal", data=form(version))
    assert saved.status_code == 302
    row = load(app, sid)
    assert (row["host_opinion"], row["grade"], row["hr_conclusion"], row["appraised_at"]) == (
        "政治坚定，工作扎实，群众认可。",
        "优秀",
        "同意派驻单位鉴定意见，确定为优秀。",
        date(2026, 3, 10),
    )
    assert row["state"] is S.APPRAISAL  # saving does not archive
    assert audit_count(app, sid) == before + 1

    # The same form posted again: nothing more is written.
    again = hr_client.post(f"/secondments/{sid}/appraisal", data=form(version))
    assert again.status_code == 302
    assert "已经保存" in hr_client.get(again.headers["Location"]).get_data(as_text=True)
    assert audit_count(app, sid) == before + 1

    # Another HR user's form loaded before that save, with other values: 409, not overwritten.
    other = login_as("hr")
    stale = other.post(f"/secondments/{sid}/appraisal", data=form(version, grade="称职"))
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert 'data-testid="conflict"' in html and "鉴定等次" in html
    assert load(app, sid)["grade"] == "优秀"


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"grade": "良好"}, "鉴定等次须为"),
        ({"appraised_at": "2025-01-01"}, "鉴定日期不能早于挂职开始日期"),
        ({"appraised_at": "2099-01-01"}, "鉴定日期不能晚于今天"),
        ({"appraised_at": "2026-02-30"}, "2026-02-30"),
        ({"host_opinion": "很" * 2001}, "内容过长"),
    ],
)
def test_bad_appraisal_input_is_refused_with_a_message_and_nothing_written(
    app, org, hr_client, changes, message
):
    sid = make_secondment(app, org["own_cadre"])
    row = load(app, sid)
    response = hr_client.post(f"/secondments/{sid}/appraisal", data=form(row["version"], **changes))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert load(app, sid) == row


def test_the_appraisal_is_only_recorded_in_appraisal(app, org, hr_client):
    sid = make_secondment(app, org["own_cadre"], S.ON_POST)
    page = hr_client.get(f"/secondments/{sid}/appraisal").get_data(as_text=True)
    assert 'data-testid="appraisal-form"' not in page and 'data-testid="not-yet"' in page
    row = load(app, sid)
    response = hr_client.post(f"/secondments/{sid}/appraisal", data=form(row["version"]))
    assert response.status_code == 409
    assert "只有“期满鉴定”时才能" in response.get_data(as_text=True)
    archived = hr_client.post(f"/secondments/{sid}/archive", data=form(row["version"]))
    assert archived.status_code == 409
    assert load(app, sid) == row


def test_who_may_open_and_save_the_appraisal(app, org, users, login_as):
    own = make_secondment(app, org["own_cadre"])
    other = make_secondment(app, org["other_cadre"])  # 国库处: not the manager's
    version = load(app, own)["version"]
    manager, cadre = login_as("manager"), login_as("cadre")
    page = manager.get(f"/secondments/{own}/appraisal")
    assert page.status_code == 200
    assert 'data-testid="appraisal-form"' not in page.get_data(as_text=True)  # reads only
    assert manager.post(f"/secondments/{own}/appraisal", data=form(version)).status_code == 403
    assert manager.post(f"/secondments/{own}/archive", data=form(version)).status_code == 403
    assert manager.get(f"/secondments/{other}/appraisal").status_code == 404
    assert cadre.get(f"/secondments/{own}/appraisal").status_code == 403
    for role in ("admin", "auditor"):
        assert login_as(role).get(f"/secondments/{own}/appraisal").status_code == 403
    assert load(app, own)["grade"] is None


# --- the cadre's own summary -----------------------------------------------------------------


def test_the_cadre_writes_their_own_summary_on_me(app, org, cadre_client):
    sid = make_secondment(app, org["own_cadre"])
    page = cadre_client.get("/me?tab=secondments")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-testid="summary-form"' in html and "示例县财政局" in html
    version = load(app, sid)["version"]

    sent = cadre_client.post(
        f"/secondments/{sid}/summary", data={"version": version, "summary": "  一年来，我……\n"}
    )
    assert sent.status_code == 302
    assert sent.headers["Location"].endswith(f"/me?tab=secondments#secondment-{sid}")
    row = load(app, sid)
    assert row["cadre_summary"] == "一年来，我……" and row["summary_at"] is not None
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.object_type == "secondment", AuditEvent.object_id == str(sid))
            .order_by(AuditEvent.id.desc())
        ).first()
        assert event.after["cadre_summary"] == "一年来，我……" and event.actor_name == "cadre1"

    # posted twice: nothing more
    count = audit_count(app, sid)
    twice = cadre_client.post(
        f"/secondments/{sid}/summary", data={"version": version, "summary": "一年来，我……"}
    )
    assert twice.status_code == 302 and audit_count(app, sid) == count

    empty = cadre_client.post(
        f"/secondments/{sid}/summary", data={"version": row["version"], "summary": "  "}
    )
    assert empty.status_code == 400 and "请填写本人总结" in empty.get_data(as_text=True)
    assert load(app, sid)["cadre_summary"] == "一年来，我……"


def test_only_the_cadre_themself_writes_the_summary_and_only_in_appraisal(
    app, org, users, login_as
):
    theirs = make_secondment(app, org["other_cadre"])  # 王芳's: not the signed-in cadre's
    on_post = make_secondment(app, org["own_cadre"], S.ON_POST)
    cadre = login_as("cadre")
    data = {"version": load(app, theirs)["version"], "summary": "冒名"}
    assert cadre.post(f"/secondments/{theirs}/summary", data=data).status_code == 404
    assert cadre.post("/secondments/999999/summary", data=data).status_code == 404
    for role in ("hr", "manager"):  # not theirs either: 404 (admin and auditor: 403)
        assert login_as(role).post(f"/secondments/{theirs}/summary", data=data).status_code == 404
    for role in ("admin", "auditor"):
        assert login_as(role).post(f"/secondments/{theirs}/summary", data=data).status_code == 403
    assert load(app, theirs)["cadre_summary"] is None

    # their own, but still on post: refused, nothing written
    assert 'data-testid="summary-form"' not in cadre.get("/me?tab=secondments").get_data(
        as_text=True
    )
    refused = cadre.post(
        f"/secondments/{on_post}/summary",
        data={"version": load(app, on_post)["version"], "summary": "提前写"},
    )
    assert refused.status_code == 409
    assert "只有“期满鉴定”时才能填写本人总结" in refused.get_data(as_text=True)
    assert load(app, on_post)["cadre_summary"] is None


def test_a_seconded_manager_writes_their_own_summary_and_prints_their_own_form(app, org, make_user):
    """A manager is a cadre too: seconded themself, their account (linked to 王芳, in a section
    they do not lead) writes the summary and prints the form, though their section's scope
    does not reach it."""
    sid = make_secondment(app, org["other_cadre"])
    make_user("manager2", Role.MANAGER, section_ids=(org["budget"],), cadre_id=org["other_cadre"])
    client = app.test_client()
    assert login(client, "manager2").status_code == 302
    page = client.get("/me?tab=secondments").get_data(as_text=True)
    assert 'data-testid="summary-form"' in page
    assert f'/secondments/{sid}/appraisal"' not in page  # HR's page: not theirs to open
    sent = client.post(
        f"/secondments/{sid}/summary",
        data={"version": load(app, sid)["version"], "summary": "挂职总结"},
    )
    assert sent.status_code == 302 and load(app, sid)["cadre_summary"] == "挂职总结"
    assert client.get(f"/secondments/{sid}/appraisal.pdf").status_code == 200
    assert client.get(f"/secondments/{sid}/appraisal").status_code == 404  # HR's page


# --- 归档 and the 简历 line ------------------------------------------------------------------


def test_archive_writes_the_resume_line_once(app, org, hr_client):
    sid = make_secondment(app, org["own_cadre"])
    version = load(app, sid)["version"]
    assert resume_lines(app, org["own_cadre"]) == []

    done = hr_client.post(f"/secondments/{sid}/archive", data=form(version))
    assert done.status_code == 302
    assert LINE in hr_client.get(done.headers["Location"]).get_data(as_text=True)
    row = load(app, sid)
    assert row["state"] is S.ARCHIVED and row["grade"] == "优秀"
    assert resume_lines(app, org["own_cadre"]) == [LINE]

    # the archive button pressed twice: the second post writes no second line
    count = audit_count(app, sid)
    twice = hr_client.post(f"/secondments/{sid}/archive", data=form(version))
    assert twice.status_code == 302
    assert "已经完成" in hr_client.get(twice.headers["Location"]).get_data(as_text=True)
    assert resume_lines(app, org["own_cadre"]) == [LINE]
    assert audit_count(app, sid) == count
    # ... and a fresh form of the archived secondment cannot archive again either
    again = hr_client.post(f"/secondments/{sid}/archive", data=form(row["version"]))
    assert again.status_code == 409
    assert resume_lines(app, org["own_cadre"]) == [LINE]

    # the database holds it too: one 简历 line belongs to one secondment
    other = make_secondment(
        app,
        org["own_cadre"],
        S.PROPOSED,
        start_date=date(2026, 6, 1),
        planned_end=date(2026, 11, 30),
    )
    with app.app_context():
        db.session.get(Secondment, other).resume_entry_id = row["resume_entry_id"]
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_archive_needs_the_grade_and_the_conclusion(app, org, hr_client):
    sid = make_secondment(app, org["own_cadre"])
    row = load(app, sid)
    response = hr_client.post(
        f"/secondments/{sid}/archive", data=form(row["version"], grade="", conclusion="")
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "归档前须填写鉴定等次" in html and "归档前须填写组织人事部门意见" in html
    assert load(app, sid) == row
    assert resume_lines(app, org["own_cadre"]) == []


def test_the_resume_line_reaches_the_appointment_form_and_the_lrmx(app, org, hr_client):
    sid = make_secondment(app, org["own_cadre"])
    assert (
        hr_client.post(
            f"/secondments/{sid}/archive", data=form(load(app, sid)["version"])
        ).status_code
        == 302
    )
    cadre_id = org["own_cadre"]

    content = hr_client.get(f"/records/{cadre_id}/appointment-form.pdf")
    assert content.status_code == 200
    assert "".join(LINE.split()) in pdf_text(content.data)

    lrmx = hr_client.get(f"/records/{cadre_id}/appointment-form.lrmx")
    assert lrmx.status_code == 200
    root = SafeET.fromstring(lrmx.data)
    assert LINE in root.findtext("JianLi").splitlines()


# --- the profile tab and the 鉴定表 ------------------------------------------------------------


def test_the_profile_tab_shows_the_grade_once_archived(app, org, hr_client, login_as):
    sid = make_secondment(app, org["own_cadre"])
    url = f"/cadres/{org['own_cadre']}?tab=secondments"
    page = hr_client.get(url).get_data(as_text=True)
    assert f'data-testid="secondment-{sid}"' in page and 'data-testid="grade"' not in page
    assert 'data-testid="summary-form"' not in page  # HR does not write the cadre's summary
    assert f'href="/secondments/{sid}/appraisal"' in page
    hr_client.post(f"/secondments/{sid}/archive", data=form(load(app, sid)["version"]))
    page = hr_client.get(url).get_data(as_text=True)
    assert 'data-testid="grade">优秀<' in page
    english = login_as("cadre")
    english.post("/auth/language", data={"lang": "en"})
    mine = english.get("/me?tab=secondments").get_data(as_text=True)
    assert 'data-testid="grade">Excellent<' in mine


def test_the_appraisal_form_pdf_prints_every_field(app, org, hr_client, login_as):
    sid = make_secondment(app, org["own_cadre"])
    version = load(app, sid)["version"]
    cadre = login_as("cadre")
    cadre.post(
        f"/secondments/{sid}/summary",
        data={"version": version, "summary": "深入基层调研，完成预算绩效改革试点。"},
    )
    hr_client.post(f"/secondments/{sid}/archive", data=form(load(app, sid)["version"]))

    response = hr_client.get(f"/secondments/{sid}/appraisal.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    lines = pdf_lines(response.data)
    today = office_today()
    long_today = f"{today.year}年{today.month}月{today.day}日"
    for expected in (
        "挂职锻炼鉴定表",
        f"单位：测试财政局填表时间：{long_today}",
        "姓名李晓明性别男出生年月1995.03",
        "政治面貌类别下派单位类型基层单位",
        "测试财政局预算处一级科员",
        "派往单位示例县财政局挂职时间2025.03--2026.02",
        "挂任职务副局长",
        "本人总结",
        "深入基层调研，完成预算绩效改革试点。",
        "派驻单位鉴定意见",
        "政治坚定，工作扎实，群众认可。",
        "鉴定等次：■优秀□称职□基本称职□不称职",
        "派驻单位（盖章）2026年3月10日",
        "组织人事部门意见",
        "同意派驻单位鉴定意见，确定为优秀。",
        f"组织人事部门（盖章）{long_today}",  # archived today
        "办理状态：归档本表由干部培养考评管理系统生成",
    ):
        assert expected in lines, expected
    assert "原单位" in lines and "及职务" in lines
    # the cadre prints their own; a manager their section's
    assert cadre.get(f"/secondments/{sid}/appraisal.pdf").status_code == 200
    assert login_as("manager").get(f"/secondments/{sid}/appraisal.pdf").status_code == 200


def test_who_may_print_the_appraisal_form(app, org, users, login_as):
    theirs = make_secondment(app, org["other_cadre"])
    proposed = make_secondment(app, org["own_cadre"], S.PROPOSED)
    assert login_as("cadre").get(f"/secondments/{theirs}/appraisal.pdf").status_code == 404
    assert login_as("manager").get(f"/secondments/{theirs}/appraisal.pdf").status_code == 404
    assert login_as("hr").get(f"/secondments/{proposed}/appraisal.pdf").status_code == 404
    for role in ("admin", "auditor"):
        assert login_as(role).get(f"/secondments/{theirs}/appraisal.pdf").status_code == 403
    blank = login_as("hr").get(f"/secondments/{theirs}/appraisal.pdf")
    assert blank.status_code == 200  # in 期满鉴定, nothing recorded yet: boxes left to fill
    text = pdf_text(blank.data)
    assert "□优秀□称职□基本称职□不称职" in text and "王芳" in text


def test_without_a_cjk_font_the_pdf_is_refused(app, org, hr_client):
    sid = make_secondment(app, org["own_cadre"])
    families = app.config.get("PDF_REQUIRE_FONT_FAMILIES")
    app.config["PDF_REQUIRE_FONT_FAMILIES"] = []
    try:
        response = hr_client.get(f"/secondments/{sid}/appraisal.pdf")
    finally:
        if families is None:
            app.config.pop("PDF_REQUIRE_FONT_FAMILIES")
        else:
            app.config["PDF_REQUIRE_FONT_FAMILIES"] = families
    assert response.status_code == 503
    assert "中文字体" in response.get_data(as_text=True)


# --- the service, without the web ------------------------------------------------------------


def test_save_appraisal_checks_the_version_and_archive_keeps_the_saved_values(app, org):
    sid = make_secondment(app, org["own_cadre"])
    with app.app_context():
        secondment = db.session.get(Secondment, sid)
        loaded = secondment.version
        values = appraisal.values("表现良好", "称职", "同意", date(2026, 3, 5))
        appraisal.save_appraisal(
            secondment, values, expected_version=loaded, actor="hr", today=date(2026, 3, 6)
        )
        db.session.commit()
        with pytest.raises(appraisal.AlreadyDone):
            appraisal.save_appraisal(
                secondment, values, expected_version=loaded, actor="hr", today=date(2026, 3, 6)
            )
        with pytest.raises(appraisal.VersionConflict) as conflict:
            appraisal.save_appraisal(
                secondment,
                appraisal.values("表现突出", "优秀", "同意", date(2026, 3, 5)),
                expected_version=loaded,
                actor="hr2",
                today=date(2026, 3, 6),
            )
        assert {c["field"] for c in conflict.value.changes} >= {"鉴定等次", "派驻单位鉴定意见"}
        appraisal.archive(
            secondment,
            None,
            expected_version=secondment.version,
            actor="hr",
            today=date(2026, 3, 7),
        )
        db.session.commit()
        assert (secondment.state, secondment.grade, secondment.appraised_at) == (
            S.ARCHIVED,
            "称职",
            date(2026, 3, 5),
        )
        assert secondment.resume_entry.line == LINE


def test_a_resume_line_the_roster_refuses_archives_nothing(app, org, hr_client):
    with app.app_context():  # a data error: the recorded birth date after the start
        db.session.get(Cadre, org["own_cadre"]).birth_date = date(2025, 6, 1)
        db.session.commit()
    sid = make_secondment(app, org["own_cadre"])
    row = load(app, sid)
    response = hr_client.post(f"/secondments/{sid}/archive", data=form(row["version"]))
    assert response.status_code == 400
    assert "简历未能写入：起始年月不能早于出生日期。" in response.get_data(as_text=True)
    assert load(app, sid) == row and resume_lines(app, org["own_cadre"]) == []


@pytest.mark.committed  # two threads, each with its own connection
def test_two_archives_at_the_same_moment_write_one_resume_line(app, org):
    """Both load the secondment at the same version and archive at once: the version column
    lets one through; the other fails (stale row, or SQLite's lock) and writes nothing."""
    import threading

    from sqlalchemy.orm.exc import StaleDataError

    sid = make_secondment(app, org["own_cadre"])
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def archive(actor: str) -> None:
        with app.app_context():
            try:
                secondment = db.session.get(Secondment, sid)
                version = secondment.version
                posted = appraisal.values("表现突出", "优秀", "同意", date(2026, 3, 10))
                barrier.wait(timeout=10)
                appraisal.archive(
                    secondment,
                    posted,
                    expected_version=version,
                    actor=actor,
                    today=date(2026, 3, 11),
                )
                db.session.commit()
                outcomes.append("archived")
            except (StaleDataError, appraisal.AlreadyDone, sa.exc.OperationalError) as error:
                db.session.rollback()
                outcomes.append(type(error).__name__)

    threads = [threading.Thread(target=archive, args=(f"hr{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count("archived") == 1, outcomes
    assert len(outcomes) == 2, outcomes
    assert resume_lines(app, org["own_cadre"]) == [LINE]
    assert load(app, sid)["state"] is S.ARCHIVED


def test_a_long_summary_continues_on_the_next_pages(app, org, hr_client, login_as):
    sid = make_secondment(app, org["own_cadre"])
    paragraph = (
        "在挂职期间，本人认真学习贯彻党的路线方针政策，"
        "积极参与预算编制和绩效评价改革，深入乡镇调研。"
    )
    text = "\n".join([paragraph] * 60 + ["以上为本人总结的最后一段。"])
    assert len(text) <= appraisal.SUMMARY_LIMIT
    sent = login_as("cadre").post(
        f"/secondments/{sid}/summary", data={"version": load(app, sid)["version"], "summary": text}
    )
    assert sent.status_code == 302
    content = hr_client.get(f"/secondments/{sid}/appraisal.pdf").data
    reader = PdfReader(BytesIO(content))
    assert len(reader.pages) > 1
    text = "".join("".join(page.extract_text().split()) for page in reader.pages)
    pages = len(reader.pages)
    assert f"第{pages}页共{pages}页" in text
    text = re.sub(r"第\d+页共\d+页", "", text)  # the page numbers in the margin
    assert text.count(paragraph) == 60  # nothing cut
    assert "以上为本人总结的最后一段。本人签名：" in text
