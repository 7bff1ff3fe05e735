"""The list of talks with 10,000 talks: ``talks_query.list_talks`` (filters, counts per
state, paging, deadline order) and the page GET /talks/ as HR through the test client.

    .venv/bin/python bench/bench_talks_list.py [--talks 10000] [--repeat 30]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/DB .venv/bin/python bench/bench_talks_list.py

DESIGN's bar for every page: 50 ms.
"""

from __future__ import annotations

import argparse
from datetime import date, timedelta

import sqlalchemy as sa
from common import HR_PASSWORD, bench_app, describe, insert_cadres, timed

from cadre_app.extensions import db
from cadre_app.models import TALK_KINDS, Cadre, Talk, TalkState
from cadre_app.services.talks import queries as talks_query

TODAY = date(2026, 6, 1)


def insert_talks(count: int) -> int:
    """``count`` talks of every kind and state about the first 500 cadres, conducted by the
    next 50; returns one conductor's cadre id."""
    cadre_ids = db.session.scalars(sa.select(Cadre.id).order_by(Cadre.id).limit(550)).all()
    subjects, conductors = cadre_ids[:500], cadre_ids[500:]
    states, start = list(TalkState), date(2026, 1, 1)
    db.session.execute(
        sa.insert(Talk),
        [
            {
                "kind": TALK_KINDS[i % len(TALK_KINDS)],
                "source": "考核排名",
                "subject_id": subjects[i % len(subjects)],
                "conductor_id": conductors[i % len(conductors)],
                "reason": f"批量 {i}",
                "state": states[i % len(states)],
                "due_date": start + timedelta(days=i % 365),
                "reply_due_date": start + timedelta(days=i % 300),
                "follow_up_due_date": start + timedelta(days=i % 200),
                "version": 1,
            }
            for i in range(count)
        ],
    )
    db.session.commit()
    return conductors[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--talks", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    app = bench_app("bench-talks-")
    with app.app_context():
        insert_cadres(2000, 20)
        conductor = insert_talks(args.talks)
        backend = db.engine.dialect.name
        everyone = talks_query.TalkScope(everyone=True)
        cases = {
            "first page, everyone's": (talks_query.TalkFilters(), everyone),
            "overdue only, page 3": (talks_query.TalkFilters(overdue=True, page=3), everyone),
            "search by name": (talks_query.TalkFilters(q="干部12"), everyone),
            "one conductor's talks": (
                talks_query.TalkFilters(),
                talks_query.TalkScope(cadre_id=conductor),
            ),
        }
        print(f"list of {args.talks} talks, {args.repeat} calls each, {backend}")
        for label, (filters, scope) in cases.items():

            def listing(f: talks_query.TalkFilters = filters, s: talks_query.TalkScope = scope):
                return talks_query.list_talks(f, scope=s, today=TODAY)

            print(describe(label, timed(listing, args.repeat)))
    client = app.test_client()
    client.post("/auth/login", data={"username": "hr", "password": HR_PASSWORD})

    def page() -> None:
        assert client.get("/talks/").status_code == 200

    print(describe("GET /talks/ (HR, test client)", timed(page, args.repeat)))


if __name__ == "__main__":
    main()
