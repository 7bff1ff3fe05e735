"""The 学时 ledger at 20,000 cadres × 30 course records (plus 业务微讲座 and 策论 credits):

- the whole organisation's computation, ``ledger.compute_whole`` from the summary table
  ``training_hours_year`` (wall and CPU time), checked equal to ``compute_from_records`` (the
  records summed, as before the summary) and timed beside it;
- the same kept, ``ledger.organisation_hours(year)`` (every cadre's
  required, earned by kind, online cap, counted, short by), beside a bare twin: one plain
  SQL ``SUM ... GROUP BY cadre`` of the year's hours with the requirement applied in Python
  (no kinds, no window, no credits: the floor of what the work can cost);
- ``behind_count`` (the dashboard panel's figure);
- GET /training/hours as HR (first page of 50, in-process test client), beside the bare twin
  of the page's own data: the same 50 cadres read and summed by plain SQL.

    .venv/bin/python bench/bench_training.py [--cadres 20000] [--records 30] [--repeat 15]
    .venv/bin/python bench/bench_training.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/DB

Targets (issue 11): page ≤ 50 ms median, whole computation ≤ 300 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

sys.path.insert(0, os.path.dirname(__file__))

YEAR = 2026


def build(cadres: int, records: int, *, seed: int = 11) -> None:
    """Courses over the 5 years to ``YEAR`` (about 150 participants each), ``records`` course
    records per cadre with some leave over the 1/7 limit, a lecture a week with 30 attendees
    and an essay for one cadre in ten."""
    from common import insert_cadres

    from cadre_app.extensions import db
    from cadre_app.models import Cadre
    from cadre_app.models.training import (
        Enrolment,
        Essay,
        Lecture,
        LectureAttendee,
        TrainingCourse,
    )

    rng = random.Random(seed)
    insert_cadres(cadres, 40)
    ids = db.session.scalars(sa.select(Cadre.id).order_by(Cadre.id)).all()
    n_courses = max(30, cadres * records // 150)
    kinds = [("专题培训班", "脱产"), ("网络培训", "网络"), ("其他", "在职"), ("导师帮带", "在职")]
    course_rows = []
    for i in range(n_courses):
        year = YEAR - 4 + i % 5
        start = date(year, 1, 1) + timedelta(days=rng.randrange(0, 350))
        category, mode = kinds[i % len(kinds)]
        course_rows.append(
            {
                "name": f"培训班{i}",
                "category": category,
                "mode": mode,
                "start_date": start,
                "end_date": start + timedelta(days=rng.randrange(0, 5)),
                "hours": Decimal(rng.choice((8, 16, 24, 32, 40))),
                "external": False,
                "version": 1,
            }
        )
    db.session.execute(sa.insert(TrainingCourse), course_rows)
    course_ids = db.session.scalars(sa.select(TrainingCourse.id).order_by(TrainingCourse.id)).all()
    hours = dict(db.session.execute(sa.select(TrainingCourse.id, TrainingCourse.hours)).all())
    batch: list[dict[str, object]] = []
    for cadre_id in ids:
        for course_id in rng.sample(course_ids, records):
            h = hours[course_id]
            leave = Decimal(rng.choice((0, 0, 0, 1, 2, 8)))
            passed = leave * 7 <= h
            batch.append(
                {
                    "course_id": course_id,
                    "cadre_id": cadre_id,
                    "attended_hours": h - leave,
                    "leave_hours": leave,
                    "passed": passed,
                    "passed_given": False,
                    "hours_earned": (h - leave) if passed else Decimal(0),
                    "source": "enrol",
                }
            )
        if len(batch) >= 50_000:
            db.session.execute(sa.insert(Enrolment), batch)
            batch = []
    if batch:
        db.session.execute(sa.insert(Enrolment), batch)
    lectures = []
    for week in range(52 * 2):
        lectures.append(
            {
                "speaker_id": rng.choice(ids),
                "topic": f"微讲座{week}",
                "held_on": date(YEAR - 1, 1, 5) + timedelta(days=7 * week),
                "duration_hours": Decimal(1),
            }
        )
    db.session.execute(sa.insert(Lecture), lectures)
    lecture_ids = db.session.scalars(sa.select(Lecture.id).order_by(Lecture.id)).all()
    db.session.execute(
        sa.insert(LectureAttendee),
        [
            {"lecture_id": lid, "cadre_id": cid, "rating": rng.randint(1, 5)}
            for lid in lecture_ids
            for cid in rng.sample(ids, 30)
        ],
    )
    db.session.execute(
        sa.insert(Essay),
        [
            {
                "author_id": cid,
                "title": f"策论{cid}",
                "submitted_on": date(YEAR, 3, 1),
                "file_name": "a.pdf",
                "file_type": "pdf",
                "file_size": 1,
                "file_data": b"%PDF",
                "final_grade": rng.choice(("优秀", "良好", "合格", "不合格")),
                "adopted": False,
            }
            for cid in ids[::10]
        ],
    )
    from cadre_app.services.training import ledger

    began = time.perf_counter()
    rows = ledger.rebuild_summary()  # bulk inserts above: the summary the writers would keep
    print(f"  summary: {rows} rows rebuilt in {time.perf_counter() - began:.1f} s")
    db.session.commit()


def bare_whole(year: int) -> int:
    """Plain SQL: the year's earned hours per cadre, summed by the database; the requirement
    (90) applied in Python. Returns how many are short."""
    from cadre_app.extensions import db

    rows = db.session.execute(
        sa.text(
            "SELECT c.id, c.rank, COALESCE(SUM(e.hours_earned), 0) FROM cadre c "
            "LEFT JOIN enrolment e ON e.cadre_id = c.id LEFT JOIN training_course t "
            "ON t.id = e.course_id AND t.end_date BETWEEN :a AND :b GROUP BY c.id, c.rank"
        ),
        {"a": date(year, 1, 1), "b": date(year, 12, 31)},
    ).all()
    return sum(1 for _id, _rank, total in rows if float(total) < 90)


def bare_page(year: int) -> list[tuple[object, ...]]:
    from cadre_app.extensions import db

    cadres = db.session.execute(
        sa.text("SELECT id, staff_no, name FROM cadre ORDER BY department_id, staff_no LIMIT 50")
    ).all()
    ids = [c[0] for c in cadres]
    sums = dict(
        db.session.execute(
            sa.text(
                "SELECT e.cadre_id, SUM(e.hours_earned) FROM enrolment e JOIN training_course t "
                "ON t.id = e.course_id WHERE t.end_date BETWEEN :a AND :b "
                "AND e.cadre_id IN (" + ",".join(str(i) for i in ids) + ") GROUP BY e.cadre_id"
            ),
            {"a": date(year, 1, 1), "b": date(year, 12, 31)},
        ).all()
    )
    return [(c[1], c[2], sums.get(c[0], 0)) for c in cadres]


def cpu_timed(run: Callable[[], object], repeat: int) -> list[float]:
    """``common.timed`` in CPU milliseconds of this process (what a loaded machine's other
    processes do not add)."""
    run()
    samples = []
    for _ in range(repeat):
        start = time.process_time()
        run()
        samples.append((time.process_time() - start) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cadres", type=int, default=20_000)
    parser.add_argument("--records", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    from common import HR_PASSWORD, bench_app, describe, timed

    from cadre_app.extensions import db
    from cadre_app.services.training import ledger

    app = bench_app("bench-training-")
    with app.app_context():
        began = time.perf_counter()
        build(args.cadres, args.records)
        print(
            f"built {args.cadres} cadres × {args.records} records on "
            f"{db.engine.dialect.name} in {time.perf_counter() - began:.1f} s"
        )
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ANALYZE"))  # fresh statistics, as autovacuum would
            db.session.commit()
        page = ledger.organisation_hours(YEAR)
        behind = sum(1 for r in page.rows if r.behind)
        print(f"  {page.total} cadres, {behind} behind in {YEAR}")
        # the whole computation agrees with one cadre's (a different query: ids given)
        for row in random.Random(3).sample(page.rows, 200):
            one = ledger.cadre_hours(row.cadre_id, YEAR)
            assert (one.counted, one.earned, one.required) == (
                row.counted,
                row.earned,
                row.required,
            ), row.staff_no
        today = date.today()
        # the summary's ledger is the records' ledger (the way before the summary)
        began = time.perf_counter()
        assert ledger.compute_whole(YEAR, today) == ledger.compute_from_records(YEAR, today)
        print(
            "  compute_whole == compute_from_records "
            f"(checked in {time.perf_counter() - began:.1f} s)"
        )
        results = {
            "whole organisation, computed (ledger)": timed(
                lambda: ledger.compute_whole(YEAR, today), args.repeat
            ),
            "the same, CPU time of this process": cpu_timed(
                lambda: ledger.compute_whole(YEAR, today), args.repeat
            ),
            "whole, from the records (before)": timed(
                lambda: ledger.compute_from_records(YEAR, today), max(1, args.repeat // 3)
            ),
            "whole organisation (bare SQL)": timed(lambda: bare_whole(YEAR), args.repeat),
            "whole organisation, kept (ledger)": timed(
                lambda: ledger.organisation_hours(YEAR), args.repeat
            ),
            "behind_count, kept": timed(lambda: ledger.behind_count(YEAR), args.repeat),
            "first page of 50, kept (ledger)": timed(
                lambda: ledger.organisation_hours(YEAR, page=1), args.repeat * 2
            ),
            "first page of 50 (bare SQL)": timed(lambda: bare_page(YEAR), args.repeat * 2),
        }
        db.session.remove()
    client = app.test_client()
    client.post("/auth/login", data={"username": "hr", "password": HR_PASSWORD})
    url = f"/training/hours?year={YEAR}"
    assert client.get(url).status_code == 200

    def after_a_write() -> int:
        ledger.clear_cache()  # as a flush of a training record does
        return client.get(url).status_code

    results["GET /training/hours page 1, kept"] = timed(
        lambda: client.get(url).status_code, args.repeat * 2
    )
    results["GET /training/hours?behind=1, kept"] = timed(
        lambda: client.get(url + "&behind=1").status_code, args.repeat
    )
    results["GET /training/hours after a write"] = timed(after_a_write, args.repeat)
    results["GET / (HR dashboard, behind panel), kept"] = timed(
        lambda: client.get("/").status_code, args.repeat * 2
    )
    for label, samples in results.items():
        print(describe(label, samples))
    print(
        "  medians: " + ", ".join(f"{k} {statistics.median(v):.1f} ms" for k, v in results.items())
    )


if __name__ == "__main__":
    main()
