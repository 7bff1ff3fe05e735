"""The results pages, conclusions, records and the 政治素质档案 as each role meets them."""

from __future__ import annotations

from io import BytesIO

import openpyxl
import pypdf
import pytest

from cadre_app.blueprints.assessments import results_routes
from cadre_app.extensions import db
from cadre_app.models import AssessmentSubject, AuditEvent, User
from tests import assessments_results_data as data


@pytest.fixture
def built(app, org):
    with app.app_context():
        return data.standard(org)


def _pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in pypdf.PdfReader(BytesIO(content)).pages)


def _conclude(client, built, index, conclusion, reason="", version=None):
    subject_id = built.subject_ids[index]
    if version is None:
        with client.application.app_context():
            version = db.session.get(AssessmentSubject, subject_id).version
    return client.post(
        f"/assessments/{built.assessment_id}/results/{subject_id}/conclusion",
        data={"conclusion": conclusion, "reason": reason, "version": str(version)},
    )


def test_hr_reads_every_subject_with_the_folding_rule(app, hr_client, built):
    page = hr_client.get(f"/assessments/{built.assessment_id}/results")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "李晓明" in html and "王芳" in html
    assert 'data-testid="folding-rule"' in html
    assert "82.22" in html  # 李晓明's positive score: (300 + 320 + 120) / 9
    assert "对党中央决策部署打折扣" in html  # 王芳's item at exactly 1/3
    assert 'data-testid="turnout"' in html


def test_the_subject_page_shows_buckets_items_and_negative_counts(hr_client, built):
    url = f"/assessments/{built.assessment_id}/results/{built.subject_ids[1]}"
    html = hr_client.get(url).get_data(as_text=True)
    assert "领导及其他（下属）" in html  # 2 subordinates joined the 3 leaders
    assert 'data-testid="flagged-item"' in html and "33.3%" in html
    assert 'data-testid="conclusion-form"' in html
    assert 'data-testid="talk"' in html


def test_results_wait_for_closing(app, hr_client, manager_client, org):
    with app.app_context():
        open_one = data.standard(org, close=False)
    page = hr_client.get(f"/assessments/{open_one.assessment_id}/results")
    assert page.status_code == 403
    assert "测评尚未关闭" in page.get_data(as_text=True)
    assert manager_client.get(f"/assessments/{open_one.assessment_id}/results").status_code == 404
    subject = f"/assessments/{open_one.assessment_id}/results/{open_one.subject_ids[0]}"
    assert hr_client.get(subject).status_code == 403
    assert hr_client.get(f"/assessments/{open_one.assessment_id}/results.xlsx").status_code == 403


def test_conclusions_are_recorded_checked_and_version_guarded(app, hr_client, built):
    missing = _conclude(hr_client, built, 1, "不合格", "")
    assert missing.status_code == 400
    assert "必须填写理由" in missing.get_data(as_text=True)
    wrong = _conclude(hr_client, built, 1, "优秀", "x")
    assert wrong.status_code == 400
    with app.app_context():
        assert db.session.get(AssessmentSubject, built.subject_ids[1]).conclusion is None
    ok = _conclude(hr_client, built, 1, "基本合格", "反向测评一项达到三分之一")
    assert ok.status_code == 302
    with app.app_context():
        subject = db.session.get(AssessmentSubject, built.subject_ids[1])
        assert (subject.conclusion, subject.concluded_by) == ("基本合格", "hr1")
        assert subject.result["ballots"] == 9
    stale = _conclude(hr_client, built, 1, "不合格", "另一意见", version=1)
    assert stale.status_code == 409
    assert "已被他人修改" in stale.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(AssessmentSubject, built.subject_ids[1]).conclusion == "基本合格"
    assert _conclude(hr_client, built, 1, "基本合格", "反向测评一项达到三分之一").status_code == 302


def test_a_manager_reads_only_concluded_subjects_of_their_sections(
    app, hr_client, manager_client, built
):
    results_url = f"/assessments/{built.assessment_id}/results"
    own = f"{results_url}/{built.subject_ids[0]}"
    other = f"{results_url}/{built.subject_ids[1]}"
    assert manager_client.get(results_url).status_code == 404  # nothing concluded yet
    assert manager_client.get(own).status_code == 404
    _conclude(hr_client, built, 0, "合格")
    _conclude(hr_client, built, 1, "合格")
    html = manager_client.get(results_url).get_data(as_text=True)
    assert "李晓明" in html and "王芳" not in html
    assert 'data-testid="turnout"' not in html and "results.xlsx" not in html
    page = manager_client.get(own).get_data(as_text=True)
    assert "conclusion-form" not in page and 'data-testid="talk"' not in page
    assert manager_client.get(other).status_code == 404
    assert manager_client.post(own + "/conclusion", data={}).status_code == 403
    assert manager_client.get(f"{results_url}.xlsx").status_code == 403


def test_cadres_read_results_only_in_their_dossier(app, hr_client, cadre_client, built):
    assert cadre_client.get(f"/assessments/{built.assessment_id}/results").status_code == 403
    me = cadre_client.get("/me?tab=political").get_data(as_text=True)
    assert 'data-testid="political-dossier"' not in me  # nothing concluded yet
    _conclude(hr_client, built, 0, "合格", "政治立场坚定")
    me = cadre_client.get("/me?tab=political").get_data(as_text=True)
    assert 'data-testid="political-dossier"' in me
    assert "2025年度政治素质考察" in me and "政治立场坚定" in me and "82.22" in me
    assert "/results/" not in me  # no link to the results pages for the cadre


def test_the_profile_tab_for_hr_and_the_manager(app, hr_client, manager_client, built, org):
    _conclude(hr_client, built, 0, "合格")
    _conclude(hr_client, built, 1, "不合格", "立场问题")
    hr_page = hr_client.get(f"/cadres/{org['other_cadre']}?tab=political").get_data(as_text=True)
    assert "立场问题" in hr_page and "/results/" in hr_page
    manager_page = manager_client.get(f"/cadres/{org['own_cadre']}?tab=political")
    assert 'data-testid="political-dossier"' in manager_page.get_data(as_text=True)
    assert manager_client.get(f"/cadres/{org['other_cadre']}?tab=political").status_code == 404


def test_the_records_print_and_export(app, hr_client, manager_client, built):
    whole = hr_client.get(f"/assessments/{built.assessment_id}/results.pdf")
    assert whole.status_code == 200 and whole.mimetype == "application/pdf"
    text = _pdf_text(whole.data)
    assert "政治素质测评结果汇总表" in text and "李晓明" in text and "王芳" in text
    one = hr_client.get(f"/assessments/{built.assessment_id}/results/{built.subject_ids[1]}.pdf")
    text = _pdf_text(one.data)
    assert "王芳" in text and "领导及其他（下属）" in text and "达到提醒标准" in text
    book = hr_client.get(f"/assessments/{built.assessment_id}/results.xlsx")
    assert book.status_code == 200
    sheets = openpyxl.load_workbook(BytesIO(book.data))
    assert sheets.sheetnames == [
        "测评结果汇总",
        "分组得分",
        "正向测评",
        "反向测评",
        "投票情况",
        "说明",
    ]
    rows = list(sheets["测评结果汇总"].iter_rows(values_only=True))
    assert rows[1][:4] == ("T0001", "李晓明", "预算处", 9)
    assert rows[1][4] == pytest.approx(82.22)
    assert rows[2][12] == "是"  # 王芳's 提醒谈话
    negative = list(sheets["反向测评"].iter_rows(values_only=True))
    assert len(negative) == 1 + 2 * 22
    with app.app_context():
        actions = [e.action for e in db.session.query(AuditEvent).all()]
    assert actions.count("download") == 2 and "export" in actions
    # a manager prints a concluded subject of their section, nothing else
    pdf_url = f"/assessments/{built.assessment_id}/results/{built.subject_ids[0]}.pdf"
    assert manager_client.get(pdf_url).status_code == 404
    _conclude(hr_client, built, 0, "合格")
    assert manager_client.get(pdf_url).status_code == 200


def test_without_a_cjk_font_the_records_answer_503(app, hr_client, built, monkeypatch):
    monkeypatch.setitem(app.config, "PDF_REQUIRE_FONT_FAMILIES", [])  # no family installed
    response = hr_client.get(f"/assessments/{built.assessment_id}/results.pdf")
    assert response.status_code == 503
    assert "中文字体" in response.get_data(as_text=True)


def test_the_assessment_page_panel(app, org, users):
    with app.app_context():
        open_one = data.standard(org, close=False)
        closed = data.standard(org, title="已关闭的考察")
        hr = db.session.get(User, users["hr"].id)
        manager = db.session.get(User, users["manager"].id)
        cadre = db.session.get(User, users["cadre"].id)
        a_open, a_closed = data.assessment(open_one), data.assessment(closed)
        panel = results_routes.page_section(a_open, hr)
        assert panel["ready"] is False
        assert [(t["name"], t["cast"]) for t in panel["turnout"]] == [
            ("领导", 3),
            ("同事", 4),
            ("下属", 2),
        ]
        assert results_routes.page_section(a_open, manager) is None
        assert results_routes.page_section(a_open, cadre) is None
        closed_panel = results_routes.page_section(a_closed, hr)
        assert closed_panel["ready"] and len(closed_panel["rows"]) == 2
        assert results_routes.page_section(a_closed, manager) is None  # nothing concluded


def test_the_cli_writes_the_workbook(app, runner, built, tmp_path):
    target = tmp_path / "results.xlsx"
    result = runner.invoke(
        args=["assessments", "results", str(built.assessment_id), "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(target)
    assert book["测评结果汇总"].max_row == 3
    missing = runner.invoke(args=["assessments", "results", "999999", "-o", str(target)])
    assert missing.exit_code == 1 and "999999" in missing.output


def test_the_results_pages_speak_english_but_the_data(app, hr_client, cadre_client, built, org):
    """The results pages are reached from the assessment page (its panel) and the profile;
    until the crawl reaches them, each is read here in English, as tests/test_english_ui.py
    reads every page: Chinese only where it is data (names, titles, checklist items,
    conclusions typed by HR, group names)."""
    from tests.test_english_ui import CJK, PUNCTUATION, chinese_runs, stored_text, vocabulary

    _conclude(hr_client, built, 0, "基本合格", "正向测评一般较多")
    hr_client.get("/")  # the flash of the (Chinese) save is shown here
    hr_client.post("/auth/language", data={"lang": "en", "next": "/"})
    cadre_client.post("/auth/language", data={"lang": "en", "next": "/"})
    pages = {
        "results": hr_client.get(f"/assessments/{built.assessment_id}/results"),
        "subject": hr_client.get(
            f"/assessments/{built.assessment_id}/results/{built.subject_ids[1]}"
        ),
        "concluded": hr_client.get(
            f"/assessments/{built.assessment_id}/results/{built.subject_ids[0]}"
        ),
        "profile": hr_client.get(f"/cadres/{org['own_cadre']}?tab=political"),
        "me": cadre_client.get("/me?tab=political"),
    }
    with app.app_context():
        data = stored_text() | vocabulary() | set(CJK.findall(app.config["ORGANISATION_NAME"]))
    # stored terms the UI translates must not appear in Chinese
    data -= {"合格", "基本合格", "不合格", "好", "较好", "一般", "差"}
    for name, response in pages.items():
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and 'lang="en"' in html, name
        chrome = chinese_runs(html) - data - PUNCTUATION - {"中文"}
        assert not chrome, (name, chrome)
    assert "Basically qualified" in pages["me"].get_data(as_text=True)


def test_the_panel_template_renders_both_states(app, org, users):
    """What B's assessment page includes: ``PAGE_SECTION``'s template with ``section``."""
    from flask import render_template
    from flask_login import login_user

    template, _order = results_routes.PAGE_SECTION
    with app.test_request_context("/"):
        hr = db.session.get(User, users["hr"].id)
        login_user(hr)
        open_one = data.standard(org, close=False)
        closed = data.standard(org, title="已关闭的考察")
        html = render_template(
            template, section=results_routes.page_section(data.assessment(open_one), hr)
        )
        assert 'data-testid="panel-turnout"' in html and "测评关闭后才能查看结果" in html
        html = render_template(
            template, section=results_routes.page_section(data.assessment(closed), hr)
        )
        assert f"/assessments/{closed.assessment_id}/results" in html
        assert "李晓明" in html and "王芳" in html


def test_bad_requests_are_refused_and_write_nothing(app, hr_client, built, org):
    base = f"/assessments/{built.assessment_id}/results/{built.subject_ids[0]}"
    no_version = hr_client.post(f"{base}/conclusion", data={"conclusion": "合格"})
    assert no_version.status_code == 400
    with app.app_context():
        other = data.standard(org, title="另一次考察")
    foreign = f"/assessments/{built.assessment_id}/results/{other.subject_ids[0]}"
    assert hr_client.get(foreign).status_code == 404
    assert hr_client.post(f"{foreign}/conclusion", data={"version": "1"}).status_code == 404
    assert hr_client.get("/assessments/999999/results").status_code == 404
    with app.app_context():
        assert db.session.get(AssessmentSubject, built.subject_ids[0]).conclusion is None


def test_a_small_group_never_shows_on_its_own(hr_client, built):
    html = hr_client.get(
        f"/assessments/{built.assessment_id}/results/{built.subject_ids[0]}"
    ).get_data(as_text=True)
    buckets = html.split('data-testid="buckets"')[1].split("</section>")[0]
    assert buckets.count('data-kind="') == 2
    assert "<td>下属</td>" not in buckets  # 2 subordinates: inside 领导及其他 only
    assert "领导及其他（下属）" in buckets
