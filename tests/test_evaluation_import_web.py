"""HR imports a year's 年度考核 scores from Excel through the browser (upload, preview, confirm)
and through ``flask evaluations import``."""

from __future__ import annotations

import re
from datetime import date
from io import BytesIO

import openpyxl
import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Cadre, Evaluation, EvaluationCycle, ImportUpload, Role
from cadre_app.services.evaluations import operations as evaluation
from cadre_app.services.evaluations.excel import HEADER
from tests import workbooks
from tests.conftest import count_rows, office_today
from tests.evaluation_workbooks import (
    OTHER,
    OWN,
    build_scores,
    cadre_records,
    score_row,
    scores_for,
)
from tests.workbooks import FIRST_ROW

YEAR = 2025


def upload(client, content: bytes, filename: str = "成绩.xlsx", year: object = YEAR):
    return client.post(
        "/evaluations/import",
        data={"year": str(year), "file": (BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def token_of(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.fullmatch(r"/evaluations/import/([A-Za-z0-9_-]{43})", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def text(response) -> str:
    return response.get_data(as_text=True)


def flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def two_rows(**overrides) -> bytes:
    return build_scores([score_row(*OWN) | overrides, score_row(*OTHER, 80, 82, 84, "称职")])


def confirm_year(app) -> None:
    """Score both cadres and confirm the year: its scores are fixed from then on."""
    with app.app_context():
        cycle, _created = evaluation.ensure_cycle(YEAR, actor="hr1")
        for cadre in db.session.scalars(sa.select(Cadre)):
            evaluation.set_scores(
                cycle,
                cadre,
                ordinary=80,
                democratic=80,
                leader=80,
                proposed_grade="称职",
                actor="x",
            )
        evaluation.confirm_cycle(cycle, actor="hr1", today=date(2026, 1, 20))
        db.session.commit()


# --- the story: upload, preview, confirm ----------------------------------------------------


def test_hr_uploads_previews_and_confirms(app, hr_client, users):
    page = hr_client.get("/evaluations/import")
    html = text(page)
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in html
    assert f'value="{office_today().year - 1}"' in html  # last year by default
    assert 'href="/evaluations/template.xlsx"' in html

    content = build_scores([score_row(*OWN, grade="优秀"), score_row(*OTHER, leader=None)])
    token = token_of(upload(hr_client, content))
    with app.app_context():
        stored = db.session.scalar(sa.select(ImportUpload))
        assert stored.user_id == users["hr"].id and stored.kind == "evaluations"
        assert stored.filename == "2025|成绩.xlsx" and stored.content == content
        assert stored.applied_at is None
    assert count_rows(app, Evaluation) == 0 and count_rows(app, EvaluationCycle) == 0

    preview = hr_client.get(f"/evaluations/import/{token}")
    html = text(preview)
    assert preview.status_code == 200
    assert "考核年度：2025；文件：成绩.xlsx" in html
    assert "新增 2 人" in html and "成绩不全 1 人" in html
    assert "系统中尚无 2025 年度考核" in html
    assert html.count('data-status="new"') == 2
    assert f'action="/evaluations/import/{token}/confirm"' in html

    confirmed = hr_client.post(f"/evaluations/import/{token}/confirm")
    assert confirmed.status_code == 302
    assert confirmed.headers["Location"] == "/evaluations/2025/ranking"
    (message,) = flashes(hr_client)
    assert "已导入 2025 年度考核成绩：新增 2 人，更新 0 人。" in message
    assert "已按默认设置新建 2025 年度考核" in message and "1 人成绩不全" in message
    assert count_rows(app, Evaluation) == 2 and count_rows(app, EvaluationCycle) == 1
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "import"))
        assert event.actor_name == "hr1" and "成绩.xlsx" in event.summary
        assert db.session.scalar(sa.select(ImportUpload.applied_at)) is not None

    applied = hr_client.get(f"/evaluations/import/{token}")
    assert applied.status_code == 200 and 'data-testid="applied"' in text(applied)
    assert "/confirm" not in text(applied)
    assert 'href="/evaluations/2025/ranking"' in text(applied)


def test_the_year_travels_with_the_upload(app, hr_client):
    token = token_of(upload(hr_client, two_rows(), year=2023))
    assert "考核年度：2023" in text(hr_client.get(f"/evaluations/import/{token}"))
    assert hr_client.post(f"/evaluations/import/{token}/confirm").headers["Location"] == (
        "/evaluations/2023/ranking"
    )
    with app.app_context():
        assert db.session.scalars(sa.select(EvaluationCycle.year)).all() == [2023]


def test_an_update_shows_the_changed_scores(app, hr_client):
    assert hr_client.post(f"/evaluations/import/{token_of(upload(hr_client, two_rows()))}/confirm")
    token = token_of(upload(hr_client, two_rows(民主测评=91.5), "更正.xlsx"))
    html = text(hr_client.get(f"/evaluations/import/{token}"))
    assert "更新 1 人" in html and "无变化 1 人" in html and "90 → 91.5" in html
    assert hr_client.post(f"/evaluations/import/{token}/confirm").status_code == 302
    with app.app_context():
        event = db.session.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.action == "update", AuditEvent.object_type == "evaluation"
            )
        )
        assert event.before["democratic"] == 90 and event.after["democratic"] == 91.5
        assert "更正理由：导入 更正.xlsx" in event.summary and event.actor_name == "hr1"


def test_confirming_twice_applies_once(app, hr_client):
    token = token_of(upload(hr_client, two_rows()))
    assert hr_client.post(f"/evaluations/import/{token}/confirm").status_code == 302
    again = hr_client.post(f"/evaluations/import/{token}/confirm")
    assert again.status_code == 409 and "已经导入过" in text(again)
    assert count_rows(app, Evaluation) == 2
    assert count_rows(app, AuditEvent, AuditEvent.action == "import") == 1


def test_rows_with_errors_are_highlighted_and_cannot_be_confirmed(app, hr_client):
    content = build_scores(
        [score_row(*OWN, democratic=120), score_row("T0002", "李晓明"), score_row("X1", "赵六")]
    )
    token = token_of(upload(hr_client, content))
    page = hr_client.get(f"/evaluations/import/{token}")
    html = text(page)
    assert page.status_code == 200
    assert "有错误 3 行" in html and "/confirm" not in html
    first = re.search(rf'<tr class="table-danger" data-row="{FIRST_ROW}"[^>]*>.*?</tr>', html, re.S)
    assert first and "第 2 行“民主测评”：" in first.group(0)
    assert "须在 0 至 100 之间，现为 120" in first.group(0)
    assert "第 3 行“姓名”：" in html and "第 4 行“工号”：" in html

    forced = hr_client.post(f"/evaluations/import/{token}/confirm")
    assert forced.status_code == 400
    assert count_rows(app, Evaluation) == 0 and count_rows(app, EvaluationCycle) == 0
    assert count_rows(app, AuditEvent, AuditEvent.action != "login") == 0
    with app.app_context():
        assert db.session.scalar(sa.select(ImportUpload.applied_at)) is None


def test_confirm_checks_again_against_the_database_as_it_is_now(app, hr_client):
    token = token_of(upload(hr_client, two_rows()))
    assert "/confirm" in text(hr_client.get(f"/evaluations/import/{token}"))
    with app.app_context():  # meanwhile 王芳's name is corrected in the roster
        other = db.session.scalar(sa.select(Cadre).where(Cadre.staff_no == "T0002"))
        other.name = "王芳芳"
        db.session.commit()
    response = hr_client.post(f"/evaluations/import/{token}/confirm")
    assert response.status_code == 400
    assert "未导入任何数据" in text(response) and "王芳芳" in text(response)
    assert count_rows(app, Evaluation) == 0
    with app.app_context():
        assert db.session.scalar(sa.select(ImportUpload.applied_at)) is None


def test_a_year_confirmed_after_the_preview_is_refused_at_confirmation(app, hr_client):
    token = token_of(upload(hr_client, two_rows()))
    confirm_year(app)
    response = hr_client.post(f"/evaluations/import/{token}/confirm")
    assert response.status_code == 400 and "成绩已固定，不能再导入" in text(response)
    preview = hr_client.get(f"/evaluations/import/{token}")
    assert preview.status_code == 400 and 'data-testid="problem"' in text(preview)
    with app.app_context():
        assert db.session.scalar(sa.select(ImportUpload.applied_at)) is None
        assert set(db.session.scalars(sa.select(Evaluation.leader))) == {80}


def test_another_users_upload_is_not_found(app, hr_client, make_user, login_as):
    token = token_of(upload(hr_client, two_rows()))
    make_user("hr2", Role.HR)
    other = app.test_client()
    other.post("/auth/login", data={"username": "hr2", "password": "Test@2026pw"})
    assert other.get(f"/evaluations/import/{token}").status_code == 404
    assert other.post(f"/evaluations/import/{token}/confirm").status_code == 404
    assert login_as("manager").get(f"/evaluations/import/{token}").status_code == 403
    assert count_rows(app, Evaluation) == 0


def test_a_roster_upload_token_is_not_a_score_upload(app, hr_client):
    roster = hr_client.post(
        "/cadres/import",
        data={"file": (BytesIO(workbooks.build(workbooks.cadre_rows(1))), "名册.xlsx")},
        content_type="multipart/form-data",
    )
    token = roster.headers["Location"].rsplit("/", 1)[-1]
    assert hr_client.get(f"/evaluations/import/{token}").status_code == 404


def test_a_long_file_lists_errors_first_and_says_how_many_rows_are_shown(app, hr_client, org):
    with app.app_context():
        records = cadre_records(1100, [org["budget"]])
        db.session.execute(sa.insert(Cadre), records)
        db.session.commit()
    rows = scores_for(records)
    rows[1050]["平时考核"] = "很好"
    html = text(
        hr_client.get(f"/evaluations/import/{token_of(upload(hr_client, build_scores(rows)))}")
    )
    assert "共 1100 行，下表列出前 1000 行" in html
    assert html.count("<tr class=") == 1000
    assert html.index(f'data-row="{FIRST_ROW + 1050}"') < html.index(f'data-row="{FIRST_ROW}"')


# --- refusals at upload ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, filename, message",
    [
        (two_rows(), "成绩.xlsm", "启用宏"),
        (workbooks.macro_enabled(two_rows()), "成绩.xlsx", "宏"),
        (workbooks.many_entries(two_rows()), "成绩.xlsx", "压缩条目过多"),
        ("工号,姓名\n".encode(), "成绩.csv", "不是 Excel 工作簿"),
        (build_scores([score_row(*OWN)], sheet="Sheet1"), "成绩.xlsx", "现有：Sheet1"),
        (build_scores([score_row(*OWN)], header=HEADER[:3]), "成绩.xlsx", "缺少必填列"),
        (workbooks.build(workbooks.cadre_rows(1)), "名册.xlsx", "现有：干部名册"),
    ],
)
def test_a_bad_file_is_refused_with_its_reason(app, hr_client, content, filename, message):
    response = upload(hr_client, content, filename)
    assert response.status_code == 400
    html = text(response)
    assert message in html and "is-invalid" in html
    assert count_rows(app, ImportUpload) == 0


@pytest.mark.parametrize(
    "year, message", [("1999", "2000 至 2100"), ("", "请填写考核年度"), ("二〇二五", "")]
)
def test_a_bad_year_is_refused(app, hr_client, year, message):
    response = upload(hr_client, two_rows(), year=year)
    assert response.status_code == 400 and message in text(response)
    assert count_rows(app, ImportUpload) == 0


def test_a_confirmed_year_is_refused_at_upload(app, hr_client):
    confirm_year(app)
    response = upload(hr_client, two_rows())
    assert response.status_code == 400
    assert "2025 年度考核处于“已审核确认”阶段，成绩已固定，不能再导入。" in text(response)
    assert count_rows(app, ImportUpload) == 0


def test_no_file_chosen(hr_client):
    response = hr_client.post(
        "/evaluations/import", data={"year": "2025"}, content_type="multipart/form-data"
    )
    assert response.status_code == 400 and "请选择要导入的 .xlsx 文件" in text(response)


def test_a_request_far_over_the_limit_is_413(app, hr_client):
    response = upload(hr_client, bytes(6 * 1024 * 1024))
    assert response.status_code == 413
    assert count_rows(app, ImportUpload) == 0


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_with_csrf_on_posts_need_the_token(app, hr_client, csrf_on):
    assert upload(hr_client, bytes(6 * 1024 * 1024)).status_code == 413
    assert upload(hr_client, two_rows()).status_code == 400
    page = text(hr_client.get("/evaluations/import"))
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = hr_client.post(
        "/evaluations/import",
        data={"year": "2025", "file": (BytesIO(two_rows()), "成绩.xlsx"), "csrf_token": csrf},
        content_type="multipart/form-data",
    )
    token = token_of(response)
    assert hr_client.post(f"/evaluations/import/{token}/confirm").status_code == 400
    assert count_rows(app, Evaluation) == 0
    assert 'name="csrf_token"' in text(hr_client.get(f"/evaluations/import/{token}"))
    confirm = hr_client.post(f"/evaluations/import/{token}/confirm", data={"csrf_token": csrf})
    assert confirm.status_code == 302 and count_rows(app, Evaluation) == 2


# --- the template -----------------------------------------------------------------------------


def test_hr_downloads_the_blank_template(hr_client, manager_client):
    response = hr_client.get("/evaluations/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(BytesIO(response.data))
    assert [c.value for c in book["年度考核"][1]] == list(HEADER)
    assert "填写说明" in book.sheetnames
    assert manager_client.get("/evaluations/template.xlsx").status_code == 403


# --- the command line -----------------------------------------------------------------------


def test_cli_import_writes_and_reports(app, runner, org, tmp_path):
    path = tmp_path / "成绩.xlsx"
    path.write_bytes(build_scores([score_row(*OWN), score_row(*OTHER, leader="")]))
    result = runner.invoke(args=["evaluations", "import", str(path), "--year", "2025"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "imported 2, updated 0, rejected 0"
    assert "created the 2025 cycle with the default settings" in lines
    assert "incomplete scores: 1 (not ranked until entered)" in lines
    assert count_rows(app, Evaluation) == 2
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "import"))
        assert event.actor_name.startswith("cli:") and "成绩.xlsx" in event.summary

    path.write_bytes(build_scores([score_row(*OWN, 70), score_row(*OTHER, leader=60)]))
    again = runner.invoke(args=["evaluations", "import", str(path), "--year", "2025"])
    assert (
        again.exit_code == 0 and again.output.splitlines()[0] == "imported 0, updated 2, rejected 0"
    )


def test_cli_import_rejects_all_and_names_the_rows(app, runner, org, tmp_path):
    rows = [score_row(*OWN), score_row(*OTHER), score_row(*OWN)]
    rows[1]["民主测评"] = 101
    path = tmp_path / "成绩.xlsx"
    path.write_bytes(build_scores(rows, above=[["2025 年度考核"], [], [], []]))
    result = runner.invoke(args=["evaluations", "import", str(path), "--year", "2025"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "imported 0, updated 0, rejected 3"
    assert lines[1] == "row 6: 工号 “T0001”在本文件中重复出现（第 6、8 行）。"
    assert lines[2] == "row 7: 民主测评 须在 0 至 100 之间，现为 101。"
    assert lines[3].startswith("row 8: 工号")
    assert "nothing written" in result.output
    assert count_rows(app, Evaluation) == 0 and count_rows(app, EvaluationCycle) == 0
    assert count_rows(app, AuditEvent) == 0


def test_cli_dry_run_writes_nothing(app, runner, org, tmp_path):
    path = tmp_path / "成绩.xlsx"
    path.write_bytes(two_rows())
    result = runner.invoke(args=["evaluations", "import", str(path), "--year=2025", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "imported 2, updated 0, rejected 0"
    assert "the 2025 cycle would be created" in result.output
    assert "dry run: nothing written" in result.output
    assert count_rows(app, Evaluation) == 0 and count_rows(app, EvaluationCycle) == 0


def test_cli_dry_run_with_errors_exits_1(app, runner, org, tmp_path):
    path = tmp_path / "成绩.xlsx"
    path.write_bytes(two_rows(平时考核="85.123"))
    result = runner.invoke(args=["evaluations", "import", str(path), "--year=2025", "--dry-run"])
    assert result.exit_code == 1
    assert "row 2: 平时考核 最多保留两位小数，现为 85.123。" in result.output


def test_cli_refuses_a_confirmed_year(app, runner, org, tmp_path):
    confirm_year(app)
    path = tmp_path / "成绩.xlsx"
    path.write_bytes(two_rows())
    result = runner.invoke(args=["evaluations", "import", str(path), "--year", "2025"])
    assert result.exit_code == 1 and "成绩已固定，不能再导入" in result.output
    with app.app_context():
        assert set(db.session.scalars(sa.select(Evaluation.leader))) == {80}


def test_cli_refuses_a_file_that_is_not_a_workbook(app, runner, org, tmp_path):
    path = tmp_path / "成绩.xlsm"
    path.write_bytes(two_rows())
    result = runner.invoke(args=["evaluations", "import", str(path), "--year", "2025"])
    assert result.exit_code == 1 and "启用宏" in result.output


def test_cli_needs_a_year(app, runner, org, tmp_path):
    path = tmp_path / "成绩.xlsx"
    path.write_bytes(two_rows())
    assert runner.invoke(args=["evaluations", "import", str(path)]).exit_code == 2
    result = runner.invoke(args=["evaluations", "import", str(path), "--year", "1999"])
    assert result.exit_code == 2 and count_rows(app, EvaluationCycle) == 0


# --- everyday friction (issue 10, item 18) ---------------------------------------------------


def test_the_import_form_offers_the_newest_cycle_and_its_prefilled_template(app, hr_client, org):
    """With cycles for 2023 and 2024, the form's year is 2024 (not last calendar year), and
    the template for that year comes with the roster's 工号 and 姓名 filled in."""
    with app.app_context():
        for year in (2023, 2024):
            evaluation.ensure_cycle(year, actor="test")
        db.session.commit()
        roster = db.session.execute(sa.select(Cadre.staff_no, Cadre.name)).all()
    html = text(hr_client.get("/evaluations/import"))
    assert re.search(r'name="year"[^>]*value="2024"', html), html
    assert 'href="/evaluations/template.xlsx?year=2024"' in html
    response = hr_client.get("/evaluations/template.xlsx?year=2024")
    sheet = openpyxl.load_workbook(BytesIO(response.data))["年度考核"]
    rows = [tuple(c.value for c in row[:2]) for row in sheet.iter_rows(min_row=2)]
    assert sorted(rows) == sorted(tuple(r) for r in roster) and len(rows) == len(roster) >= 2
    assert all(row[2].value is None for row in sheet.iter_rows(min_row=2))
    assert hr_client.get("/evaluations/template.xlsx?year=abc").status_code == 404


def test_names_in_the_import_preview_stay_on_one_line(app, hr_client):
    content = build_scores([score_row(*OWN, democratic=120), score_row("X1", "欧阳长名字")])
    html = text(hr_client.get(f"/evaluations/import/{token_of(upload(hr_client, content))}"))
    cells = re.findall(r'<td class="([^"]*)" data-testid="name-cell">', html)
    assert len(cells) == 2 and all("text-nowrap" in c for c in cells)
