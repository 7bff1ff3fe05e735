"""The tally of one assessment with 50 subjects x 300 ballots (issue 13): 15 positive and 22
negative items (the default checklist), four rater groups (one under the minimum, so it is
folded). Measured, alternately, median of ``--repeat`` runs:

- ``results.subject_tallies`` (what the results pages, PDFs and workbook call): the ballot
  entries read from the database (``ballots.operations.entries_of``, 15,000 rows), the
  checklist and groups, the answers decoded (``rules.decode``) and tallied with folding;
- its two halves alone: the read, and the pure tally of rows already in memory;
- a bare twin: the same rows fetched with one Core SELECT and only the whole-assessment
  counts (ratings per item, ticks, overall) made with plain string slicing, no decoding,
  no folding, no scores: the least any tally must do.

    .venv/bin/python bench/bench_assessment_tally.py [--subjects 50] [--ballots 300] [--repeat 15]
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/DB .venv/bin/python bench/...

Target (issue 13): ≤ 500 ms including the database read.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from datetime import timedelta
from functools import partial

sys.path.insert(0, os.path.dirname(__file__))

import sqlalchemy as sa  # noqa: E402
from common import bench_app, insert_cadres  # noqa: E402

from cadre_app import clock  # noqa: E402
from cadre_app.extensions import db  # noqa: E402
from cadre_app.models import Assessment, Ballot, BallotEntry, Cadre  # noqa: E402
from cadre_app.services.assessments import demo, results, rules, tally  # noqa: E402
from cadre_app.services.ballots import operations as ballots  # noqa: E402
from cadre_app.services.ballots.operations import GroupSpec  # noqa: E402

GROUPS = (
    GroupSpec("领导", 30, 30),
    GroupSpec("同事", 40, 200),
    GroupSpec("下属", 30, 68),
    GroupSpec("服务对象", 0, 2),
)


def build(subjects: int, n_ballots: int) -> int:
    """An assessment of ``subjects`` cadres with ``n_ballots`` ballots (rows inserted in bulk:
    the bench measures the tally, not casting). Returns its id."""
    insert_cadres(subjects, 5)
    cadres = db.session.scalars(sa.select(Cadre).order_by(Cadre.id)).all()
    now = clock.utcnow()
    assessment = demo.build_assessment(
        "基准测评",
        cadres,
        checklist=demo.default_checklist(),
        opens_at=now - timedelta(days=2),
        closes_at=now - timedelta(days=1),
        groups=GROUPS,
    )
    demo.open_assessment(assessment, at=now - timedelta(days=2))
    rng = random.Random(13)
    n_pos, n_neg = len(rules.DEFAULT_POSITIVE), len(rules.DEFAULT_NEGATIVE)
    shares = [g.planned / sum(s.planned for s in GROUPS) for g in GROUPS]
    group_ids = [g.id for g in assessment.box.groups]
    ballot_rows, entry_rows = [], []
    for i in range(n_ballots):
        group_id = (
            rng.choices(group_ids, weights=shares)[0] if i >= len(group_ids) else group_ids[i]
        )
        ballot = {
            "id": f"{rng.getrandbits(128):032x}",
            "box_id": assessment.box_id,
            "group_id": group_id,
            "cast_on": now.date(),
        }
        ballot_rows.append(ballot)
        for subject in assessment.subjects:
            entry_rows.append(
                {
                    "ballot_id": ballot["id"],
                    "subject": subject.id,
                    "answers": demo.answers_text(rng, n_pos, n_neg, level=0.6, tick=0.05),
                }
            )
    db.session.execute(sa.insert(Ballot), ballot_rows)
    db.session.execute(sa.insert(BallotEntry), entry_rows)
    ballots.close_box(assessment.box, at=now)
    db.session.commit()
    return assessment.id


def bare(box_id: int, n_pos: int, n_neg: int) -> dict[int, list[list[int]]]:
    """The twin: whole counts per subject with string slicing only."""
    rows = db.session.execute(
        sa.text(
            "SELECT e.subject, e.answers FROM ballot_entry e JOIN ballot b ON b.id = e.ballot_id "
            "WHERE b.box_id = :box"
        ),
        {"box": box_id},
    ).all()
    texts: dict[int, list[str]] = defaultdict(list)
    for subject, answers in rows:
        texts[subject].append(answers)
    counts = {}
    for subject, values in texts.items():
        columns = list(zip(*values, strict=True))
        counts[subject] = [[col.count(c) for c in "1234"] for col in columns[:n_pos]] + [
            [col.count("1")] for col in columns[n_pos + 1 : n_pos + 1 + n_neg]
        ]
    return counts


def _read_into(rows: list, assessment: Assessment) -> None:
    rows.extend(ballots.entries_of(assessment.box))


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subjects", type=int, default=50)
    parser.add_argument("--ballots", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    app = bench_app("bench-tally-")
    with app.app_context():
        started = time.perf_counter()
        assessment_id = build(args.subjects, args.ballots)
        print(
            f"built {args.subjects} x {args.ballots} in {time.perf_counter() - started:.1f} s "
            f"on {db.engine.dialect.name}"
        )
    n_pos, n_neg = len(rules.DEFAULT_POSITIVE), len(rules.DEFAULT_NEGATIVE)
    times: dict[str, list[float]] = defaultdict(list)
    for _ in range(args.repeat):
        with app.app_context():
            assessment = db.session.get(Assessment, assessment_id)
            times["subject_tallies (read + tally)"].append(
                timed(partial(results.subject_tallies, assessment))
            )
            db.session.remove()
        with app.app_context():
            assessment = db.session.get(Assessment, assessment_id)
            _ = assessment.box.groups, assessment.checklist.items
            rows: list = []
            times["entries_of (read only)"].append(timed(partial(_read_into, rows, assessment)))
            setup = results.setup_of(assessment)
            wanted = [s.id for s in assessment.subjects]
            times["tally (pure, rows in memory)"].append(
                timed(partial(tally.tally, setup, rows, subjects=wanted))
            )
            db.session.remove()
        with app.app_context():
            box_id = db.session.get(Assessment, assessment_id).box_id
            times["bare twin (SELECT + counts)"].append(timed(partial(bare, box_id, n_pos, n_neg)))
            db.session.remove()
    with app.app_context():
        figures = results.subject_tallies(db.session.get(Assessment, assessment_id))
        sample = next(iter(figures.values()))
        print(
            f"subjects {len(figures)}, ballots each {sample.ballots}, buckets "
            f"{[b.groups for b in sample.buckets]}"
        )
    for label, values in times.items():
        print(
            f"{label:34s} median {statistics.median(values):7.1f} ms   "
            f"min {min(values):7.1f}   max {max(values):7.1f}"
        )
    full = statistics.median(times["subject_tallies (read + tally)"])
    twin = statistics.median(times["bare twin (SELECT + counts)"])
    print(
        f"ratio full / bare twin: {full / twin:.2f}; "
        f"target ≤ 500 ms: {'met' if full <= 500 else 'NOT met'}"
    )
    print(f"load average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
