"""Listing the roster: search, filters, sorting and pagination that stay fast at 20,000 cadres.

Rows are fetched as plain tuples of the columns the list shows (no ORM objects), and counted
with the same filters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from math import ceil
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import Cadre, CadrePhoto, Department, enums
from cadre_app.services.core import names, settings
from cadre_app.services.roster import operations as roster

#: Loader options for a cadre's profile (``operations.profile``): the section and whether there
#: is a photo joined to the cadre (not the photo's bytes, up to 6 MB, which the page does not
#: show inline) in one query; a tab listing family or résumé adds that list in one query
#: (``profile_loads``), the other tabs do not read them.
PROFILE_LOADS = (
    so.joinedload(Cadre.department),
    so.joinedload(Cadre.photo).load_only(CadrePhoto.cadre_id),
)
_PROFILE_TAB_LOADS = {
    "family": (*PROFILE_LOADS, so.selectinload(Cadre.family)),
    "resume": (*PROFILE_LOADS, so.selectinload(Cadre.resume)),
}


def profile_loads(tab: str) -> tuple[Any, ...]:
    """The loader options of the profile's ``tab``: PROFILE_LOADS, and its list if it has one
    (the same tuple for the same tab: permissions.cadre_or_404 keeps a statement per tuple)."""
    return _PROFILE_TAB_LOADS.get(tab, PROFILE_LOADS)


SORTS = ("staff_no", "name", "age", "rank", "department")
PER_PAGE_CHOICES = (20, 50, 100)
#: Above this many matching rows, section and rank sorts page group by group (see _group_order).
GROUPED_PAGING_FROM = 2000


@dataclass
class RosterFilters:
    q: str | None = None
    department_id: int | None = None
    rank: str | None = None
    political_status: str | None = None
    young: bool = False
    age_min: int | None = None
    age_max: int | None = None
    sort: str = "department"
    descending: bool = False
    page: int = 1
    per_page: int = 50
    #: The date ages are computed at (计算年龄时间): stated, never a silent today.
    on: date = field(default_factory=clock.today)


@dataclass(frozen=True)
class RosterPage:
    rows: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _conditions(filters: RosterFilters, visible_departments: list[int] | None) -> list[Any]:
    conditions: list[Any] = []
    if visible_departments is not None:
        conditions.append(Cadre.department_id.in_(visible_departments or [-1]))
    if filters.q:
        term = filters.q.strip().replace("%", "").replace("_", "")
        like = f"%{term}%"
        matches = [Cadre.name.like(like), Cadre.staff_no.like(like)]
        pinyin = names.search_term(term)
        if pinyin:  # zmy (initials, from the start) or zhaomingyuan / mingyuan (full pinyin)
            matches += [
                Cadre.name_initials.like(f"{pinyin}%"),
                Cadre.name_pinyin.like(f"%{pinyin}%"),
            ]
        conditions.append(sa.or_(*matches))
    if filters.department_id:
        conditions.append(Cadre.department_id == filters.department_id)
    if filters.rank:
        conditions.append(Cadre.rank == filters.rank)
    if filters.political_status:
        conditions.append(Cadre.political_status == filters.political_status)
    if filters.young:
        lines = settings.value("young_cadre_age_lines")
        conditions.append(roster.young_cadre_condition(filters.on, lines))
    if filters.age_min is not None:  # age >= N: born on or before on - N years
        conditions.append(Cadre.birth_date <= _years_before(filters.on, filters.age_min))
    if filters.age_max is not None:  # age <= N: born after on - (N+1) years
        conditions.append(Cadre.birth_date > _years_before(filters.on, filters.age_max + 1))
    return conditions


#: The ladder's order of a rank (built once: a CASE is costly to build and to key).
_RANK_ORDER = sa.case(
    {rank: i for i, rank in enumerate(enums.RANK_LADDER)}, value=Cadre.rank, else_=-1
)


def _order(filters: RosterFilters) -> list[Any]:
    """The full ORDER BY of a sort, for one query (fine when few rows match)."""
    rank_order = _RANK_ORDER
    keys = {
        "staff_no": [Cadre.staff_no],
        # by pinyin, syllable by syllable then tone (services.core.names.NameKeys)
        "name": [Cadre.name_sort, Cadre.name, Cadre.staff_no],
        # ascending age = younger first = birth date descending
        "age": [Cadre.birth_date.desc()],
        "rank": [rank_order.desc(), Cadre.rank_since, Cadre.staff_no],
        "department": [Department.sort_order, Department.name, Cadre.staff_no],
    }[filters.sort]
    if filters.descending:
        keys = [k.desc() if not isinstance(k, sa.UnaryExpression) else k.element for k in keys]
    return [*keys, Cadre.id]


def _group_order(filters: RosterFilters) -> tuple[Any, list[Any], list[Any]]:
    """For the section and rank sorts: the grouping column, its values in display order (None
    last) and the order inside a group. Sorting 20,000 rows by a joined or computed key costs
    tens of milliseconds; counting per group and then reading one or two groups through an
    index costs a few."""
    if filters.sort == "rank":
        groups: list[Any] = [*reversed(enums.RANK_LADDER), None]  # senior first
        inner = [Cadre.rank_since, Cadre.staff_no, Cadre.id]
        column = Cadre.rank
    else:
        ids = db.session.scalars(
            sa.select(Department.id).order_by(Department.sort_order, Department.name)
        ).all()
        groups, inner, column = list(ids), [Cadre.staff_no, Cadre.id], Cadre.department_id
    if filters.descending:
        groups = list(reversed(groups))
        inner = [k.desc() for k in inner]
    return column, groups, inner


def _grouped_rows(
    filters: RosterFilters, conditions: list[Any], offset: int, limit: int, columns: list[Any]
) -> list[Any]:
    column, groups, inner = _group_order(filters)
    counts = dict(
        db.session.execute(
            sa.select(column, sa.func.count()).where(*conditions).group_by(column)
        ).all()
    )
    groups += [g for g in counts if g not in groups]  # values outside the known order, last
    rows: list[Any] = []
    for group in groups:
        size = counts.get(group, 0)
        if offset >= size:
            offset -= size
            continue
        match = column.is_(None) if group is None else column == group
        stmt = _select(columns).where(*conditions, match).order_by(*inner)
        rows += db.session.execute(stmt.limit(limit - len(rows)).offset(offset)).all()
        offset = 0
        if len(rows) >= limit:
            break
    return rows


def _select(columns: list[Any]) -> sa.Select[Any]:
    return sa.select(*columns).join(Department, Department.id == Cadre.department_id)


_LIST_COLUMNS = [
    Cadre.id,
    Cadre.staff_no,
    Cadre.name,
    Cadre.gender,
    Cadre.birth_date,
    Cadre.political_status,
    Cadre.position_title,
    Cadre.rank,
    Cadre.leadership_level,
    Department.name.label("department"),
]

_LIST_KEYS = tuple(c.key for c in _LIST_COLUMNS)


def list_cadres(filters: RosterFilters, *, visible_departments: list[int] | None) -> RosterPage:
    """One page of the roster. ``visible_departments`` None means every section (HR)."""
    conditions = _conditions(filters, visible_departments)
    total = db.session.scalar(sa.select(sa.func.count(Cadre.id)).where(*conditions)) or 0
    per_page = filters.per_page if filters.per_page in PER_PAGE_CHOICES else 50
    page = min(max(1, filters.page), max(1, ceil(total / per_page)))
    if filters.sort not in SORTS:
        filters.sort = "department"
    columns = _LIST_COLUMNS
    offset = (page - 1) * per_page
    if filters.sort in ("department", "rank") and total > GROUPED_PAGING_FROM:
        fetched = _grouped_rows(filters, conditions, offset, per_page, columns)
    else:
        stmt = _select(columns).where(*conditions).order_by(*_order(filters))
        fetched = db.session.execute(stmt.limit(per_page).offset(offset)).all()
    lines = settings.value("young_cadre_age_lines")
    rows = []
    keys = _LIST_KEYS
    for row in fetched:
        data = dict(zip(keys, row, strict=True))  # (Row._asdict is several times slower)
        born = data["birth_date"]
        data["age"] = roster.age_on(born, filters.on)
        data["young"] = roster.is_young_cadre(
            born, data["rank"], data["leadership_level"], on=filters.on, lines=lines
        )
        rows.append(data)
    return RosterPage(rows=rows, total=total, page=page, per_page=per_page)


def sections_of(cadre_ids: list[int] | set[int]) -> dict[int, int | None]:
    """cadre id -> section (department) id, for some cadres in one query."""
    if not cadre_ids:
        return {}
    rows = db.session.execute(
        sa.select(Cadre.id, Cadre.department_id).where(Cadre.id.in_(list(cadre_ids)))
    )
    return {cadre_id: value for cadre_id, value in rows}


def names_of(cadre_ids: list[int] | set[int]) -> dict[int, str]:
    """cadre id -> 姓名, for some cadres in one query."""
    if not cadre_ids:
        return {}
    rows = db.session.execute(sa.select(Cadre.id, Cadre.name).where(Cadre.id.in_(list(cadre_ids))))
    return {cadre_id: value for cadre_id, value in rows}
