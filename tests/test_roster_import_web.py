"""HR imports the roster from Excel through the browser (upload, preview, confirm) and the CLI;
HR and managers export it."""

from __future__ import annotations

import re
from io import BytesIO

import openpyxl
import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Cadre, Department, ImportUpload, Role
from cadre_app.services.core import idcard
from cadre_app.services.roster.excel import HEADER
from tests import workbooks
from tests.conftest import count_rows
from tests.workbooks import FIRST_ROW, build, cadre_row, cadre_rows


def upload(client, content: bytes, filename: str = "名册.xlsx"):
    return client.post(
        "/cadres/import",
        data={"file": (BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def token_of(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.fullmatch(r"/cadres/import/([A-Za-z0-9_-]{43})", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture(autouse=True)
def every_generated_section(app, org):
    """The sections the generated rows use exist (a section the system lacks is never created
    without HR's choice: see the tests of unknown sections)."""
    from tests.factories import DepartmentFactory

    with app.app_context():
        organisation_id = db.session.get(Department, org["budget"]).organisation_id
        for order, name in enumerate(workbooks.DEPARTMENTS[2:], start=3):
            DepartmentFactory(organisation_id=organisation_id, name=name, sort_order=order)
        db.session.commit()


# --- the story: upload, preview, confirm ----------------------------------------------------


def test_hr_uploads_previews_and_confirms(app, hr_client, users):
    content = build([*cadre_rows(5), cadre_row(6, department="数字财政科")])
    page = hr_client.get("/cadres/import")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in text(page)

    token = token_of(upload(hr_client, content))
    with app.app_context():
        stored = db.session.scalar(sa.select(ImportUpload))
        assert stored.user_id == users["hr"].id and stored.kind == "roster"
        assert stored.content == content and stored.filename == "名册.xlsx"
        assert stored.applied_at is None
    assert count_rows(app, Cadre) == 2  # nothing imported yet

    preview = hr_client.get(f"/cadres/import/{token}")
    html = text(preview)
    assert preview.status_code == 200
    # 数字财政科 is not a section yet: its row is an error until HR chooses to create it
    assert "新增 5 人" in html and "有错误 1 行" in html and "将新建处室：" not in html
    assert 'data-testid="unknown-sections"' in html and "/confirm" not in html
    assert 'name="create-1" id="error-1" value="" checked' in html
    assert hr_client.post(f"/cadres/import/{token}/confirm").status_code == 400
    assert count_rows(app, Department, Department.name == "数字财政科") == 0

    chosen = {"create-1": "数字财政科"}
    preview = hr_client.get(f"/cadres/import/{token}", query_string=chosen)
    html = text(preview)
    assert preview.status_code == 200
    assert "新增 6 人" in html and "将新建处室：" in html and "数字财政科" in html
    assert html.count('data-status="new"') == 6
    assert f'action="/cadres/import/{token}/confirm"' in html
    assert '<input type="hidden" name="create-1" value="数字财政科">' in html

    confirmed = hr_client.post(f"/cadres/import/{token}/confirm", data=chosen)
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == "/cadres/"
    assert count_rows(app, Cadre) == 8
    assert count_rows(app, Department, Department.name == "数字财政科") == 1
    flashed = text(hr_client.get("/cadres/"))
    assert "导入 6 人，更新 0 人，新建处室 " in flashed
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "import"))
        assert event.actor_name == "hr1" and "新增 6 人" in event.summary
        assert db.session.scalar(sa.select(ImportUpload.applied_at)) is not None

    applied = hr_client.get(f"/cadres/import/{token}")
    assert applied.status_code == 200 and 'data-testid="applied"' in text(applied)
    assert "/confirm" not in text(applied)


def test_an_update_shows_the_changed_fields(app, hr_client):
    row = {"工号": "T0001", "姓名": "李晓明", "性别": "男", "出生日期": "1995.03.08"}
    row |= {"部门": "预算处", "职级": "四级主任科员"}
    header = ["工号", "姓名", "性别", "出生日期", "部门", "职级"]
    token = token_of(upload(hr_client, build([row], header=header)))
    html = text(hr_client.get(f"/cadres/import/{token}"))
    assert "更新 1 人" in html and "一级科员 → 四级主任科员" in html


def test_confirming_twice_applies_once(app, hr_client):
    token = token_of(upload(hr_client, build(cadre_rows(3))))
    assert hr_client.post(f"/cadres/import/{token}/confirm").status_code == 302
    again = hr_client.post(f"/cadres/import/{token}/confirm")
    assert again.status_code == 409
    assert "已经导入过" in text(again)
    assert count_rows(app, Cadre) == 5
    assert count_rows(app, AuditEvent, AuditEvent.action == "import") == 1


def test_rows_with_errors_are_highlighted_and_cannot_be_confirmed(app, hr_client):
    rows = cadre_rows(4)
    rows[2]["出生日期"] = "2023-02-30"
    token = token_of(upload(hr_client, build(rows)))
    page = hr_client.get(f"/cadres/import/{token}")
    html = text(page)
    assert page.status_code == 200
    assert "有错误 1 行" in html and "/confirm" not in html
    error_row = re.search(
        rf'<tr class="table-danger" data-row="{FIRST_ROW + 2}"[^>]*>.*?</tr>', html, re.S
    )
    assert error_row and "第 4 行“出生日期”" in error_row.group(0)
    assert "2023-02-30" in error_row.group(0)

    forced = hr_client.post(f"/cadres/import/{token}/confirm")
    assert forced.status_code == 400
    assert count_rows(app, Cadre) == 2
    with app.app_context():
        assert db.session.scalar(sa.select(ImportUpload.applied_at)) is None


def test_confirm_revalidates_against_the_database_as_it_is_now(app, hr_client):
    token = token_of(upload(hr_client, build(cadre_rows(3))))
    assert "/confirm" in text(hr_client.get(f"/cadres/import/{token}"))
    with app.app_context():  # meanwhile someone records W00002's ID number on 王芳
        other = db.session.scalar(sa.select(Cadre).where(Cadre.staff_no == "T0002"))
        other.id_number = cadre_row(2)["身份证号"]
        db.session.commit()
    response = hr_client.post(f"/cadres/import/{token}/confirm")
    assert response.status_code == 400
    assert "王芳（工号 T0002）" in text(response) and "未导入任何数据" in text(response)
    assert count_rows(app, Cadre) == 2
    with app.app_context():
        assert db.session.scalar(sa.select(ImportUpload.applied_at)) is None


def test_another_users_upload_is_not_found(app, hr_client, make_user, login_as):
    token = token_of(upload(hr_client, build(cadre_rows(2))))
    make_user("hr2", Role.HR)
    other = app.test_client()
    other.post("/auth/login", data={"username": "hr2", "password": "Test@2026pw"})
    assert other.get(f"/cadres/import/{token}").status_code == 404
    assert other.post(f"/cadres/import/{token}/confirm").status_code == 404
    assert login_as("manager").get(f"/cadres/import/{token}").status_code == 403
    assert count_rows(app, Cadre) == 2


# --- refusals at upload ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, filename, message",
    [
        (build(cadre_rows(1)), "名册.xlsm", "启用宏"),
        (workbooks.macro_enabled(build(cadre_rows(1))), "名册.xlsx", "宏"),
        (workbooks.many_entries(build(cadre_rows(1))), "名册.xlsx", "压缩条目过多"),
        (workbooks.huge_expansion(build(cadre_rows(1))), "名册.xlsx", "解压后"),
        ("工号,姓名\n".encode(), "名册.csv", "不是 Excel 工作簿"),
        (build(cadre_rows(1), sheet="Sheet1"), "名册.xlsx", "现有：Sheet1"),
        (build(cadre_rows(1), header=["a", "b"]), "名册.xlsx", "找不到表头"),
        (b"PK\x03\x04" + bytes(5 * 1024 * 1024), "大.xlsx", "超过了 5.0 MB"),
    ],
)
def test_a_bad_file_is_refused_with_its_reason(app, hr_client, content, filename, message):
    response = upload(hr_client, content, filename)
    assert response.status_code == 400
    html = text(response)
    assert message in html and "is-invalid" in html
    assert count_rows(app, ImportUpload) == 0


def test_no_file_chosen(hr_client):
    response = hr_client.post("/cadres/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 400 and "请选择要导入的 .xlsx 文件" in text(response)


def test_a_request_far_over_the_limit_is_413(app, hr_client):
    response = upload(hr_client, bytes(6 * 1024 * 1024))
    assert response.status_code == 413 and "文件过大" in text(response)
    assert count_rows(app, ImportUpload) == 0


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_with_csrf_on_the_size_limit_comes_first_and_posts_need_the_token(app, hr_client, csrf_on):
    # The limit is set before CSRF protection reads the form, so a huge body is never parsed.
    assert upload(hr_client, bytes(6 * 1024 * 1024)).status_code == 413
    without = upload(hr_client, build(cadre_rows(1)))
    assert without.status_code == 400 and "CSRF" in text(without)
    page = text(hr_client.get("/cadres/import"))
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = hr_client.post(
        "/cadres/import",
        data={"file": (BytesIO(build(cadre_rows(1))), "名册.xlsx"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    upload_token = token_of(response)
    assert hr_client.post(f"/cadres/import/{upload_token}/confirm").status_code == 400
    assert count_rows(app, Cadre) == 2
    preview = text(hr_client.get(f"/cadres/import/{upload_token}"))
    assert 'name="csrf_token"' in preview
    confirm = hr_client.post(f"/cadres/import/{upload_token}/confirm", data={"csrf_token": token})
    assert confirm.status_code == 302 and count_rows(app, Cadre) == 3


# --- export and template --------------------------------------------------------------------


def _rows(response) -> list[dict[str, object]]:
    book = openpyxl.load_workbook(BytesIO(response.data))
    rows = list(book["干部名册"].iter_rows(values_only=True))
    assert rows[0] == HEADER
    return [dict(zip(HEADER, row, strict=True)) for row in rows[1:]]


def _give_ids(app):
    with app.app_context():
        for cadre in db.session.scalars(sa.select(Cadre)):
            cadre.id_number = idcard.make(
                "110105", cadre.birth_date, 11 if cadre.gender == "男" else 12
            )
        db.session.commit()
        return dict(db.session.execute(sa.select(Cadre.staff_no, Cadre.id_number)).all())


def test_hr_exports_everyone_with_masked_id_numbers(app, hr_client):
    """Full numbers only by asking with a reason (issue 16: tests/test_exposure_id_export.py)."""
    numbers = _give_ids(app)
    response = hr_client.get("/cadres/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    rows = _rows(response)
    assert {r["工号"]: r["身份证号"] for r in rows} == {
        k: idcard.mask(v) for k, v in numbers.items()
    }
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "export"))
        assert event.actor_name == "hr1" and "2 人" in event.summary and "已脱敏" in event.summary


def test_manager_exports_led_sections_with_masked_id_numbers(app, manager_client):
    numbers = _give_ids(app)
    response = manager_client.get("/cadres/export.xlsx")
    assert response.status_code == 200
    rows = _rows(response)
    assert [r["工号"] for r in rows] == ["T0001"]  # 预算处 only; 王芳 of 国库处 is not there
    assert rows[0]["部门"] == "预算处"
    assert rows[0]["身份证号"] == idcard.mask(numbers["T0001"]) != numbers["T0001"]
    assert numbers["T0001"].encode() not in response.data
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "export"))
        assert event.actor_name == "manager1" and "已脱敏" in event.summary


def test_export_then_import_through_the_browser_changes_nothing(app, hr_client):
    _give_ids(app)
    token = token_of(upload(hr_client, hr_client.get("/cadres/export.xlsx").data, "export.xlsx"))
    html = text(hr_client.get(f"/cadres/import/{token}"))
    assert "无变化 2 人" in html and "新增 0 人" in html and "更新 0 人" in html


@pytest.mark.parametrize("role", ["cadre", "auditor", "admin"])
def test_other_roles_may_not_export(login_as, role):
    assert login_as(role).get("/cadres/export.xlsx").status_code == 403


def test_hr_downloads_the_blank_template(hr_client, manager_client):
    response = hr_client.get("/cadres/template.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(BytesIO(response.data))
    assert [c.value for c in book["干部名册"][1]] == list(HEADER)
    assert "填写说明" in book.sheetnames
    assert manager_client.get("/cadres/template.xlsx").status_code == 403


# --- the command line -----------------------------------------------------------------------


def test_cli_import_writes_and_reports(app, runner, org, tmp_path):
    promoted = {"工号": "T0001", "姓名": "李晓明", "性别": "男", "出生日期": "1995-03-08"}
    promoted |= {"部门": "预算处", "职级": "四级主任科员"}
    path = tmp_path / "名册.xlsx"
    path.write_bytes(build([*cadre_rows(4), promoted]))
    result = runner.invoke(args=["roster", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "imported 4, updated 1, rejected 0"
    assert count_rows(app, Cadre) == 6
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "import"))
        assert event.actor_name.startswith("cli:")


def test_cli_import_rejects_all_and_names_the_rows(app, runner, org, tmp_path):
    rows = cadre_rows(10)
    rows[5]["身份证号"] = rows[5]["身份证号"][:17] + (
        "1" if rows[5]["身份证号"][17] == "0" else "0"
    )
    path = tmp_path / "名册.xlsx"
    path.write_bytes(build(rows))
    result = runner.invoke(args=["roster", "import", str(path)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "imported 0, updated 0, rejected 1"
    assert lines[1].startswith(f"row {FIRST_ROW + 5}: 身份证号 校验位错误")
    assert count_rows(app, Cadre) == 2 and count_rows(app, AuditEvent) == 0


def test_cli_dry_run_writes_nothing(app, runner, org, tmp_path):
    path = tmp_path / "名册.xlsx"
    path.write_bytes(build(cadre_rows(3, department="新科室")))
    args = ["roster", "import", str(path), "--dry-run"]
    result = runner.invoke(args=[*args, "--create-section", "新科室"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "imported 3, updated 0, rejected 0"
    assert "new departments: 新科室" in result.output and "nothing written" in result.output
    assert count_rows(app, Cadre) == 2 and count_rows(app, Department) == 4


def test_cli_import_creates_an_unknown_section_only_when_named(app, runner, org, tmp_path):
    """Issue 10 item 13: without --create-section the rows of an unknown section are rejected."""
    path = tmp_path / "名册.xlsx"
    path.write_bytes(build(cadre_rows(2, department="预算科")))
    refused = runner.invoke(args=["roster", "import", str(path)])
    assert refused.exit_code == 1
    assert refused.output.splitlines()[0] == "imported 0, updated 0, rejected 2"
    assert "最相近的是“预算处”" in refused.output
    dry = runner.invoke(args=["roster", "import", str(path), "--dry-run"])
    assert "unknown section: 预算科 (nearest: 预算处)" in dry.output
    assert (
        count_rows(app, Department, Department.name == "预算科") == 0
        and count_rows(app, Cadre) == 2
    )
    done = runner.invoke(args=["roster", "import", str(path), "--create-section", "预算科"])
    assert done.exit_code == 0, done.output
    assert (
        count_rows(app, Department, Department.name == "预算科") == 1
        and count_rows(app, Cadre) == 4
    )


def test_cli_refuses_a_file_that_is_not_a_workbook(app, runner, org, tmp_path):
    path = tmp_path / "名册.xlsm"
    path.write_bytes(build(cadre_rows(1)))
    result = runner.invoke(args=["roster", "import", str(path)])
    assert result.exit_code == 1 and "启用宏" in result.output


def test_cli_export_writes_full_id_numbers_when_asked_with_a_reason(app, runner, org, tmp_path):
    numbers = _give_ids(app)
    path = tmp_path / "out.xlsx"
    result = runner.invoke(
        args=["roster", "export", str(path), "--full-ids", "--reason", "移交档案室存档"]
    )
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(path)
    exported = {
        r[0]: r[HEADER.index("身份证号")]
        for r in book["干部名册"].iter_rows(min_row=2, values_only=True)
    }
    assert exported == numbers
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "export"))
        assert event.actor_name.startswith("cli:") and "移交档案室存档" in event.summary
    again = runner.invoke(args=["roster", "import", str(path), "--dry-run"])
    assert again.output.splitlines()[0] == "imported 0, updated 0, rejected 0"


def test_an_unchanged_workbook_offers_nothing_to_confirm(app, hr_client, org):
    exported = hr_client.get("/cadres/export.xlsx").data
    html = text(hr_client.get(f"/cadres/import/{token_of(upload(hr_client, exported))}"))
    assert 'data-testid="nothing-to-import"' in html and 'data-testid="confirm"' not in html


def test_roster_list_says_which_rows_a_page_shows_and_swaps_a_reversed_age_band(
    app, hr_client, org
):
    assert "显示第" not in text(hr_client.get("/cadres/"))
    both = text(hr_client.get("/cadres/?age_min=40&age_max=20&on=2026-01-01"))
    assert "共 2 人" in both  # 30 and 35: the band 20-40 read the right way round
