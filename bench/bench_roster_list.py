"""The roster list with 20,000 cadres: server time of GET /cadres/ through the Flask test
client (routing, auth, query, template), median over repeated requests.

Target (issue 3): under 100 ms at the median; DESIGN's bar for every page: 50 ms.
    .venv/bin/python bench/bench_roster_list.py [--cadres 20000] [--repeat 30]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/DB .venv/bin/python bench/bench_roster_list.py
"""

from __future__ import annotations

import argparse

from common import HR_PASSWORD, bench_app, describe, insert_cadres, timed

from cadre_app.extensions import db


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cadres", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    app = bench_app("bench-roster-")
    with app.app_context():
        insert_cadres(args.cadres, 40)
        backend = db.engine.dialect.name
    client = app.test_client()
    client.post("/auth/login", data={"username": "hr", "password": HR_PASSWORD})
    cases = {
        "first page (by section)": "/cadres/",
        "page 200 sorted by rank": "/cadres/?sort=rank&page=200",
        "search by name": "/cadres/?q=干部1999",
        "young cadres, one section": "/cadres/?young=1&department=3",
        "age 30-40 sorted by age desc": "/cadres/?age_min=30&age_max=40&sort=age&dir=desc",
    }
    print(f"roster list, {args.cadres} cadres, {args.repeat} requests each, {backend}")
    for label, url in cases.items():

        def get(url: str = url) -> None:
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        print(describe(label, timed(get, args.repeat)))


if __name__ == "__main__":
    main()
