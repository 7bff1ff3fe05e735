"""The working-day calendar's exceptions: weekday holidays and weekend 调休 days, synced
from the national notice or entered by hand (services.core.workdays)."""

from __future__ import annotations

import enum
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from cadre_app.extensions import db
from cadre_app.models.evaluations import _enum


class HolidaySource(enum.StrEnum):
    """Where a calendar day came from. ``flask holidays sync`` adds, updates and removes only
    the rows it wrote (``SYNC``); a day entered by hand (``LOCAL``) is never touched by it."""

    SYNC = "sync"  # 同步: from the chinese_calendar package (services.core.holiday_sync)
    LOCAL = "local"  # 手工: entered by HR or the admin on /talks/holidays

    @property
    def label(self) -> str:
        from flask_babel import gettext as _

        return {HolidaySource.SYNC: _("同步"), HolidaySource.LOCAL: _("手工")}[self]


class Holiday(db.Model):
    """A day that breaks the Monday-to-Friday rule: a public holiday on a weekday
    (``is_workday`` False) or a 调休 make-up working day on a weekend (``is_workday`` True)."""

    day: so.Mapped[date] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(50))
    is_workday: so.Mapped[bool] = so.mapped_column(default=False)
    source: so.Mapped[HolidaySource] = so.mapped_column(
        _enum(HolidaySource, "holiday_source"),
        default=HolidaySource.LOCAL,
        server_default=HolidaySource.LOCAL.value,
    )
