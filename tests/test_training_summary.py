"""The 学时 summary (``training_hours_year``): the ledger read from it is the ledger summed
from the records, for varied records and every kind of cadre; and every training write
function keeps it (each test would fail if that writer forgot ``ledger.refresh_years``)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import Cadre
from cadre_app.models.training import (
    Enrolment,
    Essay,
    EssayReview,
    Lecture,
    LectureAttendee,
    TrainingCourse,
    TrainingHoursYear,
)
from cadre_app.services.core import settings
from cadre_app.services.training import courses, essays, lectures, ledger, rules, settings_ops
from cadre_app.services.training import excel as training_excel
from tests.factories import CadreFactory, DepartmentFactory

D = Decimal
YEAR = 2026
TODAY = date(YEAR, 12, 3)
HR = "hr1"


@pytest.fixture
def ctx(app, org):
    with app.app_context():
        yield org
        db.session.rollback()


def consistent() -> None:
    """The summary holds exactly what the records give, and the ledger read from it is the
    ledger summed from the records, for the years around ``YEAR``."""
    assert ledger.summary_differences() == []
    for year in range(YEAR - 5, YEAR + 3):
        assert ledger.compute_whole(year, TODAY) == ledger.compute_from_records(year, TODAY), year


def counted(cadre_id: int, year: int = YEAR) -> Decimal:
    row = ledger.cadre_hours(cadre_id, year)
    assert row is not None
    return row.counted


# --- records made directly (no writer), then the summary rebuilt -----------------------------


def _course(category: str, mode: str, end: date, hours: str) -> TrainingCourse:
    c = TrainingCourse(
        name=f"{category}{mode}{end}{hours}",
        category=category,
        mode=mode,
        start_date=end - timedelta(days=1),
        end_date=end,
        hours=D(hours),
    )
    db.session.add(c)
    return c


def _attend(c: TrainingCourse, cadre_id: int, leave: str = "0") -> None:
    outcome = rules.course_outcome(c.hours, D(leave), rules.DEFAULT_SETTINGS)
    c.enrolments.append(
        Enrolment(
            cadre_id=cadre_id,
            attended_hours=outcome.attended,
            leave_hours=D(leave),
            passed=outcome.passed,
            hours_earned=outcome.earned,
        )
    )


def _varied(ctx) -> dict[str, int]:
    """Juniors, seniors by rank and by post, a cadre with nothing; courses of every kind over
    the years, passed and failed by leave, online above the cap; lectures (a speaker also
    listed as attendee) and essays of every grade under two settings versions."""
    dept = DepartmentFactory(name="综合处", sort_order=3)
    me, other = ctx["own_cadre"], ctx["other_cadre"]
    senior = CadreFactory(department=dept, staff_no="S0001", rank="四级调研员").id
    post = CadreFactory(
        department=dept, staff_no="S0002", rank="一级主任科员", leadership_level="县处级副职"
    ).id
    idle = CadreFactory(department=dept, staff_no="S0003", rank="二级科员").id
    db.session.flush()
    kinds = [
        ("专题培训班", "脱产"),
        ("网络培训", "网络"),
        ("其他", "在职"),
        ("导师帮带", "在职"),
        ("专题培训班", "网络"),  # online whatever the category
        ("业务微讲座", "在职"),  # a course of a credit kind adds to the credits
    ]
    for i, year in enumerate(range(YEAR - 6, YEAR + 2)):
        for j, (category, mode) in enumerate(kinds):
            end = date(year, 1 + (i + j) % 12, 1 + (i * j) % 28)
            c = _course(category, mode, end, str(8 * (1 + (i + j) % 5)) + ".5")
            _attend(c, me)
            _attend(c, senior, leave="0.5")
            _attend(c, post, leave="9" if j == 0 else "0")  # over 1/7 of ≤ 40.5: fails
            if mode == "网络":
                _attend(c, other)
    big = _course("网络培训", "网络", date(YEAR, 12, 31), "120")  # online above the cap
    for cadre_id in (me, senior):
        _attend(big, cadre_id)
    _attend(_course("专题培训班", "脱产", date(YEAR + 1, 1, 1), "30"), me)  # next year
    version = settings.update(
        rules.SETTINGS_KEY,
        {**rules.DEFAULT_SETTINGS, "lecture_speaker_hours": 6, "lecture_attendee_hours": 1.5},
        actor=HR,
    ).id
    for k, (speaker, held, v) in enumerate(
        [
            (me, date(YEAR, 2, 1), None),
            (senior, date(YEAR - 2, 6, 1), version),
            (other, date(YEAR, 7, 1), version),
            (post, date(YEAR - 5, 3, 3), None),
        ]
    ):
        lecture = Lecture(
            speaker_id=speaker,
            topic=f"讲座{k}",
            held_on=held,
            duration_hours=D(1),
            settings_version=v,
        )
        lecture.attendees = [
            LectureAttendee(cadre_id=a) for a in (me, other, senior, post) if a != speaker or k
        ]  # lectures 1–3 list their speaker as an attendee too: credited once, as speaker
        db.session.add(lecture)
    for k, (author, grade, day, v) in enumerate(
        [
            (me, "优秀", date(YEAR, 4, 1), None),
            (me, "不合格", date(YEAR, 5, 1), version),
            (senior, "合格", date(YEAR - 3, 5, 1), version),
            (senior, None, date(YEAR, 5, 1), None),
            (other, "良好", date(YEAR, 12, 31), version),
        ]
    ):
        db.session.add(
            Essay(
                author_id=author,
                title=f"策论{k}",
                submitted_on=day,
                file_name="a.pdf",
                file_type="pdf",
                file_size=4,
                file_data=b"%PDF",
                final_grade=grade,
                settings_version=v,
            )
        )
    db.session.flush()
    return {"me": me, "other": other, "senior": senior, "post": post, "idle": idle}


def test_the_summary_ledger_is_the_records_ledger(ctx):
    who = _varied(ctx)
    assert ledger.rebuild_summary() > 0
    consistent()
    rows = {r.cadre_id: r for r in ledger.compute_whole(YEAR, TODAY)}
    # the figures are not all alike: the comparison above compares something
    assert rows[who["idle"]].counted == D("0.0") and rows[who["idle"]].behind
    assert rows[who["senior"]].multi_year and rows[who["post"]].multi_year
    assert not rows[who["me"]].multi_year
    assert rows[who["me"]].online_excess > 0  # 120 online hours: capped at 45
    assert rows[who["senior"]].earned["策论"] == D("8.0")  # 合格 in the window, version 8
    assert rows[who["me"]].earned["策论"] == D("8.0")  # 不合格 earns nothing
    # 4 as speaker (defaults) + 1.5 + 1.5 attended (the new version) + a course of the kind
    assert rows[who["me"]].earned["业务微讲座"] > D("7.0")
    assert {r.behind for r in rows.values()} == {True, False}


def test_a_senior_window_change_rebuilds_the_summary(ctx):
    who = _varied(ctx)
    ledger.rebuild_summary()
    before = counted(who["senior"])
    raw = {k: settings_ops.as_text(k, v) for k, v in settings_ops.in_force().items()}
    settings_ops.save({**raw, "senior_window_years": "3"}, actor=HR)
    db.session.flush()
    assert ledger.cadre_hours(who["senior"], YEAR).window == (YEAR - 2, YEAR)
    assert counted(who["senior"]) < before
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(TrainingHoursYear.span == 5)) == 0
    )  # the old window's rows are gone
    consistent()


@pytest.mark.committed
def test_the_summary_is_filled_by_the_migration(app):
    """The migration's INSERT ... SELECT (written without the app's code) fills exactly what
    the records give, on a database that already holds records."""
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        dept = DepartmentFactory(name="迁移处")
        cadre = CadreFactory(department=dept, staff_no="M0001", rank="四级调研员")
        db.session.flush()
        c = _course("专题培训班", "脱产", date(YEAR - 1, 6, 1), "16")
        _attend(c, cadre.id)
        lecture = Lecture(
            speaker_id=cadre.id, topic="迁移", held_on=date(YEAR, 1, 5), duration_hours=D(1)
        )
        db.session.add(lecture)
        db.session.commit()
        cadre_id = cadre.id
        db.session.remove()
        downgrade(revision="0011_secondments")
        upgrade()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TrainingHoursYear)) > 0
        assert ledger.summary_differences() == []
        assert counted(cadre_id) == D("20.0")  # 16 last year (window) + 4 as speaker


# --- each writer keeps the summary -----------------------------------------------------------


def _new_course(end: date = date(YEAR, 3, 3), hours: str = "24", **extra) -> TrainingCourse:
    values = {
        "name": "预算绩效管理培训班",
        "category": "专题培训班",
        "mode": "脱产",
        "organiser": "市财政局",
        "start_date": end - timedelta(days=4),
        "end_date": end,
        "hours": D(hours),
        "capacity": None,
        "programme_id": None,
        "notes": None,
        **extra,
    }
    return courses.create_course(values, actor=HR)


def _course_values(c: TrainingCourse, **changes) -> dict:
    return {k: getattr(c, k) for k in courses.COURSE_FIELDS} | changes


def _attended(c: TrainingCourse, cadre_id: int, leave: str = "0") -> Enrolment:
    courses.enrol(c, [cadre_id], actor=HR)
    enrolment = db.session.scalars(
        sa.select(Enrolment).where(Enrolment.course_id == c.id, Enrolment.cadre_id == cadre_id)
    ).one()
    courses.record_attendance(
        enrolment, leave_hours=D(leave), certificate_no=None, passed_given=None, actor=HR
    )
    return enrolment


def test_recording_attendance_and_removing_the_participant(ctx):
    me = ctx["own_cadre"]
    c = _new_course()
    courses.enrol(c, [me], actor=HR)
    assert counted(me) == D("0.0")
    enrolment = db.session.scalars(sa.select(Enrolment)).one()
    courses.record_attendance(
        enrolment, leave_hours=D("2"), certificate_no=None, passed_given=None, actor=HR
    )
    assert counted(me) == D("22.0")
    consistent()
    courses.record_attendance(
        enrolment, leave_hours=D("5"), certificate_no=None, passed_given=None, actor=HR
    )
    assert counted(me) == D("0.0")  # over 1/7: not passed
    courses.record_attendance(
        enrolment, leave_hours=D("0"), certificate_no=None, passed_given=None, actor=HR
    )
    assert counted(me) == D("24.0")
    courses.remove_enrolment(enrolment, actor=HR)
    assert counted(me) == D("0.0")
    consistent()


def test_changing_a_course_moves_or_recomputes_its_hours(ctx):
    me, other = ctx["own_cadre"], ctx["other_cadre"]
    c = _new_course()
    _attended(c, me)
    _attended(c, other, leave="3")
    assert (counted(me), counted(other)) == (D("24.0"), D("21.0"))
    courses.update_course(c, _course_values(c, hours=D("32")), expected_version=c.version, actor=HR)
    assert (counted(me), counted(other)) == (D("32.0"), D("29.0"))
    consistent()
    moved = _course_values(c, start_date=date(YEAR - 1, 11, 29), end_date=date(YEAR - 1, 12, 3))
    courses.update_course(c, moved, expected_version=c.version, actor=HR)
    assert (counted(me), counted(me, YEAR - 1)) == (D("0.0"), D("32.0"))
    courses.update_course(
        c, _course_values(c, mode="网络", category="网络培训"), expected_version=c.version, actor=HR
    )
    row = ledger.cadre_hours(me, YEAR - 1)
    assert (row.online, row.earned["网络培训"]) == (D("32.0"), D("32.0"))
    consistent()


def test_deleting_a_course_without_attendance(ctx):
    me = ctx["own_cadre"]
    c = _new_course()
    courses.enrol(c, [me], actor=HR)
    courses.delete_course(c, actor=HR)
    assert counted(me) == D("0.0")
    consistent()


def test_recording_training_elsewhere(ctx):
    me = ctx["own_cadre"]
    cadre = db.session.get(Cadre, me)
    values = {
        "name": "外部培训",
        "category": "其他",
        "mode": "在职",
        "organiser": "省委党校",
        "start_date": date(YEAR, 6, 1),
        "end_date": date(YEAR, 6, 3),
        "hours": D("16"),
        "notes": None,
        "leave_hours": D("0"),
        "passed_given": None,
        "certificate_no": None,
    }
    courses.record_external(cadre, values, actor=HR)
    assert ledger.cadre_hours(me, YEAR).earned["其他"] == D("16.0")
    consistent()


def test_lectures_their_speaker_and_attendees(ctx):
    me, other = ctx["own_cadre"], ctx["other_cadre"]
    values = {
        "speaker_id": me,
        "topic": "预算编制要点",
        "held_on": date(YEAR, 3, 1),
        "duration_hours": D("1.5"),
        "place": None,
        "programme_id": None,
        "notes": None,
    }
    lecture = lectures.create_lecture(dict(values), actor=HR, today=TODAY)
    assert counted(me) == D("4.0")
    lectures.add_attendees(lecture, [other], actor=HR)
    assert counted(other) == D("1.0")
    consistent()
    moved = {**values, "held_on": date(YEAR - 1, 3, 1)}
    lectures.update_lecture(lecture, moved, actor=HR, today=TODAY)
    assert (counted(me), counted(other)) == (D("0.0"), D("0.0"))
    assert (counted(me, YEAR - 1), counted(other, YEAR - 1)) == (D("4.0"), D("1.0"))
    third = CadreFactory(staff_no="T0003", rank="二级科员").id
    lectures.update_lecture(lecture, {**moved, "speaker_id": third}, actor=HR, today=TODAY)
    assert (counted(me, YEAR - 1), counted(third, YEAR - 1)) == (D("0.0"), D("4.0"))
    consistent()
    lectures.update_lecture(lecture, dict(values), actor=HR, today=TODAY)
    assert (counted(me), counted(other)) == (D("4.0"), D("1.0"))
    lectures.remove_attendee(lecture, other, actor=HR)
    assert counted(other) == D("0.0")
    lectures.add_attendees(lecture, [other], actor=HR)
    lectures.delete_lecture(lecture, actor=HR)
    assert (counted(me), counted(other)) == (D("0.0"), D("0.0"))
    consistent()


def test_essays_graded_moved_and_deleted(ctx, users):
    me, other = ctx["own_cadre"], ctx["other_cadre"]
    values = {
        "author_id": me,
        "title": "关于预算绩效的思考",
        "topic": None,
        "submitted_on": date(YEAR, 4, 1),
        "programme_id": None,
    }
    essay = essays.create_essay(dict(values), "a.pdf", b"%PDF-1.4 x", actor=HR, today=TODAY)
    assert counted(me) == D("0.0")  # not graded yet
    for user in (users["hr"], users["manager"]):
        db.session.add(EssayReview(essay_id=essay.id, reviewer_id=user.id, grade="良好"))
    db.session.flush()
    essays.recompute_final(essay)
    assert counted(me) == D("8.0")
    consistent()
    essays.update_essay(essay, {**values, "author_id": other}, None, None, actor=HR, today=TODAY)
    assert (counted(me), counted(other)) == (D("0.0"), D("8.0"))
    essays.update_essay(
        essay,
        {**values, "author_id": other, "submitted_on": date(YEAR - 1, 4, 1)},
        None,
        None,
        actor=HR,
        today=TODAY,
    )
    assert (counted(other), counted(other, YEAR - 1)) == (D("0.0"), D("8.0"))
    consistent()
    essays.delete_essay(essay, actor=HR)
    assert counted(other, YEAR - 1) == D("0.0")
    consistent()


def test_importing_records(ctx):
    from tests.test_training_import import GOOD, workbook

    me = ctx["own_cadre"]
    training_excel.apply_import(workbook(GOOD), "records.xlsx", actor=HR)
    assert counted(me) == D("24.0")
    consistent()


def test_the_demo(app):
    from cadre_app.services import demo

    with app.app_context():
        demo.seed()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TrainingHoursYear)) > 0
        assert ledger.summary_differences() == []
        db.session.rollback()


@pytest.mark.committed
def test_the_cli_checks_the_summary(app, org, runner):
    with app.app_context():
        c = _course("专题培训班", "脱产", date(YEAR, 5, 5), "16")
        _attend(c, org["own_cadre"])
        db.session.commit()  # made directly: the summary does not know it
    result = runner.invoke(args=["training", "hours", "--year", str(YEAR), "--check"])
    assert result.exit_code == 1 and "T0001" in result.output, result.output
    result = runner.invoke(args=["training", "hours", "--year", str(YEAR), "--rebuild"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["training", "hours", "--year", str(YEAR), "--check"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert counted(org["own_cadre"]) == D("16.0")


@pytest.mark.committed
def test_two_writers_refreshing_one_cadre_at_once_both_count(app, org):
    """PostgreSQL: HR records two courses' attendance of one cadre at the same moment. The
    second refresh waits for the first transaction (the cadre's row lock), then sums both
    records; without it, it would sum from its own snapshot or collide on the first's rows.
    (SQLite has one writer at a time: nothing to interleave.)"""
    import threading

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite serialises writers")
        me = org["own_cadre"]
        ids = []
        for end in (date(YEAR, 3, 3), date(YEAR, 6, 6)):
            c = _new_course(end=end, name=f"课程{end}")
            courses.enrol(c, [me], actor=HR)
            ids.append(
                db.session.scalars(sa.select(Enrolment.id).where(Enrolment.course_id == c.id)).one()
            )
        db.session.commit()
    first_wrote, errors = threading.Event(), []

    def attend(enrolment_id: int, leave: str, first: bool) -> None:
        try:
            with app.app_context():
                if not first:
                    first_wrote.wait(10)
                enrolment = db.session.get(Enrolment, enrolment_id)
                courses.record_attendance(
                    enrolment,
                    leave_hours=D(leave),
                    certificate_no=None,
                    passed_given=None,
                    actor=HR,
                )
                if first:
                    first_wrote.set()
                    threading.Event().wait(1.0)  # the other writer is waiting on the cadre now
                db.session.commit()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
            first_wrote.set()

    threads = [
        threading.Thread(target=attend, args=(ids[0], "0", True)),
        threading.Thread(target=attend, args=(ids[1], "2", False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with app.app_context():
        assert counted(me) == D("46.0")  # 24 + 22
        assert ledger.summary_differences() == []
