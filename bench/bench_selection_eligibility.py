"""Eligibility of 20,000 cadres for one position (issue 14: ≤ 500 ms), beside a bare twin.

The roster gets every fact the rules read: 任现职级时间 (some known only to the month), 参加工作
时间, 学历, three decided years of evaluations (some 优秀, some 基本称职), 诫勉 and 处分 (some in
their effect period), 不合格 political-quality conclusions and secondments to 基层单位.

- ``eligibility.run``: the bulk queries, the pure rules for every cadre, and the stored
  ``EligibilityRun`` (flushed, then rolled back so each round starts alike);
- ``eligibility.evaluate_cadres``: the same without storing;
- the bare twin: the same five queries in plain Core, with nothing done with the rows.

    .venv/bin/python bench/bench_selection_eligibility.py [--cadres 20000] [--repeat 10]
    .venv/bin/python bench/bench_selection_eligibility.py --database-url postgresql+psycopg://...
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta

import sqlalchemy as sa

sys.path.insert(0, os.path.dirname(__file__))


def fill_facts(today: date, *, seed: int = 14) -> None:
    """Dates, education, evaluations, discipline, a veto and grassroots secondments."""
    from cadre_app.extensions import db
    from cadre_app.models import (
        Assessment,
        AssessmentSubject,
        Cadre,
        CycleState,
        DisciplineRecord,
        Evaluation,
        EvaluationCycle,
        Secondment,
        SecondmentState,
        enums,
    )

    rng = random.Random(seed)
    cadres = db.session.execute(sa.select(Cadre.id, Cadre.department_id)).all()
    updates = []
    for cadre_id, _dept in cadres:
        since = today - timedelta(days=rng.randrange(100, 2500))
        updates.append(
            {
                "b_id": cadre_id,
                "rank_since": since,
                "rank_since_precision": "month" if cadre_id % 9 == 0 else "day",
                "work_start_date": since - timedelta(days=rng.randrange(300, 6000)),
                "ft_education": rng.choice(enums.EDUCATION_LEVELS[:4]),
            }
        )
    table = Cadre.__table__
    db.session.execute(
        table.update()
        .where(table.c.id == sa.bindparam("b_id"))
        .values(
            rank_since=sa.bindparam("rank_since"),
            rank_since_precision=sa.bindparam("rank_since_precision"),
            work_start_date=sa.bindparam("work_start_date"),
            ft_education=sa.bindparam("ft_education"),
        ),
        updates,
    )
    grades = ("优秀",) * 2 + ("称职",) * 15 + ("基本称职", "不称职")
    for year in range(today.year - 3, today.year):
        cycle = EvaluationCycle(year=year, state=CycleState.DECIDED)
        db.session.add(cycle)
        db.session.flush()
        db.session.execute(
            sa.insert(Evaluation),
            [
                {
                    "cycle_id": cycle.id,
                    "cadre_id": cadre_id,
                    "department_id": dept,
                    "total": 80.0,
                    "final_grade": rng.choice(grades),
                    "no_grade": False,
                    "bottom": False,
                }
                for cadre_id, dept in cadres
            ],
        )
    kinds = list(enums.__dict__.get("DISCIPLINE_KINDS", ())) or [
        "诫勉",
        "警告",
        "记过",
        "记大过",
        "降级",
        "撤职",
    ]
    db.session.execute(
        sa.insert(DisciplineRecord),
        [
            {
                "cadre_id": cadre_id,
                "kind": rng.choice(kinds),
                "decided_on": today - timedelta(days=rng.randrange(0, 1000)),
            }
            for cadre_id, _dept in rng.sample(cadres, 600)
        ],
    )
    db.session.execute(
        sa.insert(Secondment),
        [
            {
                "cadre_id": cadre_id,
                "kind": "下派",
                "host_unit": "青山县财政局",
                "host_type": "基层单位",
                "start_date": (start := today - timedelta(days=rng.randrange(200, 1500))),
                "planned_end": start + timedelta(days=364),
                "state": SecondmentState.ARCHIVED,
                "version": 1,
            }
            for cadre_id, _dept in rng.sample(cadres, 3000)
        ],
    )
    db.session.commit()
    assessment_ids = db.session.scalars(sa.select(Assessment.id)).all()
    if assessment_ids:  # (none in a bare bench database; the veto query still runs)
        db.session.execute(
            sa.insert(AssessmentSubject),
            [
                {
                    "assessment_id": assessment_ids[0],
                    "cadre_id": cadre_id,
                    "conclusion": "不合格",
                    "concluded_on": today,
                }
                for cadre_id, _dept in rng.sample(cadres, 50)
            ],
        )
        db.session.commit()


def bare_twin(today: date) -> int:
    """The eligibility's five queries in plain Core; the rows fetched and dropped."""
    from cadre_app.extensions import db
    from cadre_app.models import (
        AssessmentSubject,
        Cadre,
        CycleState,
        DisciplineRecord,
        Evaluation,
        EvaluationCycle,
        Secondment,
    )

    n = 0
    for stmt in (
        sa.select(
            Cadre.id,
            Cadre.birth_date,
            Cadre.birth_date_precision,
            Cadre.rank,
            Cadre.rank_since,
            Cadre.rank_since_precision,
            Cadre.leadership_level,
            Cadre.work_start_date,
            Cadre.work_start_date_precision,
            Cadre.ft_education,
            Cadre.pt_education,
            Cadre.political_status,
        ).order_by(Cadre.id),
        sa.select(Evaluation.cadre_id, EvaluationCycle.year, Evaluation.final_grade)
        .join(EvaluationCycle, EvaluationCycle.id == Evaluation.cycle_id)
        .where(
            EvaluationCycle.state.in_((CycleState.DECIDED, CycleState.ARCHIVED)),
            EvaluationCycle.year.between(today.year - 6, today.year - 1),
            sa.or_(
                EvaluationCycle.year == today.year - 1,
                Evaluation.final_grade == "优秀",
            ),
        ),
        sa.select(
            DisciplineRecord.cadre_id, DisciplineRecord.kind, DisciplineRecord.decided_on
        ).where(DisciplineRecord.decided_on >= today - timedelta(days=760)),
        sa.select(AssessmentSubject.cadre_id, AssessmentSubject.conclusion).where(
            AssessmentSubject.conclusion.is_not(None)
        ),
        sa.select(Secondment.cadre_id, Secondment.start_date, Secondment.planned_end).where(
            Secondment.host_type == "基层单位"
        ),
    ):
        n += len(db.session.execute(stmt).all())
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cadres", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    from common import bench_app, describe, insert_cadres

    from cadre_app import clock
    from cadre_app.extensions import db
    from cadre_app.models import Department, Position
    from cadre_app.services.selection import eligibility

    app = bench_app("bench-selection-")
    with app.app_context():
        began = time.perf_counter()
        insert_cadres(args.cadres, 40)
        today = clock.today()
        fill_facts(today)
        dialect = db.engine.dialect.name
        if dialect == "postgresql":
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        section = db.session.scalar(sa.select(Department.id).limit(1))
        position = Position(
            title="预算科副科长",
            department_id=section,
            post_kind="领导职务",
            target_level="乡科级副职",
            min_rank="三级主任科员",
            min_years_work=3,
            min_education="大学本科",
            party_member=True,
            max_age=40,
        )
        db.session.add(position)
        db.session.commit()
        print(f"built {args.cadres} cadres on {dialect} in {time.perf_counter() - began:.1f} s")
        samples: dict[str, list[float]] = {"run": [], "evaluate": [], "bare": []}
        cpu: dict[str, list[float]] = {"run": [], "evaluate": [], "bare": []}
        stored = None
        for i in range(args.repeat + 1):
            for label in ("run", "evaluate", "bare"):  # alternating: a busy machine slows all
                start, cpu_start = time.perf_counter(), time.thread_time()
                if label == "run":
                    stored = eligibility.run(position, today, actor="bench")
                    eligible = stored.eligible_count
                elif label == "evaluate":
                    eligibility.evaluate_cadres(position, today)
                else:
                    bare_twin(today)
                elapsed = (time.perf_counter() - start) * 1000
                used = (time.thread_time() - cpu_start) * 1000
                db.session.rollback()
                if i:  # the first round warms up
                    samples[label].append(elapsed)
                    cpu[label].append(used)
        print(f"  {eligible} of {args.cadres} eligible")
        print("wall time (the database server's time included on PostgreSQL):")
        for label, values in samples.items():
            print(describe(label, values))
        print("CPU time of this process (a loaded machine slows wall time, not this):")
        for label, values in cpu.items():
            print(describe(label, values))
        ratio = statistics.median(samples["run"]) / statistics.median(samples["bare"])
        print(f"  run / bare twin (wall): {ratio:.1f}x")
        print(f"  load average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
