"""年度考核 score workbook import: preview and apply of a 20,000-row workbook on SQLite.

    python bench/bench_evaluation_import.py [--rows 20000] [--runs 3] [--sections 40]

Each run builds a new database in a temporary directory (``create_app`` with a test config,
schema through ``flask_migrate.upgrade``) and inserts the cadres in bulk, so no run profits from
another's data. Timed:

- preview: parse the workbook, look up every 工号 and the year's evaluations, check every row
           (what the preview page does);
- apply:   the confirmation: parse and check again, create the year's cycle, insert every
           evaluation in bulk, audit every row, commit;
- update:  import a second workbook in which every score changed (20,000 bulk updates, each
           audited with before and after), commit.

Prints the median of the runs (and min/max). The quality bar is "apply well under 10 s".
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from cadre_app import create_app  # noqa: E402
from cadre_app.extensions import db  # noqa: E402
from cadre_app.models import Cadre, Department, Organisation  # noqa: E402
from cadre_app.services.evaluations import excel as evaluation_excel  # noqa: E402
from tests.evaluation_workbooks import build_scores, cadre_records, scores_for  # noqa: E402

YEAR = 2025


def _roster(rows: int, sections: int) -> list[dict]:
    with db.session.begin():
        organisation = Organisation(name="基准测试局")
        departments = [
            Department(organisation=organisation, name=f"第{i + 1}处", sort_order=i)
            for i in range(sections)
        ]
        db.session.add_all([organisation, *departments])
        db.session.flush()
        records = cadre_records(rows, [d.id for d in departments])
        db.session.execute(sa.insert(Cadre), records)
    return records


def one_run(rows: int, sections: int, files: dict[str, bytes]) -> dict[str, float]:
    """One fresh database; ``files`` caches the two workbooks (the roster is the same in
    every run, so are they)."""
    with tempfile.TemporaryDirectory(prefix="bench-evaluation-") as tmp:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "bench-only",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'bench.sqlite'}",
                "WTF_CSRF_ENABLED": False,
            }
        )
        with app.app_context():
            upgrade()
            records = _roster(rows, sections)
            if not files:
                files["first"] = build_scores(scores_for(records))
                files["second"] = build_scores(scores_for(records, shift=1))
            first, second = files["first"], files["second"]
            timings = {}

            started = time.perf_counter()
            preview = evaluation_excel.preview_import(first, "bench.xlsx", year=YEAR)
            timings["preview"] = time.perf_counter() - started
            assert preview.counts["new"] == rows, preview.counts
            db.session.rollback()

            started = time.perf_counter()
            summary = evaluation_excel.apply_import(first, "bench.xlsx", year=YEAR, actor="bench")
            db.session.commit()
            timings["apply"] = time.perf_counter() - started
            assert summary.created == rows, summary

            started = time.perf_counter()
            summary = evaluation_excel.apply_import(second, "fix.xlsx", year=YEAR, actor="bench")
            db.session.commit()
            timings["update"] = time.perf_counter() - started
            assert summary.updated == rows, summary
            db.session.remove()
            db.engine.dispose()
        return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sections", type=int, default=40)
    args = parser.parse_args()

    files: dict[str, bytes] = {}
    one_run(args.rows, args.sections, files)  # warm-up: imports, first parse, the workbooks
    size = len(files["first"]) / 1024
    print(
        f"workbook: {args.rows} rows, {size:.0f} KB; {args.sections} sections; "
        f"{args.runs} fresh SQLite databases"
    )
    results = [one_run(args.rows, args.sections, files) for _ in range(args.runs)]
    for step in ("preview", "apply", "update"):
        values = [r[step] for r in results]
        print(
            f"{step:<8} median {statistics.median(values) * 1000:7.0f} ms"
            f"   (min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f})"
        )


if __name__ == "__main__":
    main()
