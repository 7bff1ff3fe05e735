"""The 挂职锻炼 workbook: every bad row refused with its message (row and column) and nothing
written; a second active or an overlapping secondment refused against the database and against
another row of the same file, naming the other; states derived from the dates; upload →
preview → confirm once; export → re-import changes nothing; the CLI's summary line and exit
codes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Cadre, Secondment, SecondmentEvent, SecondmentState
from cadre_app.models.secondments import HOST_TYPES, SECONDMENT_KINDS
from cadre_app.services.secondments import excel as secondment_excel
from cadre_app.services.secondments import operations
from cadre_app.services.secondments.rules import Step
from tests.conftest import office_today

S = SecondmentState
HEADER = list(secondment_excel.HEADER)
#: 李晓明 (T0001, 预算处), back from a finished secondment: imported as 期满鉴定.
GOOD = ["T0001", "李晓明", "下派", "示例县财政局", "基层单位", "副局长", "2025-03-01",
        "2026-02-28", "2026-02-28"]  # fmt: skip


def workbook(*rows: list[Any], header: list[str] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = secondment_excel.SHEET
    sheet.append(header or HEADER)
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def changed(row: list[Any], **by_label: Any) -> list[Any]:
    out = list(row)
    for label, value in by_label.items():
        out[HEADER.index(label)] = value
    return out


def counts() -> tuple[int, int]:
    return (
        db.session.scalar(sa.select(sa.func.count(Secondment.id))),
        db.session.scalar(sa.select(sa.func.count(SecondmentEvent.id))),
    )


def run_import(runner, tmp_path: Path, content: bytes, *extra: str) -> Any:
    path = tmp_path / "secondments.xlsx"
    path.write_bytes(content)
    return runner.invoke(args=["secondments", "import", str(path), *extra])


def row_line(output: str, number: int) -> str:
    return next(x for x in output.splitlines() if x.startswith(f"row {number}:"))


def stored(app, staff_no: str = "T0001") -> list[Secondment]:
    with app.app_context():
        stmt = (
            sa.select(Secondment)
            .join(Cadre)
            .where(Cadre.staff_no == staff_no)
            .order_by(Secondment.start_date, Secondment.id)
        )
        rows = list(db.session.scalars(stmt))
        db.session.expunge_all()
        return rows


def iso(day: date) -> str:
    return day.isoformat()


TOMORROW = iso(office_today() + timedelta(days=1))
IN_A_YEAR = iso(office_today() + timedelta(days=365))
LATER = iso(office_today() + timedelta(days=500))

BAD_ROWS = [
    ({"工号": "T9999"}, "工号", "不在干部名册中"),
    ({"工号": None}, "工号", "工号 不能为空"),
    ({"姓名": "王芳"}, "姓名", "与干部名册中工号 T0001 的姓名“李晓明”不符"),
    ({"姓名": None}, "姓名", "姓名 不能为空"),
    ({"类别": "挂职"}, "类别", "须为 上挂、下派、外派、岗位实践锻炼、跟班学习、驻村 之一"),
    ({"类别": None}, "类别", "类别 不能为空"),
    ({"单位类型": "企业"}, "单位类型", "现为“企业”"),
    ({"派往单位": None}, "派往单位", "派往单位 不能为空"),
    ({"派往单位": "县" * 101}, "派往单位", "最多 100 字"),
    ({"计划结束日期": "2025-02-28"}, "计划结束日期", "2025-02-28 早于开始日期 2025-03-01"),
    ({"实际结束日期": "2025-02-01"}, "实际结束日期", "早于开始日期"),
    ({"实际结束日期": TOMORROW}, "实际结束日期", "晚于今天"),
    (
        {"计划结束日期": "2028-03-01", "实际结束日期": None},
        "计划结束日期",
        "挂职时间不能超过 3 年",
    ),
    ({"开始日期": "2025-02-30"}, "开始日期", "日期“2025-02-30”不存在"),
    ({"开始日期": "去年三月"}, "开始日期", "不是可识别的日期"),
    ({"开始日期": None}, "开始日期", "开始日期 不能为空"),
    ({"计划结束日期": None}, "计划结束日期", "计划结束日期 不能为空"),
    ({"开始日期": 2025.1}, "开始日期", "无法判断月份"),
]


@pytest.mark.parametrize(("changes", "column", "message"), BAD_ROWS)
def test_each_bad_row_is_refused_by_row_and_column_and_nothing_is_written(
    app, runner, tmp_path, org, changes, column, message
):
    good_other = changed(GOOD, 工号="T0002", 姓名="王芳", 实际结束日期=None, 开始日期="2026-01-01",
                         计划结束日期=IN_A_YEAR)  # fmt: skip
    result = run_import(runner, tmp_path, workbook(good_other, changed(GOOD, **changes)))
    assert result.exit_code == 1, result.output
    assert "imported 0, updated 0, rejected 1" in result.output
    line = row_line(result.output, 3)
    assert column in line and message in line, line
    with app.app_context():
        assert counts() == (0, 0)


def test_the_longest_period_allowed_is_one_day_short_of_the_maximum(app, runner, tmp_path, org):
    longest = changed(GOOD, 计划结束日期="2028-02-29", 实际结束日期=None)
    result = run_import(runner, tmp_path, workbook(longest))
    assert result.exit_code == 0, result.output
    assert [s.planned_end for s in stored(app)] == [date(2028, 2, 29)]


def test_a_duplicate_within_the_file_names_both_rows(app, runner, tmp_path, org):
    result = run_import(runner, tmp_path, workbook(GOOD, GOOD))
    assert result.exit_code == 1
    assert "rejected 2" in result.output
    assert "重复出现（第 2、3 行）" in row_line(result.output, 2)
    assert "重复出现（第 2、3 行）" in row_line(result.output, 3)
    with app.app_context():
        assert counts() == (0, 0)


def test_overlapping_rows_of_one_cadre_in_the_file_name_each_other(app, runner, tmp_path, org):
    later = changed(GOOD, 派往单位="某大学", 单位类型="高校", 开始日期="2026-02-28",
                    计划结束日期="2026-08-31", 实际结束日期="2026-08-31")  # fmt: skip
    result = run_import(runner, tmp_path, workbook(GOOD, later))
    assert result.exit_code == 1
    assert "rejected 2" in result.output
    assert "时间与本文件第 3 行（2026-02-28 至 2026-08-31 某大学）重叠" in row_line(
        result.output, 2
    )
    assert "时间与本文件第 2 行（2025-03-01 至 2026-02-28 示例县财政局）重叠" in row_line(
        result.output, 3
    )
    with app.app_context():
        assert counts() == (0, 0)
    # ending the day before the other starts is allowed
    next_day = changed(later, 开始日期="2026-03-01")
    result = run_import(runner, tmp_path, workbook(GOOD, next_day))
    assert result.exit_code == 0, result.output
    assert "imported 2, updated 0, rejected 0" in result.output
    assert [s.state for s in stored(app)] == [S.APPRAISAL, S.APPRAISAL]


def test_two_active_rows_of_one_cadre_in_the_file_are_refused(app, runner, tmp_path, org):
    on_post = changed(GOOD, 开始日期="2026-01-01", 计划结束日期=TOMORROW, 实际结束日期=None)
    future = changed(GOOD, 派往单位="某大学", 单位类型="高校", 开始日期=IN_A_YEAR,
                     计划结束日期=LATER, 实际结束日期=None)  # fmt: skip
    result = run_import(runner, tmp_path, workbook(on_post, future))
    assert result.exit_code == 1
    assert "该干部在本文件第 3 行" in row_line(result.output, 2)
    assert "也有一次进行中的挂职锻炼" in row_line(result.output, 3)
    with app.app_context():
        assert counts() == (0, 0)


def _store(app, **values: Any) -> None:
    with app.app_context():
        cadre = db.session.scalar(sa.select(Cadre).where(Cadre.staff_no == "T0001"))
        base = {
            "kind": "上挂",
            "host_unit": "省财政厅",
            "host_type": "上级机关",
            "start_date": date(2025, 9, 1),
            "planned_end": date(2027, 8, 31),
        }
        operations.create(cadre, base | values, actor="hr", state=S.ON_POST)
        db.session.commit()


def test_a_row_overlapping_a_stored_secondment_names_it(app, runner, tmp_path, org):
    _store(app)
    result = run_import(runner, tmp_path, workbook(GOOD))
    assert result.exit_code == 1
    line = row_line(result.output, 2)
    assert "时间与另一次挂职锻炼重叠：2025-09-01 至 2027-08-31 省财政厅（在岗）" in line
    with app.app_context():
        assert counts() == (1, 1)


def test_a_second_active_secondment_against_the_database_is_refused(app, runner, tmp_path, org):
    _store(app, start_date=date(2025, 9, 1), planned_end=date(2026, 1, 31))
    future = changed(GOOD, 开始日期=IN_A_YEAR, 计划结束日期=LATER, 实际结束日期=None)
    result = run_import(runner, tmp_path, workbook(future))
    assert result.exit_code == 1
    assert "该干部已有进行中的挂职锻炼：2025-09-01 至 2026-01-31 省财政厅（在岗）" in row_line(
        result.output, 2
    )
    with app.app_context():
        assert counts() == (1, 1)


def test_states_follow_the_dates_and_month_dates_are_read(app, runner, tmp_path, org):
    back = changed(GOOD, 开始日期="2024.03", 计划结束日期="2025年02月", 实际结束日期="2025年02月")
    past = changed(GOOD, 派往单位="某大学", 单位类型="高校", 类别="跟班学习", 挂任职务=None,
                   开始日期=datetime(2025, 3, 1), 计划结束日期="2025.12.31",
                   实际结束日期=None)  # fmt: skip
    on_post = changed(GOOD, 派往单位="某县", 开始日期="2026-01-01", 计划结束日期=IN_A_YEAR,
                      实际结束日期=None)  # fmt: skip
    future = changed(GOOD, 工号="T0002", 姓名="王芳", 类别="驻村", 派往单位="某村",
                     开始日期=TOMORROW, 计划结束日期=IN_A_YEAR, 实际结束日期=None)  # fmt: skip
    result = run_import(runner, tmp_path, workbook(back, past, on_post, future))
    assert result.exit_code == 0, result.output
    assert "imported 4, updated 0, rejected 0" in result.output
    mine = stored(app)
    # over by its actual end, or by its planned end (no actual end invented); on post; to come
    assert [(s.start_date, s.planned_end, s.actual_end, s.state) for s in mine] == [
        (date(2024, 3, 1), date(2025, 2, 28), date(2025, 2, 28), S.APPRAISAL),
        (date(2025, 3, 1), date(2025, 12, 31), None, S.APPRAISAL),
        (date(2026, 1, 1), date.fromisoformat(IN_A_YEAR), None, S.ON_POST),
    ]
    assert mine[1].post is None and mine[1].kind == "跟班学习"
    assert [s.state for s in stored(app, "T0002")] == [S.APPROVED]
    with app.app_context():
        events = list(db.session.scalars(sa.select(SecondmentEvent)))
        assert {(e.from_state, e.reason) for e in events} == {(None, "导入 secondments.xlsx")}
        assert all(e.actor.startswith("cli:") for e in events)
        summary = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "import"))
        assert "新增 4 条" in summary.summary
        creates = db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(
                AuditEvent.action == "create", AuditEvent.object_type == "secondment"
            )
        )
        assert creates == 4


def test_dry_run_writes_nothing_and_exits_1_on_errors(app, runner, tmp_path, org):
    result = run_import(runner, tmp_path, workbook(GOOD), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "imported 1, updated 0, rejected 0" in result.output and "dry run" in result.output
    bad = run_import(runner, tmp_path, workbook(GOOD, changed(GOOD, 工号="T9999")), "--dry-run")
    assert bad.exit_code == 1
    assert "rejected 1" in bad.output and "row 3: 工号" in bad.output
    with app.app_context():
        assert counts() == (0, 0)


def test_a_changed_row_updates_the_stored_one_an_identical_one_is_unchanged(
    app, runner, tmp_path, org
):
    assert run_import(runner, tmp_path, workbook(GOOD)).exit_code == 0
    again = run_import(runner, tmp_path, workbook(GOOD))
    assert again.exit_code == 0
    assert "imported 0, updated 0, rejected 0" in again.output and "unchanged 1" in again.output
    (before,) = stored(app)
    update = run_import(runner, tmp_path, workbook(changed(GOOD, 挂任职务="局长助理")))
    assert update.exit_code == 0, update.output
    assert "imported 0, updated 1, rejected 0" in update.output
    (after,) = stored(app)
    assert (after.id, after.post, after.version) == (before.id, "局长助理", before.version + 1)
    with app.app_context():
        event = db.session.scalar(
            sa.select(AuditEvent)
            .where(AuditEvent.action == "update", AuditEvent.object_type == "secondment")
            .order_by(AuditEvent.id.desc())
        )
        assert event.before == {"post": "副局长"} and event.after["post"] == "局长助理"


def test_an_archived_secondment_is_not_changed_by_an_import(app, runner, tmp_path, org):
    assert run_import(runner, tmp_path, workbook(GOOD)).exit_code == 0
    with app.app_context():
        secondment = db.session.scalar(sa.select(Secondment))
        operations.transition(
            secondment,
            S.ARCHIVED,
            Step(),
            expected_version=secondment.version,
            actor="hr",
            today=office_today(),
            appraisal=operations.Appraisal(grade="优秀", conclusion="同意"),
        )
        db.session.commit()
    result = run_import(runner, tmp_path, workbook(changed(GOOD, 挂任职务="局长助理")))
    assert result.exit_code == 1
    assert "已归档，不能再修改（挂任职务：副局长 → 局长助理）" in row_line(result.output, 2)
    assert stored(app)[0].post == "副局长"
    assert run_import(runner, tmp_path, workbook(GOOD)).exit_code == 0  # identical: unchanged


def test_unknown_sheet_or_header_is_a_whole_file_error(app, runner, tmp_path, org):
    result = run_import(runner, tmp_path, workbook(GOOD, header=HEADER[:5]))
    assert result.exit_code == 1 and "缺少必填列：挂任职务、开始日期、计划结束日期" in result.output
    book = openpyxl.Workbook()
    book.active.title = "Sheet1"
    out = BytesIO()
    book.save(out)
    result = run_import(runner, tmp_path, out.getvalue())
    assert result.exit_code == 1 and "没有名为“挂职锻炼”的工作表" in result.output
    # the optional column may be left out
    result = run_import(runner, tmp_path, workbook(GOOD[:-1], header=HEADER[:-1]))
    assert result.exit_code == 0, result.output
    assert [(s.state, s.actual_end) for s in stored(app)] == [(S.APPRAISAL, None)]


# --- the web ----------------------------------------------------------------------------------


def _upload(client, content: bytes, name: str = "挂职.xlsx") -> Any:
    return client.post(
        "/secondments/import",
        data={"file": (BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_upload_preview_confirm_imports_once(app, hr_client, org):
    other = changed(GOOD, 工号="T0002", 姓名="王芳", 实际结束日期=None, 开始日期="2026-01-01",
                    计划结束日期=IN_A_YEAR)  # fmt: skip
    response = _upload(hr_client, workbook(GOOD, other))
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    preview_url = response.headers["Location"]
    page = hr_client.get(preview_url).get_data(as_text=True)
    assert "新增 2 条" in page and "有错误 0 行" in page and 'data-testid="confirm"' in page
    assert "期满鉴定" in page and "在岗" in page
    with app.app_context():
        assert counts() == (0, 0)  # the preview writes nothing
    confirm = hr_client.post(preview_url + "/confirm")
    assert confirm.status_code == 302 and confirm.headers["Location"].endswith("/secondments/")
    assert hr_client.post(preview_url + "/confirm").status_code == 409  # once only
    with app.app_context():
        assert counts() == (2, 2)
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "import"))
        assert event.actor_name == "hr1" and "新增 2 条" in event.summary
    # the same file again: all unchanged
    page = hr_client.get(_upload(hr_client, workbook(GOOD, other)).headers["Location"])
    assert "新增 0 条" in page.get_data(as_text=True)
    assert "无变化 2 条" in page.get_data(as_text=True)


def test_a_bad_upload_is_refused_on_the_web_with_the_row_message(app, hr_client, org):
    response = _upload(hr_client, workbook(changed(GOOD, 单位类型="企业")))
    preview = hr_client.get(response.headers["Location"])
    html = preview.get_data(as_text=True)
    assert "第 2 行“单位类型”" in html and 'data-testid="confirm"' not in html
    assert hr_client.post(response.headers["Location"] + "/confirm").status_code == 400
    with app.app_context():
        assert counts() == (0, 0)


def test_a_conflict_stored_after_the_preview_rejects_the_confirmation(app, hr_client, org):
    response = _upload(hr_client, workbook(GOOD))
    preview_url = response.headers["Location"]
    assert "新增 1 条" in hr_client.get(preview_url).get_data(as_text=True)
    _store(app)  # meanwhile, someone records an overlapping secondment
    confirm = hr_client.post(preview_url + "/confirm")
    assert confirm.status_code == 400
    html = confirm.get_data(as_text=True)
    assert "重新检查时发现错误" in html and "省财政厅" in html
    with app.app_context():
        assert counts() == (1, 1)


def test_a_file_that_is_not_a_workbook_is_refused_at_upload(app, hr_client, org):
    response = _upload(hr_client, b"not a workbook", "x.xlsx")
    assert response.status_code == 400
    assert "这不是 Excel 工作簿" in response.get_data(as_text=True)


def test_export_then_reimport_changes_nothing(app, runner, tmp_path, hr_client, org):
    rows = [
        GOOD,
        changed(
            GOOD,
            工号="T0002",
            姓名="王芳",
            开始日期=TOMORROW,
            计划结束日期=IN_A_YEAR,
            实际结束日期=None,
            类别="外派",
            单位类型="国有金融企业",
        ),  # fmt: skip
    ]
    assert run_import(runner, tmp_path, workbook(*rows)).exit_code == 0
    # a host a spreadsheet could take for a formula, entered on the page
    _store(app, host_unit="=某大学", host_type="高校", start_date=date(2026, 3, 1),
           planned_end=date(2026, 12, 31))  # fmt: skip
    exported = tmp_path / "export.xlsx"
    result = runner.invoke(args=["secondments", "export", str(exported)])
    assert result.exit_code == 0 and "exported 3 secondments" in result.output
    web = hr_client.get("/secondments/export.xlsx")
    assert web.status_code == 200
    sheet = openpyxl.load_workbook(BytesIO(web.data))[secondment_excel.SHEET]
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet["D3"].value == "=某大学" and sheet["D3"].data_type == "s"  # never a formula
    with app.app_context():
        before = counts()
        events = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    for content in (exported.read_bytes(), web.data):
        again = run_import(runner, tmp_path, content)
        assert again.exit_code == 0, again.output
        assert "imported 0, updated 0, rejected 0" in again.output
        assert "unchanged 3" in again.output
    with app.app_context():
        assert counts() == before
        # only the imports' own summary events are added
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == events + 2


def test_manager_export_holds_only_their_sections(app, runner, tmp_path, manager_client, org):
    other = changed(GOOD, 工号="T0002", 姓名="王芳")
    assert run_import(runner, tmp_path, workbook(GOOD, other)).exit_code == 0
    content = manager_client.get("/secondments/export.xlsx").data
    sheet = openpyxl.load_workbook(BytesIO(content))[secondment_excel.SHEET]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["T0001"]


def test_the_import_pages_in_english(app, hr_client, org):
    from tests.test_english_ui import PUNCTUATION, chinese_runs

    hr_client.post("/auth/language", data={"lang": "en", "next": "/"})
    form = hr_client.get("/secondments/import").get_data(as_text=True)
    assert 'lang="en"' in form and "Import secondments" in form
    response = _upload(hr_client, workbook(GOOD, changed(GOOD, 工号="T9999")))
    page = hr_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Row 3" in page or "row 3" in page
    # Chinese only in the data, the workbook's own vocabulary (its header, the kinds and host
    # types to type in the file) and the file's name
    allowed = (
        set(secondment_excel.HEADER)
        | {secondment_excel.SHEET, "李晓明", "示例县财政局", "副局长", "挂职"}
        | {"中文", app.config["ORGANISATION_NAME"]}  # the language switcher, the bureau
        | set(SECONDMENT_KINDS)
        | set(HOST_TYPES)
        | PUNCTUATION
    )
    for html in (form, page):
        chrome = {run for run in chinese_runs(html) if run not in allowed}
        assert not chrome, chrome


def test_another_users_upload_is_not_found(app, hr_client, make_user, org):
    from cadre_app.models import Role
    from tests.conftest import login

    response = _upload(hr_client, workbook(GOOD))
    preview_url = response.headers["Location"]
    make_user("hr2", Role.HR)
    other = app.test_client()
    assert login(other, "hr2").status_code == 302
    assert other.get(preview_url).status_code == 404
    assert other.post(preview_url + "/confirm").status_code == 404
    with app.app_context():
        assert counts() == (0, 0)


def test_create_many_checks_each_item_against_the_ones_before(app_ctx, org):
    cadre = db.session.get(Cadre, org["own_cadre"])
    first = {
        "kind": "下派",
        "host_unit": "示例县财政局",
        "host_type": "基层单位",
        "start_date": date(2024, 1, 1),
        "planned_end": date(2024, 12, 31),
        "actual_end": date(2024, 12, 31),
    }
    overlapping = first | {"host_unit": "某大学", "start_date": date(2024, 12, 31)}
    bad_kind = first | {"kind": "挂职", "start_date": date(2020, 1, 1)}
    with pytest.raises(operations.BatchRefused) as refused:
        operations.create_many(
            [
                (cadre, first, S.APPRAISAL),
                (cadre, overlapping, S.APPRAISAL),
                (cadre, bad_kind, S.APPRAISAL),
            ],  # fmt: skip
            actor="hr",
        )
    assert sorted(refused.value.by_item) == [1, 2]
    assert "2024-01-01 至 2024-12-31 示例县财政局（期满鉴定）" in str(refused.value.by_item[1])
    assert "类别“挂职”不在" in str(refused.value.by_item[2])
    assert counts() == (0, 0)
    ids = operations.create_many(
        [
            (cadre, first, S.APPRAISAL),
            (
                cadre,
                overlapping
                | {
                    "start_date": date(2025, 1, 1),
                    "planned_end": date(2025, 6, 30),
                    "actual_end": None,
                },
                S.ON_POST,
            ),
        ],  # fmt: skip
        actor="hr",
        reason="导入 x.xlsx",
    )
    rows = [db.session.get(Secondment, i) for i in ids]
    assert [(s.host_unit, s.state, s.version) for s in rows] == [
        ("示例县财政局", S.APPRAISAL, 1),
        ("某大学", S.ON_POST, 1),
    ]
    assert [e.reason for s in rows for e in s.events] == ["导入 x.xlsx"] * 2
    with pytest.raises(operations.BatchRefused, match="进行中"):
        operations.create_many(
            [
                (
                    cadre,
                    first
                    | {
                        "start_date": date(2030, 1, 1),
                        "planned_end": date(2030, 6, 30),
                        "actual_end": None,
                    },
                    S.APPROVED,
                )
            ],  # fmt: skip
            actor="hr",
        )


def test_a_posting_once_cancelled_is_imported_as_new(app, runner, tmp_path, org):
    start, end = office_today() + timedelta(days=10), office_today() + timedelta(days=200)
    with app.app_context():
        cadre = db.session.get(Cadre, org["own_cadre"])
        proposal = operations.create(
            cadre,
            {
                "kind": "下派",
                "host_unit": "示例县财政局",
                "host_type": "基层单位",
                "start_date": start,
                "planned_end": end,
            },  # fmt: skip
            actor="hr",
        )
        operations.transition(
            proposal,
            S.CANCELLED,
            Step(reason="暂缓"),
            expected_version=proposal.version,
            actor="hr",
            today=office_today(),
        )
        db.session.commit()
    row = changed(GOOD, 开始日期=iso(start), 计划结束日期=iso(end), 实际结束日期=None)
    result = run_import(runner, tmp_path, workbook(row))
    assert result.exit_code == 0, result.output
    assert "imported 1, updated 0, rejected 0" in result.output
    assert [s.state for s in stored(app)] == [S.CANCELLED, S.APPROVED]


def test_an_actual_end_for_a_secondment_on_post_moves_it_to_appraisal(app, runner, tmp_path, org):
    _store(app)  # 省财政厅, 2025-09-01 to 2027-08-31, on post
    row = ["T0001", "李晓明", "上挂", "省财政厅", "上级机关", None, "2025-09-01", "2027-08-31",
           "2026-06-30"]  # fmt: skip
    dry = run_import(runner, tmp_path, workbook(row), "--dry-run")
    assert "imported 0, updated 1, rejected 0" in dry.output
    result = run_import(runner, tmp_path, workbook(row))
    assert result.exit_code == 0, result.output
    assert "imported 0, updated 1, rejected 0" in result.output
    (secondment,) = stored(app)
    assert (secondment.state, secondment.actual_end) == (S.APPRAISAL, date(2026, 6, 30))
    with app.app_context():
        events = db.session.scalars(sa.select(SecondmentEvent).order_by(SecondmentEvent.id)).all()
        assert [(e.to_state, e.reason) for e in events] == [
            (S.ON_POST, None),
            (S.APPRAISAL, "导入 secondments.xlsx"),
        ]
    assert "unchanged 1" in run_import(runner, tmp_path, workbook(row)).output


def test_an_actual_end_for_a_secondment_not_yet_on_post_is_refused(app, runner, tmp_path, org):
    start = office_today() - timedelta(days=20)  # approved, not yet left
    with app.app_context():
        cadre = db.session.get(Cadre, org["own_cadre"])
        operations.create(
            cadre,
            {
                "kind": "下派",
                "host_unit": "示例县财政局",
                "host_type": "基层单位",
                "start_date": start,
                "planned_end": start + timedelta(days=100),
            },  # fmt: skip
            actor="hr",
            state=S.APPROVED,
        )
        db.session.commit()
    row = changed(GOOD, 开始日期=iso(start), 计划结束日期=iso(start + timedelta(days=100)),
                  实际结束日期=iso(office_today() - timedelta(days=1)))  # fmt: skip
    result = run_import(runner, tmp_path, workbook(row))
    assert result.exit_code == 1
    line = row_line(result.output, 2)
    assert "实际结束日期 系统中该挂职锻炼为“已审批”，尚未在岗" in line, line
    with app.app_context():
        assert counts() == (1, 1)


def test_a_large_file_is_written_with_a_bounded_number_of_statements(app, runner, tmp_path, org):
    """300 cadres, 600 rows: the cadres, their secondments, the locks, the rows and the audit
    events are read and written in bulk, not row by row."""
    from cadre_app.models import Department

    with app.app_context():
        department = db.session.get(Department, org["budget"])
        db.session.execute(
            sa.insert(Cadre),
            [
                {
                    "staff_no": f"L{i:04d}",
                    "name": f"干部{i:04d}",
                    "gender": "男",
                    "birth_date": date(1990, 1, 1),
                    "department_id": department.id,
                    "rank": "一级科员",
                }  # fmt: skip
                for i in range(300)
            ],
        )
        db.session.commit()
    rows = []
    for i in range(300):
        staff = [f"L{i:04d}", f"干部{i:04d}"]
        rows.append([*staff, "下派", f"第{i % 7}县财政局", "基层单位", None, "2024-01-01",
                     "2024-12-31", "2024-12-31"])  # fmt: skip
        rows.append([*staff, "上挂", "省财政厅", "上级机关", None, "2025-01-01", IN_A_YEAR,
                     None])  # fmt: skip
    content = workbook(*rows)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            summary = secondment_excel.apply_import(
                content, "大.xlsx", actor="hr", today=office_today()
            )
            db.session.commit()
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        assert summary == secondment_excel.ImportSummary(created=600, updated=0, unchanged=0)
        assert counts() == (600, 600)
        states = db.session.execute(
            sa.select(Secondment.state, sa.func.count()).group_by(Secondment.state)
        ).all()
        assert dict(states) == {S.APPRAISAL: 300, S.ON_POST: 300}
    assert 5 < len(statements) < 40, len(statements)
