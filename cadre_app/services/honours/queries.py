"""Reads of the honour roll: the published quarters and their roll, one entry as a reader
may see it, HR's and the managers' list of nominations, and what other domains show (the
cadre's profile, the selection comparison, the 奖惩情况 of the 干部任免审批表), each in one
query for many cadres.

Order on the roll: sections first, in the organisation's order of sections; then
individuals by 姓氏笔画 (services.core.names.stroke_key), as official lists are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from cadre_app.extensions import db
from cadre_app.models import Cadre, Department, HonourEntry, HonourKind, HonourState
from cadre_app.services.core.names import stroke_key
from cadre_app.services.honours import rules

S = HonourState


@dataclass(frozen=True)
class Quarter:
    year: int
    quarter: int
    entries: int  # how many entries the quarter holds (in the states asked)

    @property
    def key(self) -> str:
        return rules.quarter_key(self.year, self.quarter)

    @property
    def text(self) -> str:
        return rules.quarter_text(self.year, self.quarter)


@dataclass(frozen=True)
class HonourLine:
    """One published individual honour, as another domain shows it."""

    year: int
    quarter: int
    title: str

    @property
    def label(self) -> str:
        """The quarter in the reader's language (``2026年第一季度``)."""
        return rules.quarter_text(self.year, self.quarter)


def _loaded() -> list[Any]:
    return [so.joinedload(HonourEntry.department), so.joinedload(HonourEntry.cadre)]


def roll_order(entries: list[HonourEntry]) -> list[HonourEntry]:
    """Sections first (the organisation's order), then individuals by 姓氏笔画."""

    def key(entry: HonourEntry) -> tuple[Any, ...]:
        if entry.kind is HonourKind.SECTION:
            return (0, entry.department.sort_order, entry.department.name, ())
        assert entry.cadre is not None
        return (1, 0, "", stroke_key(entry.cadre.name))

    return sorted(entries, key=key)


def quarters(states: tuple[HonourState, ...] = (S.PUBLISHED,)) -> list[Quarter]:
    """The quarters holding entries in ``states``, newest first, with their counts."""
    rows = db.session.execute(
        sa.select(HonourEntry.year, HonourEntry.quarter, sa.func.count())
        .where(HonourEntry.state.in_(states))
        .group_by(HonourEntry.year, HonourEntry.quarter)
        .order_by(HonourEntry.year.desc(), HonourEntry.quarter.desc())
    )
    return [Quarter(r[0], r[1], r[2]) for r in rows]


def published_roll(year: int, quarter: int) -> list[HonourEntry]:
    """The published entries of one quarter, in roll order (empty: nothing published)."""
    entries = db.session.scalars(
        sa.select(HonourEntry)
        .options(*_loaded())
        .where(
            HonourEntry.year == year,
            HonourEntry.quarter == quarter,
            HonourEntry.state == S.PUBLISHED,
        )
    )
    return roll_order(list(entries))


def entry_visible(
    entry_id: int, *, is_hr: bool, led_department_ids: list[int]
) -> HonourEntry | None:
    """The entry when the reader may see it (rules.may_read), else None."""
    entry = db.session.get(HonourEntry, entry_id, options=_loaded())
    if entry is None or not rules.may_read(
        entry.state,
        is_hr=is_hr,
        led_department_ids=led_department_ids,
        department_id=entry.department_id,
    ):
        return None
    return entry


def photo_of(entry_id: int) -> tuple[bytes, str] | None:
    """The entry's photo bytes and type (the column is deferred: pages never load it)."""
    row = db.session.execute(
        sa.select(HonourEntry.photo, HonourEntry.photo_type).where(HonourEntry.id == entry_id)
    ).first()
    if row is None or row.photo is None or row.photo_type is None:
        return None
    return row.photo, row.photo_type


def nominations(
    *,
    visible_departments: list[int] | None,
    year: int | None = None,
    quarter: int | None = None,
    state: HonourState | None = None,
) -> list[HonourEntry]:
    """Entries for HR's management page (``visible_departments`` None) or a manager's (their
    sections'), newest quarter first, then by state and roll order."""
    query = sa.select(HonourEntry).options(*_loaded())
    if visible_departments is not None:
        query = query.where(HonourEntry.department_id.in_(visible_departments or [-1]))
    if year is not None:
        query = query.where(HonourEntry.year == year)
    if quarter is not None:
        query = query.where(HonourEntry.quarter == quarter)
    if state is not None:
        query = query.where(HonourEntry.state == state)
    entries = list(db.session.scalars(query))
    by_quarter: dict[tuple[int, int], list[HonourEntry]] = {}
    for entry in entries:
        by_quarter.setdefault((entry.year, entry.quarter), []).append(entry)
    out = []
    for key in sorted(by_quarter, reverse=True):
        out += roll_order(by_quarter[key])
    return out


def state_counts(visible_departments: list[int] | None) -> dict[HonourState, int]:
    query = sa.select(HonourEntry.state, sa.func.count()).group_by(HonourEntry.state)
    if visible_departments is not None:
        query = query.where(HonourEntry.department_id.in_(visible_departments or [-1]))
    return {S(state): count for state, count in db.session.execute(query)}


def section_choices(visible_departments: list[int] | None) -> list[tuple[int, str]]:
    """The sections one may nominate for: all (HR) or those led (a manager)."""
    query = sa.select(Department.id, Department.name).order_by(
        Department.sort_order, Department.name
    )
    if visible_departments is not None:
        query = query.where(Department.id.in_(visible_departments or [-1]))
    return [(r.id, r.name) for r in db.session.execute(query)]


def cadre_by_staff_no(staff_no: str) -> Cadre | None:
    return db.session.scalar(sa.select(Cadre).where(Cadre.staff_no == staff_no))


def of_cadres(cadre_ids: list[int]) -> dict[int, list[HonourLine]]:
    """Each cadre's published individual honours, newest first, in one query (the
    selection comparison, the profile)."""
    if not cadre_ids:
        return {}
    rows = db.session.execute(
        sa.select(HonourEntry.cadre_id, HonourEntry.year, HonourEntry.quarter, HonourEntry.title)
        .where(HonourEntry.cadre_id.in_(list(cadre_ids)), HonourEntry.state == S.PUBLISHED)
        .order_by(HonourEntry.year.desc(), HonourEntry.quarter.desc(), HonourEntry.id)
    )
    out: dict[int, list[HonourLine]] = {}
    for r in rows:
        out.setdefault(r.cadre_id, []).append(HonourLine(r.year, r.quarter, r.title))
    return out


def of_cadre(cadre_id: int) -> list[HonourEntry]:
    """The cadre's published individual entries, newest first (the profile's tab)."""
    return list(
        db.session.scalars(
            sa.select(HonourEntry)
            .where(HonourEntry.cadre_id == cadre_id, HonourEntry.state == S.PUBLISHED)
            .order_by(HonourEntry.year.desc(), HonourEntry.quarter.desc())
        )
    )


def reward_lines(cadre_id: int) -> list[str]:
    """The lines the cadre's 奖惩情况 prints for honours the organisation chose to list there
    (published, ``in_rewards``), oldest first, in Chinese as the form is:
    ``2026年第一季度被评为光荣榜“先进个人”``."""
    rows = db.session.execute(
        sa.select(HonourEntry.year, HonourEntry.quarter, HonourEntry.title)
        .where(
            HonourEntry.cadre_id == cadre_id,
            HonourEntry.state == S.PUBLISHED,
            HonourEntry.in_rewards.is_(True),
        )
        .order_by(HonourEntry.year, HonourEntry.quarter)
    )
    return [f"{rules.quarter_label(r.year, r.quarter)}被评为光荣榜“{r.title}”" for r in rows]


def pending_count(visible_departments: list[int] | None) -> int:
    """Nominations waiting for HR (已提名), in the reader's sections."""
    return state_counts(visible_departments).get(S.NOMINATED, 0)


def monthly_counts(year: int) -> dict[tuple[int | None, int], int]:
    """Entries published in each month of ``year`` on the office's calendar, per section (the
    entry's own section: for an individual, theirs when nominated): statistics' table."""
    from cadre_app import clock

    start, stop = clock.utc_midnight(date(year, 1, 1)), clock.utc_midnight(date(year + 1, 1, 1))
    counted: dict[tuple[int | None, int], int] = {}
    for section, at in db.session.execute(
        sa.select(HonourEntry.department_id, HonourEntry.published_at).where(
            HonourEntry.state == S.PUBLISHED,
            HonourEntry.published_at >= start,
            HonourEntry.published_at < stop,
        )
    ):
        month = clock.local_month(at)
        counted[section, month] = counted.get((section, month), 0) + 1
    return counted
