"""Issue 16, point 1: a few KB of hostile workbook must not tie up a worker. Every workbook
import reads through one guarded reader (services.core.workbook.sheet_rows) that reads only
cells holding a value, ignores the claimed dimension and stops at the import limits.

The files are built here, small on disk: a normal workbook whose sheet XML is then rewritten.
Each read runs under a deadline so that, on code without the guard, a test fails instead of
hanging; the counts of rows and cells the reader visited show that it stops early (the
wall-clock bounds are only a second check).
"""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from io import BytesIO

import pytest

from cadre_app.extensions import db
from cadre_app.models import Cadre, Department, Evaluation, ImportUpload
from cadre_app.services.core import workbook
from cadre_app.services.core.sheet_reader import ReadStats
from cadre_app.services.evaluations import excel as evaluation_excel
from cadre_app.services.roster import excel as roster_excel
from tests import workbooks
from tests.conftest import count_rows, office_today
from tests.evaluation_workbooks import OTHER, OWN, build_scores, score_row

SHEET_XML = "xl/worksheets/sheet1.xml"
#: Generous: the guarded reader refuses these files in a fraction of a second.
QUICK_SECONDS = 3.0


class TooSlow(Exception):
    pass


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Fail (rather than hang for minutes) when the block runs longer than ``seconds``."""

    def expire(_signum: int, _frame: object) -> None:
        raise TooSlow(f"still reading after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _rewrite_sheet(content: bytes, change) -> bytes:
    return workbooks.rezip(
        content, replace=lambda name, data: change(data) if name == SHEET_XML else data
    )


def _last_row(xml: bytes) -> int:
    return max(int(n) for n in re.findall(rb'<row r="(\d+)"', xml))


def claim_everything(content: bytes) -> bytes:
    """The sheet claims A1:XFD1048576 and holds one empty (styled) cell in its very last cell."""

    def change(xml: bytes) -> bytes:
        xml = re.sub(rb"<dimension ref=\"[^\"]*\"/>", b'<dimension ref="A1:XFD1048576"/>', xml)
        far = b'<row r="1048576"><c r="XFD1048576" s="0"/></row>'
        return xml.replace(b"</sheetData>", far + b"</sheetData>")

    return _rewrite_sheet(content, change)


def empty_rows_far_right(content: bytes, count: int = 400_000) -> bytes:
    """``count`` more rows, each with one empty cell in column XFD."""

    def change(xml: bytes) -> bytes:
        first = _last_row(xml) + 1
        rows = b"".join(
            b'<row r="%d"><c r="XFD%d"/></row>' % (n, n) for n in range(first, first + count)
        )
        return xml.replace(b"</sheetData>", rows + b"</sheetData>")

    return _rewrite_sheet(content, change)


def value_in_column(content: bytes, letters: str) -> bytes:
    """One more row with a value in column ``letters``."""

    def change(xml: bytes) -> bytes:
        n = _last_row(xml) + 1
        cell = f'<row r="{n}"><c r="{letters}{n}" t="inlineStr"><is><t>备注</t></is></c></row>'
        return xml.replace(b"</sheetData>", cell.encode() + b"</sheetData>")

    return _rewrite_sheet(content, change)


def inflated_sheet(content: bytes, megabytes: int = 41) -> bytes:
    """The sheet's XML padded with white space to ``megabytes`` (well compressed: ~40 KB)."""
    padding = b" " * (megabytes * 1024 * 1024)
    return _rewrite_sheet(
        content, lambda xml: xml.replace(b"</sheetData>", padding + b"</sheetData>")
    )


@pytest.fixture(scope="module")
def roster_file() -> bytes:
    return workbooks.build(workbooks.cadre_rows(3))


@pytest.fixture(scope="module")
def many_empty_rows(roster_file: bytes) -> bytes:
    return empty_rows_far_right(roster_file)


@pytest.fixture(scope="module")
def scores_file() -> bytes:
    return build_scores([score_row(*OWN), score_row(*OTHER, 80, 82, 84, "称职")])


@pytest.fixture(scope="module")
def many_empty_score_rows(scores_file: bytes) -> bytes:
    return empty_rows_far_right(scores_file)


def test_hostile_files_are_small(roster_file, many_empty_rows):
    """The attack the review found: a few KB to a few hundred KB that expand to everything."""
    assert len(claim_everything(roster_file)) < 10_000
    assert len(many_empty_rows) < workbook.MAX_UPLOAD_BYTES
    workbook.check_upload(
        many_empty_rows, "名册.xlsx"
    )  # passes the byte checks: the reader must stop it


# --- the reader ---------------------------------------------------------------------------


def test_the_claimed_dimension_and_empty_cells_are_not_read(app_ctx, roster_file):
    stats = ReadStats()
    with (
        deadline(20),
        closing(
            workbook.sheet_rows(claim_everything(roster_file), roster_excel.SHEET, stats=stats)
        ) as reader,
    ):
        rows = list(reader)
    assert [number for number, _cells in rows] == [1, 2, 3, 4]  # header and three cadres
    assert max(len(cells) for _n, cells in rows) == len(roster_excel.HEADER)  # never to XFD
    assert stats.rows_visited == 5 and stats.cells_visited < 100


def test_the_reader_stops_at_the_row_limit(app_ctx, many_empty_rows):
    stats = ReadStats()
    started = time.perf_counter()
    with (
        deadline(20),
        pytest.raises(workbook.WorkbookError) as refused,
        closing(workbook.sheet_rows(many_empty_rows, roster_excel.SHEET, stats=stats)) as reader,
    ):
        list(reader)
    assert "的行数超过 50000 行（空行也计在内），已拒绝处理" in refused.value.message
    assert stats.rows_visited == workbook.MAX_SHEET_ROWS + 1  # stopped there, not at 400,004
    assert time.perf_counter() - started < QUICK_SECONDS


def test_the_limits_are_settings(app, app_ctx, roster_file, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_DATA_ROWS", 2)
    with pytest.raises(workbook.WorkbookError, match="数据行过多（上限 2 行）"):
        roster_excel.read_roster(roster_file, "名册.xlsx")
    monkeypatch.setitem(app.config, "IMPORT_MAX_DATA_ROWS", 3)
    assert len(roster_excel.read_roster(roster_file, "名册.xlsx").rows) == 3
    monkeypatch.setitem(app.config, "IMPORT_MAX_SHEET_ROWS", 3)
    with pytest.raises(workbook.WorkbookError, match="行数超过 3 行"):
        roster_excel.read_roster(roster_file, "名册.xlsx")


def test_a_value_beyond_the_last_allowed_column_is_refused(app_ctx, roster_file):
    assert len(roster_excel.read_roster(value_in_column(roster_file, "BH"), "a.xlsx").rows) == 3
    with pytest.raises(workbook.WorkbookError) as refused:
        roster_excel.read_roster(value_in_column(roster_file, "XFD"), "名册.xlsx")
    assert refused.value.message == (
        "单元格 XFD5 有内容，超出了 60 列的上限：请删除多余的列后再上传。"
    )


def test_a_sheet_that_inflates_past_the_limit_is_refused_before_parsing(app_ctx, roster_file):
    content = inflated_sheet(roster_file)
    assert len(content) < 200_000
    workbook.check_upload(content, "名册.xlsx")  # under the 50 MB of the whole file
    stats = ReadStats()
    reader = workbook.sheet_rows(content, roster_excel.SHEET, stats=stats)
    with pytest.raises(workbook.WorkbookError, match="解压后达 41.0 MB，超过了 40.0 MB"):
        list(reader)
    assert stats.rows_visited == 0  # refused on the zip entry's declared size


def test_scores_read_the_same_way(app_ctx, scores_file, many_empty_score_rows):
    with deadline(20):
        parsed = evaluation_excel.read_scores(claim_everything(scores_file), "成绩.xlsx")
    assert [row.staff_no for row in parsed.rows] == [OWN[0], OTHER[0]]
    started = time.perf_counter()
    with deadline(20), pytest.raises(workbook.WorkbookError, match="行数超过 50000 行"):
        evaluation_excel.read_scores(many_empty_score_rows, "成绩.xlsx")
    assert time.perf_counter() - started < QUICK_SECONDS


def test_dates_keep_their_meaning_through_the_reader(app_ctx):
    """Date-formatted cells come as dates (the roster once read them through openpyxl)."""
    from datetime import date

    row = workbooks.cadre_row(1)
    row["出生日期"] = date.fromisoformat(row["出生日期"])  # written as an Excel date
    row["参加工作时间"] = 1988.7  # a number in a General cell: 1988.7 or 1988.10?
    parsed = roster_excel.read_roster(workbooks.build([row]), "名册.xlsx")
    assert parsed.rows[0].values["birth_date"] == row["出生日期"]
    assert parsed.rows[0].errors == [
        (
            "参加工作时间",
            "参加工作时间以数字 1988.7 保存，无法判断月份（如 1 月还是 10 月）："
            "请将该列设为文本格式后重新填写，如 1990.10。",
        )
    ]


# --- over the web and the CLI -------------------------------------------------------------


def _upload(client, url: str, content: bytes, **fields: str):
    return client.post(
        url,
        data={**fields, "file": (BytesIO(content), "hostile.xlsx")},
        content_type="multipart/form-data",
    )


def test_roster_upload_is_refused_quickly(app, hr_client, many_empty_rows):
    cadres = count_rows(app, Cadre)
    started = time.perf_counter()
    with deadline(20):
        response = _upload(hr_client, "/cadres/import", many_empty_rows)
    assert time.perf_counter() - started < QUICK_SECONDS
    assert response.status_code == 400
    assert "的行数超过 50000 行（空行也计在内），已拒绝处理" in response.get_data(as_text=True)
    assert count_rows(app, ImportUpload) == 0 and count_rows(app, Cadre) == cadres


def test_roster_upload_claiming_every_cell_still_imports(app, hr_client, org):
    with app.app_context():  # the sections of the generated rows
        from tests.factories import DepartmentFactory

        organisation_id = db.session.get(Department, org["budget"]).organisation_id
        for order, name in enumerate(workbooks.DEPARTMENTS[2:], start=3):
            DepartmentFactory(organisation_id=organisation_id, name=name, sort_order=order)
        db.session.commit()
    content = claim_everything(workbooks.build(workbooks.cadre_rows(3)))
    with deadline(20):
        response = _upload(hr_client, "/cadres/import", content)
        assert response.status_code == 302, response.get_data(as_text=True)
        preview = hr_client.get(response.headers["Location"])
    assert preview.status_code == 200 and "W00003" in preview.get_data(as_text=True)
    token = response.headers["Location"].rsplit("/", 1)[-1]
    assert hr_client.post(f"/cadres/import/{token}/confirm").status_code == 302
    assert count_rows(app, Cadre) == 2 + 3  # the org fixture's two and the three imported


def test_score_upload_is_refused_quickly(app, hr_client, org, many_empty_score_rows):
    content = many_empty_score_rows
    started = time.perf_counter()
    with deadline(20):
        response = _upload(hr_client, "/evaluations/import", content, year="2025")
    assert time.perf_counter() - started < QUICK_SECONDS
    assert response.status_code == 400
    assert "的行数超过 50000 行（空行也计在内），已拒绝处理" in response.get_data(as_text=True)
    assert count_rows(app, ImportUpload) == 0


@pytest.mark.parametrize(
    ("args", "hostile"),
    [
        (["roster", "import"], "roster"),
        (["evaluations", "import", "--year", "2025"], "scores"),
    ],
)
def test_cli_imports_refuse_quickly(
    app, runner, org, tmp_path, many_empty_rows, scores_file, args, hostile
):
    content = many_empty_rows if hostile == "roster" else empty_rows_far_right(scores_file)
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(content)
    started = time.perf_counter()
    with deadline(20):
        result = runner.invoke(args=[*args[:2], str(path), *args[2:]])
    assert time.perf_counter() - started < QUICK_SECONDS
    assert result.exit_code == 1
    assert "的行数超过 50000 行（空行也计在内），已拒绝处理" in result.output
    assert count_rows(app, Evaluation) == 0


def test_training_and_secondment_imports_use_the_same_guard(app_ctx, org):
    """The other two workbook imports: a header, then 400,000 empty rows far right."""
    from cadre_app.services.secondments import excel as secondment_excel
    from cadre_app.services.training import excel as training_excel

    readers = {
        training_excel.SHEET: (
            training_excel.HEADER,
            lambda content: training_excel.read_records(content, "培训.xlsx"),
        ),
        secondment_excel.SHEET: (
            secondment_excel.HEADER,
            lambda content: secondment_excel.read_rows(content, "挂职.xlsx", today=office_today()),
        ),
    }
    for sheet, (header, read) in readers.items():
        content = empty_rows_far_right(workbooks.build(header=header, sheet=sheet))
        started = time.perf_counter()
        with deadline(20), pytest.raises(workbook.WorkbookError, match="行数超过 50000 行"):
            read(content)
        assert time.perf_counter() - started < QUICK_SECONDS, sheet
