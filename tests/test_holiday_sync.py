"""The working-day calendar from the chinese_calendar package: ``flask holidays sync`` writes a
year's public holidays and 调休 days, keeps what HR entered by hand, and deadlines follow it;
``flask doctor`` warns while this year's or next year's calendar is missing."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
import sqlalchemy as sa

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import AuditEvent, Holiday, HolidaySource
from cadre_app.services.core import audit, health, holiday_sync, workdays

NATIONAL_DAY_2025 = [date(2025, 10, d) for d in range(1, 9)]  # 1-8 October off
MAKE_UP_2025 = [date(2025, 9, 28), date(2025, 10, 11)]  # Sunday and Saturday worked


def _calendar(app, year: int) -> dict[date, tuple[str, bool, HolidaySource]]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(Holiday).where(Holiday.day.between(date(year, 1, 1), date(year, 12, 31)))
        )
        return {h.day: (h.name, h.is_workday, h.source) for h in rows}


def _sync(runner, year: int):
    return runner.invoke(args=["holidays", "sync", "--year", str(year)])


def test_the_library_agrees_with_the_2025_notice():
    assert all(chinese_calendar.is_holiday(day) for day in NATIONAL_DAY_2025)
    assert all(chinese_calendar.is_workday(day) for day in MAKE_UP_2025)
    assert 2025 in holiday_sync.known_years()


def test_sync_writes_weekday_holidays_and_weekend_make_up_days(app, runner):
    result = _sync(runner, 2025)
    assert result.exit_code == 0, result.output
    calendar = _calendar(app, 2025)
    assert len(calendar) == 23  # 18 weekdays off, 5 weekends worked
    assert result.output.strip() == (
        "2025 年节假日：新增 23 天，更新 0 天，删除 0 天，未变 0 天，保留手工登记 0 天"
    )
    national_day = {day: calendar.get(day) for day in NATIONAL_DAY_2025}
    assert national_day == {
        date(2025, 10, 1): ("国庆节", False, HolidaySource.SYNC),
        date(2025, 10, 2): ("国庆节", False, HolidaySource.SYNC),
        date(2025, 10, 3): ("国庆节", False, HolidaySource.SYNC),
        date(2025, 10, 4): None,  # Saturday: off anyway, nothing to record
        date(2025, 10, 5): None,
        date(2025, 10, 6): ("中秋节", False, HolidaySource.SYNC),  # the notice's 中秋 day
        date(2025, 10, 7): ("国庆节", False, HolidaySource.SYNC),
        date(2025, 10, 8): ("国庆节", False, HolidaySource.SYNC),
    }
    for day in MAKE_UP_2025:
        assert calendar[day] == ("国庆节调休", True, HolidaySource.SYNC)
    assert calendar[date(2025, 1, 28)][0] == "春节" and calendar[date(2025, 4, 4)][0] == "清明节"
    # Every day of the year is a working day here exactly when the library says so.
    overrides = {day: is_workday for day, (_name, is_workday, _source) in calendar.items()}
    year = [date(2025, 1, 1) + timedelta(days=n) for n in range(365)]
    assert [workdays.is_workday(d, overrides) for d in year] == [
        chinese_calendar.is_workday(d) for d in year
    ]
    with app.app_context():
        (event,) = db.session.scalars(sa.select(AuditEvent)).all()
        assert (event.action, event.object_type, event.object_id) == ("import", "holiday", "2025")
        assert event.actor_name.startswith("cli:") and "chinesecalendar" in event.summary
        assert "2025-10-01 国庆节（放假）" in event.after["added"]
        assert list(audit.verify()) == []


def test_sync_again_changes_nothing(app, runner):
    assert _sync(runner, 2025).exit_code == 0
    before = _calendar(app, 2025)
    again = _sync(runner, 2025)
    assert again.exit_code == 0, again.output
    assert f"新增 0 天，更新 0 天，删除 0 天，未变 {len(before)} 天" in again.output
    assert _calendar(app, 2025) == before
    with app.app_context():  # a sync that changes nothing is not an event
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 1


def test_days_entered_by_hand_are_kept(app, runner, hr_client):
    # HR's own decisions, before any sync: 1 October under the office's name, an extra day off.
    for day, name in (("2025-10-01", "国庆节（本局）"), ("2025-12-31", "本局年终休整")):
        assert hr_client.post("/talks/holidays", data={"day": day, "name": name}).status_code == 302
    assert _sync(runner, 2025).exit_code == 0
    # A synced day that has gone stale (renamed, or dropped from a corrected notice).
    with app.app_context():
        db.session.get(Holiday, date(2025, 10, 2)).name = "旧名称"
        db.session.add(Holiday(day=date(2025, 12, 30), name="旧日", source=HolidaySource.SYNC))
        db.session.commit()

    result = _sync(runner, 2025)
    assert result.exit_code == 0, result.output
    assert (
        "新增 0 天，更新 1 天，删除 1 天" in result.output and "保留手工登记 2 天" in result.output
    )
    calendar = _calendar(app, 2025)
    assert calendar[date(2025, 10, 1)] == ("国庆节（本局）", False, HolidaySource.LOCAL)
    assert calendar[date(2025, 12, 31)] == ("本局年终休整", False, HolidaySource.LOCAL)
    assert calendar[date(2025, 10, 2)] == ("国庆节", False, HolidaySource.SYNC)
    assert date(2025, 12, 30) not in calendar

    html = hr_client.get("/talks/holidays?year=2025").get_data(as_text=True)
    assert html.count('data-testid="holiday-source"') == len(calendar)
    assert "同步" in html and "手工" in html


def test_a_year_the_library_does_not_know_is_refused(app, runner):
    year = max(holiday_sync.known_years()) + 1
    result = _sync(runner, year)
    assert result.exit_code == 1
    assert f"没有 {year} 年的节假日安排" in result.output and "pip install -U" in result.output
    assert _calendar(app, year) == {}


def test_deadlines_follow_the_synced_calendar(app, app_ctx, runner):
    assert workdays.deadline(date(2025, 9, 30), workdays=5) == date(2025, 10, 7)  # no calendar
    assert _sync(runner, 2025).exit_code == 0
    # 5 working days after 30 September: 9, 10, 11 (Saturday, 调休), 13, 14 October.
    assert workdays.deadline(date(2025, 9, 30), workdays=5) == date(2025, 10, 14)
    assert workdays.deadline(date(2025, 9, 26), workdays=1) == date(2025, 9, 28)  # Sunday, 调休
    assert workdays.deadline(date(2025, 9, 24), days=7) == date(2025, 10, 9)  # rolled past 国庆


@pytest.fixture
def doctor(runner, monkeypatch):
    """``flask doctor`` on 2 December 2025 (next year is then a year the library knows)."""
    monkeypatch.setattr(clock, "today", lambda: date(2025, 12, 2))
    return lambda: runner.invoke(args=["doctor"])


def test_doctor_warns_while_a_year_is_missing(app, runner, doctor):
    result = doctor()
    assert result.exit_code == 0, result.output  # a warning, not a failure
    assert "WARN 节假日日历 2025: 尚无节假日与调休" in result.output
    assert "WARN 节假日日历 2026: 尚无节假日与调休" in result.output
    assert "flask holidays sync --year 2026" in result.output

    assert _sync(runner, 2025).exit_code == 0
    result = doctor()
    assert "OK   节假日日历 2025: " in result.output
    assert "WARN 节假日日历 2026" in result.output

    assert _sync(runner, 2026).exit_code == 0
    result = doctor()
    assert "WARN 节假日日历" not in result.output and "OK   节假日日历 2026: " in result.output


def test_doctor_says_when_the_library_does_not_know_next_year(app, app_ctx):
    year = max(holiday_sync.known_years()) + 1
    ok, detail = health.holiday_calendar(year)
    assert not ok
    assert "pip install -U chinesecalendar" in detail
    assert f"flask holidays sync --year {year}" in detail and "手工登记" in detail
