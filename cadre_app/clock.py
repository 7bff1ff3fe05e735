"""One place for "now": every timestamp in the database is naive UTC (``utcnow``), and
"today" is the office's calendar day (``today``), whatever zone the server's clock is in."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app

#: Where the office is, when the app does not say (config BABEL_DEFAULT_TIMEZONE).
DEFAULT_ZONE = "Asia/Shanghai"


def utcnow() -> datetime:
    """The current time as a naive UTC datetime (the form stored in every DateTime column)."""
    return datetime.now(UTC).replace(tzinfo=None)


def zone() -> ZoneInfo:
    """The office's time zone (config ``BABEL_DEFAULT_TIMEZONE``): stored UTC timestamps are
    shown in it."""
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or DEFAULT_ZONE)


def today() -> date:
    """Today's date in the office's time zone (config ``BABEL_DEFAULT_TIMEZONE``). Forms are
    dated, ages counted and deadlines set on that calendar: on a server kept in UTC,
    ``date.today()`` is the day before from midnight to 08:00 in Beijing."""
    return datetime.now(zone()).date()


def utc_midnight(day: date) -> datetime:
    """The start of ``day`` on the office's calendar, as a naive UTC datetime (to compare
    with stored timestamps)."""
    return datetime.combine(day, time.min, zone()).astimezone(UTC).replace(tzinfo=None)


def local_month(stamp: datetime) -> int:
    """The month, on the office's calendar, of a stored (naive UTC) timestamp."""
    return stamp.replace(tzinfo=UTC).astimezone(zone()).month
