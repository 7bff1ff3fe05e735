"""The national holiday calendar, taken from the ``chinese_calendar`` package (PyPI
``chinesecalendar``, which transcribes the State Council's yearly notice) into the Holiday table
that services.workdays reads.

Only exceptions to the Monday-to-Friday rule are written, as on /talks/holidays: public holidays
that fall on a weekday and 调休 make-up working days that fall on a weekend. A sync owns the rows
it wrote (``HolidaySource.SYNC``): it adds the days missing, updates a synced day whose name or
kind changed and removes a synced day the package no longer lists (a corrected notice). A day
entered by hand (``LOCAL``) is the office's own decision and is never overwritten or deleted.
Running a sync again changes nothing.

The package knows only the years whose notice it transcribes; a new release follows each notice
(usually published in November or December). Another year raises ``UnknownYear``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import chinese_calendar
import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import Holiday, HolidaySource
from cadre_app.services.core import audit

#: The package's holidays (an enum of English names) as the notice names them.
CHINESE_NAMES = {
    chinese_calendar.Holiday.new_years_day: "元旦",
    chinese_calendar.Holiday.spring_festival: "春节",
    chinese_calendar.Holiday.tomb_sweeping_day: "清明节",
    chinese_calendar.Holiday.labour_day: "劳动节",
    chinese_calendar.Holiday.dragon_boat_festival: "端午节",
    chinese_calendar.Holiday.national_day: "国庆节",
    chinese_calendar.Holiday.mid_autumn_festival: "中秋节",
}
#: The name of a weekend worked in exchange for a holiday: 国庆节调休.
MAKE_UP_SUFFIX = "调休"


def library_version() -> str:
    return f"chinesecalendar {chinese_calendar.__version__}"


def known_years() -> list[int]:
    """The years the installed package has a notice for."""
    return sorted({day.year for day in chinese_calendar.holidays})


class UnknownYear(ValueError):
    """The installed package has no notice for this year."""

    def __init__(self, year: int) -> None:
        years = known_years()
        super().__init__(
            f"{library_version()} 没有 {year} 年的节假日安排（只有 {years[0]}–{years[-1]} 年）："
            "国务院办公厅通知发布后升级该软件包（pip install -U chinesecalendar）再同步，"
            "或在“节假日与调休”页面手工登记。"
        )
        self.year = year


def chinese_name(english: str) -> str:
    """``National Day`` -> 国庆节; a holiday the map lacks keeps the package's Chinese name."""
    try:
        holiday = chinese_calendar.Holiday(english)
    except ValueError:
        return english
    return CHINESE_NAMES.get(holiday, holiday.chinese)


def national_days(year: int) -> dict[date, tuple[str, bool]]:
    """The year's exceptions per the package, in date order: day -> (name, is_workday).
    Raises UnknownYear."""
    if year not in known_years():
        raise UnknownYear(year)
    days: dict[date, tuple[str, bool]] = {}
    for day, english in chinese_calendar.holidays.items():
        if day.year == year and day.weekday() < 5:
            days[day] = (chinese_name(english), False)
    for day, english in chinese_calendar.workdays.items():
        if day.year == year and day.weekday() >= 5:
            days[day] = (chinese_name(english) + MAKE_UP_SUFFIX, True)
    return dict(sorted(days.items()))


@dataclass
class SyncResult:
    year: int
    added: list[date] = field(default_factory=list)
    updated: list[date] = field(default_factory=list)
    removed: list[date] = field(default_factory=list)
    unchanged: int = 0
    #: The year's days entered by hand, left as they are (some may differ from the notice).
    kept: list[date] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        return (
            f"{self.year} 年节假日：新增 {len(self.added)} 天，更新 {len(self.updated)} 天，"
            f"删除 {len(self.removed)} 天，未变 {self.unchanged} 天，"
            f"保留手工登记 {len(self.kept)} 天"
        )


def _label(holiday: Holiday) -> str:
    kind = "调休上班" if holiday.is_workday else "放假"
    return f"{holiday.day.isoformat()} {holiday.name}（{kind}）"


def sync(year: int, *, actor: str | None = None) -> SyncResult:
    """Bring the year's synced days in line with the package; flushes, never commits. A change
    is audited as one ``import`` event naming every day added, updated or removed.
    Raises UnknownYear."""
    wanted = national_days(year)
    rows = db.session.scalars(
        sa.select(Holiday).where(Holiday.day.between(date(year, 1, 1), date(year, 12, 31)))
    )
    existing = {row.day: row for row in rows}
    result = SyncResult(year)
    changes: dict[str, list[str]] = {"added": [], "updated": [], "removed": []}
    for day, (name, is_workday) in wanted.items():
        row = existing.get(day)
        if row is None:
            row = Holiday(day=day, name=name, is_workday=is_workday, source=HolidaySource.SYNC)
            db.session.add(row)
            result.added.append(day)
            changes["added"].append(_label(row))
        elif row.source is not HolidaySource.SYNC:
            continue  # entered by hand: the office's override
        elif (row.name, row.is_workday) != (name, is_workday):
            before = _label(row)
            row.name, row.is_workday = name, is_workday
            result.updated.append(day)
            changes["updated"].append(f"{before} → {_label(row)}")
        else:
            result.unchanged += 1
    for day, row in existing.items():
        if row.source is HolidaySource.SYNC and day not in wanted:
            db.session.delete(row)
            result.removed.append(day)
            changes["removed"].append(_label(row))
    result.kept = sorted(day for day, row in existing.items() if row.source is HolidaySource.LOCAL)
    db.session.flush()
    if result.changed:
        audit.record(
            "import",
            object_type="holiday",
            object_id=year,
            summary=f"从 {library_version()} 同步{result.summary()}",
            after={"year": year, **changes},
            actor_name=actor,
        )
    return result


def year_status(year: int) -> tuple[int, int]:
    """How many days of ``year`` the calendar holds: (synced, entered by hand)."""
    counts = dict(
        db.session.execute(
            sa.select(Holiday.source, sa.func.count())
            .where(Holiday.day.between(date(year, 1, 1), date(year, 12, 31)))
            .group_by(Holiday.source)
        ).all()
    )
    return counts.get(HolidaySource.SYNC, 0), counts.get(HolidaySource.LOCAL, 0)
