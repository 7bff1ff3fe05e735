"""The working-day calendar every domain counts deadlines with: Monday to Friday, minus
public holidays, plus 调休 make-up working days.

The exceptions come from the Holiday table (``overrides``: date -> is_workday), synced each
year from the national notice (``holiday_sync``) or entered by hand (``add_holiday``). Pure
functions take the overrides as a plain dict so they can be tested without a database.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from cadre_app.extensions import db
from cadre_app.models import Holiday
from cadre_app.services.core import audit


class CalendarError(ValueError):
    """A day that cannot be entered; ``errors`` are (field, Chinese message) pairs."""

    def __init__(self, errors: list[tuple[str | None, str]]):
        super().__init__(" ".join(message for _field, message in errors))
        self.errors = errors


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


# --- the calendar's own rows (HR and the admin keep them) ------------------------------------


def list_holidays(year: int) -> list[Holiday]:
    """The year's holidays and 调休 days, synced and entered by hand, in date order."""
    return list(
        db.session.scalars(
            sa.select(Holiday)
            .where(Holiday.day.between(date(year, 1, 1), date(year, 12, 31)))
            .order_by(Holiday.day)
        )
    )


def add_holiday(day: date, name: str, *, is_workday: bool, actor: str | None) -> Holiday:
    """A public holiday on a weekday, or a 调休 make-up working day on a weekend. A weekend
    holiday or a weekday "workday" changes nothing and is refused, as is a second entry for
    the same day. Raises CalendarError."""
    name = (name or "").strip()
    errors: list[tuple[str | None, str]] = []
    if not name:
        errors.append(("name", _("请填写名称（如 国庆节、国庆调休）。")))
    elif len(name) > 50:
        errors.append(("name", _("名称不能超过 50 字。")))
    weekend = day.weekday() >= 5
    if is_workday and not weekend:
        errors.append(("day", _("%(day)s 是工作日，只有周末才能登记为调休上班日。", day=day)))
    if not is_workday and weekend:
        errors.append(("day", _("%(day)s 是周末，本来就不上班，无需登记为节假日。", day=day)))
    if db.session.get(Holiday, day) is not None:
        errors.append(("day", _("%(day)s 已经登记过。", day=day)))
    if errors:
        raise CalendarError(errors)
    holiday = Holiday(day=day, name=name, is_workday=is_workday)
    db.session.add(holiday)
    db.session.flush()
    audit.record(
        "create",
        object_type="holiday",
        object_id=day.isoformat(),
        summary=f"{day.isoformat()} {name}（{'调休上班' if is_workday else '放假'}）",
        after={"day": day, "name": name, "is_workday": is_workday},
        actor_name=actor,
    )
    return holiday


def delete_holiday(holiday: Holiday, *, actor: str | None) -> None:
    audit.record(
        "delete",
        object_type="holiday",
        object_id=holiday.day.isoformat(),
        summary=f"{holiday.day.isoformat()} {holiday.name}",
        before={"day": holiday.day, "name": holiday.name, "is_workday": holiday.is_workday},
        actor_name=actor,
    )
    db.session.delete(holiday)
    db.session.flush()
