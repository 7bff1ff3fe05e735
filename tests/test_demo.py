"""The demo data as a personnel officer would read it (issue 10, point 19): one 处长 per
section and a 主任 for the 办公室, 共青团员 under 28, relatives whose ages and occupations
fit, degrees with their discipline, and no talk or publicity dated on a weekend or a public
holiday. Each check runs over the whole seeded demo (``flask seed-demo``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import Cadre, Department, EvaluationCycle, FamilyMember, Secondment, Talk
from cadre_app.services import demo
from cadre_app.services.roster.rules import age_on
from tests import demo_snapshot

PARENTS = ("父亲", "母亲")
CHILDREN = ("儿子", "女儿")
SPOUSES = ("妻子", "丈夫")
SCHOOL_AGE = ("学龄前", "某幼儿园", "某小学学生", "某中学学生", "某大学学生")


@pytest.fixture
def seeded(app):
    with app.app_context():
        demo_snapshot.seed()
        db.session.commit()
        yield clock.today()


def career(cadre: Cadre) -> list:
    """The résumé without the lines archived secondments added (issue 12): those overlap the
    post held at the time, as a 简历 shows a 挂职 within a career."""
    seconded = set(
        db.session.scalars(
            sa.select(Secondment.resume_entry_id).where(Secondment.cadre_id == cadre.id)
        )
    )
    return [line for line in cadre.resume if line.id not in seconded]


def test_each_section_has_one_head_and_the_office_a_director(seeded):
    sections = db.session.scalars(sa.select(Department)).all()
    assert len(sections) == len(demo.DEMO_SECTIONS)
    for section in sections:
        members = [c for c in db.session.scalars(sa.select(Cadre)) if c.department is section]
        head_post, deputy_post = (
            ("主任", "副主任") if section.name == "办公室" else ("处长", "副处长")
        )
        heads = [c for c in members if c.leadership_level == "县处级正职"]
        assert len(heads) == 1, (section.name, [c.position_title for c in heads])
        assert section.head is heads[0] and heads[0].position_title == section.name + head_post
        for cadre in members:
            if cadre.leadership_level == "县处级副职":
                assert cadre.position_title == section.name + deputy_post
            elif cadre.leadership_level is None:  # a post written as the 职级
                assert cadre.position_title == section.name + cadre.rank
            assert career(cadre)[-1].description.endswith(cadre.position_title)
        # a head was a deputy first (the demo's heads all have the years for it)
        assert career(heads[0])[-2].description.endswith(section.name + deputy_post)
    titles = db.session.scalars(sa.select(Cadre.position_title)).all()
    assert not [t for t in titles if t.startswith("办公室") and "处长" in t]


def test_league_members_are_under_28_and_party_members_adults(seeded):
    people = [(c.political_status, c.birth_date) for c in db.session.scalars(sa.select(Cadre))]
    people += [
        (m.political_status, m.birth_date) for m in db.session.scalars(sa.select(FamilyMember))
    ]
    league = [age_on(birth, seeded) for status, birth in people if status == "共青团员"]
    assert league and max(league) < 28
    party = [age_on(birth, seeded) for status, birth in people if status == "中共党员"]
    assert min(party) >= 18


def test_relatives_ages_and_occupations_fit(seeded):
    children = 0
    for cadre in db.session.scalars(sa.select(Cadre)):
        assert [m.relation for m in cadre.family][-2:] == list(PARENTS)
        for member in cadre.family:
            gap = cadre.birth_date.year - member.birth_date.year
            age = age_on(member.birth_date, seeded)
            work = member.employer_and_post
            where = (cadre.staff_no, member.relation, age, work)
            if member.relation in PARENTS:
                assert 20 <= gap <= 40, where
            elif member.relation in CHILDREN:
                children += 1
                assert gap <= -20, where
            else:
                assert member.relation in SPOUSES and abs(gap) <= 5, where
            if "退休" in work:
                assert age >= 50, where
            elif age < 22:
                assert work in SCHOOL_AGE, where
            else:
                assert work not in SCHOOL_AGE and age < 65, where
    assert children > 10  # the demo has families, not only parents


def test_degrees_are_written_with_their_discipline(seeded):
    disciplines = ("经济学", "管理学", "法学", "工学")
    for cadre in db.session.scalars(sa.select(Cadre)):
        text = demo.degree_text(cadre.ft_school, cadre.ft_degree)
        assert text.endswith(cadre.ft_degree) and text.startswith(disciplines), text
        assert cadre.resume[0].description == f"{cadre.ft_school}学习"


def test_resumes_read_as_careers(seeded):
    """Lines in order without gaps once working, and a new post or section at least every
    eight years: nobody is a 科员 from graduation to 处长."""
    for cadre in db.session.scalars(sa.select(Cadre)):
        lines = career(cadre)
        assert lines[0].description.endswith("学习") and lines[-1].end is None
        for before, after in zip(lines[1:], lines[2:], strict=False):
            assert before.end == after.start, (cadre.staff_no, before.line, after.line)
        for line in lines[1:-1]:
            assert line.start < line.end and line.end.year - line.start.year <= 8, (
                cadre.staff_no,
                line.line,
            )


def test_no_talk_or_publicity_on_a_weekend_or_public_holiday(seeded):
    days = [t.held_at.date() for t in db.session.scalars(sa.select(Talk)) if t.held_at]
    days += [
        c.publicity_start
        for c in db.session.scalars(sa.select(EvaluationCycle))
        if c.publicity_start
    ]
    assert len(days) > 10
    for day in days:
        calendar = demo.national_calendar(day.year)
        assert calendar, f"chinese_calendar knows no holidays for {day.year}"
        assert day.weekday() < 5 and calendar.get(day, True), day
    times = {t.held_at.time() for t in db.session.scalars(sa.select(Talk)) if t.held_at}
    assert len(times) > 1  # not every talk at the same minute


def test_the_demo_raises_every_warning_and_fills_every_chart(seeded):
    """Issue 15, point 6: each of the reminders' warning kinds is in force on seeding day,
    with its link, and every structure chart has data: five decided years for the trend."""
    from cadre_app.services.analytics import queries as analytics
    from cadre_app.services.reminders import rules as reminder_rules
    from cadre_app.services.reminders import warnings

    found = warnings.collect(seeded)
    kinds = {w.kind for w in found}
    assert kinds == set(reminder_rules.KINDS), set(reminder_rules.KINDS) - kinds
    for kind in ("probation_ending", "publicity_ending", "assessment_closing"):
        [warning] = [w for w in found if w.kind == kind]
        assert warning.due is not None and warning.due <= seeded + timedelta(days=30)
    decline = [w for w in found if w.kind == "evaluation_decline"]
    assert 5 <= len(decline) <= 40  # some, as noise around a level gives, not everyone

    s = analytics.structure(seeded)
    assert [year["year"] for year in s.trend] == [2020, 2021, 2022, 2023, 2024]
    assert all(sum(year["counts"].values()) > 100 for year in s.trend)
    assert all(r["male"] + r["female"] for r in s.pyramid[1:-1])
    for figure in (s.education, s.party, s.ranks, s.leadership):
        assert sum(1 for n in figure.values() if n) >= 2, figure
    assert all(r["young"] for r in s.young_by_section)


def test_the_probation_and_publicity_rounds_read_as_real_ones(seeded):
    """The 试用期 round's cadre took the post on the day their 简历 line starts, after a
    year in the 职级 line before; the 公示 is five working days, start included."""
    from cadre_app.models.selection import SelectionRound, Stage
    from cadre_app.services.selection import procedure

    rounds = {r.stage: r for r in db.session.scalars(sa.select(SelectionRound))}
    probation = rounds[Stage.PROBATION]
    [candidate] = probation.candidates
    cadre = db.session.get(Cadre, candidate.cadre_id)
    lines = career(cadre)
    assert lines[-1].start == probation.appointed_on and lines[-1].end is None
    assert lines[-2].end == probation.appointed_on
    assert (lines[-2].end - lines[-2].start).days >= 365
    assert cadre.position_title and lines[-1].description.endswith(cadre.position_title)
    assert [e.to_stage for e in probation.events][-1] is Stage.PROBATION

    publicity = rounds[Stage.PUBLICITY]
    calendar = demo.national_calendar(seeded.year) | demo.national_calendar(seeded.year - 1)
    start, end = publicity.publicity_start, publicity.publicity_end
    assert procedure.check_publicity(start, end, calendar) is None
    assert procedure.earliest_publicity_end(start, calendar) == end
    assert seeded <= end <= seeded + timedelta(days=2) or calendar.get(seeded) is False


def test_the_demos_audit_chain_holds(seeded):
    """Seeding writes through every domain's audited operations: an unbroken chain (the
    copy of tests/demo_snapshot.py too, row for row)."""
    from cadre_app.models import AuditEvent
    from cadre_app.services.core import audit

    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) > 500
    assert list(audit.verify()) == []
