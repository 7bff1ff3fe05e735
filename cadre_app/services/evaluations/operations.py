"""Annual evaluation (年度考核): cycles and their settings, scores, ranking, confirmation with
the 优秀 quota, publicity, decision and consequences, and the follow-up talks for the
bottom-ranked. Rules that need no database live in services.evaluations.rules.

Services flush and never commit; the view or command owns the transaction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa
from flask_babel import gettext as _

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import (
    Cadre,
    CycleState,
    Department,
    Evaluation,
    EvaluationCycle,
    QuarterlyGrade,
    Talk,
)
from cadre_app.services.core import audit, workdays
from cadre_app.services.evaluations import rules as ranking
from cadre_app.services.talks import operations as talk_operations

EDITABLE_STATES = (CycleState.COLLECTING, CycleState.RANKED)
DEFAULT_QUOTA = 20
MAX_QUOTA = 25
BOTTOM_TALK_KIND = "提醒谈话"
PUBLICITY_WORKDAYS = 5
_KEEP: Any = object()


class EvaluationError(ValueError):
    """A rule of the evaluation procedure was broken; the message says which (Chinese)."""


class QuotaExceeded(EvaluationError):
    def __init__(self, check: ranking.QuotaCheck):
        super().__init__(check.message(translated=True))
        self.check = check


# --- cycles and settings ----------------------------------------------------------------------


def get_cycle(year: int) -> EvaluationCycle | None:
    return db.session.scalar(sa.select(EvaluationCycle).where(EvaluationCycle.year == year))


def ensure_cycle(year: int, *, actor: str | None) -> tuple[EvaluationCycle, bool]:
    """The year's cycle, created with the default settings when missing."""
    if not 2000 <= year <= 2100:
        raise EvaluationError(_("考核年度 %(year)s 不在合理范围内。", year=year))
    cycle = get_cycle(year)
    if cycle is not None:
        return cycle, False
    cycle = EvaluationCycle(year=year)
    db.session.add(cycle)
    db.session.flush()
    audit.record(
        "create",
        object_type="evaluation_cycle",
        object_id=cycle.id,
        summary=f"{year} 年度考核",
        after=cycle.settings(),
        actor_name=actor,
    )
    return cycle, True


def _require_editable(cycle: EvaluationCycle) -> None:
    if cycle.state not in EDITABLE_STATES:
        raise EvaluationError(
            _(
                "%(year)s 年度考核处于“%(state)s”阶段，不能再修改。",
                year=cycle.year,
                state=cycle.state.label,
            )
        )


def update_settings(
    cycle: EvaluationCycle,
    *,
    weights: tuple[int, int, int],
    quota_pct: int,
    approval_reason: str | None,
    min_section_size: int,
    bottom_grades: list[str],
    actor: str | None,
) -> None:
    """Change the cycle's settings; a quota above 20% needs an approval reason, 25% is the
    ceiling. Raises EvaluationError. Any earlier ranking becomes stale."""
    _require_editable(cycle)
    try:
        ranking.Weights(*weights)
    except ValueError:
        raise EvaluationError(_("权重须为非负整数，且三项之和为 100。")) from None
    if not 0 <= quota_pct <= MAX_QUOTA:
        raise EvaluationError(_("优秀比例最高为 %(max)d%%。", max=MAX_QUOTA))
    reason = (approval_reason or "").strip()
    if quota_pct > DEFAULT_QUOTA and not reason:
        raise EvaluationError(
            _("优秀比例超过 %(base)d%% 须经批准，请填写批准依据。", base=DEFAULT_QUOTA)
        )
    if min_section_size < 1:
        raise EvaluationError(_("末位认定的处室最少人数须至少为 1。"))
    unknown = [g for g in bottom_grades if g not in ranking.GRADES]
    if unknown:
        raise EvaluationError(_("未知等次：%(g)s。", g="、".join(unknown)))
    before = cycle.settings()
    cycle.weight_ordinary, cycle.weight_democratic, cycle.weight_leader = weights
    cycle.excellent_quota_pct = quota_pct
    if quota_pct > DEFAULT_QUOTA:
        cycle.quota_approval_reason = reason
        cycle.quota_approved_by = actor
        cycle.quota_approved_at = utcnow()
    else:
        cycle.quota_approval_reason = cycle.quota_approved_by = cycle.quota_approved_at = None
    cycle.bottom_min_section_size = min_section_size
    cycle.bottom_grades = list(bottom_grades)
    cycle.settings_version += 1
    cycle.state = CycleState.COLLECTING
    db.session.flush()
    audit.record(
        "update",
        object_type="evaluation_cycle",
        object_id=cycle.id,
        summary=f"{cycle.year} 年度考核设置" + (f"（批准依据：{reason}）" if reason else ""),
        before=before,
        after=cycle.settings(),
        actor_name=actor,
    )


# --- scores -----------------------------------------------------------------------------------


def score_problem(label: str, value: float | None) -> str | None:
    """None when ``value`` is a valid score (0-100, at most 2 decimals) or missing."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if not 0 <= value <= 100:
        return _("%(label)s须在 0 至 100 之间，现为 %(value)s。", label=label, value=value)
    if round(value * 100) != round(value * 100, 6):
        return _("%(label)s最多保留两位小数，现为 %(value)s。", label=label, value=value)
    return None


def _snapshot(evaluation: Evaluation) -> dict[str, Any]:
    return {
        "ordinary": evaluation.ordinary,
        "democratic": evaluation.democratic,
        "leader": evaluation.leader,
        "proposed_grade": evaluation.proposed_grade,
        "no_grade": evaluation.no_grade,
    }


def set_scores(
    cycle: EvaluationCycle,
    cadre: Cadre,
    *,
    ordinary: float | None,
    democratic: float | None,
    leader: float | None,
    proposed_grade: str | None = _KEEP,
    reason: str | None = None,
    actor: str | None,
) -> Evaluation:
    """Enter or correct one cadre's scores. A correction of existing scores needs a reason,
    which goes into the audit log. Raises EvaluationError."""
    _require_editable(cycle)
    problems = [
        p
        for p in (
            score_problem(ranking.COMPONENT_LABELS["ordinary"], ordinary),
            score_problem(ranking.COMPONENT_LABELS["democratic"], democratic),
            score_problem(ranking.COMPONENT_LABELS["leader"], leader),
        )
        if p
    ]
    if proposed_grade is not _KEEP and proposed_grade not in (None, *ranking.GRADES):
        problems.append(_("等次须为：%(g)s。", g="、".join(ranking.GRADES)))
    if problems:
        raise EvaluationError(" ".join(problems))
    evaluation = db.session.scalar(
        sa.select(Evaluation).where(
            Evaluation.cycle_id == cycle.id, Evaluation.cadre_id == cadre.id
        )
    )
    correcting = evaluation is not None and any(
        v is not None for v in (evaluation.ordinary, evaluation.democratic, evaluation.leader)
    )
    if correcting and not (reason or "").strip():
        raise EvaluationError(_("更正已录入的成绩须填写更正理由。"))
    if evaluation is None:
        evaluation = Evaluation(
            cycle_id=cycle.id, cadre_id=cadre.id, department_id=cadre.department_id
        )
        db.session.add(evaluation)
    before = _snapshot(evaluation) if correcting else None
    evaluation.ordinary, evaluation.democratic, evaluation.leader = ordinary, democratic, leader
    if proposed_grade is not _KEEP:
        evaluation.proposed_grade = proposed_grade
    cycle.state = CycleState.COLLECTING
    db.session.flush()
    audit.record(
        "update" if correcting else "create",
        object_type="evaluation",
        object_id=evaluation.id,
        summary=f"{cycle.year} 年度考核 {cadre.staff_no} {cadre.name}"
        + (f"（更正理由：{reason.strip()}）" if correcting and reason else ""),
        before=before,
        after=_snapshot(evaluation),
        actor_name=actor,
    )
    return evaluation


def set_no_grade(
    evaluation: Evaluation, *, no_grade: bool, reason: str | None, actor: str | None
) -> None:
    """Mark 只写评语、不定等次 (under discipline): not ranked, no grade."""
    _require_editable(evaluation.cycle)
    if no_grade and not (reason or "").strip():
        raise EvaluationError(_("标记“不定等次”须填写原因（如受处分期间）。"))
    before = _snapshot(evaluation)
    evaluation.no_grade = no_grade
    evaluation.no_grade_reason = (reason or "").strip() or None if no_grade else None
    if no_grade:
        evaluation.proposed_grade = None
    evaluation.cycle.state = CycleState.COLLECTING
    db.session.flush()
    audit.record(
        "update",
        object_type="evaluation",
        object_id=evaluation.id,
        summary=f"{evaluation.cycle.year} 年度考核 不定等次："
        + ("是" if no_grade else "否")
        + (f"（{reason}）" if reason else ""),
        before=before,
        after=_snapshot(evaluation),
        actor_name=actor,
    )


# --- ranking ----------------------------------------------------------------------------------


_RESULT_COLUMNS = (
    "total",
    "section_rank",
    "overall_rank",
    "bottom",
    "bottom_reason",
    "settings_version",
)


def _frame(cycle: EvaluationCycle) -> pd.DataFrame:
    """The cycle's evaluations as a DataFrame straight from SQL (no ORM objects: building a
    frame from ORM rows was the slow path measured in DESIGN.md), with the stored results in
    ``stored_*`` columns so that only changed rows are written back."""
    stmt = (
        sa.select(
            Evaluation.id,
            Evaluation.cadre_id,
            Cadre.staff_no,
            Evaluation.department_id,
            Evaluation.ordinary,
            Evaluation.democratic,
            Evaluation.leader,
            Evaluation.proposed_grade.label("grade"),
            Evaluation.no_grade,
            *(getattr(Evaluation, c).label(f"stored_{c}") for c in _RESULT_COLUMNS),
        )
        .join(Cadre, Cadre.id == Evaluation.cadre_id)
        .where(Evaluation.cycle_id == cycle.id)
    )
    # Straight through the DBAPI cursor: building a DataFrame from SQLAlchemy Row objects
    # costs ~250 ms for 20,000 rows, from plain tuples ~25 ms. The one parameter is the
    # cycle's integer id, so literal binding is safe here.
    connection = db.session.connection()
    sql = str(stmt.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
        frame = pd.DataFrame(cursor.fetchall(), columns=list(stmt.selected_columns.keys()))
    finally:
        cursor.close()
    for column in (*ranking.COMPONENTS, "stored_total"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    for column in ("stored_section_rank", "stored_overall_rank", "stored_settings_version"):
        frame[column] = frame[column].astype("Int64")
    frame["stored_bottom"] = frame["stored_bottom"].astype("boolean")
    frame["no_grade"] = frame["no_grade"].astype(bool)
    return frame


@dataclass(frozen=True)
class RankingSummary:
    evaluated: int
    ranked: int
    incomplete: int
    bottom: int


def rank_cycle(cycle: EvaluationCycle, *, actor: str | None) -> RankingSummary:
    """Compute totals, ranks and bottom flags for the cycle and store them with the settings
    version used. Running it again on the same data stores the same result."""
    _require_editable(cycle)
    frame = _frame(cycle)
    result = ranking.rank(
        frame,
        ranking.Weights(cycle.weight_ordinary, cycle.weight_democratic, cycle.weight_leader),
        ranking.BottomRule(cycle.bottom_min_section_size, tuple(cycle.bottom_grades)),
    )
    result["settings_version"] = cycle.settings_version
    result["bottom_reason"] = result["bottom_reason"].replace("", None)
    changed = pd.Series(False, index=result.index)
    for column in _RESULT_COLUMNS:  # write only what changed: re-runs are cheap
        new, old = result[column], result[f"stored_{column}"]
        same = (new.astype(object) == old.astype(object)) | (new.isna() & old.isna())
        changed |= ~same.astype(bool)
    updates = [
        {
            "key": int(row.id),
            "total": None if pd.isna(row.total) else float(row.total),
            "section_rank": None if pd.isna(row.section_rank) else int(row.section_rank),
            "overall_rank": None if pd.isna(row.overall_rank) else int(row.overall_rank),
            "bottom": bool(row.bottom),
            "bottom_reason": row.bottom_reason or None,
            "settings_version": cycle.settings_version,
        }
        for row in result[changed].itertuples(index=False)
    ]
    if updates:
        table = Evaluation.__table__
        # Core executemany: about 2.5x faster than the ORM bulk UPDATE for 20,000 rows
        db.session.execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("key"))
            .values({c: sa.bindparam(c) for c in _RESULT_COLUMNS}),
            updates,
        )
    cycle.state = CycleState.RANKED
    cycle.ranked_at = utcnow()
    db.session.flush()
    summary = RankingSummary(
        evaluated=len(result),
        ranked=int(result["ranked"].sum()),
        incomplete=int((~result["complete"] & ~result["no_grade"]).sum()),
        bottom=int(result["bottom"].sum()),
    )
    audit.record(
        "update",
        object_type="evaluation_cycle",
        object_id=cycle.id,
        summary=f"{cycle.year} 年度考核排名：{summary.ranked} 人排名，{summary.bottom} 人末位",
        actor_name=actor,
    )
    return summary


def quota_check(cycle: EvaluationCycle) -> ranking.QuotaCheck:
    """优秀 among the cycle's proposed grades against its quota (base: everyone evaluated)."""
    evaluated = db.session.scalar(
        sa.select(sa.func.count()).select_from(Evaluation).where(Evaluation.cycle_id == cycle.id)
    )
    excellent = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Evaluation)
        .where(
            Evaluation.cycle_id == cycle.id,
            Evaluation.proposed_grade == "优秀",
            Evaluation.no_grade.is_(False),
        )
    )
    return ranking.quota(evaluated or 0, excellent or 0, cycle.excellent_quota_pct)


@dataclass(frozen=True)
class ConfirmSummary:
    ranking: RankingSummary
    quota: ranking.QuotaCheck
    talks_opened: int


def confirm_cycle(cycle: EvaluationCycle, *, actor: str | None, today: date) -> ConfirmSummary:
    """考核委员会审核: rank, check completeness and the 优秀 quota, fix ranking and grades, and
    open a 提醒谈话 for every bottom-ranked cadre. All or nothing: any refusal raises
    EvaluationError (QuotaExceeded over the quota) and the caller rolls back."""
    summary = rank_cycle(cycle, actor=actor)
    if summary.evaluated == 0:
        raise EvaluationError(_("%(year)s 年度没有任何考核成绩，无法确认。", year=cycle.year))
    incomplete = _graded_names(
        cycle,
        sa.or_(
            Evaluation.ordinary.is_(None),
            Evaluation.democratic.is_(None),
            Evaluation.leader.is_(None),
        ),
    )
    if incomplete:
        raise EvaluationError(
            _(
                "%(n)d 人成绩不全（%(names)s），请补录成绩或标记“不定等次”后再确认。",
                n=len(incomplete),
                names=_first_names(incomplete),
            )
        )
    ungraded = _graded_names(cycle, Evaluation.proposed_grade.is_(None))
    if ungraded:
        raise EvaluationError(
            _(
                "%(n)d 人没有拟定等次（%(names)s），请填写后再确认。",
                n=len(ungraded),
                names=_first_names(ungraded),
            )
        )
    check = quota_check(cycle)
    if not check.ok:
        raise QuotaExceeded(check)
    opened = open_bottom_talks(cycle, actor=actor, today=today)
    cycle.state = CycleState.CONFIRMED
    cycle.confirmed_at = utcnow()
    cycle.confirmed_by = actor
    db.session.flush()
    audit.record(
        "update",
        object_type="evaluation_cycle",
        object_id=cycle.id,
        summary=f"{cycle.year} 年度考核审核确认：{check.message()} 开启提醒谈话 {opened} 次",
        actor_name=actor,
    )
    return ConfirmSummary(ranking=summary, quota=check, talks_opened=opened)


def _graded_names(cycle: EvaluationCycle, condition: sa.ColumnElement[bool]) -> list[str]:
    """Names (by 工号) of the cycle's cadres, not marked 不定等次, matching ``condition``."""
    return list(
        db.session.scalars(
            sa.select(Cadre.name)
            .join(Evaluation, Evaluation.cadre_id == Cadre.id)
            .where(Evaluation.cycle_id == cycle.id, Evaluation.no_grade.is_(False), condition)
            .order_by(Cadre.staff_no)
        )
    )


def _first_names(names: list[str], limit: int = 5) -> str:
    return "、".join(names[:limit]) + ("等" if len(names) > limit else "")


def open_bottom_talks(cycle: EvaluationCycle, *, actor: str | None, today: date) -> int:
    """A 提醒谈话 for each bottom-ranked cadre without one for this evaluation, conducted by
    the head (负责人) of the section they were evaluated in, opened through the talks domain
    (its due-date rule: 30 days, moved to the next working day when that is a holiday)."""
    rows = db.session.execute(
        sa.select(Evaluation, Department.head_id)
        .join(Department, Department.id == Evaluation.department_id)
        .outerjoin(
            Talk, sa.and_(Talk.evaluation_id == Evaluation.id, Talk.kind == BOTTOM_TALK_KIND)
        )
        .where(Evaluation.cycle_id == cycle.id, Evaluation.bottom.is_(True), Talk.id.is_(None))
    ).all()
    heads = {
        c.id: c
        for c in db.session.scalars(
            sa.select(Cadre).where(Cadre.id.in_({h for _e, h in rows if h}))
        )
    }
    opened = talk_operations.open_talks(
        [
            talk_operations.TalkOpening(
                kind=BOTTOM_TALK_KIND,
                source="考核排名",
                subject_id=evaluation.cadre_id,
                reason=f"{cycle.year} 年度考核{evaluation.bottom_reason or '排名末位'}",
                conductor=heads.get(head_id),
                evaluation_id=evaluation.id,
            )
            for evaluation, head_id in rows
        ],
        actor=actor,
        today=today,
    )
    return len(opened)


# --- publicity, decision, consequences --------------------------------------------------------


def start_publicity(cycle: EvaluationCycle, *, start: date, actor: str | None) -> None:
    """公示 of the proposed 优秀 for 5 working days from ``start``."""
    if cycle.state is not CycleState.CONFIRMED:
        raise EvaluationError(_("须先审核确认，才能公示。"))
    cycle.publicity_start = start
    cycle.publicity_end = workdays.deadline(start, workdays=PUBLICITY_WORKDAYS - 1)
    cycle.state = CycleState.PUBLICISED
    db.session.flush()
    audit.record(
        "update",
        object_type="evaluation_cycle",
        object_id=cycle.id,
        summary=f"{cycle.year} 年度考核优秀公示 {start} 至 {cycle.publicity_end}",
        actor_name=actor,
    )


def consequences(grade: str | None, earlier: list[str | None]) -> list[str]:
    """What a final grade entails (DOMAIN.md), given the final grades of the years before,
    most recent last."""
    result: list[str] = []
    if grade == "优秀":
        result.append("嘉奖")
        if earlier[-2:] == ["优秀", "优秀"]:
            result.append("连续三年优秀：记三等功，优先晋升")
    elif grade == "基本称职":
        result.append("诫勉谈话并作书面检查；次年不得晋升职务职级")
    elif grade == "不称职":
        result.append("降低一个职务或职级层次任职")
        if earlier[-1:] == ["不称职"]:
            result.append("连续两年不称职：予以辞退（预警）")
    if grade in ("优秀", "称职"):
        streak = 1
        for previous in reversed(earlier):
            if previous not in ("优秀", "称职"):
                break
            streak += 1
        if streak % 2 == 0:
            result.append(f"累计称职以上 {streak} 年：可晋升一个档次")
        if streak % 5 == 0:
            result.append(f"累计称职以上 {streak} 年：可晋升一个级别")
    return result


def decide_cycle(cycle: EvaluationCycle, *, actor: str | None, today: date) -> int:
    """Final grades (the confirmed proposals) and their consequences, after the publicity."""
    if cycle.state is not CycleState.PUBLICISED:
        raise EvaluationError(_("须在公示之后作出决定。"))
    if cycle.publicity_end and today <= cycle.publicity_end:
        raise EvaluationError(
            _("公示期至 %(end)s，期满后才能作出决定。", end=cycle.publicity_end.isoformat())
        )
    evaluations = db.session.scalars(
        sa.select(Evaluation).where(Evaluation.cycle_id == cycle.id)
    ).all()
    history = _final_grades_before(cycle.year, [e.cadre_id for e in evaluations])
    for evaluation in evaluations:
        evaluation.final_grade = None if evaluation.no_grade else evaluation.proposed_grade
        evaluation.consequences = consequences(
            evaluation.final_grade, history.get(evaluation.cadre_id, [])
        )
    cycle.state = CycleState.DECIDED
    cycle.decided_at = utcnow()
    db.session.flush()
    audit.record(
        "update",
        object_type="evaluation_cycle",
        object_id=cycle.id,
        summary=f"{cycle.year} 年度考核结果决定：{len(evaluations)} 人",
        actor_name=actor,
    )
    return len(evaluations)


def _final_grades_before(year: int, cadre_ids: list[int]) -> dict[int, list[str | None]]:
    """Final grades of earlier decided cycles, oldest first, for each cadre (years without an
    evaluation count as None, which breaks a streak)."""
    rows = db.session.execute(
        sa.select(Evaluation.cadre_id, EvaluationCycle.year, Evaluation.final_grade)
        .join(EvaluationCycle, EvaluationCycle.id == Evaluation.cycle_id)
        .where(EvaluationCycle.year < year, Evaluation.cadre_id.in_(cadre_ids))
    ).all()
    by_cadre: dict[int, dict[int, str | None]] = {}
    for cadre_id, cycle_year, grade in rows:
        by_cadre.setdefault(cadre_id, {})[cycle_year] = grade
    result = {}
    for cadre_id, grades in by_cadre.items():
        first = min(grades)
        result[cadre_id] = [grades.get(y) for y in range(first, year)]
    return result


def archive_cycle(cycle: EvaluationCycle, *, actor: str | None) -> None:
    if cycle.state is not CycleState.DECIDED:
        raise EvaluationError(_("须在作出决定之后归档。"))
    cycle.state = CycleState.ARCHIVED
    db.session.flush()
    audit.record(
        "update",
        object_type="evaluation_cycle",
        object_id=cycle.id,
        summary=f"{cycle.year} 年度考核归档",
        actor_name=actor,
    )


# --- reading ----------------------------------------------------------------------------------


def declining(totals: dict[int, float | None], *, years: int = 3) -> bool:
    """True when the totals of the last ``years`` consecutive years each fell below the year
    before (three years of falling totals: y-2 > y-1 > y). A missing year breaks the run."""
    if len(totals) < years:
        return False
    latest = max(totals)
    run = [totals.get(y) for y in range(latest - years + 1, latest + 1)]
    if any(t is None for t in run):
        return False
    return all(a > b for a, b in zip(run, run[1:], strict=False))


QUARTERLY_GRADES = ("好", "较好", "一般", "较差")


def set_quarterly_grades(
    cadre: Cadre, year: int, grades: dict[int, str | None], *, actor: str | None
) -> int:
    """平时考核 by quarter: set, change or clear each of the four. Returns how many changed."""
    unknown = [g for g in grades.values() if g and g not in QUARTERLY_GRADES]
    if unknown or any(q not in (1, 2, 3, 4) for q in grades):
        raise EvaluationError(_("季度等次须为：%(g)s。", g="、".join(QUARTERLY_GRADES)))
    existing = {
        row.quarter: row
        for row in db.session.scalars(
            sa.select(QuarterlyGrade).where(
                QuarterlyGrade.cadre_id == cadre.id, QuarterlyGrade.year == year
            )
        )
    }
    changes = {}
    for quarter, grade in grades.items():
        row = existing.get(quarter)
        old = row.grade if row else None
        if old == (grade or None):
            continue
        changes[f"Q{quarter}"] = (old, grade or None)
        if row and not grade:
            db.session.delete(row)
        elif row:
            row.grade, row.updated_by = grade, actor
        else:
            db.session.add(
                QuarterlyGrade(
                    cadre_id=cadre.id, year=year, quarter=quarter, grade=grade, updated_by=actor
                )
            )
    if changes:
        db.session.flush()
        audit.record(
            "update",
            object_type="quarterly_grade",
            object_id=cadre.id,
            summary=f"{year} 年平时考核 {cadre.staff_no} {cadre.name}",
            before={k: v[0] for k, v in changes.items()},
            after={k: v[1] for k, v in changes.items()},
            actor_name=actor,
        )
    return len(changes)
