"""The 培训记录 workbook: every bad row refused with its message (row and column) and
nothing written; 500 good rows import through upload → preview → confirm; export →
re-import changes nothing; the CLI's summary line and exit codes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import AuditEvent
from cadre_app.models.training import Enrolment, TrainingCourse
from cadre_app.services.training import excel as training_excel
from tests.factories import CadreFactory

HEADER = list(training_excel.HEADER)
GOOD = ["T0001", "李晓明", "预算绩效管理培训班", "专题培训班", "脱产", "市财政局", "2026-04-01",
        "2026-04-03", 24, 0, ""]  # fmt: skip


def workbook(*rows: list[Any], header: list[str] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = training_excel.SHEET
    sheet.append(header or HEADER)
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def counts() -> tuple[int, int]:
    return (
        db.session.scalar(sa.select(sa.func.count(TrainingCourse.id))),
        db.session.scalar(sa.select(sa.func.count(Enrolment.id))),
    )


def run_import(runner, tmp_path: Path, content: bytes, *extra: str) -> Any:
    path = tmp_path / "records.xlsx"
    path.write_bytes(content)
    return runner.invoke(args=["training", "import", str(path), *extra])


def changed(row: list[Any], **by_label: Any) -> list[Any]:
    out = list(row)
    for label, value in by_label.items():
        out[HEADER.index(label)] = value
    return out


BAD_ROWS = [
    ({"工号": "T9999"}, "工号", "不在干部名册中"),
    ({"姓名": "王芳"}, "姓名", "不符"),
    ({"结束日期": "2026-03-31"}, "结束日期", "早于开始日期"),
    ({"学时": 0}, "学时", "须为正数"),
    ({"学时": "三十"}, "学时", "须为数字"),
    ({"学时": 25}, "学时", "每天不超过 8 学时"),  # 3 days × 8 = 24
    ({"请假学时": 25, "学时": 24}, "请假学时", "超过了课程学时"),
    ({"请假学时": 4, "是否结业": "是"}, "是否结业", "不能结业"),  # 4 > 24/7
    ({"培训类别": "研讨会"}, "培训类别", "须为 专题培训班"),
    ({"培训形式": "线上"}, "培训形式", "现为“线上”"),
    ({"开始日期": "2026-02-30"}, "开始日期", "不存在"),
    ({"开始日期": "2026.04"}, "开始日期", "须写到日"),
    ({"是否结业": "也许"}, "是否结业", "“是”或“否”"),
]


@pytest.mark.parametrize(("changes", "column", "message"), BAD_ROWS)
def test_each_bad_row_is_refused_by_row_and_column_and_nothing_is_written(
    app, runner, tmp_path, org, changes, column, message
):
    good_other = changed(GOOD, 工号="T0002", 姓名="王芳")
    content = workbook(good_other, changed(GOOD, **changes))
    result = run_import(runner, tmp_path, content)
    assert result.exit_code == 1, result.output
    assert "imported 0, updated 0, rejected 1" in result.output
    line = next(x for x in result.output.splitlines() if x.startswith("row 3:"))
    assert column in line and message in line, line
    with app.app_context():
        assert counts() == (0, 0)


def test_a_duplicate_within_the_file_names_both_rows(app, runner, tmp_path, org):
    result = run_import(runner, tmp_path, workbook(GOOD, GOOD))
    assert result.exit_code == 1
    assert "rejected 2" in result.output
    assert "重复出现（第 2、3 行）" in result.output
    with app.app_context():
        assert counts() == (0, 0)


def test_a_stored_record_with_other_values_is_refused_an_identical_one_unchanged(
    app, runner, tmp_path, org
):
    assert run_import(runner, tmp_path, workbook(GOOD)).exit_code == 0
    again = run_import(runner, tmp_path, workbook(GOOD))
    assert again.exit_code == 0 and "imported 0" in again.output and "unchanged 1" in again.output
    different = run_import(runner, tmp_path, workbook(changed(GOOD, 请假学时=2)))
    assert different.exit_code == 1
    assert "已有该干部同名同日期的培训记录，但内容不同" in different.output
    assert "请假学时：0.0 → 2.0" in different.output
    with app.app_context():
        assert counts() == (1, 1)


def test_dry_run_writes_nothing(app, runner, tmp_path, org):
    result = run_import(runner, tmp_path, workbook(GOOD), "--dry-run")
    assert result.exit_code == 0
    assert "imported 1, updated 0, rejected 0" in result.output and "dry run" in result.output
    with app.app_context():
        assert counts() == (0, 0)


def test_rows_of_one_course_share_it_and_the_leave_rule_applies(app, runner, tmp_path, org):
    over = changed(GOOD, 工号="T0002", 姓名="王芳", 请假学时=3.5)  # 3.5 > 24/7 ≈ 3.43
    result = run_import(runner, tmp_path, workbook(changed(GOOD, 请假学时="3.4"), over))
    assert result.exit_code == 0, result.output
    assert "imported 2" in result.output and "new courses 1" in result.output
    with app.app_context():
        assert counts() == (1, 2)
        rows = {
            e.cadre_id: e
            for e in db.session.scalars(sa.select(Enrolment).order_by(Enrolment.cadre_id))
        }
        own, other = rows[org["own_cadre"]], rows[org["other_cadre"]]
        assert (own.passed, own.hours_earned, own.source) == (True, Decimal("20.6"), "import")
        assert (other.passed, other.hours_earned) == (False, Decimal("0.0"))


def test_unknown_sheet_or_header_is_a_whole_file_error(app, runner, tmp_path, org):
    result = run_import(runner, tmp_path, workbook(GOOD, header=["工号", "姓名", "培训名称"]))
    assert result.exit_code == 1 and "缺少必填列" in result.output


def _five_hundred(app) -> bytes:
    with app.app_context():
        cadres = [CadreFactory() for _ in range(50)]
        db.session.commit()
        people = [(c.staff_no, c.name) for c in cadres]
    rows = []
    for n in range(10):
        start = date(2025, 1 + n, 5)
        for staff_no, name in people:
            rows.append(
                [
                    staff_no,
                    name,
                    f"第{n + 1}期业务培训",
                    "专题培训班",
                    "在职",
                    "人事处",
                    datetime(start.year, start.month, start.day),
                    f"2025-{1 + n:02d}-06",
                    12.5,
                    1 if n % 3 == 0 else None,
                    "",
                ]  # fmt: skip
            )
    return workbook(*rows)


def test_five_hundred_good_records_import_through_the_web(app, hr_client, org):
    content = _five_hundred(app)
    response = hr_client.post(
        "/training/import",
        data={"file": (BytesIO(content), "五百条.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    preview_url = response.headers["Location"]
    preview = hr_client.get(preview_url).get_data(as_text=True)
    assert "新增 500 条" in preview and "新建课程 10 门" in preview
    confirm = hr_client.post(preview_url + "/confirm")
    assert confirm.status_code == 302
    assert hr_client.post(preview_url + "/confirm").status_code == 409  # once only
    with app.app_context():
        assert counts() == (10, 500)
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "import"))
        assert "新增 500 条" in event.summary


def test_a_bad_upload_is_refused_on_the_web_with_the_row_message(app, hr_client, org):
    content = workbook(changed(GOOD, 工号="T9999"))
    response = hr_client.post(
        "/training/import",
        data={"file": (BytesIO(content), "bad.xlsx")},
        content_type="multipart/form-data",
    )
    preview = hr_client.get(response.headers["Location"])
    html = preview.get_data(as_text=True)
    assert "第 2 行“工号”" in html and 'data-testid="confirm"' not in html
    assert hr_client.post(response.headers["Location"] + "/confirm").status_code == 400
    with app.app_context():
        assert counts() == (0, 0)


def test_export_then_reimport_changes_nothing(app, runner, tmp_path, hr_client, org):
    content = _five_hundred(app)
    assert run_import(runner, tmp_path, content).exit_code == 0
    # a record entered on the page (with a certificate) and an external one export too
    exported = tmp_path / "export.xlsx"
    result = runner.invoke(args=["training", "export", str(exported)])
    assert result.exit_code == 0 and "exported 500 records" in result.output
    web = hr_client.get("/training/records.xlsx")
    assert web.status_code == 200
    sheet = openpyxl.load_workbook(BytesIO(web.data), read_only=True)[training_excel.SHEET]
    assert [c.value for c in next(sheet.iter_rows(max_row=1))] == HEADER
    with app.app_context():
        before = counts()
        events = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    again = runner.invoke(args=["training", "import", str(exported)])
    assert again.exit_code == 0, again.output
    assert "imported 0, updated 0, rejected 0" in again.output
    assert "unchanged 500" in again.output
    with app.app_context():
        assert counts() == before
        # only the import's own summary event is added
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == events + 1


def test_manager_export_holds_only_their_sections(app, runner, tmp_path, manager_client, org):
    both = changed(GOOD, 工号="T0002", 姓名="王芳")
    assert run_import(runner, tmp_path, workbook(GOOD, both)).exit_code == 0
    content = manager_client.get("/training/records.xlsx").data
    sheet = openpyxl.load_workbook(BytesIO(content), read_only=True)[training_excel.SHEET]
    staff = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert staff == ["T0001"]


def _rewrite(content: bytes, part: str, change) -> bytes:
    import zipfile

    source = zipfile.ZipFile(BytesIO(content))
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(item, change(data) if item.filename == part else data)
    return out.getvalue()


def test_the_sheet_reader_refuses_xml_entities(app, runner, tmp_path, org):
    content = _rewrite(
        workbook(GOOD),
        "xl/worksheets/sheet1.xml",
        lambda data: b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>' + data,
    )
    result = run_import(runner, tmp_path, content)
    assert result.exit_code == 1 and "无法读取工作簿" in result.output
    with app.app_context():
        assert counts() == (0, 0)


def test_the_sheet_reader_reads_rich_text_without_its_phonetic_guide(app, org):
    from cadre_app.services.core import sheet_reader

    content = _rewrite(
        workbook(GOOD),
        "xl/sharedStrings.xml",
        lambda data: data.replace(
            "<t>预算绩效管理培训班</t>".encode(),
            (
                "<r><t>预算绩效</t></r><r><t>管理培训班</t></r>"
                "<rPh sb='0' eb='1'><t>よさん</t></rPh>"
            ).encode(),
        ),
    )
    rows = dict(sheet_reader.read_rows(content, training_excel.SHEET))
    assert rows[2][2] == "预算绩效管理培训班"
    assert rows[2][6] == "2026-04-01" and rows[2][8] == 24
