"""The organisation's programme (五航工程 or whatever it is called) and its cohorts (期次):
programmes, cohorts with their members, and the figures a cohort page shows for each member
(学时 this year, plan progress, 策论 and 业务微讲座).

Services flush and never commit; the view owns the transaction. Every change is audited under
the object type ``programme`` (object id: the programme), cohorts and members included.

学时 here are the hours earned on courses (``Enrolment.hours_earned``) whose course ended in
the year; the 学时 ledger (services.training.ledger, with lecture and essay credits and the
online cap) replaces this query once it is merged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from cadre_app.extensions import db
from cadre_app.models import Cadre, Department
from cadre_app.models.training import (
    Cohort,
    DevelopmentPlan,
    Essay,
    Lecture,
    LectureAttendee,
    PlanMilestone,
    PlanState,
    Programme,
    TrainingCourse,
    cohort_member,
)
from cadre_app.services.core import audit, settings
from cadre_app.services.roster import operations as roster
from cadre_app.services.training import ledger, plan_rules

NAME_LIMIT = 100
DESCRIPTION_LIMIT = 5000
YEAR_RANGE = (2000, 2100)


class ProgrammeError(ValueError):
    """A rule was broken; ``errors`` are (field or None, Chinese message) pairs."""

    def __init__(self, errors: list[tuple[str | None, str]]):
        super().__init__(" ".join(message for _field, message in errors))
        self.errors = errors


class Duplicate(Exception):
    """A programme or cohort of that name exists (a form posted twice, or a clash)."""

    def __init__(self, existing: Any):
        super().__init__(f"exists: {existing.id}")
        self.existing = existing


# --- programmes -------------------------------------------------------------------------------


def _check_programme(values: dict[str, Any]) -> list[tuple[str | None, str]]:
    errors: list[tuple[str | None, str]] = []
    name = values.get("name") or ""
    if not name:
        errors.append(("name", _("请填写项目名称。")))
    elif len(name) > NAME_LIMIT:
        errors.append(("name", _("项目名称不能超过 %(n)d 字。", n=NAME_LIMIT)))
    if len(values.get("description") or "") > DESCRIPTION_LIMIT:
        errors.append(("description", _("项目说明不能超过 %(n)d 字。", n=DESCRIPTION_LIMIT)))
    return errors


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.strip() or None) if isinstance(v, str) else v for k, v in values.items()}


def _snapshot(programme: Programme) -> dict[str, Any]:
    return {
        "name": programme.name,
        "description": programme.description,
        "active": programme.active,
    }


def create_programme(values: dict[str, Any], *, actor: str | None) -> Programme:
    """A programme (name, description, active). A name in use raises Duplicate."""
    values = _clean(values)
    errors = _check_programme(values)
    if errors:
        raise ProgrammeError(errors)
    existing = db.session.scalar(sa.select(Programme).where(Programme.name == values["name"]))
    if existing is not None:
        raise Duplicate(existing)
    programme = Programme(
        name=values["name"],
        description=values.get("description"),
        active=bool(values.get("active", True)),
    )
    db.session.add(programme)
    db.session.flush()
    audit.record(
        "create",
        object_type="programme",
        object_id=programme.id,
        summary=f"培养项目：{programme.name}",
        after=_snapshot(programme),
        actor_name=actor,
    )
    return programme


def update_programme(
    programme: Programme, values: dict[str, Any], *, actor: str | None
) -> dict[str, tuple[Any, Any]]:
    values = _clean(values)
    values["active"] = bool(values.get("active"))
    errors = _check_programme(values)
    clash = db.session.scalar(
        sa.select(Programme.id).where(
            Programme.name == values.get("name"), Programme.id != programme.id
        )
    )
    if clash is not None:
        errors.append(("name", _("已有同名的培养项目。")))
    if errors:
        raise ProgrammeError(errors)
    before = _snapshot(programme)
    changes = {k: (before[k], v) for k, v in values.items() if k in before and before[k] != v}
    if not changes:
        return {}
    for attr, (_old, new) in changes.items():
        setattr(programme, attr, new)
    db.session.flush()
    audit.record(
        "update",
        object_type="programme",
        object_id=programme.id,
        summary=f"培养项目：{programme.name} 修改",
        before={k: old for k, (old, _new) in changes.items()},
        after={k: new for k, (_old, new) in changes.items()},
        actor_name=actor,
    )
    return changes


@dataclass(frozen=True)
class ProgrammeRow:
    id: int
    name: str
    active: bool
    cohorts: int
    members: int
    courses: int
    plans: int


def list_programmes() -> list[ProgrammeRow]:
    """Every programme with its counts: cohorts, members (over its cohorts), courses, plans."""
    cohorts = dict(
        db.session.execute(
            sa.select(Cohort.programme_id, sa.func.count()).group_by(Cohort.programme_id)
        ).all()
    )
    members = dict(
        db.session.execute(
            sa.select(Cohort.programme_id, sa.func.count(sa.distinct(cohort_member.c.cadre_id)))
            .join(cohort_member, cohort_member.c.cohort_id == Cohort.id)
            .group_by(Cohort.programme_id)
        ).all()
    )
    courses = dict(
        db.session.execute(
            sa.select(TrainingCourse.programme_id, sa.func.count())
            .where(TrainingCourse.programme_id.is_not(None))
            .group_by(TrainingCourse.programme_id)
        ).all()
    )
    plans = dict(
        db.session.execute(
            sa.select(Cohort.programme_id, sa.func.count())
            .join(DevelopmentPlan, DevelopmentPlan.cohort_id == Cohort.id)
            .group_by(Cohort.programme_id)
        ).all()
    )
    return [
        ProgrammeRow(
            p.id,
            p.name,
            p.active,
            cohorts.get(p.id, 0),
            members.get(p.id, 0),
            courses.get(p.id, 0),
            plans.get(p.id, 0),
        )
        for p in db.session.scalars(
            sa.select(Programme).order_by(Programme.active.desc(), Programme.name)
        )
    ]


def programme_courses(programme_id: int) -> list[TrainingCourse]:
    return list(
        db.session.scalars(
            sa.select(TrainingCourse)
            .where(TrainingCourse.programme_id == programme_id)
            .order_by(TrainingCourse.start_date.desc(), TrainingCourse.id.desc())
        )
    )


def cohort_sizes(programme_id: int, department_ids: list[int] | None) -> dict[int, int]:
    """cohort id -> members (those in ``department_ids`` when given)."""
    query = (
        sa.select(cohort_member.c.cohort_id, sa.func.count())
        .join(Cohort, Cohort.id == cohort_member.c.cohort_id)
        .join(Cadre, Cadre.id == cohort_member.c.cadre_id)
        .where(Cohort.programme_id == programme_id)
        .group_by(cohort_member.c.cohort_id)
    )
    if department_ids is not None:
        query = query.where(Cadre.department_id.in_(department_ids))
    return dict(db.session.execute(query).all())


def programme_plans(programme_id: int, department_ids: list[int] | None) -> list[Any]:
    """The plans of the programme's cohorts: (plan id, 工号, 姓名, cohort, state)."""
    query = (
        sa.select(
            DevelopmentPlan.id, Cadre.staff_no, Cadre.name, Cohort.name, DevelopmentPlan.state
        )
        .join(Cohort, Cohort.id == DevelopmentPlan.cohort_id)
        .join(Cadre, Cadre.id == DevelopmentPlan.cadre_id)
        .where(Cohort.programme_id == programme_id)
        .order_by(Cohort.year.desc(), Cadre.staff_no)
    )
    if department_ids is not None:
        query = query.where(Cadre.department_id.in_(department_ids))
    return list(db.session.execute(query).all())


# --- cohorts ----------------------------------------------------------------------------------


def _check_cohort(year: int | None, name: str) -> list[tuple[str | None, str]]:
    errors: list[tuple[str | None, str]] = []
    if year is None or not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        errors.append(
            ("year", _("年度须在 %(a)d 至 %(b)d 之间。", a=YEAR_RANGE[0], b=YEAR_RANGE[1]))
        )
    if not name:
        errors.append(("name", _("请填写期次名称。")))
    elif len(name) > NAME_LIMIT:
        errors.append(("name", _("期次名称不能超过 %(n)d 字。", n=NAME_LIMIT)))
    return errors


def create_cohort(
    programme: Programme, year: int | None, name: str | None, *, actor: str | None
) -> Cohort:
    """A cohort (期次) of the programme; a name the programme already has raises Duplicate."""
    name = (name or "").strip()
    errors = _check_cohort(year, name)
    if errors:
        raise ProgrammeError(errors)
    existing = db.session.scalar(
        sa.select(Cohort).where(Cohort.programme_id == programme.id, Cohort.name == name)
    )
    if existing is not None:
        raise Duplicate(existing)
    cohort = Cohort(programme_id=programme.id, year=year, name=name)
    db.session.add(cohort)
    db.session.flush()
    audit.record(
        "create",
        object_type="programme",
        object_id=programme.id,
        summary=f"培养项目：{programme.name} 新增期次 {name}（{year}）",
        after={"cohort": name, "year": year},
        actor_name=actor,
    )
    return cohort


def update_cohort(cohort: Cohort, year: int | None, name: str | None, *, actor: str | None) -> bool:
    name = (name or "").strip()
    errors = _check_cohort(year, name)
    clash = db.session.scalar(
        sa.select(Cohort.id).where(
            Cohort.programme_id == cohort.programme_id, Cohort.name == name, Cohort.id != cohort.id
        )
    )
    if clash is not None:
        errors.append(("name", _("该项目已有同名期次。")))
    if errors:
        raise ProgrammeError(errors)
    if (cohort.year, cohort.name) == (year, name):
        return False
    before = {"cohort": cohort.name, "year": cohort.year}
    cohort.year, cohort.name = year, name
    db.session.flush()
    audit.record(
        "update",
        object_type="programme",
        object_id=cohort.programme_id,
        summary=f"培养项目：{cohort.programme.name} 期次 {name} 修改",
        before=before,
        after={"cohort": name, "year": year},
        actor_name=actor,
    )
    return True


def member_ids(cohort_id: int) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(cohort_member.c.cadre_id).where(cohort_member.c.cohort_id == cohort_id)
        )
    )


def add_members(cohort: Cohort, cadre_ids: Iterable[int], *, actor: str | None) -> list[Cadre]:
    """Add cadres to the cohort; those already in it are skipped (a repeat adds nothing).
    Unknown ids raise ProgrammeError. Returns the cadres added."""
    wanted = set(cadre_ids)
    if not wanted:
        raise ProgrammeError([("cadre_ids", _("请选择要加入的干部。"))])
    found = {c.id: c for c in db.session.scalars(sa.select(Cadre).where(Cadre.id.in_(wanted)))}
    if set(found) != wanted:
        raise ProgrammeError([("cadre_ids", _("所选干部不在名册中。"))])
    new = sorted(wanted - member_ids(cohort.id))
    if not new:
        return []
    db.session.execute(
        sa.insert(cohort_member), [{"cohort_id": cohort.id, "cadre_id": i} for i in new]
    )
    db.session.flush()
    db.session.expire(cohort, ["members"])
    added = sorted((found[i] for i in new), key=lambda c: c.staff_no)
    names = "、".join(f"{c.staff_no} {c.name}" for c in added[:20])
    more = f" 等 {len(added)} 人" if len(added) > 20 else ""
    audit.record(
        "update",
        object_type="programme",
        object_id=cohort.programme_id,
        summary=f"期次 {cohort.name} 加入：{names}{more}",
        after={"cohort": cohort.name, "added": [c.staff_no for c in added]},
        actor_name=actor,
    )
    return added


def section_cadre_ids(department_id: int, *, young_only: bool, on: date) -> list[int]:
    """The cadres of a section (only the young cadres at ``on`` when asked), by 工号."""
    query = sa.select(Cadre.id).where(Cadre.department_id == department_id)
    if young_only:
        lines = settings.value("young_cadre_age_lines")
        query = query.where(roster.young_cadre_condition(on, lines))
    return list(db.session.scalars(query.order_by(Cadre.staff_no)))


def remove_member(cohort: Cohort, cadre: Cadre, *, actor: str | None) -> bool:
    """Take a cadre out of the cohort (their plan keeps its record); False if not a member."""
    result = db.session.execute(
        sa.delete(cohort_member).where(
            cohort_member.c.cohort_id == cohort.id, cohort_member.c.cadre_id == cadre.id
        )
    )
    if not result.rowcount:
        return False
    db.session.expire(cohort, ["members"])
    audit.record(
        "update",
        object_type="programme",
        object_id=cohort.programme_id,
        summary=f"期次 {cohort.name} 移出：{cadre.staff_no} {cadre.name}",
        before={"cohort": cohort.name, "removed": cadre.staff_no},
        actor_name=actor,
    )
    return True


@dataclass(frozen=True)
class MemberRow:
    cadre_id: int
    staff_no: str
    name: str
    department: str
    rank: str | None
    hours: Decimal  # earned on courses ended in the year
    required: Decimal
    senior: bool  # the requirement is over several years
    plan_id: int | None
    plan_state: PlanState | None
    done: int
    counted: int
    overdue: int
    essays: int
    lectures_given: int
    lectures_attended: int


def _year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def cohort_rows(
    cohort: Cohort, *, year: int, today: date, department_ids: list[int] | None
) -> list[MemberRow]:
    """Each member (of ``department_ids`` when given) with their 学时 of ``year``, their plan
    (the one of this cohort, else the open one, else the latest) with milestones done out of
    those counted and overdue ones, and their 策论 and 业务微讲座 of the year. One query per
    figure, each over the members as a subquery; rows, not ORM objects."""
    chosen = sa.select(cohort_member.c.cadre_id).where(cohort_member.c.cohort_id == cohort.id)
    if department_ids is not None:
        chosen = chosen.join(Cadre, Cadre.id == cohort_member.c.cadre_id).where(
            Cadre.department_id.in_(department_ids)
        )
    ids = chosen.scalar_subquery()
    members = db.session.execute(
        sa.select(Cadre.id, Cadre.staff_no, Cadre.name, Department.name, Cadre.rank)
        .join(Department, Department.id == Cadre.department_id)
        .where(Cadre.id.in_(ids))
        .order_by(Department.sort_order, Cadre.staff_no)
    ).all()
    if not members:
        return []
    first, last = _year_bounds(year)
    ledger_rows = ledger.cadres_hours([m[0] for m in members], year)
    essays = dict(
        db.session.execute(
            sa.select(Essay.author_id, sa.func.count())
            .where(Essay.author_id.in_(ids), Essay.submitted_on.between(first, last))
            .group_by(Essay.author_id)
        ).all()
    )
    given = dict(
        db.session.execute(
            sa.select(Lecture.speaker_id, sa.func.count())
            .where(Lecture.speaker_id.in_(ids), Lecture.held_on.between(first, last))
            .group_by(Lecture.speaker_id)
        ).all()
    )
    attended = dict(
        db.session.execute(
            sa.select(LectureAttendee.cadre_id, sa.func.count())
            .join(Lecture, Lecture.id == LectureAttendee.lecture_id)
            .where(LectureAttendee.cadre_id.in_(ids), Lecture.held_on.between(first, last))
            .group_by(LectureAttendee.cadre_id)
        ).all()
    )
    plans: dict[int, tuple[int, PlanState, int]] = {}  # cadre -> (plan id, state, rank)
    for plan_id, cadre_id, state, plan_cohort in db.session.execute(
        sa.select(
            DevelopmentPlan.id,
            DevelopmentPlan.cadre_id,
            DevelopmentPlan.state,
            DevelopmentPlan.cohort_id,
        )
        .where(DevelopmentPlan.cadre_id.in_(ids))
        .order_by(DevelopmentPlan.period_start, DevelopmentPlan.id)
    ):
        rank = _rank(plan_cohort, PlanState(state), cohort.id)
        if cadre_id not in plans or rank >= plans[cadre_id][2]:
            plans[cadre_id] = (plan_id, PlanState(state), rank)
    shown = {plan_id: state for plan_id, state, _rank in plans.values()}
    milestones: dict[int, list[Any]] = {}
    for plan_id, state, due in db.session.execute(
        sa.select(PlanMilestone.plan_id, PlanMilestone.state, PlanMilestone.due_date)
        .join(DevelopmentPlan, DevelopmentPlan.id == PlanMilestone.plan_id)
        .where(DevelopmentPlan.cadre_id.in_(ids))
    ):
        if plan_id in shown:
            milestones.setdefault(plan_id, []).append((state, due))
    rows = []
    for cid, staff_no, name, department, rank in members:
        plan_id, plan_state, _r = plans.get(cid, (None, None, 0))
        marks = milestones.get(plan_id, []) if plan_id else []
        done, counted = plan_rules.progress(s for s, _d in marks)
        overdue = sum(1 for s, d in marks if plan_rules.milestone_overdue(plan_state, d, s, today))
        row = ledger_rows[cid]
        rows.append(
            MemberRow(
                cadre_id=cid,
                staff_no=staff_no,
                name=name,
                department=department,
                rank=rank,
                hours=row.counted,
                required=row.required,
                senior=row.window[0] != row.window[1],
                plan_id=plan_id,
                plan_state=plan_state,
                done=done,
                counted=counted,
                overdue=overdue,
                essays=essays.get(cid, 0),
                lectures_given=given.get(cid, 0),
                lectures_attended=attended.get(cid, 0),
            )
        )
    return rows


def _rank(plan_cohort: int | None, state: PlanState, cohort_id: int) -> int:
    """Which of a member's plans the cohort page shows: this cohort's, then an open one,
    then the latest (ties go to the later plan)."""
    return 2 * (plan_cohort == cohort_id) + plan_rules.is_open(state)


def cohorts_for_select() -> list[tuple[int, str]]:
    """(id, "programme · cohort") of every cohort, newest first, for a plan's form."""
    return [
        (cid, f"{pname} · {cname}")
        for cid, pname, cname in db.session.execute(
            sa.select(Cohort.id, Programme.name, Cohort.name)
            .join(Programme, Programme.id == Cohort.programme_id)
            .order_by(Cohort.year.desc(), Programme.name, Cohort.name)
        )
    ]
