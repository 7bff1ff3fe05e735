"""业务微讲座 and 策论 pages at 20,000 cadres: five years of 300 lectures (30 attendees each,
45,000 attendee rows, most rated) and 400 essays a year (a 200 KB PDF each, three reviews).

    .venv/bin/python bench/bench_lectures_essays.py

Prints the median and p90 server time of each page (HR, and a reviewer with ~200 essays) and
of the list queries alone.
"""

from __future__ import annotations

import random
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402
from common import HR_PASSWORD, bench_app, describe, insert_cadres, timed  # noqa: E402

from cadre_app.extensions import db  # noqa: E402
from cadre_app.models import (  # noqa: E402
    Cadre,
    Essay,
    EssayReview,
    Lecture,
    LectureAttendee,
    Role,
    User,
)
from cadre_app.services.accounts.operations import hash_password  # noqa: E402
from cadre_app.services.training import essays, lectures  # noqa: E402

YEARS = range(2022, 2027)
PDF = b"%PDF-1.4\n" + b"x" * 200_000


def build(app) -> dict[str, int]:
    rng = random.Random(3)
    with app.app_context():
        insert_cadres(20_000, 60)
        ids = list(db.session.scalars(sa.select(Cadre.id)))
        reviewers = [
            User(username=f"r{i}", role=Role.MANAGER, password_hash=hash_password(HR_PASSWORD))
            for i in range(30)
        ]
        db.session.add_all(reviewers)
        db.session.flush()
        talks, attendees, essay_rows, reviews = [], [], [], []
        for year in YEARS:
            for n in range(300):
                lecture_id = len(talks) + 1
                speaker = rng.choice(ids)
                held = date(year, rng.randint(1, 11), rng.randint(1, 28))
                talks.append(
                    {
                        "id": lecture_id,
                        "speaker_id": speaker,
                        "topic": f"讲座{year}-{n}",
                        "held_on": held,
                        "duration_hours": 2,
                    }
                )
                for cadre in [c for c in rng.sample(ids, 31) if c != speaker][:30]:
                    rating = rng.choice([None, 3, 4, 5, 5])
                    attendees.append(
                        {"lecture_id": lecture_id, "cadre_id": cadre, "rating": rating}
                    )
            for n in range(400):
                essay_id = len(essay_rows) + 1
                essay_rows.append(
                    {
                        "id": essay_id,
                        "author_id": rng.choice(ids),
                        "title": f"策论{year}-{n}",
                        "submitted_on": date(year, rng.randint(1, 11), rng.randint(1, 28)),
                        "file_name": "a.pdf",
                        "file_type": "pdf",
                        "file_size": len(PDF),
                        "file_data": PDF,
                        "final_grade": rng.choice(["优秀", "良好", "合格", None]),
                        "adopted": rng.random() < 0.1,
                    }
                )
                for reviewer in rng.sample(reviewers, 3):
                    grade = rng.choice(["优秀", "良好", "合格"])
                    reviews.append(
                        {"essay_id": essay_id, "reviewer_id": reviewer.id, "grade": grade}
                    )
        db.session.execute(sa.insert(Lecture), talks)
        db.session.execute(sa.insert(LectureAttendee), attendees)
        db.session.execute(sa.insert(Essay), essay_rows)
        db.session.execute(sa.insert(EssayReview), reviews)
        db.session.commit()
        busiest = db.session.scalar(
            sa.select(LectureAttendee.cadre_id)
            .group_by(LectureAttendee.cadre_id)
            .order_by(sa.func.count().desc())
            .limit(1)
        )
        print(
            f"cadres 20000, lectures {len(talks)}, attendees {len(attendees)}, "
            f"essays {len(essay_rows)}, reviews {len(reviews)}"
        )
        return {"reviewer": reviewers[0].id, "busiest": busiest}


def main() -> None:
    app = bench_app("bench-lectures-essays-")
    ids = build(app)
    hr = app.test_client()
    assert (
        hr.post("/auth/login", data={"username": "hr", "password": HR_PASSWORD}).status_code == 302
    )
    reviewer = app.test_client()
    assert (
        reviewer.post("/auth/login", data={"username": "r0", "password": HR_PASSWORD}).status_code
        == 302
    )
    pages = [
        ("lectures list 2026 (300, 50 a page)", hr, "/training/lectures?year=2026"),
        ("lecture detail (30 attendees)", hr, "/training/lectures/1500"),
        ("essays list 2026 (400, 50 a page)", hr, "/training/essays?year=2026"),
        ("essays list 2026, one section", hr, "/training/essays?year=2026&department=1"),
        ("essay detail", hr, "/training/essays/2000"),
        ("reviewer's queue (~200 essays)", reviewer, "/training/essays/reviews"),
        ("profile 教育培训 tab", hr, f"/cadres/{ids['busiest']}?tab=training"),
        ("a reviewer's dashboard", reviewer, "/"),
    ]
    for label, client, url in pages:

        def get(client=client, url=url) -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        print(describe(label, timed(get, 20)))
    with app.app_context():
        print(
            describe(
                "query: list_lectures 2026",
                timed(lambda: lectures.list_lectures(2026, visible_departments=None), 20),
            )
        )
        filters = essays.EssayFilters(year=2026)
        print(
            describe(
                "query: list_essays 2026",
                timed(
                    lambda: essays.list_essays(filters, visible_departments=None, hidden=set()), 20
                ),
            )
        )
        print(describe("query: to_review", timed(lambda: essays.to_review(ids["reviewer"]), 20)))


if __name__ == "__main__":
    main()
