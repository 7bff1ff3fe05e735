"""Monthly statistics (issue 15, point 2): per section and month, 培训学时, 业务微讲座, 策论,
secondments started and ended, talks opened and closed, as a table, a chart and a workbook;
HR every section, a manager their own."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

import openpyxl

from cadre_app.extensions import db
from cadre_app.models import (
    HonourEntry,
    HonourKind,
    HonourState,
    Secondment,
    SecondmentState,
    TalkState,
)
from cadre_app.models.training import Enrolment, LectureAttendee, TrainingCourse
from cadre_app.services.statistics import queries, rules
from cadre_app.services.training import settings_ops
from cadre_app.services.training.rules import lecture_credit
from tests.factories import EssayFactory, LectureFactory, TalkFactory

YEAR = 2025
HOURS = rules.BY_KEY["hours"]
LECTURES = rules.BY_KEY["lectures"]


def test_every_section_gets_a_row_and_the_unassigned_only_with_figures():
    sections = [(1, "预算处"), (2, "国库处")]
    table = rules.table(LECTURES, {(1, 3): 2, (1, 12): 1, (9, 5): 4}, sections)
    assert [(r.name, r.total) for r in table.rows] == [("预算处", 3), ("国库处", 0)]
    assert table.rows[0].months[2] == 2 and table.rows[0].months[11] == 1
    assert table.totals[2] == 2 and table.total == 3  # section 9 is not listed: left out
    with_none = rules.table(LECTURES, {(None, 1): 1}, sections, unassigned="未分配处室")
    assert [r.name for r in with_none.rows] == ["预算处", "国库处", "未分配处室"]
    assert rules.table(LECTURES, {(None, 1): 0}, sections).rows[-1].name == "国库处"
    hours = rules.table(HOURS, {(2, 6): Decimal("1.5"), (2, 7): Decimal("2.0")}, sections)
    assert hours.rows[1].total == Decimal("3.5") and hours.rows[0].total == Decimal(0)


def _figures(org) -> None:
    """In 2025: 12 学时 (a course ending in March) and a lecture in April for 预算处's cadre,
    who also submits an essay in May; a secondment of 国库处's cadre from February to June;
    a talk opened in July and closed in September; and things of 2024 that must not count."""
    own, other = org["own_cadre"], org["other_cadre"]
    course = TrainingCourse(
        name="预算管理专题班",
        category="专题培训班",
        mode="脱产",
        start_date=date(YEAR, 3, 28),
        end_date=date(YEAR, 3, 31),
        hours=Decimal(12),
    )
    db.session.add(course)
    db.session.flush()
    db.session.add(Enrolment(course_id=course.id, cadre_id=own, hours_earned=Decimal(12)))
    lecture = LectureFactory(speaker_id=own, held_on=date(YEAR, 4, 15))
    db.session.add(LectureAttendee(lecture_id=lecture.id, cadre_id=other))
    LectureFactory(speaker_id=own, held_on=date(YEAR - 1, 4, 15))  # another year
    EssayFactory(author_id=own, submitted_on=date(YEAR, 5, 6), final_grade="合格")
    for start, end, state in (
        (date(YEAR, 2, 10), date(YEAR, 6, 9), SecondmentState.ARCHIVED),
        (date(YEAR, 8, 1), date(YEAR + 1, 7, 31), SecondmentState.PROPOSED),  # not served
    ):
        db.session.add(
            Secondment(
                cadre_id=other,
                kind="下派",
                host_unit="青山县财政局",
                host_type="基层单位",
                start_date=start,
                planned_end=end,
                actual_end=end if state is SecondmentState.ARCHIVED else None,
                state=state,
            )
        )
    TalkFactory(
        subject_id=other,
        state=TalkState.CLOSED,
        created_at=datetime(YEAR, 7, 2, 1, 0),  # 09:00 in Beijing
        updated_at=datetime(YEAR, 9, 30, 17, 0),  # 01:00 on 1 October in Beijing
    )
    TalkFactory(subject_id=other, created_at=datetime(YEAR - 1, 12, 31, 17, 0))  # 2025-01-01
    for published, state in (
        (datetime(YEAR, 4, 2, 2, 0), HonourState.PUBLISHED),  # 10:00 on 2 April in Beijing
        (None, HonourState.APPROVED),  # not published: not counted
    ):
        db.session.add(
            HonourEntry(
                year=YEAR,
                quarter=1,
                kind=HonourKind.SECTION if published else HonourKind.INDIVIDUAL,
                department_id=org["budget"],
                cadre_id=None if published else own,
                title="先进处室" if published else "先进个人",
                deeds="事迹",
                state=state,
                published_at=published,
            )
        )
    db.session.flush()


def test_each_domains_figures_land_in_their_section_and_month(app, org):
    with app.app_context():
        _figures(org)
        tables = {t.measure.key: t for t in queries.tables(YEAR, None, unassigned="-")}
        budget, treasury = org["budget"], org["treasury"]

        def cell(key: str, section: int, month: int):
            row = next(r for r in tables[key].rows if r.section_id == section)
            return row.months[month - 1]

        credits = settings_ops.values_of(None)
        speaker = lecture_credit(True, credits)
        attendee = lecture_credit(False, credits)
        assert cell("hours", budget, 3) == Decimal(12)
        assert cell("hours", budget, 4) == speaker and cell("hours", treasury, 4) == attendee
        assert cell("hours", budget, 5) > 0  # the essay's credit
        assert tables["hours"].total == Decimal(12) + speaker + attendee + cell("hours", budget, 5)
        assert cell("lectures", budget, 4) == 1 and tables["lectures"].total == 1
        assert cell("essays", budget, 5) == 1
        assert cell("secondments_started", treasury, 2) == 1
        assert tables["secondments_started"].total == 1  # the proposed one did not start
        assert cell("secondments_ended", treasury, 6) == 1
        # on the office's calendar: opened 2025-01-01 and 07-02, closed 10-01
        assert cell("talks_opened", treasury, 1) == 1 and cell("talks_opened", treasury, 7) == 1
        assert cell("talks_closed", treasury, 10) == 1 and cell("talks_closed", treasury, 9) == 0
        assert cell("honours", budget, 4) == 1 and tables["honours"].total == 1
        assert [t.measure.key for t in queries.tables(YEAR, [budget], unassigned="-")] == [
            m.key for m in rules.MEASURES
        ]
        mine = queries.tables(YEAR, [budget], unassigned="-")
        assert all([r.section_id for r in t.rows] == [budget] for t in mine)


def test_the_page_the_chart_and_the_workbook(app, org, users, login_as):
    with app.app_context():
        _figures(org)
        db.session.commit()
    hr = login_as("hr")
    page = hr.get(f"/statistics/monthly?year={YEAR}&measure=secondments_started")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-testid="monthly-summary"' in html and "<svg" in html
    assert "预算处" in html and "国库处" in html
    assert 'data-testid="monthly-total">1<' in html
    manager = login_as("manager").get(f"/statistics/monthly?year={YEAR}").get_data(as_text=True)
    assert "预算处" in manager and "国库处" not in manager
    assert login_as("cadre").get("/statistics/monthly").status_code == 403
    assert hr.get("/statistics/monthly?year=1900").status_code == 400
    assert hr.get("/statistics/monthly?measure=nothing").status_code == 400
    book = hr.get(f"/statistics/monthly.xlsx?year={YEAR}")
    assert book.status_code == 200
    sheets = openpyxl.load_workbook(BytesIO(book.data))
    assert sheets.sheetnames[0] == "汇总" and "培训学时" in sheets.sheetnames
    summary = {row[0]: row[-1] for row in sheets["汇总"].iter_rows(min_row=2, values_only=True)}
    assert summary["业务微讲座"] == 1 and summary["挂职锻炼结束"] == 1
    english = login_as("hr")
    english.post("/auth/language", data={"lang": "en", "next": "/"})
    text = english.get(f"/statistics/monthly?year={YEAR}").get_data(as_text=True)
    assert "Monthly statistics" in text and "Training hours" in text
