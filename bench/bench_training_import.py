"""培训记录 workbook import: 20,000 records (4,000 cadres × 5 courses) on SQLite, or on
``DATABASE_URL`` when set.

    python bench/bench_training_import.py [--cadres 4000] [--courses 5] [--runs 3]

Each run starts from an emptied, migrated database (bench.common.bench_app) with the cadres
inserted in bulk. Timed:

- preview: parse the workbook, look up every 工号 and the stored records and courses, check
           every row (what the preview page does);
- apply:   the confirmation: parse and check again, create the courses, insert every record
           in bulk with its outcome, audit, commit;
- export:  the records back into the workbook (``flask training export``);
- reimport: the export imported again: every row unchanged, nothing written.

Prints the median of the runs (min/max). The bar (issue 11): importing 20,000 records ≤ 10 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bench.common import bench_app  # noqa: E402
from cadre_app.extensions import db  # noqa: E402
from cadre_app.models import Cadre, Department, Organisation  # noqa: E402
from cadre_app.services.training import courses  # noqa: E402
from cadre_app.services.training import excel as training_excel  # noqa: E402
from tests.evaluation_workbooks import cadre_records  # noqa: E402


def roster(cadres: int, sections: int = 40) -> list[dict]:
    with db.session.begin():
        organisation = Organisation(name="基准测试局")
        departments = [
            Department(organisation=organisation, name=f"第{i + 1}处", sort_order=i)
            for i in range(sections)
        ]
        db.session.add_all([organisation, *departments])
        db.session.flush()
        records = cadre_records(cadres, [d.id for d in departments])
        db.session.execute(sa.insert(Cadre), records)
    return records


def workbook(records: list[dict], course_count: int) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(training_excel.SHEET)
    sheet.append(list(training_excel.HEADER))
    for n in range(course_count):
        start = date(2025, 3, 3) + timedelta(days=14 * n)
        end = start + timedelta(days=4)
        for i, cadre in enumerate(records):
            leave = (i % 9) * 0.5  # 0 to 4 of 32: some above 1/7, not passed
            sheet.append(
                [
                    cadre["staff_no"],
                    cadre["name"],
                    f"第{n + 1}期业务能力提升培训班",
                    "专题培训班",
                    "脱产",
                    "市委组织部",
                    start,
                    end,
                    32,
                    leave,
                    None,
                ]  # fmt: skip
            )
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def one_run(cadres: int, course_count: int, cache: dict[str, bytes]) -> dict[str, float]:
    app = bench_app("bench-training-")
    with app.app_context():
        records = roster(cadres)
        if "file" not in cache:
            cache["file"] = workbook(records, course_count)
        content = cache["file"]
        rows = cadres * course_count
        timings = {}

        started = time.perf_counter()
        preview = training_excel.preview_import(content, "bench.xlsx")
        timings["preview"] = time.perf_counter() - started
        assert preview.counts["new"] == rows, preview.counts
        db.session.rollback()

        started = time.perf_counter()
        summary = training_excel.apply_import(content, "bench.xlsx", actor="bench")
        db.session.commit()
        timings["apply"] = time.perf_counter() - started
        assert summary.created == rows and summary.courses_created == course_count, summary

        started = time.perf_counter()
        exported = training_excel.build_workbook(
            training_excel.records_for_export(courses.CourseFilters(), None)
        )
        timings["export"] = time.perf_counter() - started

        started = time.perf_counter()
        summary = training_excel.apply_import(exported, "export.xlsx", actor="bench")
        db.session.commit()
        timings["reimport"] = time.perf_counter() - started
        assert summary.created == 0 and summary.unchanged == rows, summary
        cache["size"] = len(content)
        db.session.remove()
        db.engine.dispose()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cadres", type=int, default=4000)
    parser.add_argument("--courses", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    cache: dict[str, bytes] = {}
    one_run(args.cadres, args.courses, cache)  # warm-up
    print(
        f"workbook: {args.cadres * args.courses} records ({args.cadres} cadres × {args.courses}"
        f" courses), {len(cache['file']) / 1024:.0f} KB; {args.runs} fresh databases"
    )
    results = [one_run(args.cadres, args.courses, cache) for _ in range(args.runs)]
    for step in ("preview", "apply", "export", "reimport"):
        values = [r[step] for r in results]
        print(
            f"{step:<9} median {statistics.median(values) * 1000:7.0f} ms"
            f"   (min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f})"
        )


if __name__ == "__main__":
    main()
