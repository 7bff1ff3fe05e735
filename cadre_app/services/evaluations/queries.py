"""Reading the annual evaluation for pages and workbooks: cycles, the ranking table, the grade
distribution, one cadre's history with the attention mark, quarterly grades."""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from cadre_app.extensions import db
from cadre_app.models import (
    Cadre,
    CycleState,
    Department,
    Evaluation,
    EvaluationCycle,
    QuarterlyGrade,
    Talk,
    TalkState,
)
from cadre_app.services.evaluations import rules as ranking
from cadre_app.services.evaluations.operations import BOTTOM_TALK_KIND, declining


def newest_year() -> int | None:
    """The year of the newest cycle (the one a score import usually fills), None when none."""
    return db.session.scalar(sa.select(sa.func.max(EvaluationCycle.year)))


def template_cadres() -> list[tuple[str, str]]:
    """(工号, 姓名) of the cadres a year's score workbook is filled for: the roster, by
    section (in the roster's order) and 工号."""
    return [
        (row.staff_no, row.name)
        for row in db.session.execute(
            sa.select(Cadre.staff_no, Cadre.name)
            .join(Department, Department.id == Cadre.department_id)
            .order_by(Department.sort_order, Department.name, Cadre.staff_no)
        )
    ]


def list_cycles() -> list[dict[str, Any]]:
    counts = dict(
        db.session.execute(
            sa.select(Evaluation.cycle_id, sa.func.count()).group_by(Evaluation.cycle_id)
        ).all()
    )
    cycles = db.session.scalars(sa.select(EvaluationCycle).order_by(EvaluationCycle.year.desc()))
    return [
        {"year": c.year, "state": c.state, "evaluated": counts.get(c.id, 0), "cycle": c}
        for c in cycles
    ]


def _earlier_total(year: str) -> Any:
    """The cadre's total in the cycle of the year bound as ``year`` (NULL when none): with the
    row's own total, the three years the attention mark (关注) looks at, read with the row
    (two look-ups by unique index) instead of a second query over every listed cadre."""
    earlier = so.aliased(Evaluation)
    earlier_cycle = so.aliased(EvaluationCycle)
    return (
        sa.select(earlier.total)
        .join(earlier_cycle, earlier_cycle.id == earlier.cycle_id)
        .where(earlier.cadre_id == Evaluation.cadre_id, earlier_cycle.year == sa.bindparam(year))
        .scalar_subquery()
    )


@functools.cache
def _ranking_select() -> sa.Select[Any]:
    """The ranking table's SELECT without its filters, built once per process (building it,
    with the talk-state subquery, cost more than running it for a 200-row section)."""
    talk_state = (
        sa.select(Talk.state)
        .where(Talk.evaluation_id == Evaluation.id, Talk.kind == BOTTOM_TALK_KIND)
        .limit(1)
        .scalar_subquery()
    )
    return (
        sa.select(
            Evaluation.id,
            Evaluation.cadre_id,
            Cadre.staff_no,
            Cadre.name,
            Department.name.label("department"),
            Evaluation.department_id,
            Evaluation.ordinary,
            Evaluation.democratic,
            Evaluation.leader,
            Evaluation.total,
            Evaluation.section_rank,
            Evaluation.overall_rank,
            Evaluation.proposed_grade,
            Evaluation.final_grade,
            Evaluation.no_grade,
            Evaluation.bottom,
            Evaluation.bottom_reason,
            Evaluation.settings_version,
            talk_state.label("talk_state"),
            _earlier_total("year_before").label("total_year_before"),
            _earlier_total("two_years_before").label("total_two_years_before"),
        )
        .join(Cadre, Cadre.id == Evaluation.cadre_id)
        .join(Department, Department.id == Evaluation.department_id)
        .order_by(Evaluation.overall_rank.is_(None), Evaluation.overall_rank, Cadre.staff_no)
    )


def ranking_rows(
    cycle: EvaluationCycle,
    *,
    department_ids: list[int] | None,
    section: int | None = None,
    hidden_cadre_id: int | None = None,
) -> list[dict[str, Any]]:
    """The ranking table as plain dicts, in overall order (unranked last, then by 工号), with
    the state of each bottom-ranked cadre's reminder talk and the attention mark (总分连续三年
    下降, as ``attention_cadres``). ``department_ids`` None = all. Read as plain rows on the
    session's connection (no ORM result processing). ``hidden_cadre_id``: a cadre whose row
    is left out (the reader's own, before the results are confirmed:
    ``permissions.own_row_hidden``)."""
    stmt = _ranking_select().where(Evaluation.cycle_id == cycle.id)
    if hidden_cadre_id is not None:
        stmt = stmt.where(Evaluation.cadre_id != hidden_cadre_id)
    if department_ids is not None:
        stmt = stmt.where(Evaluation.department_id.in_(department_ids or [-1]))
    if section is not None:
        stmt = stmt.where(Evaluation.department_id == section)
    rows = []
    no_grade = ranking.NO_GRADE
    states = TalkState._value2member_map_
    year = cycle.year
    result = db.session.connection().execute(
        stmt, {"year_before": year - 1, "two_years_before": year - 2}
    )
    keys = list(result.keys())
    for values in result:
        data = dict(zip(keys, values, strict=True))  # (Row._asdict is several times slower)
        data["grade"] = (
            data["final_grade"]
            or data["proposed_grade"]
            or (no_grade if data["no_grade"] else None)
        )
        talk = data["talk_state"]
        data["talk_state"] = states[talk] if talk else None
        before, two_before = data.pop("total_year_before"), data.pop("total_two_years_before")
        data["attention"] = (
            before is not None
            and two_before is not None
            and declining({year - 2: two_before, year - 1: before, year: data["total"]})
        )
        rows.append(data)
    return rows


def quota_of(rows: list[dict[str, Any]], percent: int) -> ranking.QuotaCheck:
    """The 优秀 quota over ``rows`` alone (the sections a manager leads, or one section):
    everyone listed, those graded 优秀. Confirmation checks the whole cycle
    (operations.quota_check); this is the share the page shows for a part of it."""
    return ranking.quota(len(rows), sum(1 for r in rows if r["grade"] == "优秀"), percent)


def distribution(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Counts per grade (with 不定等次 and 未定 for rows without a grade), in display order."""
    counts = {grade: 0 for grade in (*ranking.GRADES, ranking.NO_GRADE)}
    counts["未定"] = 0
    for row in rows:
        counts[row["grade"] if row["grade"] in counts else "未定"] += 1
    return counts


def history_for(cadre_id: int) -> list[dict[str, Any]]:
    """Every year's evaluation of one cadre, newest first, with the attention mark on the
    latest year when the totals fell three years in a row."""
    rows = db.session.execute(
        sa.select(
            EvaluationCycle.year,
            EvaluationCycle.state,
            Evaluation.id,
            Evaluation.ordinary,
            Evaluation.democratic,
            Evaluation.leader,
            Evaluation.total,
            Evaluation.section_rank,
            Evaluation.overall_rank,
            Evaluation.proposed_grade,
            Evaluation.final_grade,
            Evaluation.no_grade,
            Evaluation.bottom,
            Evaluation.bottom_reason,
            Evaluation.consequences,
        )
        .join(EvaluationCycle, EvaluationCycle.id == Evaluation.cycle_id)
        .where(Evaluation.cadre_id == cadre_id)
        .order_by(EvaluationCycle.year.desc())
    ).all()
    result = [row._asdict() for row in rows]
    totals = {r["year"]: r["total"] for r in result}
    attention = declining(totals)
    for i, row in enumerate(result):
        row["attention"] = attention and i == 0
    return result


#: "The last three years' results" (近三年年度考核结果) of the 干部任免审批表 and of .lrmx.
RESULT_YEARS = 3
DECIDED_STATES = (CycleState.DECIDED, CycleState.ARCHIVED)


def recent_results(cadre_id: int, *, today: date, years: int = RESULT_YEARS) -> str:
    """``2023年度考核称职；2024年度考核优秀；2025年度考核称职``: the final grades of the cycles
    decided (or archived) among the last ``years`` years before ``today``, oldest first;
    ``不定等次`` for a year without a grade. The one rule for the PDF form and .lrmx."""
    return "；".join(
        f"{year}年度考核{grade}"
        for year, grade in recent_grades(cadre_id, today=today, years=years)
    )


def recent_grades(
    cadre_id: int, *, today: date, years: int = RESULT_YEARS
) -> list[tuple[int, str]]:
    """(year, final grade or 不定等次) of ``recent_results``, oldest first (the cadre's
    dashboard shows them in the reader's language)."""
    decided = [
        row
        for row in history_for(cadre_id)
        if row["state"] in DECIDED_STATES
        and row["year"] >= today.year - years
        and (row["final_grade"] or row["no_grade"])
    ][:years]
    return [(row["year"], row["final_grade"] or ranking.NO_GRADE) for row in reversed(decided)]


def section_sizes(cycle_ids: list[int]) -> dict[tuple[int, int], int]:
    """(cycle_id, department_id) -> ranked cadres, for "rank n of m"."""
    rows = db.session.execute(
        sa.select(Evaluation.cycle_id, Evaluation.department_id, sa.func.count())
        .where(Evaluation.cycle_id.in_(cycle_ids), Evaluation.section_rank.is_not(None))
        .group_by(Evaluation.cycle_id, Evaluation.department_id)
    )
    return {(c, d): n for c, d, n in rows}


def attention_cadres(latest_year: int, cadre_ids: list[int] | None = None) -> set[int]:
    """Cadres whose totals fell in each of the three years up to ``latest_year``."""
    stmt = (
        sa.select(Evaluation.cadre_id, EvaluationCycle.year, Evaluation.total)
        .join(EvaluationCycle, EvaluationCycle.id == Evaluation.cycle_id)
        .where(EvaluationCycle.year.between(latest_year - 2, latest_year))
    )
    if cadre_ids is not None:
        stmt = stmt.where(Evaluation.cadre_id.in_(cadre_ids))
    totals: dict[int, dict[int, float | None]] = {}
    for cadre_id, year, total in db.session.execute(stmt):
        totals.setdefault(cadre_id, {})[year] = total
    return {
        cadre_id
        for cadre_id, by_year in totals.items()
        if latest_year in by_year and declining(by_year)
    }


def quarterly_grades(cadre_id: int, year: int) -> dict[int, str | None]:
    rows = db.session.execute(
        sa.select(QuarterlyGrade.quarter, QuarterlyGrade.grade).where(
            QuarterlyGrade.cadre_id == cadre_id, QuarterlyGrade.year == year
        )
    )
    found = dict(rows.all())
    return {q: found.get(q) for q in (1, 2, 3, 4)}


@functools.cache
def _results_select() -> tuple[sa.Select[Any], sa.Select[Any]]:
    """``results_of``'s two statements, built once (expanding parameters ``ids``, ``years``,
    ``cycles``, ``sections``): building them cost more than running them."""
    results = (
        sa.select(
            Evaluation.cadre_id,
            EvaluationCycle.id.label("cycle_id"),
            EvaluationCycle.year,
            Evaluation.department_id,
            Evaluation.total,
            Evaluation.final_grade,
            Evaluation.proposed_grade,
            Evaluation.no_grade,
            Evaluation.section_rank,
            Evaluation.overall_rank,
        )
        .join(EvaluationCycle, EvaluationCycle.id == Evaluation.cycle_id)
        .where(
            Evaluation.cadre_id.in_(sa.bindparam("ids", expanding=True)),
            EvaluationCycle.year.in_(sa.bindparam("years", expanding=True)),
        )
    )
    sizes = (
        sa.select(Evaluation.cycle_id, Evaluation.department_id, sa.func.count())
        .where(
            Evaluation.cycle_id.in_(sa.bindparam("cycles", expanding=True)),
            Evaluation.department_id.in_(sa.bindparam("sections", expanding=True)),
            Evaluation.section_rank.is_not(None),
        )
        .group_by(Evaluation.cycle_id, Evaluation.department_id)
    )
    return results, sizes


def results_of(cadre_ids: list[int], years: list[int]) -> dict[int, dict[int, dict[str, Any]]]:
    """cadre id -> year -> that year's result (total, grade, section and overall rank, the
    section's ranked size), for some cadres and years in two queries (the selection
    comparison). ``grade``: the final grade, else 不定等次, else the proposed grade."""
    if not cadre_ids or not years:
        return {}
    results, sized = _results_select()
    connection = db.session.connection()
    rows = connection.execute(results, {"ids": list(cadre_ids), "years": list(years)}).all()
    sizes: dict[tuple[int, int], int] = {}
    ranked = [r for r in rows if r.section_rank is not None]
    if ranked:  # the ranked size of just these sections in just these cycles: one GROUP BY
        sizes = {
            (c, d): n
            for c, d, n in connection.execute(
                sized,
                {
                    "cycles": sorted({r.cycle_id for r in ranked}),
                    "sections": sorted({r.department_id for r in ranked}),
                },
            )
        }
    out: dict[int, dict[int, dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r.cadre_id, {})[r.year] = {
            "total": r.total,
            "grade": r.final_grade
            or (ranking.NO_GRADE if r.no_grade else None)
            or r.proposed_grade,
            "final": bool(r.final_grade or r.no_grade),
            "section_rank": r.section_rank,
            "section_size": sizes.get((r.cycle_id, r.department_id)),
            "overall_rank": r.overall_rank,
        }
    return out


def recent_years(count: int = RESULT_YEARS) -> list[int]:
    """The newest ``count`` cycle years, newest first."""
    return list(db.session.connection().execute(_recent_years(), {"n": count}).scalars())


@functools.cache
def _recent_years() -> sa.Select[Any]:
    return (
        sa.select(EvaluationCycle.year)
        .order_by(EvaluationCycle.year.desc())
        .limit(sa.bindparam("n", type_=sa.Integer))
    )


def decided_grades(
    years: tuple[int, int], *, excellent_from: int | None = None
) -> dict[int, dict[int, str | None]]:
    """Per cadre, the decided (or archived) final grade by year (None for 不定等次), for
    the years ``years[0]``..``years[1]``; with ``excellent_from`` only the last year's grade
    and the 优秀 from that year on (selection's eligibility: previous year and the 优秀 that
    shorten the wait in rank). In one query for the whole roster."""
    first, last = years
    stmt = (
        sa.select(Evaluation.cadre_id, EvaluationCycle.year, Evaluation.final_grade)
        .join(EvaluationCycle, EvaluationCycle.id == Evaluation.cycle_id)
        .where(
            EvaluationCycle.state.in_(DECIDED_STATES),
            EvaluationCycle.year.between(first, last),
            sa.or_(Evaluation.final_grade.is_not(None), Evaluation.no_grade.is_(True)),
        )
    )
    if excellent_from is not None:
        stmt = stmt.where(
            sa.or_(
                EvaluationCycle.year == last,
                sa.and_(Evaluation.final_grade == "优秀", EvaluationCycle.year >= excellent_from),
            )
        )
    grades: dict[int, dict[int, str | None]] = {}
    for cadre_id, year, grade in db.session.connection().execute(stmt):
        grades.setdefault(cadre_id, {})[year] = grade
    return grades


def decided_totals(
    first: int, last: int
) -> tuple[dict[int, dict[int, float | None]], dict[int, int]]:
    """Per cadre, the total of each decided (or archived) cycle from ``first`` to ``last``,
    with the cadre's section of the latest of those years: ``{cadre: {year: total}}`` and
    ``{cadre: department}``, in one query (the reminders' three-year decline)."""
    rows = db.session.execute(
        sa.select(
            Evaluation.cadre_id, EvaluationCycle.year, Evaluation.total, Evaluation.department_id
        )
        .join(EvaluationCycle, EvaluationCycle.id == Evaluation.cycle_id)
        .where(EvaluationCycle.state.in_(DECIDED_STATES), EvaluationCycle.year.between(first, last))
        .order_by(EvaluationCycle.year)
    )
    totals: dict[int, dict[int, float | None]] = {}
    sections: dict[int, int] = {}
    for cadre_id, year, total, department in rows:
        totals.setdefault(cadre_id, {})[year] = total
        sections[cadre_id] = department  # the years come in order: the latest stays
    return totals, sections


def publicity_ending(today: date, until: date) -> list[dict[str, Any]]:
    """Cycles in 公示 (``PUBLICISED``) whose publicity ends between ``today`` and ``until``
    (both included): year and end day, soonest first."""
    rows = db.session.execute(
        sa.select(EvaluationCycle.id, EvaluationCycle.year, EvaluationCycle.publicity_end)
        .where(
            EvaluationCycle.state == CycleState.PUBLICISED,
            EvaluationCycle.publicity_end.between(today, until),
        )
        .order_by(EvaluationCycle.publicity_end)
    )
    return [{"id": r.id, "year": r.year, "end": r.publicity_end} for r in rows]


def decided_years(*, count: int, up_to: int | None = None) -> list[int]:
    """The newest ``count`` years (up to ``up_to`` when given) whose cycle is decided (or
    archived), oldest first (the structure report's grade trend, the reminders' decline)."""
    until = [] if up_to is None else [EvaluationCycle.year <= up_to]
    stmt = (
        sa.select(EvaluationCycle.year)
        .where(EvaluationCycle.state.in_(DECIDED_STATES), *until)
        .order_by(EvaluationCycle.year.desc())
        .limit(count)
    )
    return sorted(db.session.scalars(stmt))


def grade_counts(
    years: list[int], *, department_ids: list[int] | None = None
) -> dict[int, dict[str | None, int]]:
    """Per decided year of ``years``: final grade (None for 不定等次) -> how many cadres,
    counted in the section they were evaluated in (``department_ids``: only those; None:
    all). The decided cycles are looked up first, so the count runs over the index
    ``ix_evaluation_cycle_grade`` alone (no join over every evaluation)."""
    if not years:
        return {}
    cycles = dict(
        db.session.execute(
            sa.select(EvaluationCycle.id, EvaluationCycle.year).where(
                EvaluationCycle.state.in_(DECIDED_STATES), EvaluationCycle.year.in_(years)
            )
        ).all()
    )
    out: dict[int, dict[str | None, int]] = {year: {} for year in cycles.values()}
    if not cycles:
        return out
    stmt = (
        sa.select(Evaluation.cycle_id, Evaluation.final_grade, Evaluation.no_grade, sa.func.count())
        .where(Evaluation.cycle_id.in_(list(cycles)))
        .group_by(Evaluation.cycle_id, Evaluation.final_grade, Evaluation.no_grade)
    )
    if department_ids is not None:
        stmt = stmt.where(Evaluation.department_id.in_(department_ids or [-1]))
    for cycle_id, final, no_grade, n in db.session.execute(stmt):
        if final is None and not no_grade:
            continue  # not graded (yet)
        key = None if no_grade else final
        year = out[cycles[cycle_id]]
        year[key] = year.get(key, 0) + n
    return out
