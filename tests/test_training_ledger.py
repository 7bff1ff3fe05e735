"""The 学时 ledger on a real database: each kind, the online cap, the 5-year window, year
boundaries, lectures and essays, filters, and the cache following every change."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import Cadre
from cadre_app.models.training import (
    Enrolment,
    Essay,
    Lecture,
    LectureAttendee,
    TrainingCourse,
    TrainingHoursYear,
)
from cadre_app.services.core import settings
from cadre_app.services.training import ledger, rules
from tests.factories import CadreFactory, DepartmentFactory

D = Decimal
YEAR = 2026


# --- helpers (h1): records made directly, as the other parts' services will store them, and
# the summary refreshed as those services do (``ledger.refresh_years``) -------------------------


def course(
    name: str = "专题培训",
    *,
    category: str = "专题培训班",
    mode: str = "脱产",
    start: date = date(YEAR, 3, 2),
    end: date | None = None,
    hours: str = "16",
) -> TrainingCourse:
    c = TrainingCourse(
        name=name,
        category=category,
        mode=mode,
        start_date=start,
        end_date=end or start,
        hours=D(hours),
    )
    db.session.add(c)
    db.session.flush()
    return c


def attend(c: TrainingCourse, cadre_id: int, leave: str = "0") -> Enrolment:
    outcome = rules.course_outcome(c.hours, D(leave), rules.DEFAULT_SETTINGS)
    e = Enrolment(
        course=c,
        cadre_id=cadre_id,
        attended_hours=outcome.attended,
        leave_hours=D(leave),
        passed=outcome.passed,
        hours_earned=outcome.earned,
    )
    db.session.add(e)
    db.session.flush()
    ledger.refresh_years([cadre_id], [c.end_date.year])
    return e


def record(cadre_id: int, hours: str, *, category="专题培训班", mode="脱产", end=None, leave="0"):
    end = end or date(YEAR, 5, 8)
    c = course(f"课程{hours}-{end}", category=category, mode=mode, start=end, end=end, hours=hours)
    return attend(c, cadre_id, leave)


def lecture(
    speaker_id: int, held_on: date, attendees: list[int], version: int | None = None
) -> Lecture:
    le = Lecture(
        speaker_id=speaker_id,
        topic="预算绩效管理",
        held_on=held_on,
        duration_hours=D(1),
        settings_version=version,
    )
    le.attendees = [LectureAttendee(cadre_id=a, rating=5) for a in attendees]
    db.session.add(le)
    db.session.flush()
    ledger.refresh_years([speaker_id, *attendees], [held_on.year])
    return le


def essay(
    author_id: int,
    grade: str | None,
    submitted: date = date(YEAR, 4, 1),
    version: int | None = None,
) -> Essay:
    e = Essay(
        author_id=author_id,
        title=f"关于{grade}的思考",
        submitted_on=submitted,
        file_name="a.pdf",
        file_type="pdf",
        file_size=4,
        file_data=b"%PDF",
        final_grade=grade,
        settings_version=version,
    )
    db.session.add(e)
    db.session.flush()
    ledger.refresh_years([author_id], [submitted.year])
    return e


@pytest.fixture
def ctx(app, org):
    with app.app_context():
        yield org
        db.session.rollback()


def senior(org) -> Cadre:
    return CadreFactory(
        department_id=org["treasury"], rank="四级调研员", birth_date=date(1975, 1, 1)
    )


# --- each kind, the online cap ---------------------------------------------------------------


def test_hours_by_kind_from_courses_lectures_and_essays(ctx):
    me = ctx["own_cadre"]
    record(me, "24", category="专题培训班")
    record(me, "8", category="导师帮带", mode="在职")
    record(me, "6", category="其他", mode="在职")
    record(me, "10", category="网络培训", mode="网络")
    lecture(me, date(YEAR, 6, 1), [ctx["other_cadre"]])  # speaker: 4
    lecture(ctx["other_cadre"], date(YEAR, 6, 8), [me])  # attendee: 1
    essay(me, "良好")  # 8
    essay(me, "不合格")  # 0
    essay(me, None)  # not graded yet: 0
    row = ledger.cadre_hours(me, YEAR)
    assert row.earned == {
        "专题培训班": D("24.0"),
        "网络培训": D("10.0"),
        "业务微讲座": D("5.0"),
        "策论": D("8.0"),
        "导师帮带": D("8.0"),
        "其他": D("6.0"),
    }
    assert row.online == D("10.0")
    assert row.counted == D("61.0")
    assert (row.required, row.short, row.behind) == (D("90.0"), D("29.0"), True)
    assert row.percent == 67


def test_online_hours_above_half_the_requirement_do_not_count(ctx):
    me = ctx["own_cadre"]
    record(me, "40", category="网络培训", mode="网络")
    record(me, "20", category="专题培训班", mode="网络")  # online by its 形式, whatever the 类别
    record(me, "40", category="专题培训班")
    row = ledger.cadre_hours(me, YEAR)
    assert row.online == D("60.0")
    assert row.online_cap == D("45.0")
    assert row.online_excess == D("15.0")
    assert row.total == D("100.0")
    assert row.counted == D("85.0")  # 45 online + 40
    assert row.short == D("5.0")


def test_a_course_over_the_leave_limit_earns_nothing(ctx):
    me = ctx["own_cadre"]
    record(me, "56", leave="8")  # exactly 1/7: 48
    record(me, "56", leave="8.5", end=date(YEAR, 6, 1))  # above: 0
    row = ledger.cadre_hours(me, YEAR)
    assert row.earned["专题培训班"] == D("48.0")
    lines = ledger.cadre_records(me, YEAR, YEAR)
    assert sorted((line.passed, line.earned) for line in lines) == [
        (False, D("0.0")),
        (True, D("48.0")),
    ]


def test_the_requirement_met_exactly_is_not_behind(ctx):
    me = ctx["own_cadre"]
    record(me, "90")
    row = ledger.cadre_hours(me, YEAR)
    assert (row.counted, row.short, row.behind, row.percent) == (D("90.0"), D("0.0"), False, 100)


# --- year boundaries and the window ----------------------------------------------------------


def test_a_course_counts_in_the_year_it_ends(ctx):
    me = ctx["own_cadre"]
    attend(course("跨年班", start=date(YEAR - 1, 12, 29), end=date(YEAR, 1, 2), hours="32"), me)
    record(me, "8", end=date(YEAR - 1, 12, 31))
    record(me, "4", end=date(YEAR, 12, 31))
    record(me, "2", end=date(YEAR + 1, 1, 1))
    assert ledger.cadre_hours(me, YEAR).counted == D("36.0")
    assert ledger.cadre_hours(me, YEAR - 1).counted == D("8.0")
    assert ledger.cadre_hours(me, YEAR + 1).counted == D("2.0")


def test_seniors_count_the_five_years_ending_with_the_year(ctx):
    s = senior(ctx)
    junior = ctx["own_cadre"]
    for cadre_id in (s.id, junior):
        record(cadre_id, "100", end=date(YEAR - 5, 12, 31))  # outside the window
        record(cadre_id, "200", end=date(YEAR - 4, 1, 1))  # first day of the window
        record(cadre_id, "150", end=date(YEAR - 1, 6, 1))
        record(cadre_id, "50", end=date(YEAR, 6, 1))
    lecture(s.id, date(YEAR - 2, 3, 1), [])  # +4 in the window
    essay(s.id, "合格", date(YEAR - 3, 3, 1))  # +8 in the window
    row = ledger.cadre_hours(s.id, YEAR)
    assert row.window == (YEAR - 4, YEAR)
    assert row.multi_year
    assert row.required == D("550.0")
    assert row.counted == D("412.0")
    assert row.short == D("138.0")
    assert ledger.cadre_hours(junior, YEAR).counted == D("50.0")  # the year alone
    assert ledger.cadre_hours(s.id, YEAR + 1).counted == D("212.0")  # 2022 left the window


def test_a_county_level_post_gets_the_window_in_the_table_too(ctx):
    head = CadreFactory(
        department_id=ctx["budget"], rank="一级主任科员", leadership_level="县处级副职"
    )
    record(head.id, "100", end=date(YEAR - 2, 5, 1))
    rows = {r.cadre_id: r for r in ledger.organisation_hours(YEAR).rows}
    assert rows[head.id].required == D("550.0")
    assert rows[head.id].counted == D("100.0")


def test_online_cap_of_a_senior_is_half_the_window(ctx):
    s = senior(ctx)
    record(s.id, "300", category="网络培训", mode="网络", end=date(YEAR - 1, 5, 1))
    row = ledger.cadre_hours(s.id, YEAR)
    assert (row.online_cap, row.counted) == (D("275.0"), D("275.0"))


def test_lecture_and_essay_credits_follow_the_settings_version_each_recorded(ctx):
    """A settings change does not rewrite what earlier lectures and essays earned (they
    recorded the version in force: none yet, the built-in defaults); those made under the new
    version earn its credits, in the one cadre's row and in the organisation's table."""
    me = ctx["own_cadre"]
    lecture(me, date(YEAR, 2, 1), [])
    lecture(ctx["other_cadre"], date(YEAR, 2, 2), [me])
    essay(me, "优秀")
    assert ledger.cadre_hours(me, YEAR).counted == D("13.0")  # 4 + 1 + 8
    new = {
        **rules.DEFAULT_SETTINGS,
        "lecture_speaker_hours": 6,
        "lecture_attendee_hours": 2,
        "essay_hours": 10,
    }
    version = settings.update(rules.SETTINGS_KEY, new, actor="hr1").id
    assert ledger.cadre_hours(me, YEAR).counted == D("13.0")
    lecture(me, date(YEAR, 3, 1), [], version)
    lecture(ctx["other_cadre"], date(YEAR, 3, 2), [me], version)
    essay(me, "合格", date(YEAR, 5, 1), version)
    assert ledger.cadre_hours(me, YEAR).counted == D("31.0")  # 13 + 6 + 2 + 10
    assert ledger.organisation_hours(YEAR, department_ids=[ctx["budget"]]).rows[0].counted == D(
        "31.0"
    )


def test_lectures_and_essays_outside_the_year_do_not_count(ctx):
    me = ctx["own_cadre"]
    lecture(me, date(YEAR - 1, 12, 31), [])
    essay(me, "优秀", date(YEAR + 1, 1, 1))
    assert ledger.cadre_hours(me, YEAR).counted == D("0.0")


# --- the organisation's table ----------------------------------------------------------------


def test_the_table_filters_by_section_rank_young_and_behind(ctx):
    me, other = ctx["own_cadre"], ctx["other_cadre"]
    record(me, "90")
    record(other, "30")
    everyone = ledger.organisation_hours(YEAR)
    assert [r.staff_no for r in everyone.rows] == ["T0001", "T0002"]  # section order
    assert [r.cadre_id for r in ledger.organisation_hours(YEAR, behind=True).rows] == [other]
    assert ledger.behind_count(YEAR) == 1
    assert ledger.behind_count(YEAR, [ctx["budget"]]) == 0
    only = ledger.organisation_hours(YEAR, department_ids=[ctx["treasury"]]).rows
    assert [r.cadre_id for r in only] == [other]
    assert [r.cadre_id for r in ledger.organisation_hours(YEAR, rank="一级科员").rows] == [me]
    on = date(YEAR, 6, 1)  # 李晓明 born 1995 (31): young; 王芳 born 1990 (35): young too
    young = ledger.organisation_hours(YEAR, young=True, on=on).rows
    assert {r.cadre_id for r in young} == {me, other}
    old = CadreFactory(department_id=ctx["budget"], birth_date=date(1980, 1, 1))
    assert [r.cadre_id for r in ledger.organisation_hours(YEAR, young=False, on=on).rows] == [
        old.id
    ]


def test_the_table_pages(ctx):
    dept = DepartmentFactory(name="办公室", sort_order=9)
    for i in range(7):
        CadreFactory(department=dept, staff_no=f"P{i:03d}")
    first = ledger.organisation_hours(YEAR, department_ids=[dept.id], page=1, per_page=3)
    last = ledger.organisation_hours(YEAR, department_ids=[dept.id], page=9, per_page=3)
    assert (first.total, first.pages, [r.staff_no for r in first.rows]) == (
        7,
        3,
        ["P000", "P001", "P002"],
    )
    assert (last.page, [r.staff_no for r in last.rows]) == (3, ["P006"])


def test_completion_by_section(ctx):
    record(ctx["own_cadre"], "90")
    record(ctx["other_cadre"], "45")
    sections = ledger.completion_by_section(ledger.organisation_hours(YEAR).rows)
    assert [(s.department, s.cadres, s.done, s.behind, s.percent) for s in sections] == [
        ("预算处", 1, 1, 0, 100),
        ("国库处", 1, 0, 1, 50),
    ]


def test_the_whole_table_follows_every_change(ctx):
    me = ctx["own_cadre"]
    assert ledger.organisation_hours(YEAR).rows[0].counted == D("0.0")
    e = record(me, "30")
    assert ledger.organisation_hours(YEAR).rows[0].counted == D("30.0")
    e.hours_earned = D("12")  # attendance corrected
    ledger.refresh_years([me], [YEAR])
    assert ledger.organisation_hours(YEAR).rows[0].counted == D("12.0")
    db.session.execute(sa.update(Enrolment).values(hours_earned=D("20")))  # a bulk statement
    ledger.refresh_years([me], [YEAR])
    assert ledger.organisation_hours(YEAR).rows[0].counted == D("20.0")
    cadre = db.session.get(Cadre, me)
    cadre.rank = "四级调研员"  # promoted: the window and 550 apply
    db.session.flush()
    assert ledger.organisation_hours(YEAR).rows[0].required == D("550.0")


def test_the_cache_forgets_what_a_rollback_undid(app, org):
    with app.app_context():
        db.session.begin_nested()
        record(org["own_cadre"], "30")
        assert ledger.organisation_hours(YEAR).rows[0].counted == D("30.0")
        db.session.rollback()
        assert ledger.organisation_hours(YEAR).rows[0].counted == D("0.0")


def test_the_young_flag_uses_today(ctx, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: date(2031, 6, 1))  # 李晓明 36 then
    rows = {r.cadre_id: r for r in ledger.organisation_hours(2031).rows}
    assert rows[ctx["own_cadre"]].young is False


def test_the_workbook_has_the_sheet_and_columns_of_design(ctx):
    from io import BytesIO

    import openpyxl

    record(ctx["own_cadre"], "50", category="网络培训", mode="网络")
    rows = ledger.organisation_hours(YEAR).rows
    book = openpyxl.load_workbook(BytesIO(ledger.hours_workbook(rows, YEAR)))
    sheet = book["学时统计"]
    values = list(sheet.values)
    assert values[0] == ledger.HEADER
    assert values[0][:6] == ("工号", "姓名", "部门", "职级", "要求学时", "已获学时")
    assert values[0][-1] == "差额"
    assert values[1][:6] == ("T0001", "李晓明", "预算处", "一级科员", 90, 45)
    assert values[1][-1] == 45
    assert values[1][-2] == 50  # online before the cap


def test_the_sql_seniority_is_the_rule_for_every_rank_and_post(ctx):
    from cadre_app.models import enums

    combos = [(r, p) for r in (*enums.RANK_LADDER, None) for p in (*enums.LEADERSHIP_LEVELS, None)]
    dept = DepartmentFactory(name="职级表", sort_order=99)
    made = {}
    for i, (rank, post) in enumerate(combos):
        made[
            CadreFactory(department=dept, staff_no=f"S{i:03d}", rank=rank, leadership_level=post).id
        ] = (
            rank,
            post,
        )
    rows = ledger.organisation_hours(YEAR, department_ids=[dept.id]).rows
    assert len(rows) == len(combos)
    for row in rows:
        rank, post = made[row.cadre_id]
        assert row.multi_year == rules.is_senior(rank, post), (rank, post)
        assert row.required == rules.requirement(rank, YEAR, rules.DEFAULT_SETTINGS, post).hours


@pytest.mark.committed
def test_a_write_by_another_process_is_seen(app, org):
    """Another process (a CLI import, a second web worker) writes through its own connection:
    no session event here, but the table's highest id moves, and the kept table follows."""
    with app.app_context():
        c = course(hours="30")
        db.session.commit()
        assert ledger.organisation_hours(YEAR).rows[0].counted == D("0.0")
        with db.engine.begin() as other:  # not this process's session
            other.execute(
                sa.insert(Enrolment).values(
                    course_id=c.id,
                    cadre_id=org["own_cadre"],
                    attended_hours=D("30"),
                    leave_hours=D("0"),
                    passed=True,
                    passed_given=False,
                    hours_earned=D("30"),
                    source="import",
                )
            )
            other.execute(  # the summary (tenths), as that process's writer keeps it
                sa.insert(TrainingHoursYear),
                [
                    {"cadre_id": org["own_cadre"], "year": YEAR, "span": span, "special": 300}
                    for span in (1, 5)
                ],
            )
        assert ledger.organisation_hours(YEAR).rows[0].counted == D("30.0")


def test_a_sign_in_or_a_download_keeps_the_table_a_write_does_not(ctx):
    from cadre_app.services.core import audit

    kept = ledger._cached_whole(YEAR)
    audit.record("export", object_type="enrolment", summary="学时统计", actor_name="hr1")
    audit.record("login", summary="hr1", actor_name="hr1")
    db.session.flush()
    assert ledger._cached_whole(YEAR) is kept
    # another process's write shows here only as its audit event (no session event)
    audit.record("update", object_type="enrolment", object_id=1, actor_name="hr1")
    db.session.flush()
    assert ledger._cached_whole(YEAR) is not kept
