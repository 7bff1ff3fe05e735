"""Working days: Monday to Friday, minus public holidays, plus 调休 make-up working days.

The exceptions come from the Holiday table (``overrides``: date -> is_workday). Pure functions
take the overrides as a plain dict so they can be tested without a database.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import Holiday


def is_workday(day: date, overrides: dict[date, bool]) -> bool:
    if day in overrides:
        return overrides[day]
    return day.weekday() < 5


def add_workdays(start: date, days: int, overrides: dict[date, bool]) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself not counted).
    15 working days after a Friday letter is the third Friday after it, in a week without
    holidays."""
    if days < 0:
        raise ValueError("days must be >= 0")
    day = start
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if is_workday(day, overrides):
            remaining -= 1
    return day


def roll_forward(day: date, overrides: dict[date, bool]) -> date:
    """``day`` if it is a working day, else the next working day (a deadline never falls on
    a holiday)."""
    while not is_workday(day, overrides):
        day += timedelta(days=1)
    return day


def add_months(day: date, months: int) -> date:
    """Same day ``months`` later, clamped to the month's end (31 Aug + 6 months = 28/29 Feb)."""
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def overrides_between(start: date, end: date) -> dict[date, bool]:
    """Holiday exceptions in [start, end] from the database."""
    rows = db.session.execute(
        sa.select(Holiday.day, Holiday.is_workday).where(Holiday.day.between(start, end))
    )
    return {row.day: row.is_workday for row in rows}


def deadline(start: date, *, workdays: int | None = None, days: int | None = None) -> date:
    """A deadline from the database calendar: ``workdays`` working days after ``start``, or
    ``days`` calendar days after it rolled forward to a working day."""
    overrides = overrides_between(start, start + timedelta(days=400))
    if workdays is not None:
        return add_workdays(start, workdays, overrides)
    assert days is not None
    return roll_forward(start + timedelta(days=days), overrides)
