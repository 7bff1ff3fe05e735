"""The score workbook service: HR's 年度考核 files go into a year's evaluation all or nothing,
and the ranking comes out as a workbook that no spreadsheet will take for formulas."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy import event

from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Cadre, CycleState, Evaluation, EvaluationCycle
from cadre_app.services.evaluations import excel as evaluation_excel
from cadre_app.services.evaluations import operations as evaluation
from cadre_app.services.evaluations.excel import (
    HEADER,
    RANKING_HEADER,
    ImportRejected,
    RowStatus,
    WorkbookError,
    apply_import,
    preview_import,
    ranking_workbook,
    read_scores,
    scores_template,
)
from tests import workbooks
from tests.evaluation_workbooks import (
    OTHER,
    OWN,
    build_scores,
    cadre_records,
    ranking_cells,
    read_ranking,
    score_row,
    scores_for,
)
from tests.workbooks import FIRST_ROW

YEAR = 2025
FILE = "2025年度考核.xlsx"


@pytest.fixture
def ctx(app_ctx, org):
    """An app context over the two-section organisation of conftest (T0001, T0002)."""
    return org


def preview(content: bytes, year: int = YEAR) -> evaluation_excel.ScoresPreview:
    return preview_import(content, FILE, year=year)


def apply(content: bytes, name: str = FILE, year: int = YEAR) -> evaluation_excel.ScoresSummary:
    summary = apply_import(content, name, year=year, actor="hr1")
    db.session.commit()
    return summary


def count(model, *where) -> int:
    stmt = sa.select(sa.func.count()).select_from(model)
    for condition in where:
        stmt = stmt.where(condition)
    return db.session.scalar(stmt)


def scores_of(staff_no: str) -> tuple:
    return db.session.execute(
        sa.select(
            Evaluation.ordinary,
            Evaluation.democratic,
            Evaluation.leader,
            Evaluation.proposed_grade,
        )
        .join(Cadre, Cadre.id == Evaluation.cadre_id)
        .where(Cadre.staff_no == staff_no)
    ).one()


def errors_of(content: bytes) -> list[tuple[int, str, str]]:
    """(Excel row, column, message) of every error in the preview."""
    return [(r.row, label, msg) for r in preview(content).rows for label, msg in r.errors]


def two_rows(**overrides) -> bytes:
    """李晓明 with ``overrides``, then 王芳."""
    return build_scores([score_row(*OWN) | overrides, score_row(*OTHER, 80, 82, 84, "称职")])


def nothing_written() -> bool:
    return count(Evaluation) == count(EvaluationCycle) == count(AuditEvent) == 0


# --- a valid file -------------------------------------------------------------------------------


def test_a_valid_file_creates_the_cycle_and_the_evaluations(ctx):
    content = build_scores(
        [score_row(*OWN, 85, 90.5, "88.25", "优秀"), score_row(*OTHER, 80, 82, 84, "称职")]
    )
    result = preview(content)
    assert result.counts == {"new": 2, "update": 0, "unchanged": 0, "error": 0, "missing": 0}
    assert not result.cycle_exists and nothing_written()

    summary = apply(content)
    assert (summary.created, summary.updated, summary.cycle_created) == (2, 0, True)
    cycle = evaluation.get_cycle(YEAR)
    assert cycle.state is CycleState.COLLECTING
    assert (cycle.weight_ordinary, cycle.weight_democratic, cycle.weight_leader) == (40, 30, 30)
    assert scores_of("T0001") == (85, 90.5, 88.25, "优秀")
    assert scores_of("T0002") == (80, 82, 84, "称职")
    departments = dict(
        db.session.execute(sa.select(Evaluation.cadre_id, Evaluation.department_id)).all()
    )
    assert departments == {ctx["own_cadre"]: ctx["budget"], ctx["other_cadre"]: ctx["treasury"]}
    actions = db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.object_type).order_by(AuditEvent.id)
    ).all()
    assert actions == [
        ("create", "evaluation_cycle"),
        ("create", "evaluation"),
        ("create", "evaluation"),
        ("import", "evaluation_cycle"),
    ]
    imported = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "import"))
    assert FILE in imported.summary and "新增 2 人" in imported.summary
    assert imported.actor_name == "hr1"
    assert list(evaluation.audit.verify()) == []


def test_the_ranking_service_ranks_what_was_imported(ctx):
    apply(two_rows(grade="称职"))
    summary = evaluation.rank_cycle(evaluation.get_cycle(YEAR), actor="hr1")
    assert summary.ranked == 2


@pytest.mark.parametrize(
    "cell, expected",
    [
        (85, 85),
        (85.5, 85.5),
        ("85", 85),
        ("85.5", 85.5),
        ("85.50", 85.5),
        ("８５．５", 85.5),  # full-width digits and point
        (" 85.5 ", 85.5),
        ("85.5分", 85.5),  # a trailing 分 is accepted
        ("100", 100),
        (0, 0),
        (85.549999999999997, 85.55),  # how Excel may store 85.55
    ],
)
def test_each_accepted_way_of_writing_a_score(ctx, cell, expected):
    apply(two_rows(民主测评=cell))
    assert scores_of("T0001")[1] == expected


@pytest.mark.parametrize(
    "cell, fragment",
    [
        (101, "民主测评须在 0 至 100 之间，现为 101"),
        ("100.01", "民主测评须在 0 至 100 之间"),
        (-1, "民主测评须在 0 至 100 之间"),
        ("85.125", "民主测评最多保留两位小数，现为 85.125"),
        (85.125, "民主测评最多保留两位小数"),
        ("八十五", "民主测评须为 0 至 100 之间的数字"),
        ("85分以上", "现为“85分以上”"),
        ("85,5", "须为 0 至 100 之间的数字"),
        ("优", "须为 0 至 100 之间的数字"),
    ],
)
def test_a_bad_score_names_row_and_column_and_writes_nothing(ctx, cell, fragment):
    content = two_rows(民主测评=cell)
    errors = errors_of(content)
    assert len(errors) == 1
    row, column, message = errors[0]
    assert (row, column) == (FIRST_ROW, "民主测评") and fragment in message
    with pytest.raises(ImportRejected) as rejected:
        apply_import(content, FILE, year=YEAR, actor="hr1")
    db.session.rollback()
    assert rejected.value.preview.counts["error"] == 1
    assert nothing_written()


def test_an_unknown_staff_number_is_refused(ctx):
    content = build_scores([score_row(*OWN), score_row("T9999", "赵六")])
    assert errors_of(content) == [(FIRST_ROW + 1, "工号", "工号“T9999”不在干部名册中。")]
    with pytest.raises(ImportRejected):
        apply_import(content, FILE, year=YEAR, actor="hr1")
    db.session.rollback()
    assert nothing_written()


def test_a_staff_number_stored_as_a_number_gets_a_hint(ctx):
    content = build_scores([score_row(12, "李晓明")])
    (row, column, message), *_ = errors_of(content)
    assert column == "工号" and "“12”" in message and "文本格式" in message


def test_a_name_that_does_not_match_the_roster_catches_a_shifted_row(ctx):
    content = build_scores([score_row("T0001", "王芳"), score_row("T0002", "李晓明")])
    errors = errors_of(content)
    assert [(row, column) for row, column, _m in errors] == [
        (FIRST_ROW, "姓名"),
        (FIRST_ROW + 1, "姓名"),
    ]
    assert "姓名“王芳”与干部名册中工号 T0001 的姓名“李晓明”不符" in errors[0][2]
    with pytest.raises(ImportRejected):
        apply_import(content, FILE, year=YEAR, actor="hr1")
    db.session.rollback()
    assert nothing_written()


def test_a_name_padded_for_alignment_still_matches(ctx):
    apply(build_scores([score_row("T0002", "王　芳"), score_row("T0001", "李晓明")]))
    assert count(Evaluation) == 2


def test_an_empty_name_is_refused(ctx):
    assert [c for _r, c, _m in errors_of(two_rows(姓名=None))] == ["姓名"]


def test_a_duplicate_staff_number_names_both_rows(ctx):
    content = build_scores([score_row(*OWN), score_row(*OTHER), score_row(*OWN, 70, 70, 70)])
    errors = errors_of(content)
    assert [(row, column) for row, column, _m in errors] == [
        (FIRST_ROW, "工号"),
        (FIRST_ROW + 2, "工号"),
    ]
    assert f"第 {FIRST_ROW}、{FIRST_ROW + 2} 行" in errors[0][2]
    with pytest.raises(ImportRejected):
        apply_import(content, FILE, year=YEAR, actor="hr1")
    db.session.rollback()
    assert nothing_written()


def test_one_bad_row_among_many_writes_nothing_and_names_only_that_row(ctx):
    records = cadre_records(300, [ctx["budget"], ctx["treasury"]])
    db.session.execute(sa.insert(Cadre), records)
    db.session.commit()
    rows = scores_for(records)
    rows[199]["领导评价"] = "120"
    result = preview(build_scores(rows))
    assert result.counts["error"] == 1 and result.counts["new"] == 299
    assert [(r.row, r.errors[0][0]) for r in result.error_rows] == [(FIRST_ROW + 199, "领导评价")]
    with pytest.raises(ImportRejected):
        apply_import(build_scores(rows), FILE, year=YEAR, actor="hr1")
    db.session.rollback()
    assert nothing_written()


# --- grades -------------------------------------------------------------------------------------


def test_a_grade_outside_the_four_is_refused(ctx):
    (row, column, message), *_ = errors_of(two_rows(拟定等次="良好"))
    assert (row, column) == (FIRST_ROW, "拟定等次")
    assert "优秀、称职、基本称职、不称职" in message and "良好" in message


def test_without_the_grade_column_existing_grades_stay(ctx):
    apply(two_rows(拟定等次="优秀"))
    header = HEADER[:5]
    summary = apply(build_scores([score_row(*OWN, 86)], header=header))
    assert summary.updated == 1
    assert scores_of("T0001") == (86, 90, 88, "优秀")


def test_an_empty_grade_cell_clears_the_proposed_grade(ctx):
    apply(two_rows(拟定等次="优秀"))
    apply(two_rows())
    assert scores_of("T0001")[3] is None


def test_a_grade_for_a_cadre_marked_no_grade_is_refused(ctx):
    apply(two_rows())
    row = db.session.scalar(sa.select(Evaluation).where(Evaluation.cadre_id == ctx["own_cadre"]))
    evaluation.set_no_grade(row, no_grade=True, reason="受处分期间", actor="hr1")
    db.session.commit()
    (_row, column, message), *_ = errors_of(two_rows(拟定等次="称职"))
    assert column == "拟定等次" and "不定等次" in message


# --- the year -----------------------------------------------------------------------------------


def confirmed_cycle(ctx) -> None:
    apply(build_scores([score_row(*OWN, grade="称职"), score_row(*OTHER, grade="称职")]))
    evaluation.confirm_cycle(evaluation.get_cycle(YEAR), actor="hr1", today=date(2026, 1, 20))
    db.session.commit()


def test_import_into_a_confirmed_year_is_refused(ctx):
    confirmed_cycle(ctx)
    events = count(AuditEvent)
    with pytest.raises(
        evaluation.EvaluationError,
        match="2025 年度考核处于“已审核确认”阶段，成绩已固定，不能再导入。",
    ):
        preview(two_rows(领导评价=60))
    with pytest.raises(evaluation.EvaluationError, match="不能再导入"):
        apply_import(two_rows(领导评价=60), FILE, year=YEAR, actor="hr1")
    db.session.rollback()
    assert scores_of("T0001")[2] == 88 and count(AuditEvent) == events


def test_a_ranked_year_takes_scores_and_goes_back_to_collecting(ctx):
    apply(two_rows())
    cycle = evaluation.get_cycle(YEAR)
    evaluation.rank_cycle(cycle, actor="hr1")
    db.session.commit()
    apply(two_rows())  # unchanged: the ranking stays valid
    assert evaluation.get_cycle(YEAR).state is CycleState.RANKED
    apply(two_rows(平时考核=95))
    assert evaluation.get_cycle(YEAR).state is CycleState.COLLECTING


def test_an_existing_cycle_keeps_its_settings(ctx):
    cycle, _created = evaluation.ensure_cycle(YEAR, actor="hr1")
    evaluation.update_settings(
        cycle,
        weights=(50, 25, 25),
        quota_pct=20,
        approval_reason=None,
        min_section_size=5,
        bottom_grades=["不称职"],
        actor="hr1",
    )
    db.session.commit()
    summary = apply(two_rows())
    assert not summary.cycle_created
    assert evaluation.get_cycle(YEAR).weight_ordinary == 50


@pytest.mark.parametrize("year", [1999, 2101])
def test_a_year_out_of_range_is_refused(ctx, year):
    with pytest.raises(evaluation.EvaluationError, match="不在合理范围内"):
        preview(two_rows(), year=year)


# --- again and again ----------------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing(ctx):
    content = two_rows(拟定等次="优秀")
    apply(content)
    before = db.session.execute(sa.select(Evaluation.id, Evaluation.updated_at)).all()
    events = count(AuditEvent)
    result = preview(content)
    assert result.counts["unchanged"] == 2 and result.counts["update"] == 0
    summary = apply(content)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 2)
    assert db.session.execute(sa.select(Evaluation.id, Evaluation.updated_at)).all() == before
    assert count(AuditEvent) == events + 1  # the import itself, no row event


def test_a_changed_score_is_a_correction_audited_with_before_and_after(ctx):
    apply(two_rows())
    result = preview(two_rows(民主测评="91.5", 拟定等次="优秀"))
    own = result.rows[0]
    assert own.status is RowStatus.UPDATE and result.rows[1].status is RowStatus.UNCHANGED
    assert [(c.label, c.old, c.new) for c in own.changes] == [
        ("民主测评", "90", "91.5"),
        ("拟定等次", "", "优秀"),
    ]
    summary = apply(two_rows(民主测评="91.5", 拟定等次="优秀"), name="更正.xlsx")
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 1)
    assert scores_of("T0001") == (85, 91.5, 88, "优秀")
    event = db.session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "update", AuditEvent.object_type == "evaluation")
        .order_by(AuditEvent.id.desc())
    )
    assert event.before["democratic"] == 90 and event.after["democratic"] == 91.5
    assert event.before["proposed_grade"] is None and event.after["proposed_grade"] == "优秀"
    assert "T0001 李晓明" in event.summary and "更正理由：导入 更正.xlsx" in event.summary
    assert event.actor_name == "hr1"
    assert list(evaluation.audit.verify()) == []


def test_a_missing_score_imports_as_missing_and_blocks_confirmation(ctx):
    content = two_rows(领导评价=None, 拟定等次="称职")
    result = preview(content)
    assert result.counts["missing"] == 1 and not result.has_errors
    assert result.rows[0].missing and not result.rows[1].missing
    summary = apply(content)
    assert summary.missing == 1
    assert scores_of("T0001") == (85, 90, None, "称职")
    imported = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "import"))
    assert "成绩不全 1 人" in imported.summary
    with pytest.raises(evaluation.EvaluationError, match="成绩不全"):
        evaluation.confirm_cycle(evaluation.get_cycle(YEAR), actor="hr1", today=date(2026, 1, 1))
    db.session.rollback()


def test_emptying_a_score_clears_it(ctx):
    apply(two_rows())
    apply(two_rows(平时考核=""))
    assert scores_of("T0001")[0] is None


# --- reading the workbook -------------------------------------------------------------------------


def test_header_below_a_title_unknown_columns_and_blank_rows(ctx):
    header = ["序号", *HEADER, "备注"]
    rows = [score_row(*OWN) | {"序号": 1}, {}, score_row(*OTHER) | {"备注": "x"}]
    content = build_scores(rows, header=header, above=[["2025 年度考核成绩"], []])
    result = preview(content)
    assert [r.row for r in result.rows] == [4, 6]  # Excel's own row numbers
    assert result.warnings == ["已忽略无法识别的列：序号、备注。"]


def test_columns_in_another_order(ctx):
    header = ["姓名", "领导评价", "工号", "民主测评", "平时考核"]
    apply(build_scores([score_row(*OWN, 81, 82, 83)], header=header))
    assert scores_of("T0001") == (81, 82, 83, None)


@pytest.mark.parametrize(
    "content, message",
    [
        (build_scores([score_row(*OWN)], header=HEADER[:4]), "缺少必填列：领导评价"),
        (build_scores([score_row(*OWN)], sheet="Sheet1"), "现有：Sheet1"),
        (build_scores([score_row(*OWN)], header=["a", "b"]), "找不到表头"),
        (build_scores([]), "表头以下没有数据"),
        (build_scores([score_row(*OWN)], above=[[]] * 20), "找不到表头"),
    ],
)
def test_a_file_that_is_not_a_score_workbook(ctx, content, message):
    with pytest.raises(WorkbookError, match=message):
        read_scores(content, FILE)


def test_the_roster_safety_checks_apply(ctx):
    content = two_rows()
    with pytest.raises(WorkbookError, match="宏"):
        read_scores(workbooks.macro_enabled(content), FILE)
    with pytest.raises(WorkbookError, match="解压后"):
        read_scores(workbooks.huge_expansion(content), FILE)
    with pytest.raises(WorkbookError, match="启用宏"):
        read_scores(content, "成绩.xlsm")


def test_preview_uses_few_queries_for_many_rows(ctx):
    records = cadre_records(1500, [ctx["budget"], ctx["treasury"]])
    db.session.execute(sa.insert(Cadre), records)
    db.session.commit()
    apply(build_scores(scores_for(records[:1000])))
    statements = []

    def count_statement(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count_statement)
    try:
        result = preview(build_scores(scores_for(records)))
    finally:
        event.remove(db.engine, "before_cursor_execute", count_statement)
    assert result.counts["new"] == 500 and result.counts["unchanged"] == 1000
    assert len(statements) <= 5  # the cycle, two chunks of cadres, the evaluations


def test_two_thousand_rows_apply_and_are_audited(ctx):
    records = cadre_records(2000, [ctx["budget"], ctx["treasury"]])
    db.session.execute(sa.insert(Cadre), records)
    db.session.commit()
    summary = apply(build_scores(scores_for(records)))
    assert summary.created == 2000
    again = apply(build_scores(scores_for(records, shift=1)))
    assert again.updated == 2000
    assert count(AuditEvent, AuditEvent.object_type == "evaluation") == 4000
    assert list(evaluation.audit.verify()) == []


# --- the ranking workbook and the template ------------------------------------------------------


def ranking_rows() -> list[dict]:
    return [
        {
            "staff_no": "T0001",
            "name": "李晓明",
            "department": "预算处",
            "ordinary": 90.0,
            "democratic": 88.5,
            "leader": 92.25,
            "total": 90.23,
            "section_rank": 1,
            "overall_rank": 1,
            "grade": "优秀",
            "bottom": False,
            "talk_state": None,
        },
        {
            "staff_no": "T0003",
            "name": '=HYPERLINK("http://x","点我")',
            "department": "+预算处",
            "ordinary": 70.0,
            "democratic": 60.0,
            "leader": None,
            "total": None,
            "section_rank": None,
            "overall_rank": None,
            "grade": "@基本称职",
            "bottom": True,
            "talk_state": "-触发",
        },
    ]


def test_the_ranking_workbook_has_the_contract_header_and_the_given_values(ctx):
    rows = read_ranking(ranking_workbook(ranking_rows(), YEAR))
    assert (
        tuple(rows[0])
        == RANKING_HEADER
        == (
            "工号",
            "姓名",
            "部门",
            "平时考核",
            "民主测评",
            "领导评价",
            "总分",
            "部门排名",
            "全局排名",
            "等次",
            "末位",
            "谈话状态",
        )
    )
    assert rows[1] == [
        "T0001",
        "李晓明",
        "预算处",
        90,
        88.5,
        92.25,
        90.23,
        1,
        1,
        "优秀",
        "否",
        None,
    ]
    assert rows[2][:4] == ["T0003", '=HYPERLINK("http://x","点我")', "+预算处", 70]
    assert rows[2][4:] == [60, None, None, None, None, "@基本称职", "是", "-触发"]
    assert len(rows) == 3


def test_the_ranking_workbook_has_no_formula_cells(ctx):
    cells = ranking_cells(ranking_workbook(ranking_rows(), YEAR))
    assert all(c.data_type != "f" for row in cells for c in row)
    name = cells[2][1]
    assert name.data_type == "s" and name.value.startswith("=") and name.quotePrefix
    assert cells[1][3].data_type == "n" and cells[1][7].data_type == "n"
    assert isinstance(cells[1][7].value, int)


def test_an_empty_ranking_is_the_header_alone(ctx):
    assert read_ranking(ranking_workbook([], YEAR)) == [list(RANKING_HEADER)]


def test_the_template_has_the_header_and_instructions(ctx):
    content = scores_template()
    rows = workbooks.read_back(content, sheet="年度考核")
    assert rows == [list(HEADER)]
    book = openpyxl.load_workbook(BytesIO(content))
    assert book.sheetnames == ["年度考核", "填写说明"]
    assert (
        book["年度考核"].data_validations.dataValidation[0].formula1
        == '"优秀,称职,基本称职,不称职"'
    )
    with pytest.raises(WorkbookError, match="表头以下没有数据"):
        read_scores(content, "模板.xlsx")
