"""Reads of secondments. Every read takes the reader's sections (``visible_departments``:
None for HR, a manager's led sections, ``[]`` for nobody) and never shows a secondment of a
cadre outside them."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from math import ceil
from typing import Any

import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import Cadre, Department, Secondment, SecondmentState
from cadre_app.models.secondments import ACTIVE_STATES
from cadre_app.services.secondments import rules


def scoped(stmt: sa.Select, visible_departments: list[int] | None) -> sa.Select:
    """``stmt`` (which selects from ``Secondment``) limited to the reader's sections."""
    if visible_departments is None:
        return stmt
    return stmt.join(Cadre, Cadre.id == Secondment.cadre_id).where(
        Cadre.department_id.in_(visible_departments or [-1])
    )


def secondment_visible(
    secondment_id: int, visible_departments: list[int] | None
) -> Secondment | None:
    """The secondment if it exists and the reader may see it, else None (the view's 404)."""
    secondment = db.session.get(Secondment, secondment_id)
    if secondment is None or visible_departments is None:
        return secondment
    return secondment if secondment.cadre.department_id in visible_departments else None


def of_cadre(cadre_id: int) -> list[Secondment]:
    """All of one cadre's secondments, newest first (the profile tab, ``/me``)."""
    stmt = (
        sa.select(Secondment)
        .where(Secondment.cadre_id == cadre_id)
        .order_by(Secondment.start_date.desc(), Secondment.id.desc())
    )
    return list(db.session.scalars(stmt))


# --- the list -------------------------------------------------------------------------------

PER_PAGE = 50


@dataclass(frozen=True)
class SecondmentFilters:
    """The list's filters; ``year`` keeps a secondment whose period touches that year."""

    state: SecondmentState | None = None
    kind: str | None = None
    host_type: str | None = None
    year: int | None = None
    department_id: int | None = None
    q: str | None = None  # 姓名 or 工号
    page: int = 1
    per_page: int = PER_PAGE


@dataclass(frozen=True)
class SecondmentPage:
    rows: list[dict[str, Any]]
    total: int  # under every filter
    page: int
    per_page: int
    #: How many of each state under the other filters (the state filter's counts).
    state_counts: dict[SecondmentState, int] = field(default_factory=dict)
    years: list[int] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))


_period_end = sa.func.coalesce(Secondment.actual_end, Secondment.planned_end)

_LIST_COLUMNS = [
    Secondment.id,
    Secondment.kind,
    Secondment.host_unit,
    Secondment.host_type,
    Secondment.post,
    Secondment.start_date,
    Secondment.planned_end,
    Secondment.actual_end,
    Secondment.state,
    Secondment.grade,
    Cadre.id.label("cadre_id"),
    Cadre.staff_no,
    Cadre.name,
    Department.name.label("department"),
]
_LIST_KEYS = tuple(c.key for c in _LIST_COLUMNS)


def _conditions(
    filters: SecondmentFilters, visible_departments: list[int] | None
) -> list[sa.ColumnElement[bool]]:
    """Every filter but the state (Cadre joined)."""
    conditions: list[sa.ColumnElement[bool]] = []
    if visible_departments is not None:
        conditions.append(Cadre.department_id.in_(visible_departments or [-1]))
    if filters.kind:
        conditions.append(Secondment.kind == filters.kind)
    if filters.host_type:
        conditions.append(Secondment.host_type == filters.host_type)
    if filters.year is not None:
        conditions.append(Secondment.start_date <= date(filters.year, 12, 31))
        conditions.append(_period_end >= date(filters.year, 1, 1))
    if filters.department_id is not None:
        conditions.append(Cadre.department_id == filters.department_id)
    if filters.q:
        term = filters.q.strip()
        conditions.append(
            sa.or_(
                Cadre.name.contains(term, autoescape=True),
                Cadre.staff_no.startswith(term, autoescape=True),
            )
        )
    return conditions


def list_secondments(
    filters: SecondmentFilters,
    *,
    visible_departments: list[int] | None,
    today: date,
    settings: Mapping[str, Any] = rules.DEFAULT_SETTINGS,
) -> SecondmentPage:
    """One page of secondments, latest start first, each with its cadre and section and its
    warnings (``ends_soon``, ``overdue``). Three queries: the counts by state, the page, the
    years the periods span."""
    conditions = _conditions(filters, visible_departments)
    counted = sa.select(Secondment.state, sa.func.count()).select_from(Secondment)
    if visible_departments is not None or filters.department_id is not None or filters.q:
        counted = counted.join(Cadre, Cadre.id == Secondment.cadre_id)  # (5x slower: only then)
    counted = counted.where(*conditions).group_by(Secondment.state)
    state_counts = {SecondmentState(state): n for state, n in db.session.execute(counted)}
    if filters.state is not None:
        total = state_counts.get(filters.state, 0)
        conditions.append(Secondment.state == filters.state)
    else:
        total = sum(state_counts.values())
    per_page = filters.per_page if 1 <= filters.per_page <= 200 else PER_PAGE
    page = min(max(1, filters.page), max(1, ceil(total / per_page)))
    stmt = (
        sa.select(*_LIST_COLUMNS)
        .join(Cadre, Cadre.id == Secondment.cadre_id)
        .join(Department, Department.id == Cadre.department_id)
        .where(*conditions)
        .order_by(Secondment.start_date.desc(), Secondment.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    labels = SecondmentState.labels()
    rows = []
    for fetched in db.session.execute(stmt):
        row = dict(zip(_LIST_KEYS, fetched, strict=True))
        state = SecondmentState(row["state"])
        end = row["actual_end"] or row["planned_end"]
        row |= {
            "state": state,
            "state_label": labels[state],
            "end": end,
            "ends_soon": rules.ends_soon(state, end, today, settings),
            "overdue": rules.appraisal_overdue(state, end, today, settings),
        }
        rows.append(row)
    low, high = db.session.execute(
        sa.select(  # the first start from the index; the last end needs a scan
            sa.select(sa.func.min(Secondment.start_date)).scalar_subquery(),
            sa.select(sa.func.max(_period_end)).scalar_subquery(),
        )
    ).one()
    years = list(range(high.year, low.year - 1, -1)) if low and high else []
    return SecondmentPage(rows, total, page, per_page, state_counts, years)


def section_choices(visible_departments: list[int] | None) -> list[tuple[int, str]]:
    """The sections the reader may filter by."""
    stmt = sa.select(Department.id, Department.name).order_by(
        Department.sort_order, Department.name
    )
    if visible_departments is not None:
        stmt = stmt.where(Department.id.in_(visible_departments or [-1]))
    return [(r.id, r.name) for r in db.session.execute(stmt)]


def cadre_by_staff_no(staff_no: str) -> Cadre | None:
    """The cadre with this 工号 (the new form picks the cadre by it)."""
    return db.session.scalar(sa.select(Cadre).where(Cadre.staff_no == staff_no.strip()))


def same_active(cadre_id: int, values: Mapping[str, Any], actor: str | None) -> Secondment | None:
    """The cadre's active secondment when ``actor`` created it with exactly these details:
    the new form posted twice (the view then shows it instead of refusing a second one)."""
    secondment = db.session.scalar(
        sa.select(Secondment).where(
            Secondment.cadre_id == cadre_id,
            Secondment.state.in_(ACTIVE_STATES),
            Secondment.created_by == actor,
        )
    )
    if secondment is None:
        return None
    for name, value in values.items():
        if isinstance(value, str):
            value = value.strip() or None
        if getattr(secondment, name) != value:
            return None
    return secondment


def of_cadres(cadre_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Some cadres' secondments (kind, host, post, period, state, appraisal grade), newest
    first per cadre, in one query (the selection comparison)."""
    if not cadre_ids:
        return {}
    out: dict[int, list[dict[str, Any]]] = {}
    rows = db.session.connection().execute(_of_cadres(), {"ids": list(cadre_ids)})
    for r in rows:
        out.setdefault(r.cadre_id, []).append(
            {
                "kind": r.kind,
                "host_unit": r.host_unit,
                "host_type": r.host_type,
                "post": r.post,
                "start": r.start_date,
                "end": r.actual_end or r.planned_end,
                "state": SecondmentState(r.state),
                "grade": r.grade,
            }
        )
    return out


@functools.cache
def _of_cadres() -> sa.Select[Any]:
    return (
        sa.select(
            Secondment.cadre_id,
            Secondment.kind,
            Secondment.host_unit,
            Secondment.host_type,
            Secondment.post,
            Secondment.start_date,
            Secondment.planned_end,
            Secondment.actual_end,
            Secondment.state,
            Secondment.grade,
        )
        .where(Secondment.cadre_id.in_(sa.bindparam("ids", expanding=True)))
        .order_by(Secondment.start_date.desc(), Secondment.id.desc())
    )


#: Secondments that were (or are) served: started, not merely proposed, approved or cancelled.
SERVED_STATES = (
    SecondmentState.ON_POST,
    SecondmentState.EXTENDED,
    SecondmentState.RECALLED,
    SecondmentState.APPRAISAL,
    SecondmentState.ARCHIVED,
)


def days_at_host_type(host_type: str, on: date) -> dict[int, int]:
    """Per cadre, the days served up to ``on`` (both ends counted) in secondments to hosts of
    ``host_type`` (selection counts 基层单位 as grassroots years). One query."""
    rows = db.session.connection().execute(
        sa.select(
            Secondment.cadre_id,
            Secondment.start_date,
            Secondment.planned_end,
            Secondment.actual_end,
        ).where(
            Secondment.host_type == host_type,
            Secondment.state.in_(SERVED_STATES),
            Secondment.start_date <= on,
        )
    )
    days: dict[int, int] = {}
    for cadre_id, start, planned_end, actual_end in rows:
        end = min(actual_end or planned_end, on)
        if end >= start:
            days[cadre_id] = days.get(cadre_id, 0) + (end - start).days + 1
    return days


def monthly_counts(year: int) -> dict[str, dict[tuple[int | None, int], int]]:
    """Secondments started (on their start date, once served) and ended (on their actual end,
    else their planned end once back) in each month of ``year``, per section (the cadre's
    section now): {"started": {(section, month): n}, "ended": {...}}."""
    ended_states = (SecondmentState.RECALLED, SecondmentState.APPRAISAL, SecondmentState.ARCHIVED)
    end = sa.func.coalesce(Secondment.actual_end, Secondment.planned_end)
    counted: dict[str, dict[tuple[int | None, int], int]] = {}
    for key, day, states in (
        ("started", Secondment.start_date, SERVED_STATES),
        ("ended", end, ended_states),
    ):
        month = sa.cast(sa.extract("month", day), sa.Integer)
        rows = db.session.execute(
            sa.select(Cadre.department_id, month, sa.func.count(Secondment.id))
            .join(Cadre, Cadre.id == Secondment.cadre_id)
            .where(
                Secondment.state.in_(states),
                day >= date(year, 1, 1),
                day <= date(year, 12, 31),
            )
            .group_by(Cadre.department_id, month)
        )
        counted[key] = {(dept, int(m)): n for dept, m, n in rows}
    return counted
