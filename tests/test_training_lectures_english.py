"""The lecture and essay pages in English show Chinese only in data (the rule of
tests/test_english_ui.py), on the demo organisation with a lecture and an essay under review
and one graded, read by HR, the demo manager (a reviewer) and the demo cadre (an attendee
and the author)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.i18n import TERMS
from cadre_app.models import Cadre, User
from cadre_app.services.training import essays, lectures
from tests.conftest import login, office_today
from tests.factories import docx_bytes
from tests.test_crawl import DEMO_PASSWORD, demo_data  # noqa: F401
from tests.test_english_ui import PUNCTUATION, chinese_runs, stored_text, vocabulary


def _training_data(app) -> dict[str, int]:
    today = office_today()
    with app.app_context():
        users = {u.username: u for u in db.session.scalars(sa.select(User))}
        me = users["cadre"].cadre
        others = db.session.scalars(
            sa.select(Cadre).where(Cadre.id != me.id).order_by(Cadre.id).limit(5)
        ).all()
        lecture = lectures.create_lecture(
            {
                "speaker_id": others[0].id,
                "topic": "政府采购常见问题",
                "held_on": today - timedelta(days=5),
                "duration_hours": lectures.parse_hours("2"),
            },
            actor="hr",
            today=today,
        )
        lectures.add_attendees(lecture, [me.id, *(c.id for c in others[1:])], actor="hr")
        lectures.record_ratings(
            lecture, {others[1].id: (5, "很好"), others[2].id: (4, None)}, actor="hr"
        )
        pending = essays.create_essay(
            {"author_id": me.id, "title": "关于绩效评价的思考", "submitted_on": today},
            "思考.docx",
            docx_bytes(),
            actor="hr",
            today=today,
        )
        essays.assign_reviewers(pending, [users["manager"].id, users["hr"].id], actor="hr")
        graded = essays.create_essay(
            {"author_id": me.id, "title": "预算公开的建议", "submitted_on": today},
            "建议.docx",
            docx_bytes(),
            actor="hr",
            today=today,
        )
        essays.assign_reviewers(graded, [users["manager"].id, users["hr"].id], actor="hr")
        for review in graded.reviews:
            essays.submit_grade(review, "良好", "可行", actor="x")
        essays.adopt(graded, today, "采纳", actor="hr", today=today)
        db.session.commit()
        return {"lecture": lecture.id, "pending": pending.id, "graded": graded.id, "me": me.id}


def test_lecture_and_essay_pages_in_english(app, demo_data):  # noqa: F811
    ids = _training_data(app)
    year = office_today().year
    pages = {
        "hr": [
            f"/training/lectures?year={year}",
            f"/training/lectures/{ids['lecture']}",
            "/training/lectures/new",
            f"/training/lectures/{ids['lecture']}/edit",
            f"/training/lectures/{ids['lecture']}/attendees?q=李",
            f"/training/lectures/{ids['lecture']}/ratings",
            f"/training/essays?year={year}",
            "/training/essays/new?q=李",
            f"/training/essays/{ids['pending']}",
            f"/training/essays/{ids['graded']}",
            f"/training/essays/{ids['graded']}/edit",
            "/training/essays/reviews",
            f"/training/essays/{ids['pending']}/review",
            f"/cadres/{ids['me']}?tab=training",
        ],
        "manager": [
            "/",
            f"/training/lectures?year={year}",
            f"/training/essays?year={year}",
            "/training/essays/reviews",
            f"/training/essays/{ids['pending']}",
            f"/training/essays/{ids['pending']}/review",
            f"/training/essays/{ids['graded']}",
            f"/training/essays/{ids['graded']}/review",
        ],
        "cadre": [
            "/me?tab=training",
            f"/training/lectures/{ids['lecture']}/rate",
            f"/training/essays/{ids['graded']}",
            f"/training/essays/{ids['pending']}",
        ],
    }
    seen: dict[str, set[str]] = {}
    for role, urls in pages.items():
        client = app.test_client()
        assert login(client, role, DEMO_PASSWORD).status_code == 302
        client.post("/auth/language", data={"lang": "en", "next": "/"})
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (role, url, response.status_code)
            html = response.get_data(as_text=True)
            assert 'lang="en"' in html
            for run in chinese_runs(html):
                seen.setdefault(run, set()).add(f"{role} {url}")
    with app.app_context():
        data = stored_text() | vocabulary() | set(app.config["ORGANISATION_NAME"].split())
    translated = {str(term._args[0]) for term in TERMS}  # noqa: SLF001 - the msgids
    grades = {"优秀", "良好", "合格", "不合格"}  # stored, shown translated
    allowed = (data - translated - grades) | {"中文"} | PUNCTUATION
    chrome = {run: sorted(where)[:3] for run, where in seen.items() if run not in allowed}
    assert not chrome, repr(chrome)[:4000]
