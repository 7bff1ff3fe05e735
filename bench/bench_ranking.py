"""Annual-evaluation ranking at scale.

- the pure ranking function on 20,000 cadres (section and overall ranks, bottom flags);
- ``rank_cycle`` end to end: read the scores with SQL, rank, bulk-write totals and ranks;
- the ranking page of one 200-cadre section as HR, through the Flask test client.

Targets (issue 4): ranking 20,000 < 200 ms; the 200-cadre section page < 50 ms median.
    .venv/bin/python bench/bench_ranking.py [--cadres 20000] [--sections 100] [--repeat 20]
"""

from __future__ import annotations

import argparse
import random

import sqlalchemy as sa
from common import HR_PASSWORD, bench_app, describe, insert_cadres, timed

from cadre_app.extensions import db
from cadre_app.models import Cadre, Evaluation
from cadre_app.services.evaluations import operations as evaluation
from cadre_app.services.evaluations import rules as ranking


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cadres", type=int, default=20000)
    parser.add_argument("--sections", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    app = bench_app("bench-ranking-")
    rng = random.Random(3)
    with app.app_context():
        sections = insert_cadres(args.cadres, args.sections)
        cycle, _ = evaluation.ensure_cycle(2025, actor="bench")
        cadres = db.session.execute(sa.select(Cadre.id, Cadre.department_id)).all()
        db.session.execute(
            sa.insert(Evaluation),
            [
                {
                    "cycle_id": cycle.id,
                    "cadre_id": cadre_id,
                    "department_id": department_id,
                    "ordinary": round(rng.uniform(60, 100), 1),
                    "democratic": round(rng.uniform(60, 100), 1),
                    "leader": round(rng.uniform(60, 100), 1),
                    "proposed_grade": "称职",
                }
                for cadre_id, department_id in cadres
            ],
        )
        db.session.commit()
        frame = evaluation._frame(cycle)
        backend = db.engine.dialect.name
        print(f"ranking, {len(frame)} cadres in {args.sections} sections, {backend}")
        pure = timed(lambda: ranking.rank(frame), args.repeat)
        print(describe("pure ranking.rank (DataFrame)", pure))
        read = timed(lambda: evaluation._frame(cycle), args.repeat)
        print(describe("read scores into a DataFrame (SQL)", read))

        def end_to_end() -> None:
            evaluation.rank_cycle(cycle, actor="bench")
            db.session.commit()

        print(describe("rank_cycle: read + rank + write + commit", timed(end_to_end, 5)))
    client = app.test_client()
    client.post("/auth/login", data={"username": "hr", "password": HR_PASSWORD})
    section = sections[len(sections) // 2]
    url = f"/evaluations/2025/ranking?section={section}"

    def page() -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    print(
        describe(
            f"ranking page, one section of {args.cadres // args.sections}", timed(page, args.repeat)
        )
    )


if __name__ == "__main__":
    main()
