"""Development plans (个人培养计划): who may read and write a plan, its changes (plan, state,
milestones, planned courses, reviews, comments) and the lists and overdue figures that pages and
dashboards show. The rules themselves are services.training.plan_rules.

Services flush and never commit; the view owns the transaction. Every change is written to the
audit log under the object type ``plan`` (object id: the plan), which is also the plan's history
and, for edits of the plan itself, what a version conflict shows.

The mentor (导师) is a cadre of the roster, a user account, or both. A user is a plan's mentor
when the plan names their account, or names the cadre their account is linked to.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from cadre_app.extensions import db
from cadre_app.models import Cadre, Department, Role, User
from cadre_app.models.training import (
    Cohort,
    DevelopmentPlan,
    MilestoneState,
    PlanComment,
    PlanCourse,
    PlanMilestone,
    PlanReview,
    PlanState,
    TrainingCourse,
)
from cadre_app.services.core import audit, conflicts, settings
from cadre_app.services.training import plan_rules, rules

P = PlanState
M = MilestoneState
VersionConflict = conflicts.VersionConflict

#: Text limits of the plan's fields (the columns' and the pages').
GOALS_LIMIT = 5000
SECONDMENT_LIMIT = 500
TITLE_LIMIT = 200
NOTE_LIMIT = 500
TEXT_LIMIT = 5000
#: Roles whose accounts may be a mentor (the admin and the auditor read no personnel data).
MENTOR_ROLES = (Role.HR, Role.MANAGER, Role.CADRE)


class PlanError(ValueError):
    """A rule was broken; ``errors`` are (field or None, Chinese message) pairs."""

    def __init__(self, errors: list[tuple[str | None, str]]):
        super().__init__(" ".join(message for _field, message in errors))
        self.errors = errors


class AlreadyDone(Exception):
    """The same change was already made (a form posted twice); nothing to do."""


class OpenPlanExists(Exception):
    """The cadre already has a plan in 草拟 or 生效 (one at a time)."""

    def __init__(self, plan: DevelopmentPlan):
        super().__init__(f"open plan {plan.id}")
        self.plan = plan


def review_interval_default() -> int:
    """Months between reviews for a new plan (settings ``training``)."""
    value = settings.value(rules.SETTINGS_KEY).get("review_interval_months")
    return int(value or rules.DEFAULT_SETTINGS["review_interval_months"])


# --- who may do what --------------------------------------------------------------------------


def _role(user: Any) -> Role | None:
    return user.role if getattr(user, "is_authenticated", False) else None


def is_mentor(user: Any, plan: DevelopmentPlan) -> bool:
    if _role(user) not in MENTOR_ROLES:
        return False
    if plan.mentor_user_id is not None and plan.mentor_user_id == user.id:
        return True
    return user.cadre_id is not None and plan.mentor_cadre_id == user.cadre_id


def is_own(user: Any, plan: DevelopmentPlan) -> bool:
    return _role(user) is not None and user.cadre_id is not None and user.cadre_id == plan.cadre_id


def _in_led_section(user: Any, plan: DevelopmentPlan) -> bool:
    if _role(user) is not Role.MANAGER:
        return False
    return plan.cadre.department_id in {d.id for d in user.led_departments}


def may_read(user: Any, plan: DevelopmentPlan) -> bool:
    """HR; the mentor; a manager of the cadre's section; the cadre once it is in force."""
    if _role(user) is Role.HR or is_mentor(user, plan) or _in_led_section(user, plan):
        return True
    return is_own(user, plan) and plan_rules.visible_to_cadre(plan.state)


def may_edit(user: Any) -> bool:
    """The plan itself, its state, milestones and courses: HR."""
    return _role(user) is Role.HR


def may_review(user: Any, plan: DevelopmentPlan) -> bool:
    """Reviews (and milestone progress): HR and the mentor, once the plan is in force."""
    if plan.state is P.DRAFT:
        return False
    return _role(user) is Role.HR or is_mentor(user, plan)


def may_comment(user: Any, plan: DevelopmentPlan) -> bool:
    """The cadre comments on their plan; the mentor and HR reply; not on a draft."""
    if plan.state is P.DRAFT:
        return False
    return _role(user) is Role.HR or is_mentor(user, plan) or is_own(user, plan)


@dataclass(frozen=True)
class PlanScope:
    """Whose plans a list shows: everyone's (HR), those of some sections' cadres (a manager),
    and those mentored by an account or by the cadre it is linked to."""

    everyone: bool = False
    department_ids: tuple[int, ...] = ()
    mentor_user_id: int | None = None
    mentor_cadre_id: int | None = None

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        if self.everyone:
            return []
        either: list[sa.ColumnElement[bool]] = []
        if self.department_ids:
            either.append(Cadre.department_id.in_(self.department_ids))
        if self.mentor_user_id is not None:
            either.append(DevelopmentPlan.mentor_user_id == self.mentor_user_id)
        if self.mentor_cadre_id is not None:
            either.append(DevelopmentPlan.mentor_cadre_id == self.mentor_cadre_id)
        return [sa.or_(*either)] if either else [sa.false()]


def scope_for(user: Any, *, mentees_only: bool = False) -> PlanScope:
    """HR: every plan; a manager: their sections' and their mentees'; anyone else (and
    ``mentees_only``): their mentees'."""
    role = _role(user)
    if role not in MENTOR_ROLES:
        return PlanScope()
    mentor = {"mentor_user_id": user.id, "mentor_cadre_id": user.cadre_id}
    if mentees_only:
        return PlanScope(**mentor)
    if role is Role.HR:
        return PlanScope(everyone=True)
    if role is Role.MANAGER:
        return PlanScope(department_ids=tuple(d.id for d in user.led_departments), **mentor)
    return PlanScope(**mentor)


# --- reading ----------------------------------------------------------------------------------


def mentor_name(plan: DevelopmentPlan) -> str | None:
    if plan.mentor_cadre is not None:
        return plan.mentor_cadre.name
    if plan.mentor_user_id is not None:
        user = db.session.get(User, plan.mentor_user_id)
        if user is not None:
            return user.real_name or user.username
    return None


def mentor_account(plan: DevelopmentPlan) -> User | None:
    return db.session.get(User, plan.mentor_user_id) if plan.mentor_user_id else None


@dataclass(frozen=True)
class PlanStatus:
    """What a plan's page and lists show beside its fields."""

    last_review: date | None
    next_review: date
    review_overdue: bool
    overdue_milestones: list[int]  # ids
    done: int
    counted: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.counted) if self.counted else 0


def status(plan: DevelopmentPlan, today: date) -> PlanStatus:
    last = max((r.reviewed_on for r in plan.reviews), default=None)
    done, counted = plan_rules.progress(m.state for m in plan.milestones)
    return PlanStatus(
        last_review=last,
        next_review=plan_rules.next_review_due(
            plan.period_start, last, plan.review_interval_months
        ),
        review_overdue=plan_rules.review_overdue(
            plan.state, plan.period_start, last, plan.review_interval_months, today
        ),
        overdue_milestones=[
            m.id
            for m in plan.milestones
            if plan_rules.milestone_overdue(plan.state, m.due_date, m.state, today)
        ],
        done=done,
        counted=counted,
    )


PLAN_LOADS = (
    so.joinedload(DevelopmentPlan.cadre).joinedload(Cadre.department),
    so.joinedload(DevelopmentPlan.mentor_cadre),
    so.joinedload(DevelopmentPlan.cohort).joinedload(Cohort.programme),
    so.selectinload(DevelopmentPlan.milestones),
    so.selectinload(DevelopmentPlan.courses).joinedload(PlanCourse.course),
    so.selectinload(DevelopmentPlan.reviews),
    so.selectinload(DevelopmentPlan.comments),
)


def get_plan(plan_id: int) -> DevelopmentPlan | None:
    return db.session.get(DevelopmentPlan, plan_id, options=PLAN_LOADS)


def plan_for_profile(cadre_id: int, *, include_draft: bool) -> DevelopmentPlan | None:
    """The plan the profile shows: the open one, else the latest."""
    query = (
        sa.select(DevelopmentPlan)
        .where(DevelopmentPlan.cadre_id == cadre_id)
        .options(*PLAN_LOADS)
        .order_by(
            sa.case((DevelopmentPlan.state.in_(plan_rules.OPEN_STATES), 0), else_=1),
            DevelopmentPlan.period_start.desc(),
            DevelopmentPlan.id.desc(),
        )
        .limit(1)
    )
    if not include_draft:
        query = query.where(DevelopmentPlan.state != P.DRAFT)
    return db.session.scalar(query)


@dataclass(frozen=True)
class PlanFilters:
    department_id: int | None = None
    state: PlanState | None = None
    overdue: bool = False
    q: str | None = None
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class PlanRow:
    id: int
    cadre_id: int
    staff_no: str
    name: str
    department: str
    state: PlanState
    period_start: date
    period_end: date
    mentor: str | None
    cohort: str | None
    next_review: date
    review_overdue: bool
    overdue_milestones: int
    done: int
    counted: int


@dataclass(frozen=True)
class PlanPage:
    rows: list[PlanRow]
    total: int
    page: int
    per_page: int
    counts: dict[PlanState, int] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(math.ceil(self.total / self.per_page), 1)


def _search(q: str) -> sa.ColumnElement[bool]:
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return sa.or_(Cadre.name.like(pattern, escape="\\"), Cadre.staff_no == q)


def milestone_overdue_sql(today: date) -> sa.ColumnElement[bool]:
    """``plan_rules.milestone_overdue`` for a plan row: one of its milestones is overdue."""
    return sa.and_(
        DevelopmentPlan.state == P.ACTIVE,
        sa.exists().where(
            PlanMilestone.plan_id == DevelopmentPlan.id,
            PlanMilestone.due_date < today,
            PlanMilestone.state.not_in(plan_rules.SETTLED),
        ),
    )


def review_overdue_sql(today: date) -> sa.ColumnElement[bool]:
    """``plan_rules.review_overdue`` for a plan row: its base (the last review, else the
    start) is before the cut-off of its interval (``plan_rules.overdue_base_before``)."""
    last = (
        sa.select(sa.func.max(PlanReview.reviewed_on))
        .where(PlanReview.plan_id == DevelopmentPlan.id)
        .scalar_subquery()
    )
    low, high = plan_rules.INTERVAL_RANGE
    cut = sa.case(
        {n: plan_rules.overdue_base_before(today, n) for n in range(low, high + 1)},
        value=DevelopmentPlan.review_interval_months,
    )
    return sa.and_(
        DevelopmentPlan.state == P.ACTIVE,
        sa.func.coalesce(last, DevelopmentPlan.period_start) < cut,
    )


def list_plans(filters: PlanFilters, *, scope: PlanScope, today: date) -> PlanPage:
    """One page of plans (open ones first, then by 工号), with the count per state. The
    overdue filter (a milestone or the review overdue) runs in the database."""
    where = scope.conditions()
    if filters.department_id:
        where.append(Cadre.department_id == filters.department_id)
    if filters.q:
        where.append(_search(filters.q))
    if filters.overdue:
        where.append(sa.or_(milestone_overdue_sql(today), review_overdue_sql(today)))
    counts = {
        P(state): n
        for state, n in db.session.execute(
            sa.select(DevelopmentPlan.state, sa.func.count())
            .join(Cadre, Cadre.id == DevelopmentPlan.cadre_id)
            .where(*where)
            .group_by(DevelopmentPlan.state)
        )
    }
    if filters.state:
        where.append(DevelopmentPlan.state == filters.state)
    total = counts.get(filters.state, 0) if filters.state else sum(counts.values())
    mentor = so.aliased(Cadre)
    stmt = (
        sa.select(
            DevelopmentPlan.id,
            DevelopmentPlan.cadre_id,
            Cadre.staff_no,
            Cadre.name,
            Department.name,
            DevelopmentPlan.state,
            DevelopmentPlan.period_start,
            DevelopmentPlan.period_end,
            sa.func.coalesce(mentor.name, User.real_name, User.username),
            Cohort.name,
            DevelopmentPlan.review_interval_months,
        )
        .join(Cadre, Cadre.id == DevelopmentPlan.cadre_id)
        .join(Department, Department.id == Cadre.department_id)
        .outerjoin(mentor, mentor.id == DevelopmentPlan.mentor_cadre_id)
        .outerjoin(User, User.id == DevelopmentPlan.mentor_user_id)
        .outerjoin(Cohort, Cohort.id == DevelopmentPlan.cohort_id)
        .where(*where)
        .order_by(
            sa.case((DevelopmentPlan.state.in_(plan_rules.OPEN_STATES), 0), else_=1),
            Cadre.staff_no,
            DevelopmentPlan.id.desc(),
        )
        .limit(filters.per_page)
        .offset((filters.page - 1) * filters.per_page)
    )
    raw = db.session.execute(stmt).all()
    ids = [r[0] for r in raw]
    last_reviews: dict[int, date] = dict(
        db.session.execute(
            sa.select(PlanReview.plan_id, sa.func.max(PlanReview.reviewed_on))
            .where(PlanReview.plan_id.in_(ids))
            .group_by(PlanReview.plan_id)
        ).all()
    )
    marks: dict[int, list[tuple[MilestoneState, date]]] = {i: [] for i in ids}
    for plan_id, state, due in db.session.execute(
        sa.select(PlanMilestone.plan_id, PlanMilestone.state, PlanMilestone.due_date).where(
            PlanMilestone.plan_id.in_(ids)
        )
    ):
        marks[plan_id].append((state, due))
    rows = []
    for r in raw:
        state, start, interval = P(r[5]), r[6], r[10]
        last_review = last_reviews.get(r[0])
        done, counted = plan_rules.progress(m for m, _due in marks[r[0]])
        rows.append(
            PlanRow(
                id=r[0],
                cadre_id=r[1],
                staff_no=r[2],
                name=r[3],
                department=r[4],
                state=state,
                period_start=start,
                period_end=r[7],
                mentor=r[8] or None,
                cohort=r[9],
                next_review=plan_rules.next_review_due(start, last_review, interval),
                review_overdue=plan_rules.review_overdue(
                    state, start, last_review, interval, today
                ),
                overdue_milestones=sum(
                    1
                    for m, due in marks[r[0]]
                    if plan_rules.milestone_overdue(state, due, m, today)
                ),
                done=done,
                counted=counted,
            )
        )
    return PlanPage(rows, total, filters.page, filters.per_page, counts)


@dataclass(frozen=True)
class OverdueSummary:
    """For a dashboard: plans in force, overdue milestones and plans whose review is due."""

    active: int
    overdue_milestones: int
    plans_with_overdue_milestones: int
    reviews_overdue: int


def overdue_summary(scope: PlanScope, today: date) -> OverdueSummary:
    """Two aggregate queries: the plans in force (and those whose review is overdue), and
    their overdue milestones."""
    where = scope.conditions()
    active, reviews = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((review_overdue_sql(today), 1), else_=0)), 0),
        )
        .select_from(DevelopmentPlan)
        .join(Cadre, Cadre.id == DevelopmentPlan.cadre_id)
        .where(DevelopmentPlan.state == P.ACTIVE, *where)
    ).one()
    milestones, plans_with = db.session.execute(
        sa.select(sa.func.count(), sa.func.count(sa.distinct(PlanMilestone.plan_id)))
        .select_from(PlanMilestone)
        .join(DevelopmentPlan, DevelopmentPlan.id == PlanMilestone.plan_id)
        .join(Cadre, Cadre.id == DevelopmentPlan.cadre_id)
        .where(
            DevelopmentPlan.state == P.ACTIVE,
            PlanMilestone.due_date < today,
            PlanMilestone.state.not_in(plan_rules.SETTLED),
            *where,
        )
    ).one()
    return OverdueSummary(
        active=active or 0,
        overdue_milestones=milestones or 0,
        plans_with_overdue_milestones=plans_with or 0,
        reviews_overdue=int(reviews or 0),
    )


def mentee_count(user: Any) -> int:
    """Plans (any state) that ``user`` mentors."""
    where = scope_for(user, mentees_only=True).conditions()
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(DevelopmentPlan)
            .join(Cadre, Cadre.id == DevelopmentPlan.cadre_id)
            .where(*where)
        )
        or 0
    )


def history(plan_id: int) -> list[dict[str, Any]]:
    """The plan's audit events, oldest first (who, when, what)."""
    from cadre_app.models import AuditEvent

    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == "plan", AuditEvent.object_id == str(plan_id))
        .order_by(AuditEvent.id)
    )
    return [{"when": e.occurred_at, "who": e.actor_name, "summary": e.summary} for e in events]


# --- writing ----------------------------------------------------------------------------------


def _labels() -> dict[str, str]:
    return {
        "cadre_id": _("干部"),
        "period_start": _("计划开始日期"),
        "period_end": _("计划结束日期"),
        "goals": _("培养目标"),
        "state": _("状态"),
        "mentor_cadre_id": _("导师（干部）"),
        "mentor_user_id": _("导师（账户）"),
        "planned_secondment": _("拟安排挂职锻炼"),
        "review_interval_months": _("评议周期（月）"),
        "cohort_id": _("所属期次"),
    }


SNAPSHOT_FIELDS = tuple(
    (
        "cadre_id",
        "period_start",
        "period_end",
        "goals",
        "mentor_cadre_id",
        "mentor_user_id",
        "planned_secondment",
        "review_interval_months",
        "cohort_id",
    )
)
EDITABLE = SNAPSHOT_FIELDS[1:]


def snapshot(plan: DevelopmentPlan) -> dict[str, Any]:
    values = {attr: getattr(plan, attr) for attr in SNAPSHOT_FIELDS}
    values["state"] = P(plan.state).value
    return values


def changes_since(plan_id: int, version: int) -> list[dict[str, Any]]:
    return conflicts.changes_since("plan", plan_id, version, labels=_labels())


def _label(plan: DevelopmentPlan) -> str:
    cadre = plan.cadre or db.session.get(Cadre, plan.cadre_id)
    return f"{cadre.staff_no} {cadre.name} 个人培养计划" if cadre else "个人培养计划"


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.strip() or None) if isinstance(v, str) else v for k, v in values.items()}


def _check(values: dict[str, Any], cadre_id: int, errors: list[tuple[str | None, str]]) -> None:
    """The plan's own fields: period, interval, text lengths, mentor and cohort."""
    problem = plan_rules.period_problem(values.get("period_start"), values.get("period_end"))
    if problem == "missing":
        if values.get("period_start") is None:
            errors.append(("period_start", _("请填写计划开始日期。")))
        if values.get("period_end") is None:
            errors.append(("period_end", _("请填写计划结束日期。")))
    elif problem == "order":
        errors.append(("period_end", _("计划结束日期不能早于开始日期。")))
    if not plan_rules.interval_ok(values.get("review_interval_months")):
        low, high = plan_rules.INTERVAL_RANGE
        errors.append(
            ("review_interval_months", _("评议周期须为 %(a)d 至 %(b)d 个月。", a=low, b=high))
        )
    if len(values.get("goals") or "") > GOALS_LIMIT:
        errors.append(("goals", _("培养目标不能超过 %(n)d 字。", n=GOALS_LIMIT)))
    if len(values.get("planned_secondment") or "") > SECONDMENT_LIMIT:
        errors.append(("planned_secondment", _("挂职安排不能超过 %(n)d 字。", n=SECONDMENT_LIMIT)))
    _check_mentor(values, cadre_id, errors)
    if values.get("cohort_id") is not None and db.session.get(Cohort, values["cohort_id"]) is None:
        errors.append(("cohort_id", _("所选期次不存在。")))


def _check_mentor(
    values: dict[str, Any], cadre_id: int, errors: list[tuple[str | None, str]]
) -> None:
    """A mentor cadre of the roster and/or an account (HR, manager or cadre role); an account
    linked to a cadre names that cadre too. Never the plan's own cadre."""
    mentor_cadre = values.get("mentor_cadre_id")
    account_id = values.get("mentor_user_id")
    if mentor_cadre is not None and db.session.get(Cadre, mentor_cadre) is None:
        errors.append(("mentor_cadre_id", _("导师不在干部名册中。")))
        return
    if account_id is not None:
        account = db.session.get(User, account_id)
        if account is None or account.role not in MENTOR_ROLES or not account.is_enabled:
            errors.append(("mentor_user_id", _("导师账户不存在或不能担任导师。")))
            return
        if account.cadre_id is not None:
            if mentor_cadre is not None and mentor_cadre != account.cadre_id:
                errors.append(("mentor_user_id", _("导师账户关联的干部与所填导师不一致。")))
                return
            values["mentor_cadre_id"] = mentor_cadre = account.cadre_id
    if mentor_cadre is not None and mentor_cadre == cadre_id:
        errors.append(("mentor_cadre_id", _("导师不能是本人。")))


def create_plan(values: dict[str, Any], *, actor: str | None) -> DevelopmentPlan:
    """A new plan in 草拟. ``values``: cadre_id and the EDITABLE fields. Raises PlanError, or
    OpenPlanExists when the cadre has a plan in 草拟 or 生效."""
    values = _clean(values)
    errors: list[tuple[str | None, str]] = []
    cadre = db.session.get(Cadre, values.get("cadre_id")) if values.get("cadre_id") else None
    if cadre is None:
        errors.append(("cadre_id", _("请选择干部（在名册中的干部）。")))
        raise PlanError(errors)
    if values.get("review_interval_months") is None:
        values["review_interval_months"] = review_interval_default()
    _check(values, cadre.id, errors)
    if errors:
        raise PlanError(errors)
    existing = db.session.scalar(
        sa.select(DevelopmentPlan).where(
            DevelopmentPlan.cadre_id == cadre.id,
            DevelopmentPlan.state.in_(plan_rules.OPEN_STATES),
        )
    )
    if existing is not None:
        raise OpenPlanExists(existing)
    plan = DevelopmentPlan(
        cadre_id=cadre.id,
        state=P.DRAFT,
        created_by=actor,
        **{k: values.get(k) for k in EDITABLE},
    )
    db.session.add(plan)
    db.session.flush()
    audit.record(
        "create",
        object_type="plan",
        object_id=plan.id,
        summary=f"{cadre.staff_no} {cadre.name} 个人培养计划（草拟）",
        after=snapshot(plan) | {"version": plan.version},
        actor_name=actor,
    )
    return plan


def update_plan(
    plan: DevelopmentPlan, values: dict[str, Any], *, expected_version: int, actor: str | None
) -> dict[str, tuple[Any, Any]]:
    """Save the EDITABLE fields if nobody saved since ``expected_version`` (a stale form whose
    values equal the saved ones changes nothing). A closed plan is read-only. Raises
    VersionConflict or PlanError; returns what changed."""
    values = _clean(values)
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    errors: list[tuple[str | None, str]] = []
    merged = {k: getattr(plan, k) for k in EDITABLE} | values
    _check(merged, plan.cadre_id, errors)
    values = {k: merged[k] for k in values} | (
        {"mentor_cadre_id": merged["mentor_cadre_id"]} if "mentor_user_id" in values else {}
    )
    changes = {a: (getattr(plan, a), v) for a, v in values.items() if getattr(plan, a) != v}
    if not changes:
        return {}
    conflicts.check_version(
        plan, expected_version, lambda: changes_since(plan.id, expected_version)
    )
    if not plan_rules.is_open(plan.state):
        raise PlanError([(None, _("计划已%(state)s，不能再修改。", state=plan.state.label))])
    if errors:
        raise PlanError(errors)
    before = snapshot(plan)
    for attr, (_old, new) in changes.items():
        setattr(plan, attr, new)
    db.session.flush()  # a concurrent save surfaces here as StaleDataError
    after = snapshot(plan)
    changed = {k for k in after if after[k] != before[k]}
    audit.record(
        "update",
        object_type="plan",
        object_id=plan.id,
        summary=f"{_label(plan)} 修改",
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed} | {"version": plan.version},
        actor_name=actor,
    )
    return changes


def refusal(origin: PlanState, target: PlanState) -> str:
    if not plan_rules.allowed_targets(origin):
        return _("计划已%(state)s，不能再变更状态。", state=origin.label)
    allowed = "、".join(t.label for t in plan_rules.allowed_targets(origin))
    return _(
        "计划不能从“%(origin)s”转为“%(target)s”，可转为：%(allowed)s。",
        origin=origin.label,
        target=target.label,
        allowed=allowed,
    )


def transition(
    plan: DevelopmentPlan,
    target: PlanState,
    *,
    expected_version: int,
    note: str | None,
    actor: str | None,
) -> None:
    """草拟 → 生效 → 完成 | 中止. A repeat of the move just made raises AlreadyDone; another
    stale form VersionConflict; a move out of order PlanError. 生效 needs at least one goal
    text or milestone; 中止 needs a reason."""
    target = P(target)
    note = (note or "").strip() or None
    if plan.version != expected_version:
        if plan.state is target:
            raise AlreadyDone()
        raise VersionConflict(plan, changes_since(plan.id, expected_version))
    origin = P(plan.state)
    if not plan_rules.may_move(origin, target):
        raise PlanError([(None, refusal(origin, target))])
    errors: list[tuple[str | None, str]] = []
    if target is P.ACTIVE and not (plan.goals or plan.milestones):
        errors.append((None, _("生效前请填写培养目标或至少一个节点。")))
    if target is P.STOPPED and not note:
        errors.append(("note", _("中止计划须写明原因。")))
    if note is not None and len(note) > NOTE_LIMIT:
        errors.append(("note", _("说明不能超过 %(n)d 字。", n=NOTE_LIMIT)))
    if errors:
        raise PlanError(errors)
    plan.state = target
    db.session.flush()
    audit.record(
        "update",
        object_type="plan",
        object_id=plan.id,
        summary=f"{_label(plan)}：{origin.label} → {target.label}"
        + (f"（{note}）" if note else ""),
        before={"state": origin.value},
        after={"state": target.value, "version": plan.version} | ({"note": note} if note else {}),
        actor_name=actor,
    )


def _writable(plan: DevelopmentPlan) -> None:
    if not plan_rules.is_open(plan.state):
        raise PlanError([(None, _("计划已%(state)s，不能再修改。", state=plan.state.label))])


def add_milestone(
    plan: DevelopmentPlan,
    title: str | None,
    due: date | None,
    note: str | None,
    *,
    actor: str | None,
) -> PlanMilestone:
    """A milestone (未开始) of an open plan. The same title and due date twice is a repeat
    (AlreadyDone)."""
    _writable(plan)
    title, note = (title or "").strip(), (note or "").strip() or None
    _check_milestone(title, due, note)
    if any(m.title == title and m.due_date == due for m in plan.milestones):
        raise AlreadyDone()
    milestone = PlanMilestone(plan=plan, title=title, due_date=due, note=note)
    db.session.add(milestone)
    db.session.flush()
    audit.record(
        "create",
        object_type="plan",
        object_id=plan.id,
        summary=f"{_label(plan)} 新增节点：{title}（{due}）",
        after={"milestone": title, "due_date": due},
        actor_name=actor,
    )
    return milestone


def _check_milestone(title: str, due: date | None, note: str | None) -> None:
    errors: list[tuple[str | None, str]] = []
    if not title:
        errors.append(("title", _("请填写节点名称。")))
    elif len(title) > TITLE_LIMIT:
        errors.append(("title", _("节点名称不能超过 %(n)d 字。", n=TITLE_LIMIT)))
    if due is None:
        errors.append(("due_date", _("请填写节点期限。")))
    if note is not None and len(note) > NOTE_LIMIT:
        errors.append(("note", _("说明不能超过 %(n)d 字。", n=NOTE_LIMIT)))
    if errors:
        raise PlanError(errors)


def edit_milestone(
    milestone: PlanMilestone,
    title: str | None,
    due: date | None,
    note: str | None,
    *,
    actor: str | None,
) -> bool:
    """Correct a milestone's title, due date or note (an open plan); False when nothing
    changed (a form posted twice)."""
    plan = milestone.plan
    _writable(plan)
    title, note = (title or "").strip(), (note or "").strip() or None
    _check_milestone(title, due, note)
    before = {"milestone": milestone.title, "due_date": milestone.due_date, "note": milestone.note}
    after = {"milestone": title, "due_date": due, "note": note}
    if before == after:
        return False
    milestone.title, milestone.due_date, milestone.note = title, due, note
    db.session.flush()
    changed = [k for k in after if after[k] != before[k]]
    audit.record(
        "update",
        object_type="plan",
        object_id=plan.id,
        summary=f"{_label(plan)} 修改节点：{title}（{due}）",
        before={k: before[k] for k in changed} | {"milestone": before["milestone"]},
        after={k: after[k] for k in changed} | {"milestone": title},
        actor_name=actor,
    )
    return True


def delete_milestone(milestone: PlanMilestone, *, actor: str | None) -> None:
    """Remove a milestone entered by mistake (an open plan); one no longer pursued is better
    marked 已取消, which keeps it on the record."""
    plan = milestone.plan
    _writable(plan)
    title, due = milestone.title, milestone.due_date
    plan.milestones.remove(milestone)
    db.session.delete(milestone)
    db.session.flush()
    audit.record(
        "delete",
        object_type="plan",
        object_id=plan.id,
        summary=f"{_label(plan)} 删除节点：{title}（{due}）",
        before={"milestone": title, "due_date": due},
        actor_name=actor,
    )


def update_milestone(
    milestone: PlanMilestone,
    state: MilestoneState,
    done_on: date | None,
    *,
    actor: str | None,
    today: date,
) -> bool:
    """Set a milestone's state (and done date, which 已完成 needs: today unless given, never
    in the future). False when nothing changed (a form posted twice)."""
    plan = milestone.plan
    if plan.state is P.DONE or plan.state is P.STOPPED:
        raise PlanError([(None, _("计划已%(state)s，不能再修改。", state=plan.state.label))])
    state = M(state)
    if done_on is not None and done_on > today:
        raise PlanError([("done_on", _("完成日期不能晚于今天。"))])
    new_done = plan_rules.milestone_done_on(state, done_on, milestone.done_on, today)
    if milestone.state is state and milestone.done_on == new_done:
        return False
    before = {"milestone_state": M(milestone.state).value, "done_on": milestone.done_on}
    milestone.state, milestone.done_on = state, new_done
    db.session.flush()
    audit.record(
        "update",
        object_type="plan",
        object_id=plan.id,
        summary=f"{_label(plan)} 节点“{milestone.title}”：{state.label}",
        before={"milestone": milestone.title} | before,
        after={"milestone": milestone.title, "milestone_state": state.value, "done_on": new_done},
        actor_name=actor,
    )
    return True


def add_course(
    plan: DevelopmentPlan, course_id: int | None, title: str | None, *, actor: str | None
) -> PlanCourse:
    """A planned course: one of the catalogue, or a title not yet scheduled. The same course
    or title twice is a repeat (AlreadyDone)."""
    _writable(plan)
    title = (title or "").strip()
    course = db.session.get(TrainingCourse, course_id) if course_id else None
    if course_id and course is None:
        raise PlanError([("course_id", _("所选课程不存在。"))])
    if course is None and not title:
        raise PlanError([("title", _("请选择课程或填写课程名称。"))])
    if len(title) > TITLE_LIMIT:
        raise PlanError([("title", _("课程名称不能超过 %(n)d 字。", n=TITLE_LIMIT))])
    title = title or (course.name if course else "")
    for existing in plan.courses:
        if (course and existing.course_id == course.id) or (
            not course and not existing.course_id and existing.title == title
        ):
            raise AlreadyDone()
    planned = PlanCourse(plan=plan, course_id=course.id if course else None, title=title)
    db.session.add(planned)
    db.session.flush()
    audit.record(
        "create",
        object_type="plan",
        object_id=plan.id,
        summary=f"{_label(plan)} 拟参加课程：{title}",
        after={"course": title, "course_id": planned.course_id},
        actor_name=actor,
    )
    return planned


def remove_course(planned: PlanCourse, *, actor: str | None) -> None:
    plan = planned.plan
    _writable(plan)
    title = planned.title
    db.session.delete(planned)
    db.session.flush()
    audit.record(
        "delete",
        object_type="plan",
        object_id=plan.id,
        summary=f"{_label(plan)} 删除拟参加课程：{title}",
        before={"course": title},
        actor_name=actor,
    )


def _person(user: Any) -> str:
    return (getattr(user, "real_name", "") or user.username)[:50]


def add_review(
    plan: DevelopmentPlan,
    reviewer: Any,
    reviewed_on: date | None,
    content: str | None,
    *,
    today: date,
) -> PlanReview:
    """A review by the mentor or HR (the view checks who). The same date and content twice
    is a repeat (AlreadyDone)."""
    content = (content or "").strip()
    errors: list[tuple[str | None, str]] = []
    if plan.state is P.DRAFT:
        errors.append((None, _("计划生效后才能评议。")))
    if reviewed_on is None:
        errors.append(("reviewed_on", _("请填写评议日期。")))
    elif reviewed_on > today:
        errors.append(("reviewed_on", _("评议日期不能晚于今天。")))
    elif reviewed_on < plan.period_start:
        errors.append(("reviewed_on", _("评议日期不能早于计划开始日期。")))
    if not content:
        errors.append(("content", _("请填写评议意见。")))
    elif len(content) > TEXT_LIMIT:
        errors.append(("content", _("评议意见不能超过 %(n)d 字。", n=TEXT_LIMIT)))
    if errors:
        raise PlanError(errors)
    if any(r.reviewed_on == reviewed_on and r.content == content for r in plan.reviews):
        raise AlreadyDone()
    review = PlanReview(
        plan=plan,
        reviewer_id=reviewer.id,
        reviewer_name=_person(reviewer),
        reviewed_on=reviewed_on,
        content=content,
    )
    db.session.add(review)
    db.session.flush()
    audit.record(
        "create",
        object_type="plan",
        object_id=plan.id,
        summary=f"{_label(plan)} 评议（{reviewed_on}）",
        after={"reviewed_on": reviewed_on, "review": content},
        actor_name=reviewer.username,
    )
    return review


def add_comment(plan: DevelopmentPlan, author: Any, content: str | None) -> PlanComment:
    """A comment by the cadre on their plan, or a reply by the mentor or HR (the view checks
    who). The author's last comment repeated is a repeat (AlreadyDone)."""
    content = (content or "").strip()
    if not content:
        raise PlanError([("content", _("请填写意见内容。"))])
    if len(content) > TEXT_LIMIT:
        raise PlanError([("content", _("意见不能超过 %(n)d 字。", n=TEXT_LIMIT))])
    own = [c for c in plan.comments if c.author_id == author.id]
    if own and own[-1].content == content:
        raise AlreadyDone()
    comment = PlanComment(
        plan=plan, author_id=author.id, author_name=_person(author), content=content
    )
    db.session.add(comment)
    db.session.flush()
    audit.record(
        "create",
        object_type="plan",
        object_id=plan.id,
        summary=f"{_label(plan)} 意见：{content[:60]}",
        after={"comment": content},
        actor_name=author.username,
    )
    return comment


def open_milestones_due(until: date) -> list[dict[str, Any]]:
    """The unsettled milestones of plans in force due on or before ``until`` (overdue ones
    included), for the reminders: milestone and plan ids, the cadre, their section, the
    title, the due day and the states ``plan_rules.milestone_overdue`` reads; soonest first."""
    rows = db.session.execute(
        sa.select(
            PlanMilestone.id,
            PlanMilestone.plan_id,
            PlanMilestone.title,
            PlanMilestone.due_date,
            PlanMilestone.state,
            DevelopmentPlan.state.label("plan_state"),
            DevelopmentPlan.cadre_id,
            Cadre.name,
            Cadre.department_id,
        )
        .join(DevelopmentPlan, DevelopmentPlan.id == PlanMilestone.plan_id)
        .join(Cadre, Cadre.id == DevelopmentPlan.cadre_id)
        .where(
            DevelopmentPlan.state == P.ACTIVE,
            PlanMilestone.due_date <= until,
            PlanMilestone.state.not_in(plan_rules.SETTLED),
        )
        .order_by(PlanMilestone.due_date, PlanMilestone.id)
    )
    return [
        {
            "id": r.id,
            "plan_id": r.plan_id,
            "title": r.title,
            "due": r.due_date,
            "state": MilestoneState(r.state),
            "plan_state": PlanState(r.plan_state),
            "cadre_id": r.cadre_id,
            "cadre_name": r.name,
            "department_id": r.department_id,
        }
        for r in rows
    ]
