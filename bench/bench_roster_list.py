"""The roster list with 20,000 cadres: server time of GET /cadres/ through the Flask test
client (routing, auth, query, template), median over repeated requests.

Target (issue 3): under 100 ms at the median.
    .venv/bin/python bench/bench_roster_list.py [--cadres 20000] [--repeat 30]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from cadre_app import create_app  # noqa: E402
from cadre_app.extensions import db  # noqa: E402
from cadre_app.models import Cadre, Department, Organisation, Role, User, enums  # noqa: E402
from cadre_app.services import idcard  # noqa: E402
from cadre_app.services.accounts import hash_password  # noqa: E402


def build(cadres: int) -> tuple:
    tmp = tempfile.mkdtemp(prefix="bench-roster-")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench" * 4,
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "LOGIN_RATE_LIMIT": "1000 per minute",
        }
    )
    rng = random.Random(7)
    with app.app_context():
        upgrade()
        org = Organisation(name="基准单位")
        sections = [
            Department(organisation=org, name=f"第{i:02d}科", sort_order=i) for i in range(40)
        ]
        db.session.add_all([org, *sections])
        db.session.flush()
        rows = []
        for i in range(cadres):
            born = date(rng.randint(1966, 2001), rng.randint(1, 12), rng.randint(1, 28))
            gender = rng.choice("男女")
            seq = rng.randrange(1, 999, 2) if gender == "男" else rng.randrange(2, 999, 2)
            rows.append(
                {
                    "staff_no": f"B{i:06d}",
                    "name": f"干部{i}",
                    "gender": gender,
                    "birth_date": born,
                    "id_number": idcard.make("110105", born, seq) if i < 999 * 10 else None,
                    "department_id": sections[i % 40].id,
                    "rank": rng.choice(enums.RANK_LADDER[:8]),
                    "political_status": rng.choice(enums.POLITICAL_STATUSES[:4]),
                    "position_title": "科员",
                    "version": 1,
                }
            )
        # ID numbers must be unique: keep them only where (born, seq) did not repeat
        seen = set()
        for row in rows:
            if row["id_number"] in seen:
                row["id_number"] = None
            seen.add(row["id_number"])
        db.session.execute(db.insert(Cadre), rows)
        db.session.add(User(username="hr", role=Role.HR, password_hash=hash_password("Bench@2026")))
        db.session.commit()
    return app


def timed(client, url: str, repeat: int) -> list[float]:
    client.get(url)  # warm templates and caches
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cadres", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    app = build(args.cadres)
    client = app.test_client()
    client.post("/auth/login", data={"username": "hr", "password": "Bench@2026"})
    cases = {
        "first page (by section)": "/cadres/",
        "page 200 sorted by rank": "/cadres/?sort=rank&page=200",
        "search by name": "/cadres/?q=干部1999",
        "young cadres, one section": "/cadres/?young=1&department=3",
        "age 30-40 sorted by age desc": "/cadres/?age_min=30&age_max=40&sort=age&dir=desc",
    }
    backend = app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0]
    print(f"roster list, {args.cadres} cadres, {args.repeat} requests each, {backend}")
    for label, url in cases.items():
        samples = timed(client, url, args.repeat)
        median = statistics.median(samples)
        p90 = sorted(samples)[int(len(samples) * 0.9)]
        print(f"  {label:<32} median {median:6.1f} ms   p90 {p90:6.1f} ms")


if __name__ == "__main__":
    main()
