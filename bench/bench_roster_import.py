"""Roster workbook import: preview and apply of a 500-row workbook on a fresh SQLite database.

    python bench/bench_roster_import.py [--rows 500] [--runs 5]

Each run builds a new database in a temporary directory (``create_app`` with a test config,
schema through ``flask_migrate.upgrade``), so no run profits from another's data. Timed:

- preview: parse, validate and check uniqueness of every row (what the preview page does);
- apply:   the confirmation: parse and validate again, create every cadre (each audited),
           create the new sections, commit;
- export:  write the roster back to a workbook;
- re-preview: read that export back (every row must come out unchanged).

Prints the median of the runs (and min/max). The quality bar is "500 rows well under 5 s".
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from cadre_app import create_app  # noqa: E402
from cadre_app.extensions import db  # noqa: E402
from cadre_app.services.roster import excel as roster_excel  # noqa: E402
from tests.workbooks import DEPARTMENTS, build, cadre_rows  # noqa: E402


def one_run(content: bytes, rows: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-roster-") as tmp:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "bench-only",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'bench.sqlite'}",
                "WTF_CSRF_ENABLED": False,
            }
        )
        options = {
            "today": date.today(),
            "organisation_name": app.config["ORGANISATION_NAME"],
            "create_sections": DEPARTMENTS,  # a fresh database: HR chose to create them all
        }
        with app.app_context():
            upgrade()
            timings = {}

            started = time.perf_counter()
            preview = roster_excel.preview_import(content, "bench.xlsx", **options)
            timings["preview"] = time.perf_counter() - started
            assert preview.counts["new"] == rows, preview.counts
            db.session.rollback()

            started = time.perf_counter()
            summary = roster_excel.apply_import(content, "bench.xlsx", actor="bench", **options)
            db.session.commit()
            timings["apply"] = time.perf_counter() - started
            assert summary.created == rows

            started = time.perf_counter()
            exported = roster_excel.build_workbook(
                roster_excel.cadres_for_export(None), mask_ids=False
            )
            timings["export"] = time.perf_counter() - started

            started = time.perf_counter()
            again = roster_excel.preview_import(exported, "export.xlsx", **options)
            timings["re-preview"] = time.perf_counter() - started
            assert again.counts["unchanged"] == rows, again.counts
            db.session.remove()
            db.engine.dispose()
        return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    content = build(cadre_rows(args.rows))
    print(f"workbook: {args.rows} rows, {len(content) / 1024:.0f} KB; {args.runs} fresh databases")
    one_run(build(cadre_rows(5)), 5)  # warm-up: imports, first parse
    results = [one_run(content, args.rows) for _ in range(args.runs)]
    for step in ("preview", "apply", "export", "re-preview"):
        values = [r[step] for r in results]
        print(
            f"{step:<11} median {statistics.median(values) * 1000:7.0f} ms"
            f"   (min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f})"
        )


if __name__ == "__main__":
    main()
