"""The 学时 ledger: per cadre and year, the requirement, the hours earned by kind, the online
hours and their cap, the hours that count and the shortfall (DOMAIN.md, Training).

What is earned, and when:
- a course record (``Enrolment.hours_earned``, decided by the 1/7 leave rule when attendance
  was recorded) counts in the year of its course's ``end_date``, under the course's 培训类别;
  a course of 培训形式 网络 is online, whatever its category;
- a 业务微讲座 (``Lecture``) gives its speaker and each attendee the credits of the settings
  version it recorded (``rules.lecture_credit``), in the year it was held;
- a 策论 (``Essay``) graded 合格 or better gives its author ``rules.essay_credit``, in the year
  it was submitted.
For 乡科级 and below the window is the year itself; for 县处级 and 四级调研员 up
(``rules.is_senior``) it is the 5 years ending with it, and the online cap is that share of
the window's requirement.

What each cadre earned, by kind, in each calendar year (span 1) and in each senior window
of N years ending with a year (span N) is kept in ``training_hours_year``
(``TrainingHoursYear``, tenths of a 学时): every training write function calls
``refresh_years`` for the cadres and years it touched, in its own transaction, which
recomputes those rows from the records with one DELETE and one INSERT ... SELECT; a change
of the window's length rebuilds it. The ledger reads ONE summary row per cadre (span 1 or N
by the cadre's seniority) joined with the cadres, in one query without GROUP BY, and builds
plain tuples (``LedgerRow``); the whole organisation's table (every page, filter, chart, the
dashboards' counts) is also kept until the data changes (see the cache below).
``compute_from_records`` sums the records themselves (one GROUP BY per source): the
reference the tests and ``flask training hours --check`` compare the summary with.
"""

from __future__ import annotations

import gc
import operator
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from io import BytesIO
from math import ceil
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import Cadre, Department, Setting, enums
from cadre_app.models.training import (
    HOURS_YEAR_COLUMNS,
    TRAINING_CATEGORIES,
    Enrolment,
    Essay,
    Lecture,
    LectureAttendee,
    TrainingCourse,
    TrainingHoursYear,
)
from cadre_app.services.core import audit
from cadre_app.services.core import settings as settings_store
from cadre_app.services.roster import operations as roster
from cadre_app.services.training import rules, settings_ops

#: The kinds hours are earned by, in the order of the table and the workbook.
KINDS: tuple[str, ...] = TRAINING_CATEGORIES
ONLINE_MODE = "网络"
PER_PAGE = 50
ZERO = Decimal("0.0")
#: The 学时统计 workbook (DESIGN.md, Training workbook).
SHEET = "学时统计"
HEADER = ("工号", "姓名", "部门", "职级", "要求学时", "已获学时", *KINDS, "网络学时", "差额")
#: The largest IN (...) list sent at once (SQLite's variable limit is 32,766).
ID_CHUNK = 5000


def _dec(tenths: int) -> Decimal:
    """Tenths of a 学时 as a one-place Decimal (memoised: few distinct values)."""
    found = _DECIMALS.get(tenths)
    if found is None:
        found = _DECIMALS[tenths] = Decimal(tenths).scaleb(-1)
    return found


@dataclass(frozen=True, slots=True)
class _Basis:
    """What a row is measured against: shared by every row of one computation and seniority."""

    year: int
    window: tuple[int, int]
    required: Decimal
    online_cap: Decimal
    required_tenths: int
    cap_tenths: int


# LedgerRow's positions: the columns of ``_cadre_columns`` (0–7), the tenths of 学时 earned by
# kind (8–13) and online (14), then the basis (15), counted (16), short (17) and percent (18).
_KIND_SLICE = slice(8, 8 + len(TRAINING_CATEGORIES))
_ONLINE, _BASIS, _COUNTED, _SHORT, _PERCENT = 14, 15, 16, 17, 18


class LedgerRow(tuple):  # type: ignore[type-arg]
    """One cadre's hours for ``year`` (read-only: rows are shared by the kept table):
    ``earned`` by kind over the requirement's window, ``online`` the part of it from 网络
    courses (before the cap), ``counted`` what counts toward the requirement, ``short`` what
    is missing. A plain tuple of ints (tenths of a 学时) underneath: 20,000 of them are built
    per computation, the Decimals only when a page shows them."""

    __slots__ = ()

    cadre_id: int = property(operator.itemgetter(0))  # type: ignore[assignment]
    staff_no: str = property(operator.itemgetter(1))  # type: ignore[assignment]
    name: str = property(operator.itemgetter(2))  # type: ignore[assignment]
    department_id: int = property(operator.itemgetter(3))  # type: ignore[assignment]
    department: str = property(operator.itemgetter(4))  # type: ignore[assignment]
    rank: str | None = property(operator.itemgetter(5))  # type: ignore[assignment]
    percent: int = property(operator.itemgetter(_PERCENT))  # type: ignore[assignment]

    @property
    def young(self) -> bool:
        return bool(self[6])

    @property
    def senior(self) -> bool:
        return bool(self[7])

    @property
    def year(self) -> int:
        return self[_BASIS].year  # type: ignore[no-any-return]

    @property
    def window(self) -> tuple[int, int]:
        return self[_BASIS].window  # type: ignore[no-any-return]

    @property
    def required(self) -> Decimal:
        return self[_BASIS].required  # type: ignore[no-any-return]

    @property
    def online_cap(self) -> Decimal:
        return self[_BASIS].online_cap  # type: ignore[no-any-return]

    @property
    def earned(self) -> dict[str, Decimal]:
        return dict(zip(KINDS, map(_dec, self[_KIND_SLICE]), strict=True))

    @property
    def online(self) -> Decimal:
        return _dec(self[_ONLINE])

    @property
    def counted(self) -> Decimal:
        return _dec(self[_COUNTED])

    @property
    def short(self) -> Decimal:
        return _dec(self[_SHORT])

    @property
    def total(self) -> Decimal:
        """Everything earned in the window, before the online cap."""
        return _dec(sum(self[_KIND_SLICE]))

    @property
    def behind(self) -> bool:
        return self[_SHORT] > 0  # type: ignore[no-any-return]

    @property
    def online_excess(self) -> Decimal:
        """Online hours above the cap (earned, but not counted)."""
        return _dec(max(0, self[_ONLINE] - self[_BASIS].cap_tenths))

    @property
    def multi_year(self) -> bool:
        window = self[_BASIS].window
        return window[0] != window[1]  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return (
            f"LedgerRow({self.staff_no} {self.name} {self.year}: required {self.required}, "
            f"earned {self.earned}, online {self.online}, counted {self.counted}, "
            f"short {self.short})"
        )


@dataclass
class HoursFilters:
    year: int
    department_ids: Sequence[int] | None = None  # None: every section
    rank: str | None = None
    young: bool | None = None
    behind: bool | None = None
    on: date = field(default_factory=clock.today)  # the day ages (young cadres) are taken at


@dataclass(frozen=True)
class HoursPage:
    rows: list[LedgerRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))


# --- the sums -------------------------------------------------------------------------------


_DECIMALS: dict[int, Decimal] = {}


def settings_in_force() -> dict[str, Any]:
    return settings_ops.in_force()


def _senior_condition() -> sa.ColumnElement[bool]:
    """``rules.is_senior`` as SQL: 四级调研员 up on the ladder, or a 县处级/厅局级 post."""
    floor = enums.rank_index(enums.COUNTY_RANK_FLOOR)
    ranks = enums.RANK_LADDER[floor:]
    return sa.or_(
        Cadre.rank.in_(ranks),
        *(Cadre.rank.like(f"{p}%") for p in rules.SENIOR_LEADERSHIP_PREFIXES),
        *(Cadre.leadership_level.like(f"{p}%") for p in rules.SENIOR_LEADERSHIP_PREFIXES),
    )


def _window_start(year: int, s: dict[str, Any]) -> sa.ColumnElement[Any]:
    """The first day that counts for each cadre: 1 January of the year, or of the first year
    of the senior window."""
    first = year - int(s["senior_window_years"]) + 1
    return sa.case((_senior_condition(), sa.literal(date(first, 1, 1))), else_=date(year, 1, 1))


def _course_sums(
    year: int, s: dict[str, Any], cadre_ids: Sequence[int] | None
) -> dict[int, list[float]]:
    """cadre id -> [hours per kind..., online hours] from course records."""
    start = _window_start(year, s)
    end = date(year, 12, 31)
    online = sa.case((TrainingCourse.mode == ONLINE_MODE, Enrolment.hours_earned), else_=0)
    columns = [
        sa.func.sum(sa.case((TrainingCourse.category == kind, Enrolment.hours_earned), else_=0))
        for kind in KINDS
    ]
    # floats, not Decimals: 140,000 Numeric conversions cost more than the sums themselves
    floats = [sa.cast(c, sa.Float) for c in (*columns, sa.func.sum(online))]
    stmt = (
        sa.select(Enrolment.cadre_id, *floats)
        .join(TrainingCourse, TrainingCourse.id == Enrolment.course_id)
        .join(Cadre, Cadre.id == Enrolment.cadre_id)
        .where(
            TrainingCourse.end_date <= end,
            TrainingCourse.end_date >= start,
            Enrolment.hours_earned > 0,
        )
        .group_by(Enrolment.cadre_id)
    )
    return {row[0]: [v or 0.0 for v in row[1:]] for row in _run(stmt, cadre_ids)}


def _count_by_cadre(
    stmt: sa.Select[Any], cadre_column: Any, cadre_ids: Sequence[int] | None
) -> dict[int, Any]:
    return dict(_run(stmt.group_by(cadre_column), cadre_ids, cadre_column))  # type: ignore[arg-type]


def _run(
    stmt: sa.Select[Any], cadre_ids: Sequence[int] | None, column: Any = None
) -> Iterable[Any]:
    """Execute ``stmt`` for every cadre (``cadre_ids`` None) or for those ids, in chunks."""
    if cadre_ids is None:
        yield from db.session.execute(stmt)
        return
    column = column if column is not None else Enrolment.cadre_id
    ids = list(cadre_ids)
    for begin in range(0, len(ids), ID_CHUNK):
        yield from db.session.execute(stmt.where(column.in_(ids[begin : begin + ID_CHUNK])))


def _credit_case(column: Any, credit: Any) -> Any:
    """SQL for the credit of each row by the settings version it recorded (``column``; None:
    the built-in defaults), as the lecture and essay pages and the 档案 show it."""
    versions = db.session.scalars(
        sa.select(Setting.id).where(Setting.key == rules.SETTINGS_KEY)
    ).all()
    default = float(credit(settings_ops.values_of(None)))
    if not versions:
        return sa.literal(default)
    return sa.case(
        {v: float(credit(settings_ops.values_of(v))) for v in versions}, value=column, else_=default
    )


def _credit_counts(
    year: int, s: dict[str, Any], cadre_ids: Sequence[int] | None
) -> tuple[dict[int, float], dict[int, float], dict[int, float]]:
    """学时 credited for lectures given, lectures attended and essays passed, per cadre, in
    each cadre's window, each by the settings version its lecture or essay recorded."""
    end = date(year, 12, 31)
    start = _window_start(year, s)
    speaker = _credit_case(Lecture.settings_version, lambda v: rules.lecture_credit(True, v))
    attendee = _credit_case(Lecture.settings_version, lambda v: rules.lecture_credit(False, v))
    essay = _credit_case(Essay.settings_version, lambda v: rules.essay_credit("合格", v))
    given = _count_by_cadre(
        sa.select(Lecture.speaker_id, sa.func.sum(speaker))
        .join(Cadre, Cadre.id == Lecture.speaker_id)
        .where(Lecture.held_on <= end, Lecture.held_on >= start),
        Lecture.speaker_id,
        cadre_ids,
    )
    attended = _count_by_cadre(
        sa.select(LectureAttendee.cadre_id, sa.func.sum(attendee))
        .join(Lecture, Lecture.id == LectureAttendee.lecture_id)
        .join(Cadre, Cadre.id == LectureAttendee.cadre_id)
        .where(
            Lecture.held_on <= end,
            Lecture.held_on >= start,
            LectureAttendee.cadre_id != Lecture.speaker_id,
        ),
        LectureAttendee.cadre_id,
        cadre_ids,
    )
    essays = _count_by_cadre(
        sa.select(Essay.author_id, sa.func.sum(essay))
        .join(Cadre, Cadre.id == Essay.author_id)
        .where(
            Essay.submitted_on <= end,
            Essay.submitted_on >= start,
            Essay.final_grade.in_(("优秀", "良好", "合格")),
        ),
        Essay.author_id,
        cadre_ids,
    )
    return given, attended, essays


# --- the summary: training_hours_year, kept by the writers -----------------------------------

#: Cadres per DELETE and INSERT ... SELECT of ``refresh_years`` (4 IN lists of them).
REFRESH_CHUNK = 2000
SUMMARY_COLUMNS = (*HOURS_YEAR_COLUMNS, "online")


def _year_of(column: Any) -> sa.ColumnElement[int]:
    return sa.cast(sa.extract("year", column), sa.Integer)


def _credit_sql(column: Any, credit: Any) -> Any:
    """``_credit_case`` in integer tenths (what the summary stores)."""
    versions = db.session.scalars(
        sa.select(Setting.id).where(Setting.key == rules.SETTINGS_KEY)
    ).all()

    def value(version: int | None) -> Any:
        return sa.literal(int(credit(settings_ops.values_of(version)) * 10), sa.Integer)

    if not versions:
        return value(None)
    return sa.case({v: value(v) for v in versions}, value=column, else_=value(None))


def _earned_records(
    cadre_ids: Sequence[int] | None, first: int | None, last: int | None
) -> sa.Subquery:
    """(cadre_id, day, 学时 by kind..., online), in tenths, one row per record earning 学时
    from ``first`` to ``last`` (None: every year) by those cadres (None: all). The same rules
    as ``compute_from_records``: a course record on its course's end date and by its
    category (online when its mode is 网络), a lecture's credits to its speaker and to each
    attendee who is not the speaker on the day held, an essay graded 合格 or better to its
    author on the day submitted, each credit by the settings version its lecture or essay
    recorded."""

    def scope(day: Any, cadre: Any) -> list[Any]:
        conditions = []
        if first is not None:
            conditions.append(day >= date(first, 1, 1))
        if last is not None:
            conditions.append(day <= date(last, 12, 31))
        if cadre_ids is not None:
            conditions.append(cadre.in_(list(cadre_ids)))
        return conditions

    zero = sa.literal(0, sa.Integer)

    def credit_row(cadre: Any, day: Any, kind: str, credit: Any) -> list[Any]:
        return [
            cadre.label("cadre_id"),
            day.label("day"),
            *(
                (credit if k == kind else zero).label(c)
                for k, c in zip(KINDS, HOURS_YEAR_COLUMNS, strict=True)
            ),
            zero.label("online"),
        ]

    earned = sa.cast(sa.func.round(Enrolment.hours_earned * 10), sa.Integer)
    courses = (
        sa.select(
            Enrolment.cadre_id.label("cadre_id"),
            TrainingCourse.end_date.label("day"),
            *(
                sa.case((TrainingCourse.category == k, earned), else_=zero).label(c)
                for k, c in zip(KINDS, HOURS_YEAR_COLUMNS, strict=True)
            ),
            sa.case((TrainingCourse.mode == ONLINE_MODE, earned), else_=zero).label("online"),
        )
        .join(TrainingCourse, TrainingCourse.id == Enrolment.course_id)
        .where(Enrolment.hours_earned > 0, *scope(TrainingCourse.end_date, Enrolment.cadre_id))
    )
    speaker = _credit_sql(Lecture.settings_version, lambda v: rules.lecture_credit(True, v))
    attendee = _credit_sql(Lecture.settings_version, lambda v: rules.lecture_credit(False, v))
    essay = _credit_sql(Essay.settings_version, lambda v: rules.essay_credit("合格", v))
    given = sa.select(
        *credit_row(Lecture.speaker_id, Lecture.held_on, "业务微讲座", speaker)
    ).where(*scope(Lecture.held_on, Lecture.speaker_id))
    attended = (
        sa.select(*credit_row(LectureAttendee.cadre_id, Lecture.held_on, "业务微讲座", attendee))
        .join(Lecture, Lecture.id == LectureAttendee.lecture_id)
        .where(
            LectureAttendee.cadre_id != Lecture.speaker_id,
            *scope(Lecture.held_on, LectureAttendee.cadre_id),
        )
    )
    essays = sa.select(*credit_row(Essay.author_id, Essay.submitted_on, "策论", essay)).where(
        Essay.final_grade.in_(("优秀", "良好", "合格")), *scope(Essay.submitted_on, Essay.author_id)
    )
    return sa.union_all(courses, given, attended, essays).subquery("records")


def _earned_by_year(
    cadre_ids: Sequence[int] | None, first: int | None, last: int | None
) -> sa.Subquery:
    """(cadre_id, year, 学时 by kind..., online), in tenths, earned in each calendar year from
    ``first`` to ``last`` (None: every year) by those cadres (None: all), summed from the
    records (``_earned_records``)."""
    every = _earned_records(cadre_ids, first, last)
    year = _year_of(every.c.day)
    return (
        sa.select(
            every.c.cadre_id,
            year.label("year"),
            *(sa.func.sum(every.c[c]).label(c) for c in SUMMARY_COLUMNS),
        )
        .group_by(every.c.cadre_id, year)
        .subquery("earned")
    )


def monthly_hours(year: int) -> dict[tuple[int | None, int], Decimal]:
    """学时 earned in each month of ``year`` per section (the cadre's section now), every
    kind together, by the rules of ``_earned_records`` (statistics' monthly table)."""
    every = _earned_records(None, year, year)
    month = sa.cast(sa.extract("month", every.c.day), sa.Integer)
    total = sum((every.c[c] for c in HOURS_YEAR_COLUMNS), sa.literal(0, sa.Integer))
    rows = db.session.execute(
        sa.select(Cadre.department_id, month, sa.func.sum(total))
        .join(Cadre, Cadre.id == every.c.cadre_id)
        .group_by(Cadre.department_id, month)
    )
    return {(dept, int(m)): _dec(int(tenths or 0)) for dept, m, tenths in rows}


def window_years() -> int:
    """The senior window's length in force (the span of the summary's window rows)."""
    return int(settings_in_force()["senior_window_years"])


def _summary_select(
    cadre_ids: Sequence[int] | None, targets: Iterable[tuple[int, int]], n: int
) -> sa.Select[Any]:
    """The summary rows (cadre_id, year, span, 学时 in tenths...) of these cadres (None: all)
    for the (year, span) ``targets``, from the records: per target, the sum of the years
    ``year - span + 1`` to ``year``."""
    wanted = sorted(set(targets))
    first = min(y - span + 1 for y, span in wanted)
    last = max(y for y, _span in wanted)
    earned = _earned_by_year(cadre_ids, first, last)
    target = sa.union_all(
        *(
            sa.select(
                sa.literal(y, sa.Integer).label("year"), sa.literal(span, sa.Integer).label("span")
            )
            for y, span in wanted
        )
    ).subquery("target")
    return (
        sa.select(
            earned.c.cadre_id,
            target.c.year,
            target.c.span,
            *(sa.cast(sa.func.sum(earned.c[c]), sa.Integer) for c in SUMMARY_COLUMNS),
        )
        .join(
            target,
            sa.and_(earned.c.year <= target.c.year, earned.c.year > target.c.year - target.c.span),
        )
        .group_by(earned.c.cadre_id, target.c.year, target.c.span)
    )


def _targets(years: Iterable[int], n: int) -> set[tuple[int, int]]:
    """The summary rows a change in ``years`` affects: the year alone (span 1), and each
    window of ``n`` years containing it (span n, ending from that year to n - 1 after)."""
    out = set()
    for year in years:
        out.add((year, 1))
        if n > 1:
            out.update((year + k, n) for k in range(n))
    return out


def refresh_years(cadre_ids: Iterable[int | None], years: Iterable[int | None]) -> None:
    """Recompute ``training_hours_year`` for these cadres from their records, for the years
    (old and new) whose 学时 a write may have changed: what every training write function
    calls, in its own transaction. Flushes first; one DELETE and one INSERT ... SELECT (per
    ``REFRESH_CHUNK`` cadres)."""
    ids = sorted({int(i) for i in cadre_ids if i is not None})
    wanted = {int(y) for y in years if y is not None}
    if not ids or not wanted:
        return
    db.session.flush()
    n = window_years()
    targets = _targets(wanted, n)
    summary = TrainingHoursYear.__table__
    spans = {1: sorted(y for y, s in targets if s == 1), n: sorted(y for y, s in targets if s == n)}
    for begin in range(0, len(ids), REFRESH_CHUNK):
        chunk = ids[begin : begin + REFRESH_CHUNK]
        # PostgreSQL: two writers refreshing one cadre take turns, the second then reading the
        # first one's records and rows (else both would sum from their own snapshot and one
        # insert would collide). NO KEY UPDATE: inserting a record's FK check (KEY SHARE) on
        # the cadre does not wait for it, so there is no deadlock. SQLite: one writer anyway.
        db.session.execute(
            sa.select(Cadre.id)
            .where(Cadre.id.in_(chunk))
            .order_by(Cadre.id)
            .with_for_update(key_share=True)
        ).all()
        db.session.execute(
            sa.delete(summary).where(
                summary.c.cadre_id.in_(chunk),
                sa.or_(
                    *(sa.and_(summary.c.span == s, summary.c.year.in_(y)) for s, y in spans.items())
                ),
            )
        )
        db.session.execute(
            summary.insert().from_select(
                ("cadre_id", "year", "span", *SUMMARY_COLUMNS), _summary_select(chunk, targets, n)
            )
        )


def _record_years() -> tuple[int, int] | None:
    """The first and last calendar year any record earns in (None: no record)."""
    days = [
        db.session.execute(sa.select(sa.func.min(col), sa.func.max(col))).one()
        for col in (TrainingCourse.end_date, Lecture.held_on, Essay.submitted_on)
    ]
    firsts = [d[0] for d in days if d[0] is not None]
    lasts = [d[1] for d in days if d[1] is not None]
    if not firsts:
        return None
    return min(firsts).year, max(lasts).year


def _all_targets() -> set[tuple[int, int]]:
    found = _record_years()
    if found is None:
        return set()
    return _targets(range(found[0], found[1] + 1), window_years())


def refresh_course(course_id: int, years: Iterable[int | None]) -> None:
    """``refresh_years`` for everyone on the course (after a change to its 学时, dates,
    category or mode, or to its records), for ``years`` (its end year before and after)."""
    ids = db.session.scalars(sa.select(Enrolment.cadre_id).where(Enrolment.course_id == course_id))
    refresh_years(list(ids), years)


def refresh_lecture(
    lecture_id: int, years: Iterable[int | None], also: Iterable[int | None] = ()
) -> None:
    """``refresh_years`` for the lecture's speaker and attendees (and ``also``: a former
    speaker or attendee), for ``years``."""
    ids = [
        *db.session.scalars(sa.select(Lecture.speaker_id).where(Lecture.id == lecture_id)),
        *db.session.scalars(
            sa.select(LectureAttendee.cadre_id).where(LectureAttendee.lecture_id == lecture_id)
        ),
        *also,
    ]
    refresh_years(ids, years)


def rebuild_summary() -> int:
    """Rebuild the whole summary from the records, for the window in force (after a change
    of ``senior_window_years``, or as a repair). Returns the number of rows."""
    summary = TrainingHoursYear.__table__
    db.session.flush()
    db.session.execute(sa.delete(summary))
    targets = _all_targets()
    if targets:
        db.session.execute(
            summary.insert().from_select(
                ("cadre_id", "year", "span", *SUMMARY_COLUMNS),
                _summary_select(None, targets, window_years()),
            )
        )
    return db.session.scalar(sa.select(sa.func.count()).select_from(summary)) or 0


def summary_differences() -> list[tuple[Any, ...]]:
    """Where the summary differs from the records: (cadre_id, year, span, kept, from records),
    the 学时 in tenths by kind then online (None: no row). Empty when the summary is right."""
    summary = TrainingHoursYear.__table__

    def rows(stmt: sa.Select[Any]) -> dict[tuple[int, int, int], tuple[int, ...]]:
        found = {}
        for row in db.session.execute(stmt):
            values = tuple(int(v or 0) for v in row[3:])
            if any(values):
                found[(row[0], row[1], row[2])] = values
        return found

    kept = rows(
        sa.select(
            summary.c.cadre_id,
            summary.c.year,
            summary.c.span,
            *(summary.c[c] for c in SUMMARY_COLUMNS),
        )
    )
    targets = _all_targets()
    right = rows(_summary_select(None, targets, window_years())) if targets else {}
    return [
        (*key, kept.get(key), right.get(key))
        for key in sorted(kept.keys() | right.keys())
        if kept.get(key) != right.get(key)
    ]


def _cadre_columns(on: date) -> list[Any]:
    """The cadre's columns the ledger shows, with the young-cadre rule (roster's, at ``on``)
    and ``rules.is_senior`` evaluated by the database."""
    lines = settings_store.value("young_cadre_age_lines")
    return [
        Cadre.id,
        Cadre.staff_no,
        Cadre.name,
        Cadre.department_id,
        Department.name.label("department"),
        Cadre.rank,
        sa.case((roster.young_cadre_condition(on, lines), True), else_=False).label("young"),
        sa.case((_senior_condition(), True), else_=False).label("senior"),
    ]


def _bases(year: int, s: dict[str, Any]) -> dict[bool, _Basis]:
    """The requirement, window and online cap for ``year``: not senior (False), senior."""
    out = {}
    for senior in (False, True):
        req = rules.requirement("县处级" if senior else None, year, s)
        cap = rules.online_cap(req, s)
        out[senior] = _Basis(year, req.window, req.hours, cap, int(req.hours * 10), int(cap * 10))
    return out


def _build(rows: Iterable[Sequence[Any]], bases: dict[bool, _Basis]) -> list[LedgerRow]:
    """LedgerRows from rows of ``_cadre_columns`` followed by the tenths earned by kind and
    online (NULLs: nothing earned): counted, short and percent in integer tenths (exact, as
    ``rules`` decides them: online counts up to the cap, short is what is missing, percent
    rounded down, at most 100). The loop is plain arithmetic on ints: 20,000 rows each time."""
    new = tuple.__new__
    nothing = _NOTHING
    plain, senior_basis = bases[False], bases[True]
    measures = {
        False: (plain, plain.cap_tenths, plain.required_tenths),
        True: (senior_basis, senior_basis.cap_tenths, senior_basis.required_tenths),
    }
    out = []
    append = out.append
    for r in rows:
        if r[8] is None:
            r = tuple(r[:8]) + nothing
        b, cap, req = measures[r[7]]  # 0/1 or False/True: the same keys
        online = r[14]
        counted = r[8] + r[9] + r[10] + r[11] + r[12] + r[13] - online
        counted += online if online < cap else cap
        if counted < req:
            short = req - counted
            percent = counted * 100 // req if req > 0 else 100
        else:
            short, percent = 0, 100
        append(new(LedgerRow, r + (b, counted, short, percent)))
    return out


def _summary_query(year: int, s: dict[str, Any], on: date) -> sa.Select[Any]:
    """Each cadre's columns and the tenths of 学时 earned by kind and online in the cadre's
    window: one row of ``training_hours_year`` per cadre (span 1 or the senior window's),
    NULLs when nothing was earned. No GROUP BY, no ORDER BY (sorted by ``_from_summary``)."""
    n = int(s["senior_window_years"])
    span = sa.case((_senior_condition(), n), else_=1) if n != 1 else 1
    summary = TrainingHoursYear.__table__
    return (
        sa.select(*_cadre_columns(on), *(summary.c[c] for c in SUMMARY_COLUMNS))
        .join(Department, Department.id == Cadre.department_id)
        .outerjoin(
            summary,
            sa.and_(summary.c.cadre_id == Cadre.id, summary.c.year == year, summary.c.span == span),
        )
    )


_NOTHING = (0,) * len(SUMMARY_COLUMNS)


def _plain_rows(connection: sa.Connection, stmt: sa.Select[Any]) -> list[Any]:
    """The rows of ``stmt`` as the driver's own tuples: the columns are ints and text, there
    is nothing to convert, and skipping SQLAlchemy's Row objects saves ~40 ms of CPU at
    20,000 cadres on SQLite."""
    result = connection.execute(stmt)
    try:
        return result.cursor.fetchall()  # type: ignore[union-attr,no-any-return]
    finally:
        result.close()


def _from_summary(year: int, on: date, cadre_ids: Sequence[int] | None) -> list[LedgerRow]:
    """Ledger rows from the summary: every cadre in section then 工号 order, or those."""
    s = settings_in_force()
    stmt = _summary_query(year, s, on)
    order = {
        dept_id: i
        for i, dept_id in enumerate(
            db.session.scalars(
                sa.select(Department.id).order_by(Department.sort_order, Department.name)
            )
        )
    }
    bases = _bases(year, s)
    connection = db.session.connection()  # Core rows: no ORM loading for 20,000 plain rows
    collecting = gc.isenabled()
    gc.disable()  # 20,000 rows and tuples would start the cyclic collector hundreds of times
    try:
        if cadre_ids is None:
            found: list[Any] = _plain_rows(connection, stmt)
        else:
            ids = [int(i) for i in cadre_ids]
            found = []
            for begin in range(0, len(ids), ID_CHUNK):
                chunk = ids[begin : begin + ID_CHUNK]
                found.extend(_plain_rows(connection, stmt.where(Cadre.id.in_(chunk))))
        found.sort(key=lambda r: (order[r[3]], r[1], r[0]))
        return _build(found, bases)
    finally:
        if collecting:
            gc.enable()


def compute_from_records(
    year: int, on: date, cadre_ids: Sequence[int] | None = None
) -> list[LedgerRow]:
    """The ledger summed from the records themselves (the way before the summary): the
    reference the summary is checked against (tests, ``flask training hours --check``).
    Every cadre in section then 工号 order, or those of ``cadre_ids``."""
    s = settings_in_force()
    stmt = _cadres(HoursFilters(year, on=on))
    if cadre_ids is not None:
        stmt = stmt.where(Cadre.id.in_(list(cadre_ids) or [-1]))
    cadres = db.session.execute(stmt).all()
    ids = None if cadre_ids is None else list(cadre_ids)
    courses = _course_sums(year, s, ids)
    given, attended, essays = _credit_counts(year, s, ids)
    lecture_index, essay_index = KINDS.index("业务微讲座"), KINDS.index("策论")
    empty = [0.0] * (len(KINDS) + 1)
    rows = []
    for c in cadres:
        sums = list(courses.get(c.id, empty))
        sums[lecture_index] += float(given.get(c.id, 0) or 0) + float(attended.get(c.id, 0) or 0)
        sums[essay_index] += float(essays.get(c.id, 0) or 0)
        rows.append((*c, *(round(v * 10) for v in sums)))
    return _build(rows, _bases(year, s))


def completion_percent(counted: Decimal, required: Decimal) -> int:
    """Completion in whole percent, rounded down, at most 100."""
    if required <= 0:
        return 100
    return min(100, int(counted * 100 / required))


# --- public API -----------------------------------------------------------------------------


def cadre_hours(cadre_id: int, year: int) -> LedgerRow | None:
    """One cadre's ledger row for ``year`` (None when there is no such cadre)."""
    rows = _from_summary(year, clock.today(), [cadre_id])
    return rows[0] if rows else None


def cadres_hours(cadre_ids: Sequence[int], year: int) -> dict[int, LedgerRow]:
    """The ledger rows of some cadres (a cohort, a shortlist), read for them alone."""
    ids = list(cadre_ids)
    if not ids:
        return {}
    return {row.cadre_id: row for row in _from_summary(year, clock.today(), ids)}


def _conditions(filters: HoursFilters) -> list[Any]:
    conditions: list[Any] = []
    if filters.department_ids is not None:
        conditions.append(Cadre.department_id.in_(list(filters.department_ids) or [-1]))
    if filters.rank:
        conditions.append(Cadre.rank == filters.rank)
    if filters.young is not None:
        young = roster.young_cadre_condition(
            filters.on, settings_store.value("young_cadre_age_lines")
        )
        conditions.append(young if filters.young else sa.not_(young))
    return conditions


def _cadres(filters: HoursFilters) -> sa.Select[Any]:
    return (
        sa.select(*_cadre_columns(filters.on))
        .join(Department, Department.id == Cadre.department_id)
        .where(*_conditions(filters))
        .order_by(Department.sort_order, Department.name, Cadre.staff_no, Cadre.id)
    )


def _matches(row: LedgerRow, filters: HoursFilters) -> bool:
    if filters.department_ids is not None and row.department_id not in filters.department_ids:
        return False
    if filters.rank and row.rank != filters.rank:
        return False
    if filters.young is not None and row.young != filters.young:
        return False
    return filters.behind is None or row.behind == filters.behind


def _all_rows(filters: HoursFilters) -> list[LedgerRow]:
    """Every matching cadre's row, in section then 工号 order: the whole organisation's
    computation (kept by ``_cached_whole`` until the data changes), then the filters."""
    if filters.on == clock.today():
        whole = _cached_whole(filters.year)
    else:
        whole = Whole(compute_whole(filters.year, filters.on))
    return whole.select(filters)


@dataclass
class Whole:
    """The whole organisation's rows with what the pages derive from them, derived once."""

    rows: list[LedgerRow]
    _by_section: dict[int, list[LedgerRow]] | None = None
    _completion: dict[tuple[Any, ...], list[SectionCompletion]] = field(default_factory=dict)
    _selected: dict[tuple[Any, ...], list[LedgerRow]] = field(default_factory=dict)

    def by_section(self) -> dict[int, list[LedgerRow]]:
        if self._by_section is None:
            groups: dict[int, list[LedgerRow]] = {}
            for row in self.rows:
                groups.setdefault(row.department_id, []).append(row)
            self._by_section = groups
        return self._by_section

    def select(self, filters: HoursFilters) -> list[LedgerRow]:
        """The rows matching ``filters`` (the same list again for the same filters)."""
        key = (
            tuple(filters.department_ids) if filters.department_ids is not None else None,
            filters.rank,
            filters.young,
            filters.behind,
        )
        found = self._selected.get(key)
        if found is not None:
            return found
        rows = self.rows
        if filters.department_ids is not None:
            wanted = set(filters.department_ids)
            rows = [r for dept, group in self.by_section().items() if dept in wanted for r in group]
        if filters.rank or filters.young is not None or filters.behind is not None:
            rows = [r for r in rows if _matches(r, filters)]
        if len(self._selected) < 64:  # a few dozen filter combinations, then compute each time
            self._selected[key] = rows
        return rows

    def completion(self, filters: HoursFilters) -> list[SectionCompletion]:
        key = (
            tuple(filters.department_ids) if filters.department_ids is not None else None,
            filters.rank,
            filters.young,
        )
        found = self._completion.get(key)
        if found is None:
            found = self._completion[key] = completion_by_section(self.select(filters))
        return found


def compute_whole(year: int, on: date) -> list[LedgerRow]:
    """Every cadre's row for ``year``, computed now from the summary (no cache): the work the
    cache saves."""
    return _from_summary(year, on, None)


# --- the cache of the whole organisation's computation --------------------------------------
#
# Summing 600,000 records costs SQLite about half a second, too much for every page and
# dashboard. The result is kept per (database, year, day, data generation, fingerprint):
# - the generation counts, in this process, every flush, bulk statement or rolled-back
#   write that touched the rows the ledger reads (session events below);
# - the fingerprint is what another process's write changes: the newest audit event of a
#   write (every write through the app is audited; sign-ins and downloads are not writes),
#   the newest settings version, and the highest id of each table the ledger reads (a bulk
#   insert: seed, import). Each is an index lookup.

SUMMARY = TrainingHoursYear.__tablename__
_LEDGER_TABLES = ("cadre", "department", "training_course", "enrolment", "lecture", "essay")
_CACHE: dict[tuple[Any, ...], Whole] = {}
_CACHE_SIZE = 4
_CACHE_LOCK = threading.Lock()
_generation = 0


def _bump() -> None:
    global _generation
    _generation += 1


#: Audit actions that change nothing: they leave the kept table alone, so HR exporting the
#: workbook or someone signing in costs no recomputation.
READ_ONLY_ACTIONS = audit.READ_ONLY_ACTIONS


def _fingerprint() -> tuple[Any, ...]:
    tables = ("setting", *_LEDGER_TABLES)
    parts = [sa.select(sa.func.max(sa.column("id"))).select_from(sa.table(t)) for t in tables]
    attendees = sa.select(sa.func.max(sa.column("lecture_id"))).select_from(
        sa.table("lecture_attendee")
    )
    event = sa.table("audit_event", sa.column("id"), sa.column("action"))
    last_write = (  # newest first by the primary key; stops at the first write
        sa.select(event.c.id)
        .where(event.c.action.not_in(READ_ONLY_ACTIONS))
        .order_by(event.c.id.desc())
        .limit(1)
    )
    row = db.session.execute(
        sa.select(*(p.scalar_subquery() for p in (last_write, *parts, attendees)))
    ).one()
    return tuple(row)


def _cached_whole(year: int) -> Whole:
    today = clock.today()
    key = (str(db.engine.url), year, today, _generation, _fingerprint())
    found = _CACHE.get(key)
    if found is None:
        found = Whole(compute_whole(year, today))
        with _CACHE_LOCK:  # threads of one worker share the cache
            while len(_CACHE) >= _CACHE_SIZE:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[key] = found
    return found


def clear_cache() -> None:
    _CACHE.clear()
    _bump()


_WATCHED: tuple[type, ...] = (
    TrainingHoursYear,
    Cadre,
    Department,
    TrainingCourse,
    Enrolment,
    Lecture,
    LectureAttendee,
    Essay,
)


@sa.event.listens_for(so.Session, "after_flush")
def _after_flush(session: so.Session, _context: Any) -> None:
    touched = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, _WATCHED + (Setting,)) for obj in touched):
        session.info["ledger_touched"] = True
        _bump()


@sa.event.listens_for(so.Session, "do_orm_execute")
def _after_bulk(state: so.ORMExecuteState) -> None:
    """A bulk INSERT/UPDATE/DELETE on a table the ledger reads (or any textual statement)."""
    if state.is_select:
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name is None or name in (*_LEDGER_TABLES, "lecture_attendee", "setting", SUMMARY):
        state.session.info["ledger_touched"] = True
        _bump()


@sa.event.listens_for(so.Session, "after_commit")
def _after_commit(session: so.Session) -> None:
    session.info.pop("ledger_touched", None)


@sa.event.listens_for(so.Session, "after_rollback")
def _after_rollback(session: so.Session) -> None:
    if session.info.pop("ledger_touched", None):
        _bump()


def organisation_hours(
    year: int,
    *,
    department_ids: Sequence[int] | None = None,
    rank: str | None = None,
    young: bool | None = None,
    behind: bool | None = None,
    page: int | None = None,
    per_page: int | None = None,
    on: date | None = None,
) -> HoursPage:
    """The organisation's hours table for ``year``, filtered, in section then 工号 order;
    without ``page`` every row (export, CLI, charts), else that page of ``per_page``."""
    filters = HoursFilters(
        year, department_ids, rank or None, young, behind, on=on or clock.today()
    )
    rows = _all_rows(filters)
    if page is None:  # a copy: the kept list must not be sorted or changed by a caller
        return HoursPage(rows=list(rows), total=len(rows), page=1, per_page=max(1, len(rows)))
    size = per_page or PER_PAGE
    page = min(max(1, page), max(1, ceil(len(rows) / size)))
    return HoursPage(rows[(page - 1) * size : page * size], len(rows), page, size)


def section_completion(
    year: int,
    *,
    department_ids: Sequence[int] | None = None,
    rank: str | None = None,
    young: bool | None = None,
) -> list[SectionCompletion]:
    """Completion by section of the cadres matching the filters (kept with the table)."""
    filters = HoursFilters(year, department_ids, rank or None, young, None, on=clock.today())
    return _cached_whole(year).completion(filters)


def behind_count(year: int, department_ids: Sequence[int] | None = None) -> int:
    """How many cadres (of these sections) are short of their requirement for ``year``."""
    return organisation_hours(year, department_ids=department_ids, behind=True).total


@dataclass(frozen=True)
class SectionCompletion:
    department_id: int
    department: str
    cadres: int
    done: int  # requirement met
    behind: int
    percent: int  # mean completion of the section's cadres

    @property
    def done_share(self) -> int:
        return int(self.done * 100 / self.cadres) if self.cadres else 0


def completion_by_section(rows: Iterable[LedgerRow]) -> list[SectionCompletion]:
    """Per section (in the rows' order): cadres, how many met the requirement, how many are
    behind, and the mean completion in percent."""
    groups: dict[int, list[LedgerRow]] = {}
    names: dict[int, str] = {}
    for row in rows:
        groups.setdefault(row.department_id, []).append(row)
        names[row.department_id] = row.department
    out = []
    for dept_id, members in groups.items():
        done = sum(1 for r in members if not r.behind)
        out.append(
            SectionCompletion(
                department_id=dept_id,
                department=names[dept_id],
                cadres=len(members),
                done=done,
                behind=len(members) - done,
                percent=int(sum(r.percent for r in members) / len(members)),
            )
        )
    return out


# --- this year's records of one cadre (the profile) -----------------------------------------


@dataclass(frozen=True)
class RecordLine:
    """One line of a cadre's records that earn hours in a window."""

    kind: str  # 培训类别, 业务微讲座 or 策论
    title: str
    start: date
    end: date
    hours: Decimal | None  # the course's 学时 (None for credits)
    leave: Decimal | None
    passed: bool | None
    earned: Decimal
    online: bool = False
    note: str = ""


def cadre_records(cadre_id: int, first_year: int, last_year: int) -> list[RecordLine]:
    """The cadre's courses, lectures and essays dated within the years, newest first."""
    start, end = date(first_year, 1, 1), date(last_year, 12, 31)
    lines: list[RecordLine] = []
    courses = db.session.execute(
        sa.select(
            TrainingCourse.name,
            TrainingCourse.category,
            TrainingCourse.mode,
            TrainingCourse.start_date,
            TrainingCourse.end_date,
            TrainingCourse.hours,
            Enrolment.leave_hours,
            Enrolment.passed,
            Enrolment.hours_earned,
            Enrolment.attended_hours,
        )
        .join(TrainingCourse, TrainingCourse.id == Enrolment.course_id)
        .where(
            Enrolment.cadre_id == cadre_id,
            TrainingCourse.end_date >= start,
            TrainingCourse.end_date <= end,
        )
    ).all()
    for c in courses:
        lines.append(
            RecordLine(
                kind=c.category,
                title=c.name,
                start=c.start_date,
                end=c.end_date,
                hours=c.hours,
                leave=c.leave_hours,
                passed=c.passed,
                earned=rules.hours(c.hours_earned or 0),
                online=c.mode == ONLINE_MODE,
                note="" if c.attended_hours is not None else "pending",
            )
        )
    lectures = db.session.execute(
        sa.select(
            Lecture.topic, Lecture.held_on, Lecture.speaker_id, Lecture.settings_version
        ).where(
            Lecture.held_on >= start,
            Lecture.held_on <= end,
            sa.or_(
                Lecture.speaker_id == cadre_id,
                Lecture.id.in_(
                    sa.select(LectureAttendee.lecture_id).where(
                        LectureAttendee.cadre_id == cadre_id
                    )
                ),
            ),
        )
    ).all()
    for lecture in lectures:
        speaker = lecture.speaker_id == cadre_id
        lines.append(
            RecordLine(
                kind="业务微讲座",
                title=lecture.topic,
                start=lecture.held_on,
                end=lecture.held_on,
                hours=None,
                leave=None,
                passed=None,
                earned=rules.lecture_credit(
                    speaker, settings_ops.values_of(lecture.settings_version)
                ),
                note="speaker" if speaker else "attendee",
            )
        )
    essays = db.session.execute(
        sa.select(Essay.title, Essay.submitted_on, Essay.final_grade, Essay.settings_version).where(
            Essay.author_id == cadre_id, Essay.submitted_on >= start, Essay.submitted_on <= end
        )
    ).all()
    for essay in essays:
        lines.append(
            RecordLine(
                kind="策论",
                title=essay.title,
                start=essay.submitted_on,
                end=essay.submitted_on,
                hours=None,
                leave=None,
                passed=None,
                earned=rules.essay_credit(
                    essay.final_grade, settings_ops.values_of(essay.settings_version)
                ),
                note=essay.final_grade or "",
            )
        )
    return sorted(lines, key=lambda line: (line.end, line.start, line.title), reverse=True)


# --- the workbook ---------------------------------------------------------------------------


def hours_workbook(rows: Iterable[LedgerRow], year: int) -> bytes:
    """The sheet 学时统计: 工号 姓名 部门 职级 要求学时 已获学时 (counted), the hours by kind,
    the online hours (before the cap) and 差额 (short by). Text cells are never formulas."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from cadre_app.services.core.workbook import write_text

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(SHEET)
    sheet.freeze_panes = "C2"
    bold = Font(bold=True)
    header = []
    for label in HEADER:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = bold
        header.append(cell)
    sheet.append(header)

    def text(value: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet)
        write_text(cell, value)
        return cell

    def number(value: Decimal) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=float(value))
        cell.number_format = "0.0"
        return cell

    for r in rows:
        sheet.append(
            [
                text(r.staff_no),
                text(r.name),
                text(r.department),
                text(r.rank or ""),
                number(r.required),
                number(r.counted),
                *(number(r.earned[k]) for k in KINDS),
                number(r.online),
                number(r.short),
            ]
        )
    notes = book.create_sheet("说明")
    notes.append([f"{year} 年度学时统计"])
    notes.append(
        [
            "口径",
            "已获学时为计入要求的学时（网络学时不超过要求的规定比例）；"
            "县处级及四级调研员以上按截至当年的 5 年累计计算。",
        ]
    )
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def cli_lines(rows: Iterable[LedgerRow]) -> Iterable[str]:
    """``工号 姓名 要求学时 已获学时 差额`` per cadre (DESIGN.md, ``flask training hours``)."""
    for r in rows:
        yield f"{r.staff_no} {r.name} {r.required} {r.counted} {r.short}"
