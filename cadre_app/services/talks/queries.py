"""The list of talks (HR's and a conductor's): filters, search, paging, ordering by
deadline with the overdue first; SQL forms of the deadline and overdue rules of
services.talks.operations (which owns the rules themselves)."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import Cadre, Talk, TalkState
from cadre_app.services.talks.operations import BEFORE_HELD, S, days_overdue
from cadre_app.services.talks.rules import ADMONITION


@dataclass(frozen=True)
class TalkScope:
    """Whose talks: everyone's (HR), or those ``cadre_id`` conducts, never those about them."""

    everyone: bool = False
    cadre_id: int | None = None
    #: with ``everyone``: but the talks about this cadre (HR's own, issue 16)
    not_about: int | None = None

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        if self.everyone:
            return [] if self.not_about is None else [Talk.subject_id != self.not_about]
        if self.cadre_id is None:
            return [sa.false()]
        return [Talk.conductor_id == self.cadre_id, Talk.subject_id != self.cadre_id]


@dataclass(frozen=True)
class TalkFilters:
    state: TalkState | None = None
    kind: str | None = None
    overdue: bool = False
    q: str | None = None  # 姓名 or 工号 of the subject
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class TalkRow:
    id: int
    kind: str
    source: str
    state: TalkState
    subject_id: int
    subject_name: str
    subject_staff_no: str
    conductor_name: str | None
    reason: str | None
    due_date: date | None
    reply_due_date: date | None
    follow_up_due_date: date | None
    deadline: date | None = None
    days_overdue: int = 0


@dataclass(frozen=True)
class TalkPage:
    rows: list[TalkRow]
    total: int
    page: int
    per_page: int
    counts: dict[TalkState, int] = field(default_factory=dict)
    all_count: int = 0
    overdue_count: int = 0

    @property
    def pages(self) -> int:
        return max(math.ceil(self.total / self.per_page), 1)


def deadline_sql() -> sa.Case[Any]:
    """``deadline_of`` as a SQL expression, so the list filters and sorts in the database."""
    return sa.case(
        (Talk.state.in_(BEFORE_HELD), Talk.due_date),
        (Talk.state.in_([S.HELD, S.AWAITING_REPLY]), Talk.reply_due_date),
        (Talk.state == S.FOLLOW_UP, Talk.follow_up_due_date),
        else_=sa.null(),
    )


def overdue_sql(today: date) -> sa.ColumnElement[bool]:
    return deadline_sql() < today


def _search(q: str) -> sa.ColumnElement[bool]:
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return Talk.subject_id.in_(
        sa.select(Cadre.id).where(
            sa.or_(Cadre.name.like(pattern, escape="\\"), Cadre.staff_no == q)
        )
    )


def _rows_select(deadline: sa.Label[Any]) -> sa.Select[Any]:
    """The columns of ``TalkRow`` (the list, the manager's dashboard)."""
    return sa.select(
        Talk.id,
        Talk.kind,
        Talk.source,
        Talk.state,
        Talk.subject_id,
        Cadre.name,
        Cadre.staff_no,
        Talk.conductor_name,
        Talk.reason,
        Talk.due_date,
        Talk.reply_due_date,
        Talk.follow_up_due_date,
        deadline,
    ).join(Cadre, Cadre.id == Talk.subject_id)


def list_talks(filters: TalkFilters, *, scope: TalkScope, today: date) -> TalkPage:
    """One page of talks, latest running deadline first (closed ones last, newest first), with
    the count per state and of overdue talks under the same filters. Three small queries; only
    the page's rows are loaded."""
    base = scope.conditions()
    if filters.kind:
        base.append(Talk.kind == filters.kind)
    if filters.q:
        base.append(_search(filters.q))
    overdue = overdue_sql(today)
    counted = base + ([overdue] if filters.overdue else [])
    counts = {
        S(state): n
        for state, n in db.session.execute(
            sa.select(Talk.state, sa.func.count()).where(*counted).group_by(Talk.state)
        )
    }
    overdue_count = db.session.scalar(
        sa.select(sa.func.count()).select_from(Talk).where(*base, overdue)
    )
    where = counted + ([Talk.state == filters.state] if filters.state else [])
    total = counts.get(filters.state, 0) if filters.state else sum(counts.values())
    deadline = deadline_sql().label("deadline")
    stmt = (
        _rows_select(deadline)
        .where(*where)
        .order_by(deadline.desc().nulls_last(), Talk.id.desc())
        .limit(filters.per_page)
        .offset((filters.page - 1) * filters.per_page)
    )
    rows = [TalkRow(*r[:12], deadline=r.deadline) for r in db.session.execute(stmt)]
    rows = [replace(row, days_overdue=days_overdue(row, today)) for row in rows]
    return TalkPage(
        rows=rows,
        total=total,
        page=filters.page,
        per_page=filters.per_page,
        counts=counts,
        all_count=sum(counts.values()),
        overdue_count=overdue_count or 0,
    )


#: How many matches the subject search of a new talk lists.
SUBJECT_MATCHES = 20


def find_subjects(q: str) -> tuple[list[dict[str, Any]], int]:
    """Cadres a new talk may be about, matching ``q`` (name or 工号, and whatever else the
    roster's own search understands) by the roster's search: up to SUBJECT_MATCHES rows
    (id, staff_no, name, department, position_title) and how many match in all."""
    from cadre_app.services.roster import queries as roster_query

    page = roster_query.list_cadres(
        roster_query.RosterFilters(q=q, sort="name", per_page=SUBJECT_MATCHES),
        visible_departments=None,
    )
    return page.rows, page.total


def of_subjects(cadre_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The talks about some cadres (kind, source, state, the day it was opened and the
    follow-up result), newest first per cadre, in one query (the selection comparison)."""
    if not cadre_ids:
        return {}
    out: dict[int, list[dict[str, Any]]] = {}
    rows = db.session.connection().execute(_of_subjects(), {"ids": list(cadre_ids)})
    zone = clock.zone()
    for r in rows:
        out.setdefault(r.subject_id, []).append(
            {
                "id": r.id,
                "kind": r.kind,
                "source": r.source,
                "state": TalkState(r.state),
                # the office's day (created_at is naive UTC)
                "opened": r.created_at.replace(tzinfo=UTC).astimezone(zone).date()
                if r.created_at
                else None,
                "follow_up_result": r.follow_up_result,
            }
        )
    return out


@functools.cache
def _of_subjects() -> sa.Select[Any]:
    return (
        sa.select(
            Talk.id,
            Talk.subject_id,
            Talk.kind,
            Talk.source,
            Talk.state,
            Talk.created_at,
            Talk.follow_up_result,
        )
        .where(Talk.subject_id.in_(sa.bindparam("ids", expanding=True)))
        .order_by(Talk.created_at.desc(), Talk.id.desc())
    )


def admonitions_held(since: date, on: date) -> dict[int, list[date]]:
    """Per cadre, the days each 诫勉谈话 was held from ``since`` up to ``on`` (selection's
    eligibility reads them as 诫勉 in their effect period). One query for the roster."""
    talks: dict[int, list[date]] = {}
    for subject_id, held_at in db.session.connection().execute(
        sa.select(Talk.subject_id, Talk.held_at).where(
            Talk.kind == ADMONITION,
            Talk.held_at.is_not(None),
            Talk.held_at >= datetime.combine(since, time()),
            Talk.held_at < datetime.combine(on + timedelta(days=1), time()),
        )
    ):
        talks.setdefault(subject_id, []).append(held_at.date())
    return talks


def monthly_counts(year: int) -> dict[str, dict[tuple[int | None, int], int]]:
    """Talks opened (created) and closed (办结: a closed talk's last change, as it cannot be
    changed after) in each month of ``year`` on the office's calendar, per section (the
    subject's section now): {"opened": {(section, month): n}, "closed": {...}}."""
    start, stop = clock.utc_midnight(date(year, 1, 1)), clock.utc_midnight(date(year + 1, 1, 1))
    counted: dict[str, dict[tuple[int | None, int], int]] = {"opened": {}, "closed": {}}
    for key, stamp, extra in (
        ("opened", Talk.created_at, ()),
        ("closed", Talk.updated_at, (Talk.state == TalkState.CLOSED,)),
    ):
        rows = db.session.execute(
            sa.select(Cadre.department_id, stamp)
            .join(Cadre, Cadre.id == Talk.subject_id)
            .where(stamp >= start, stamp < stop, *extra)
        )
        bucket = counted[key]
        for dept, at in rows:
            month = clock.local_month(at)
            bucket[dept, month] = bucket.get((dept, month), 0) + 1
    return counted


def conducted_open(
    cadre_id: int | None, today: date, *, limit: int = 8
) -> tuple[list[TalkRow], int]:
    """The open talks ``cadre_id`` conducts (never those about them), the nearest running
    deadline first, at most ``limit``; and how many there are (a manager's dashboard)."""
    if cadre_id is None:
        return [], 0
    where = [*TalkScope(cadre_id=cadre_id).conditions(), Talk.state.not_in([S.CLOSED, S.ESCALATED])]
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Talk).where(*where)) or 0
    deadline = deadline_sql().label("deadline")
    stmt = (
        _rows_select(deadline)
        .where(*where)
        .order_by(deadline.asc().nulls_last(), Talk.id)
        .limit(limit)
    )
    rows = [TalkRow(*r[:12], deadline=r.deadline) for r in db.session.execute(stmt)]
    return [replace(row, days_overdue=days_overdue(row, today)) for row in rows], total


def overdue_talks(today: date) -> list[dict[str, Any]]:
    """Every talk past its deadline (``overdue_sql``), for the reminders: id, kind, state,
    subject (id, name, section), conductor and the deadline; the longest overdue first."""
    deadline = deadline_sql()
    rows = db.session.execute(
        sa.select(
            Talk.id,
            Talk.kind,
            Talk.state,
            Talk.subject_id,
            Cadre.name,
            Cadre.department_id,
            Talk.conductor_id,
            deadline.label("deadline"),
        )
        .join(Cadre, Cadre.id == Talk.subject_id)
        .where(overdue_sql(today))
        .order_by(deadline, Talk.id)
    )
    return [
        {
            "id": r.id,
            "kind": r.kind,
            "state": TalkState(r.state),
            "subject_id": r.subject_id,
            "subject_name": r.name,
            "department_id": r.department_id,
            "conductor_id": r.conductor_id,
            "deadline": r.deadline,
        }
        for r in rows
    ]
