"""One-time codes (issue 13, point 3): generation (alphabet without look-alikes, length,
uniqueness), reading what a rater typed, the keyed hash (the database keeps only hashes),
issuing and voiding, the codes panel, the slips PDF whose QR codes decode to the ballot URL,
and ``flask assessments codes``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import Assessment, AuditEvent, Ballot, BallotCode
from cadre_app.services.ballots import codes, operations, slips
from tests.ballot_support import group, issue, make_assessment

LOOK_ALIKES = set("01OIL")


def test_codes_use_the_alphabet_without_look_alikes_and_are_distinct():
    made = codes.generate(2000)
    assert len(made) == len(set(made)) == 2000
    assert all(len(c) == codes.LENGTH == 12 for c in made)
    assert not LOOK_ALIKES & set(codes.ALPHABET)
    assert set("".join(made)) == set(codes.ALPHABET)  # every symbol is used


def test_typed_codes_are_read_in_any_case_with_spaces_and_dashes():
    code = "ABCDEFGHJKMN"
    assert codes.display(code) == "ABCD-EFGH-JKMN"
    for typed in ("abcd-efgh-jkmn", " ABCD EFGH JKMN ", "abcd－efgh－jkmn", "ABCDEFGHJKMN"):
        assert codes.normalise(typed) == code
    for wrong in (None, "", "ABCD-EFGH-JKM", "ABCD-EFGH-JKMNP", "ABCD-EFGH-JKM0", "ABCD/EFGH/JKMN"):
        assert codes.normalise(wrong) is None


def test_the_hash_is_keyed(app):
    with app.test_request_context():
        first = codes.hash_code("ABCDEFGHJKMN")
        assert re.fullmatch(r"[0-9a-f]{64}", first)
        assert codes.hash_code("ABCDEFGHJKMN") == first
        assert codes.hash_code("ABCDEFGHJKMP") != first
        app.config["BALLOT_CODE_KEY"] = "another key"
        try:
            assert codes.hash_code("ABCDEFGHJKMN") != first
        finally:
            app.config["BALLOT_CODE_KEY"] = None
        app.config["SECRET_KEY"], secret = "another secret", app.config["SECRET_KEY"]
        try:
            assert codes.hash_code("ABCDEFGHJKMN") != first
        finally:
            app.config["SECRET_KEY"] = secret


def test_the_database_keeps_only_hashes_and_voided_codes_cannot_vote(app):
    with app.test_request_context():
        assessment = make_assessment(n_positive=1, n_negative=1)
        plain = issue(assessment, "领导", 3)
        more = issue(assessment, "领导", 2)
        rows = db.session.execute(sa.select(BallotCode.code_hash, BallotCode.batch)).all()
        assert sorted(b for _h, b in rows) == [1, 1, 1, 2, 2]
        assert {h for h, _b in rows} == {codes.hash_code(c) for c in plain + more}
        assert not {h for h, _b in rows} & set(plain + more)
        leaders = group(assessment, "领导")
        assert (leaders.issued, leaders.voided) == (5, 0)
        assert operations.void_unused(leaders, actor="hr") == 5
        assert (leaders.issued, leaders.voided) == (5, 5)
        assert operations.unused_counts(assessment.box) == {}
        with pytest.raises(operations.CodeRefused) as refused:
            operations.lookup(plain[0])
        assert refused.value.reason is operations.Refusal.VOIDED
        assert refused.value.status == 403
        with pytest.raises(operations.CodeRefused):
            operations.cast(plain[0], {})
        assert operations.void_unused(leaders, actor="hr") == 0  # voided once only
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.object_type == "ballot_box")
        ).all()
        assert [e.action for e in events] == [
            "issue_codes",
            "issue_codes",
            "void_codes",
            "void_codes",
        ]
        text = " ".join(f"{e.summary} {e.after}" for e in events)
        assert not any(c in text or codes.hash_code(c) in text for c in plain + more)


def test_codes_are_issued_only_while_open(app):
    with app.test_request_context():
        assessment = make_assessment(opened=False)
        with pytest.raises(ValueError):
            issue(assessment, "同事", 1)


def _decode_qr(pdf_bytes: bytes, tmp_path: Path) -> list[str]:
    (tmp_path / "slips.pdf").write_bytes(pdf_bytes)
    subprocess.run(
        ["pdftoppm", "-r", "100", "-png", str(tmp_path / "slips.pdf"), str(tmp_path / "page")],
        check=True,
    )
    found = []
    for png in sorted(tmp_path.glob("page*.png")):
        out = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True)
        found += out.stdout.split()
    return found


#: Skipped on a machine without the tools, never in CI (.ci/run installs them).
needs_tools = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")) and not os.environ.get("CI"),
    reason="pdftoppm (poppler-utils) and zbarimg (zbar-tools) are needed to read the slips",
)


@needs_tools
def test_hr_prints_slips_whose_qr_codes_open_the_ballot(app, hr_client, tmp_path):
    with app.app_context():
        assessment = make_assessment(n_positive=2, n_negative=1)
        db.session.commit()
        assessment_id, group_id = assessment.id, group(assessment, "同事").id
    panel = hr_client.get(f"/assessments/{assessment_id}/codes").get_data(as_text=True)
    assert "打印票码" in panel and "作废未用票码" not in panel
    response = hr_client.post(
        f"/assessments/{assessment_id}/codes/{group_id}/issue", data={"count": "9"}
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    urls = _decode_qr(response.data, tmp_path)
    assert len(urls) == 9 and len(set(urls)) == 9
    assert all(u.startswith("http://localhost/ballot/") for u in urls)
    typed = [u.rsplit("/", 1)[1] for u in urls]
    with app.test_request_context():
        stored = set(db.session.scalars(sa.select(BallotCode.code_hash)))
        assert stored == {codes.hash_code(c) for c in typed}
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "slips.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert "2026年度政治素质测评" in text and "同事" in text
    assert codes.display(typed[0]) in text
    assert len(list(tmp_path.glob("page*.png"))) == 2  # 8 slips a page
    page = hr_client.get(f"/ballot/{typed[0]}")
    assert page.status_code == 200
    panel = hr_client.get(f"/assessments/{assessment_id}/codes").get_data(as_text=True)
    assert re.search(r'data-testid="codes-group-同事">.*?data-testid="issued">9<', panel, re.S)
    assert "追加票码" in panel and "作废未用票码" in panel


def test_void_then_issue_more(app, hr_client):
    with app.app_context():
        assessment = make_assessment(n_positive=1, n_negative=1)
        old = issue(assessment, "下属", 4)
        db.session.commit()
        assessment_id, group_id = assessment.id, group(assessment, "下属").id
    response = hr_client.post(f"/assessments/{assessment_id}/codes/{group_id}/void")
    assert response.status_code == 303
    page = hr_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已作废“下属”的未用票码 4 张" in page
    assert hr_client.get(f"/ballot/{old[0]}").status_code == 403
    more = hr_client.post(
        f"/assessments/{assessment_id}/codes/{group_id}/issue", data={"count": "2"}
    )
    assert more.status_code == 200
    with app.app_context():
        leaders = db.session.get(Assessment, assessment_id)
        g = group(leaders, "下属")
        assert (g.issued, g.voided) == (6, 4)
        assert operations.unused_counts(leaders.box) == {group_id: 2}


@pytest.mark.parametrize("count", ["0", "", "x", "501"])
def test_a_bad_count_is_refused_and_nothing_issued(app, hr_client, count):
    with app.app_context():
        assessment = make_assessment(n_positive=1, n_negative=1)
        db.session.commit()
        ids = assessment.id, group(assessment, "同事").id
    response = hr_client.post(f"/assessments/{ids[0]}/codes/{ids[1]}/issue", data={"count": count})
    assert response.status_code == 400
    assert "请填写要发放的票码张数（1–500）" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BallotCode)) == 0


def test_a_draft_assessment_gets_no_codes_and_a_group_of_another_is_404(app, hr_client):
    with app.app_context():
        draft = make_assessment(opened=False)
        other = make_assessment()
        db.session.commit()
        ids = draft.id, group(draft, "同事").id, other.id
    refused = hr_client.post(f"/assessments/{ids[0]}/codes/{ids[1]}/issue", data={"count": "3"})
    assert refused.status_code == 409
    assert "只有进行中的测评才能发放票码" in refused.get_data(as_text=True)
    crossed = hr_client.post(f"/assessments/{ids[2]}/codes/{ids[1]}/issue", data={"count": "3"})
    assert crossed.status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BallotCode)) == 0


def test_no_cjk_font_answers_503_and_stores_no_code(app, hr_client, monkeypatch):
    with app.app_context():
        assessment = make_assessment(n_positive=1, n_negative=1)
        db.session.commit()
        ids = assessment.id, group(assessment, "同事").id
    monkeypatch.setitem(app.config, "PDF_REQUIRE_FONT_FAMILIES", [])  # no family installed
    response = hr_client.post(f"/assessments/{ids[0]}/codes/{ids[1]}/issue", data={"count": "3"})
    assert response.status_code == 503 and "中文字体" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BallotCode)) == 0
        assert group(db.session.get(Assessment, ids[0]), "同事").issued == 0


def test_the_panel_section_is_hrs_alone(app, users):
    from cadre_app.blueprints.assessments import codes_routes

    with app.test_request_context():
        assessment = make_assessment(n_positive=1, n_negative=1)
        issue(assessment, "领导", 2)
        section = codes_routes.page_section(assessment, users["hr"])
        assert section["can_issue"] is True
        leaders = next(g for g in section["groups"] if g["name"] == "领导")
        assert (leaders["issued"], leaders["unused"], leaders["cast"], leaders["suggested"]) == (
            2,
            2,
            0,
            1,
        )
        for role in ("admin", "manager", "cadre", "auditor"):
            assert codes_routes.page_section(assessment, users[role]) is None
        assert codes_routes.PAGE_SECTION[0] == "assessments/codes_panel.html"


def test_slips_data_is_plain_and_paged(app):
    with app.test_request_context():
        assessment = make_assessment(n_positive=1, n_negative=1)
        plain = issue(assessment, "同事", 17)
        data = slips.slips_data(
            assessment.box, group(assessment, "同事"), plain, base_url="https://x.example/"
        )
        assert [sum(len(r) for r in page) for page in data["pages"]] == [8, 8, 1]
        assert data["entry_url"] == "https://x.example/ballot/"
        assert data["pages"][0][0][0]["qr"].startswith("<svg")
        assert slips.ballot_url("https://x.example/", "ABC") == "https://x.example/ballot/ABC"


@needs_tools
def test_the_command_writes_slips(app, runner, tmp_path):
    with app.app_context():
        assessment = make_assessment(n_positive=1, n_negative=1)
        db.session.commit()
        assessment_id = assessment.id
    out = tmp_path / "slips.pdf"
    result = runner.invoke(
        args=["assessments", "codes", str(assessment_id), "--group", "领导", "--count", "3",
              "-o", str(out), "--base-url", "https://vote.example"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "issued 3 codes to 领导" in result.output
    urls = _decode_qr(out.read_bytes(), tmp_path)
    assert len(urls) == 3 and all(u.startswith("https://vote.example/ballot/") for u in urls)
    bad = runner.invoke(
        args=["assessments", "codes", str(assessment_id), "--group", "群众", "--count", "3",
              "-o", str(out), "--base-url", "https://vote.example"]
    )  # fmt: skip
    assert bad.exit_code == 1 and "没有评价人类别“群众”" in bad.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BallotCode)) == 3


def test_closing_rekeys_and_keeps_the_callers_changes(app):
    with app.test_request_context():
        empty = make_assessment(n_positive=1, n_negative=1)
        assert operations.rekey_ballots(empty.box) == 0
        assessment = make_assessment(n_positive=1, n_negative=1)
        code = issue(assessment, "同事", 1)[0]
        subject = assessment.subjects[0].id
        operations.cast(code, {subject: "2|1|3"})
        old = db.session.scalar(sa.select(Ballot.id))
        assessment.note = "关闭前的备注"  # a change the closing view made, not yet flushed
        operations.close_box(assessment.box)
        assert assessment.note == "关闭前的备注"
        db.session.flush()
        assert (
            db.session.scalar(sa.select(Assessment.note).where(Assessment.id == assessment.id))
            == "关闭前的备注"
        )
        assert db.session.scalar(sa.select(Ballot.id)) != old
        group_id = group(assessment, "同事").id
        assert operations.entries_of(assessment.box) == [(group_id, subject, "2|1|3")]
