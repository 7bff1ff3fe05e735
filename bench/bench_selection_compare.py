"""赛道相马 (issue 14): the comparison page of 6 candidates on a bureau of 20,000 cadres with
three years of evaluations (the last confirmed, with its reminder talks), 3,000 secondments,
and for the six: secondments with appraisals, talks, essays, lectures and a closed
政治素质考察 with conclusions. Through the in-process test client, as HR:

- GET /selection/compare?cadre=…×6 (median and p90 wall time, and the SQL statements a
  request sends);
- the service alone (``comparison.build``);
- GET /selection/compare.pdf (the landscape PDF, a few runs).

    .venv/bin/python bench/bench_selection_compare.py [--cadres 20000] [--repeat 50]
    .venv/bin/python bench/bench_selection_compare.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/DB

Target (issue 14): the page of 6 candidates ≤ 50 ms median.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(__file__))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cadres", type=int, default=20000)
    parser.add_argument("--sections", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url

    import sqlalchemy as sa
    from bench_pages import populate
    from common import HR_PASSWORD, bench_app

    from cadre_app import clock
    from cadre_app.extensions import db
    from cadre_app.models import (
        AssessmentSubject,
        Cadre,
        Essay,
        Lecture,
        LectureAttendee,
        Secondment,
        SecondmentState,
        Talk,
    )
    from cadre_app.services.assessments import demo, results, rules
    from cadre_app.services.selection import comparison

    app = bench_app("compare-")
    started = time.perf_counter()
    populate(app, args.cadres, args.sections)
    rng = random.Random(14)
    with app.app_context():
        today = clock.today()
        db.session.execute(  # 3,000 archived secondments of other cadres, over five years
            sa.insert(Secondment),
            [
                {
                    "cadre_id": cadre_id,
                    "kind": "下派",
                    "host_unit": "青山县财政局",
                    "host_type": "基层单位",
                    "start_date": (
                        start := date(2020, 1, 1) + timedelta(days=rng.randint(0, 1500))
                    ),
                    "planned_end": start + timedelta(days=365),
                    "actual_end": start + timedelta(days=365),
                    "state": SecondmentState.ARCHIVED,
                    "grade": rng.choice(["优秀", "称职", "称职"]),
                }
                for cadre_id in db.session.scalars(
                    sa.select(Cadre.id).order_by(Cadre.id).limit(min(3000, args.cadres // 4))
                )
            ],
        )
        # six candidates from different sections, each with a full record
        ids = list(
            db.session.scalars(
                sa.select(Cadre.id)
                .where(Cadre.id.not_in(sa.select(Secondment.cadre_id)))
                .order_by(Cadre.department_id, Cadre.id)
                .offset(args.cadres // 2)
                .limit(6 * 50)
            )
        )[::50]
        assert len(ids) == 6
        for n, cadre_id in enumerate(ids):
            for k in range(2):
                start = date(2021 + 2 * k, 3, 1)
                db.session.add(
                    Secondment(
                        cadre_id=cadre_id,
                        kind="下派",
                        host_unit=f"青山县第{n}局",
                        host_type="基层单位",
                        post="副局长",
                        start_date=start,
                        planned_end=start + timedelta(days=365),
                        actual_end=start + timedelta(days=365),
                        state=SecondmentState.ARCHIVED,
                        grade=rng.choice(["优秀", "称职"]),
                    )
                )
            for kind in ("提醒谈话", "谈心谈话")[: 1 + n % 2]:
                db.session.add(
                    Talk(kind=kind, source="日常监督", subject_id=cadre_id, reason="基准")
                )
            for k in range(n % 3 + 1):
                db.session.add(
                    Essay(
                        author_id=cadre_id,
                        title=f"策论{n}-{k}",
                        submitted_on=date(2025, 4, 1),
                        file_name="e.pdf",
                        file_type="pdf",
                        file_data=b"%PDF-1.4\n",
                        file_size=9,
                        final_grade=rng.choice(["优秀", "良好", "合格"]),
                    )
                )
            lecture = Lecture(
                speaker_id=cadre_id, topic=f"讲座{n}", held_on=date(2025, 5, 1), duration_hours=2
            )
            db.session.add(lecture)
            db.session.flush()
            for other in ids:
                if other != cadre_id:
                    db.session.add(
                        LectureAttendee(
                            lecture_id=lecture.id, cadre_id=other, rating=rng.randint(3, 5)
                        )
                    )
        now = clock.utcnow()
        cadres = [db.session.get(Cadre, i) for i in ids]
        assessment = demo.build_assessment(
            "2025年度政治素质考察",
            cadres,
            checklist=demo.default_checklist(actor="bench"),
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=1),
        )
        demo.open_assessment(assessment, at=now - timedelta(hours=1))
        subjects = [s.id for s in assessment.subjects]
        n_pos, n_neg = len(rules.DEFAULT_POSITIVE), len(rules.DEFAULT_NEGATIVE)
        for group in ("领导", "同事"):
            demo.cast_ballots(
                assessment,
                group,
                [{s: demo.answers_text(rng, n_pos, n_neg) for s in subjects} for _ in range(5)],
                now=now,
            )
        demo.close_assessment(assessment, at=now, today=today)
        for subject_id in subjects:
            subject = db.session.get(AssessmentSubject, subject_id)
            results.record_conclusion(
                subject, "合格", None, expected_version=subject.version, actor="bench", today=today
            )
        db.session.commit()
    print(
        f"{args.cadres} cadres, data ready in {time.perf_counter() - started:.0f} s on "
        f"{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}"
    )

    client = app.test_client()
    client.post("/auth/login", data={"username": "hr", "password": HR_PASSWORD})
    url = "/selection/compare?" + "&".join(f"cadre={i}" for i in ids)

    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(*_args: object) -> None:
        statements.append("x")

    sa.event.listen(engine, "before_cursor_execute", count)
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    statements.clear()
    client.get(url)
    per_request = len(statements)
    sa.event.remove(engine, "before_cursor_execute", count)

    samples, cpu = [], []
    for _ in range(args.repeat):
        start, start_cpu = time.perf_counter(), time.thread_time()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
        assert response.status_code == 200
    service = []
    with app.test_request_context():
        for _ in range(args.repeat):
            start = time.perf_counter()
            loaded = comparison.load_cadres(ids)
            comparison.build(loaded, on=date.today())
            service.append((time.perf_counter() - start) * 1000)
            db.session.rollback()
    pdfs = []
    for _ in range(5):
        start = time.perf_counter()
        response = client.get(url.replace("/compare?", "/compare.pdf?"))
        pdfs.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    size = len(response.data)

    def line(label: str, values: list[float]) -> str:
        p90 = sorted(values)[int(len(values) * 0.9)]
        return f"  {label:<44} median {statistics.median(values):7.1f} ms   p90 {p90:7.1f} ms"

    print(line("GET /selection/compare (6 candidates)", samples))
    print(line("  the same, this thread's CPU time", cpu))
    print(f"  {'SQL statements per request':<44} {per_request}")
    print(line("comparison.load_cadres + build", service))
    print(line(f"GET /selection/compare.pdf ({size // 1024} KB)", pdfs[1:]))


if __name__ == "__main__":
    main()
