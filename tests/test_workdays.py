"""Working-day deadlines with holidays and 调休 make-up days."""

from __future__ import annotations

from datetime import date

from cadre_app.services.core import workdays

# National Day 2026 (illustrative): 1-7 October off, Saturday 10 October worked.
OCTOBER = {date(2026, 10, d): False for d in range(1, 8)} | {date(2026, 10, 10): True}


def test_plain_weeks():
    friday = date(2026, 11, 20)
    assert workdays.add_workdays(friday, 1, {}) == date(2026, 11, 23)  # Monday
    assert workdays.add_workdays(friday, 15, {}) == date(2026, 12, 11)
    assert workdays.add_workdays(friday, 0, {}) == friday


def test_holidays_skip_and_make_up_days_count():
    # 5 working days after 30 September: 8 Oct (Thu), 9 Oct (Fri), 10 Oct (Sat, 调休), 12, 13.
    assert workdays.add_workdays(date(2026, 9, 30), 5, OCTOBER) == date(2026, 10, 13)


def test_roll_forward():
    assert workdays.roll_forward(date(2026, 10, 3), OCTOBER) == date(2026, 10, 8)
    assert workdays.roll_forward(date(2026, 10, 10), OCTOBER) == date(2026, 10, 10)
    assert workdays.roll_forward(date(2026, 11, 21), {}) == date(2026, 11, 23)


def test_add_months_clamps():
    assert workdays.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert workdays.add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert workdays.add_months(date(2026, 3, 15), 6) == date(2026, 9, 15)
