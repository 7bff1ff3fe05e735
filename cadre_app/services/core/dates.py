"""Dates as people in a personnel office write them.

Accepted: ``YYYY-MM-DD``, ``YYYY/MM/DD``, ``YYYY.MM.DD``, ``YYYY.MM``, ``YYYY-MM``,
``YYYY年MM月``, ``YYYY年MM月DD日``, ``YYYYMMDD`` and ``YYYYMM`` (the .lrmx form).

A date written without its day keeps that precision (DOMAIN.md, Real data): ``parse`` returns a
``MonthDate``, a ``date`` on the first of the month that says it is known only to the month.
The roster stores the precision beside the date and shows such a date as ``1990.03``; never
invent a day and then treat it as known.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from flask_babel import gettext as _

_FULL = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_MONTH = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$")
_COMPACT_MONTH = re.compile(r"^(\d{4})(\d{2})$")
_COMPACT_DAY = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


class DateFormatError(ValueError):
    """Not a date, or not a real one; the message says which (in Chinese)."""


MONTH = "month"
DAY = "day"


class MonthDate(date):
    """A date known only to its month. ``day`` is 1, or the day another source (the ID
    number) supplied; either way it is shown and printed as ``YYYY.MM``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"MonthDate({self.year}, {self.month}, {self.day})"


def precision(value: date | None) -> str:
    """``month`` for a MonthDate, else ``day`` (also for None)."""
    return MONTH if isinstance(value, MonthDate) else DAY


def with_precision(value: date | None, given: str | None) -> date | None:
    """``value`` as a MonthDate when ``given`` is ``month`` (as read back from the database)."""
    if value is None or given != MONTH or isinstance(value, MonthDate):
        return value
    return MonthDate(value.year, value.month, value.day)


def shown(value: date | None) -> str:
    """A date as people here write it, at the precision it was given: ``1990.03`` or
    ``1990.03.17``; empty for None."""
    if value is None:
        return ""
    return f"{value:%Y.%m}" if isinstance(value, MonthDate) else f"{value:%Y.%m.%d}"


def for_input(value: date | None) -> str:
    """A date for an edit box: ``1990.03`` for a month, ISO ``1990-03-17`` for a day."""
    if value is None:
        return ""
    return f"{value:%Y.%m}" if isinstance(value, MonthDate) else value.isoformat()


def parse(text: str | None) -> date | None:
    """A date from ``text``, None for empty input; raises DateFormatError otherwise. A month
    without a day gives a ``MonthDate`` (the first of the month, known to the month)."""
    if text is None:
        return None
    value = unicodedata.normalize("NFKC", str(text)).strip().replace(" ", "")
    if not value:
        return None
    kind: type[date] = date
    for pattern in (_FULL, _COMPACT_DAY):
        match = pattern.match(value)
        if match:
            year, month, day = (int(g) for g in match.groups())
            break
    else:
        for pattern in (_MONTH, _COMPACT_MONTH):
            match = pattern.match(value)
            if match:
                year, month = (int(g) for g in match.groups())
                day, kind = 1, MonthDate
                break
        else:
            raise DateFormatError(
                _(
                    "“%(value)s”不是可识别的日期"
                    "（可写作 1990-01-31、1990.01、1990.01.31 或 1990年01月）。",
                    value=value,
                )
            )
    try:
        return kind(year, month, day)
    except ValueError:
        raise DateFormatError(_("日期“%(value)s”不存在。", value=value)) from None
