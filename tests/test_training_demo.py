"""The demo's training data (issue 11, item 10): seeded with ``flask seed-demo``, obeying the
rules, and giving every page something to show: cadres behind this year, a course failed on
the 1/7 leave rule, overdue milestones, essays waiting for the demo manager's grade."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import Cadre, User
from cadre_app.models.training import (
    Cohort,
    DevelopmentPlan,
    Enrolment,
    Essay,
    EssayReview,
    Lecture,
    MilestoneState,
    PlanState,
    Programme,
    TrainingCourse,
)
from cadre_app.services import demo
from cadre_app.services.training import demo as training_demo
from cadre_app.services.training import pdf as training_pdf
from cadre_app.services.training import rules
from tests import demo_snapshot
from tests.conftest import login
from tests.test_training_pdf import pdf_text


@pytest.fixture
def seeded(app):
    with app.app_context():
        demo_snapshot.seed()
        db.session.commit()
        yield clock.today()


@pytest.fixture
def seeded_outside(app):
    """Seeded, with no app context left open: each request then has its own (a shared one
    would keep the first login's user in ``g`` for the next client)."""
    with app.app_context():
        demo_snapshot.seed()
        db.session.commit()
        return clock.today()


def _counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
        for model in (Programme, Cohort, TrainingCourse, Enrolment, Lecture, Essay, DevelopmentPlan)
    }


def test_the_demo_training_data_obeys_the_rules_and_fills_every_page(seeded):
    today = seeded
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    demo_cadre = db.session.get(Cadre, users["cadre"].cadre_id)
    (cohort,) = db.session.scalars(sa.select(Cohort))
    assert cohort.programme.name == "五航工程" and cohort.year == today.year
    assert len(cohort.members) == training_demo.COHORT_SIZE and demo_cadre in cohort.members

    # every recorded attendance is what the rules decide; one over 1/7 this year is 未结业
    settings = {**rules.DEFAULT_SETTINGS}
    recorded = db.session.scalars(sa.select(Enrolment).where(Enrolment.attended_hours.is_not(None)))
    failed_this_year = []
    for enrolment in recorded:
        outcome = rules.course_outcome(enrolment.course.hours, enrolment.leave_hours, settings)
        assert (enrolment.passed, enrolment.hours_earned) == (outcome.passed, outcome.earned)
        if not enrolment.passed and enrolment.course.start_date.year == today.year:
            assert enrolment.leave_hours > enrolment.course.hours / 7
            failed_this_year.append(enrolment.cadre_id)
    assert set(failed_this_year) & {c.id for c in cohort.members}
    years = {c.start_date.year for c in db.session.scalars(sa.select(TrainingCourse))}
    assert years == {today.year - 2, today.year - 1, today.year}
    external = db.session.scalars(sa.select(TrainingCourse).where(TrainingCourse.external))
    assert len([c for c in external if len(c.enrolments) == 1]) == 3

    # some cadres behind this year, the demo cadre among them; some done
    book = training_pdf.SettingsBook()
    cadres = list(db.session.scalars(sa.select(Cadre)))
    tallies = training_pdf.tallies([c.id for c in cadres], book)
    standings = {
        c.id: training_pdf.standing(
            tallies[c.id], training_pdf.requirement_rank(c), today.year, book.current
        )
        for c in cadres
    }
    behind = [i for i, s in standings.items() if s.short > 0]
    assert demo_cadre.id in behind and standings[demo_cadre.id].counted > 0
    assert len(behind) < len(cadres) and len(behind) >= 10

    # lectures with attendees and ratings; the demo cadre gave one
    lectures = list(db.session.scalars(sa.select(Lecture)))
    assert len(lectures) == 8 and all(len(lec.attendees) >= 6 for lec in lectures)
    assert any(a.rating for lec in lectures for a in lec.attendees)
    assert demo_cadre.id in {lec.speaker_id for lec in lectures}

    # essays: final grades by the rule, one 采纳, two waiting for the manager's grade
    essays = list(db.session.scalars(sa.select(Essay)))
    assert len(essays) == 6
    for essay in essays:
        grades = [r.grade for r in essay.reviews if r.grade]
        assert len(essay.reviews) >= 2
        expected = rules.essay_grade(grades) if len(grades) == len(essay.reviews) else None
        assert essay.final_grade == expected
    assert [e.adopted for e in essays].count(True) == 1
    waiting = db.session.scalars(
        sa.select(EssayReview).where(
            EssayReview.reviewer_id == users["manager"].id, EssayReview.grade.is_(None)
        )
    ).all()
    assert len(waiting) == 2

    # plans: one per member, the manager mentors the demo cadre, overdue milestones exist
    plans = list(db.session.scalars(sa.select(DevelopmentPlan)))
    assert len(plans) == training_demo.COHORT_SIZE
    (own_plan,) = [p for p in plans if p.cadre_id == demo_cadre.id]
    assert own_plan.mentor_user_id == users["manager"].id and own_plan.state is PlanState.ACTIVE
    assert own_plan.comments and own_plan.comments[0].author_id == users["cadre"].id
    assert own_plan.reviews and own_plan.milestones
    overdue = [
        m
        for p in plans
        if p.state is PlanState.ACTIVE
        for m in p.milestones
        if m.state is not MilestoneState.DONE and m.due_date < today
    ]
    assert overdue
    assert {p.state for p in plans} >= {PlanState.ACTIVE, PlanState.DRAFT}


def test_seeding_twice_changes_nothing_and_the_demo_cadre_prints_their_record(app, seeded_outside):
    with app.app_context():
        before = _counts()
        assert before["Enrolment"] > 300
        assert demo.seed().created is False
        cadres = list(db.session.scalars(sa.select(Cadre)))
        again = training_demo.seed(cadres, today=seeded_outside)
        assert again == training_demo.TrainingSeed(0, 0, 0, 0, 0)
        assert _counts() == before
        cadre_id = db.session.scalar(sa.select(User.cadre_id).where(User.username == "cadre"))
        cohort_id = db.session.scalar(sa.select(Cohort.id))

    client = app.test_client()
    assert login(client, "cadre", demo.DEMO_PASSWORD).status_code == 302
    response = client.get(f"/training/{cadre_id}/record.pdf")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert "五航工程青年干部专题培训班" in text and "关于提升部门预算编制精准度的思考" in text
    hr = app.test_client()
    assert login(hr, "hr", demo.DEMO_PASSWORD).status_code == 302
    report = hr.get(f"/training/cohorts/{cohort_id}/report.pdf")
    assert report.status_code == 200
    assert f"培养对象：{training_demo.COHORT_SIZE}人" in pdf_text(report.data)
