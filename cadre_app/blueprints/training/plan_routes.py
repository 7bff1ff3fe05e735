"""Development plans (个人培养计划): the list, the plan's page with its milestones, planned
courses, reviews and comments, the mentor's list of mentees, a dashboard panel of overdue
milestones and reviews, and the plan's section of the profile's 教育培训 tab. Thin views:
parse, check access, call services.training.plans, commit, redirect.

Access: HR reads and writes every plan. A manager reads the plans of their sections' cadres.
A mentor (导师: the account the plan names, or the account linked to the cadre it names) reads,
reviews and comments on their mentees' plans, whatever their role, and nothing else. The cadre
reads their own plan once in force and comments on it, on /me. Another plan answers 404; a
write the reader may not make 403; the admin and the auditor 403.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from cadre_app import clock
from cadre_app.blueprints.training import bp
from cadre_app.blueprints.training.plan_forms import (
    CommentForm,
    MilestoneForm,
    MilestoneStateForm,
    PlanCourseForm,
    PlanForm,
    ReviewForm,
    TransitionForm,
    parse_date,
    parse_int,
    plan_state,
)
from cadre_app.extensions import db
from cadre_app.forms import EmptyForm, select_choices
from cadre_app.models import Cadre, Department, Role, User
from cadre_app.models.training import (
    DevelopmentPlan,
    MilestoneState,
    PlanCourse,
    PlanMilestone,
    PlanState,
    TrainingCourse,
)
from cadre_app.permissions import has_role, role_required, visible_department_ids
from cadre_app.services.training import plan_rules, plans
from cadre_app.services.training import programme as programme_service

READERS = (Role.HR, Role.MANAGER, Role.CADRE)
#: Service field -> the form field that shows its error.
FIELD_ALIASES = {
    "cadre_id": "cadre_staff_no",
    "mentor_cadre_id": "mentor_staff_no",
    "mentor_user_id": "mentor_username",
}
#: Catalogue courses offered in a plan's course list: those from this many days ago on.
COURSE_CHOICE_DAYS = 366
COURSE_CHOICE_LIMIT = 200


def readers_only(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not has_role(current_user, *READERS):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def plan_or_404(plan_id: int) -> DevelopmentPlan:
    """The plan if the current user may read it; 404 otherwise, so ids cannot be probed."""
    plan = plans.get_plan(plan_id)
    if plan is None or not plans.may_read(current_user, plan):
        abort(404)
    return plan


def _int(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        abort(400)
    return int(raw)


def _apply_errors(form: Any, errors: list[tuple[str | None, str]]) -> list[str]:
    """Put each message beside its field; return those without one (shown above the form)."""
    general = []
    for name, message in errors:
        attr = FIELD_ALIASES.get(name or "", name or "")
        field = getattr(form, attr, None) if attr else None
        if field is None or not hasattr(field, "errors"):
            general.append(message)
        else:
            field.errors = [*field.errors, message]
    return general


def _back(plan: DevelopmentPlan, anchor: str = "") -> Any:
    """Where a change returns: the cadre's own page for the cadre, else the plan's page."""
    if plans.is_own(current_user, plan):
        return redirect(url_for("main.me", tab="training") + anchor)
    return redirect(url_for("training.plan_detail", plan_id=plan.id) + anchor)


# --- lists ------------------------------------------------------------------------------------


def _departments() -> list[tuple[int, str]]:
    visible = visible_department_ids(current_user)
    query = sa.select(Department.id, Department.name).order_by(
        Department.sort_order, Department.name
    )
    if visible is not None:
        query = query.where(Department.id.in_(visible))
    return [(i, n) for i, n in db.session.execute(query)]


def _filters() -> tuple[plans.PlanFilters, dict[str, str]]:
    state_raw = request.args.get("state", "")
    if state_raw and plan_state(state_raw) is None:
        abort(400)
    filters = plans.PlanFilters(
        department_id=_int(request.args.get("department")),
        state=plan_state(state_raw),
        overdue=request.args.get("overdue") == "1",
        q=request.args.get("q", "").strip()[:50] or None,
        page=max(_int(request.args.get("page")) or 1, 1),
    )
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return filters, args


@bp.get("/plans")
@role_required(Role.HR, Role.MANAGER)
def plans_index() -> Any:
    """Every plan (HR) or those of a manager's sections and mentees, with filters: section,
    state, overdue (a milestone past its due date or a review overdue)."""
    filters, args = _filters()
    today = clock.today()
    page = plans.list_plans(filters, scope=plans.scope_for(current_user), today=today)
    return render_template(
        "training/plan_index.html",
        page=page,
        filters=filters,
        args=args,
        states=list(PlanState),
        departments=_departments(),
        mine=False,
        may_edit=plans.may_edit(current_user),
        today=today,
    )


@bp.get("/plans/mine")
@readers_only
def plans_mine() -> Any:
    """The plans of the signed-in user's mentees (导师帮带), whatever their role."""
    filters, args = _filters()
    today = clock.today()
    scope = plans.scope_for(current_user, mentees_only=True)
    page = plans.list_plans(filters, scope=scope, today=today)
    return render_template(
        "training/plan_index.html",
        page=page,
        filters=filters,
        args=args,
        states=list(PlanState),
        departments=[],
        mine=True,
        may_edit=False,
        today=today,
    )


# --- create and edit --------------------------------------------------------------------------


def _cohort_choices(form: PlanForm) -> None:
    form.cohort_id.choices = select_choices(
        [("", _("（不属于任何期次）"))] + programme_service.cohorts_for_select()
    )


def _plan_values(form: PlanForm, plan: DevelopmentPlan | None) -> dict[str, Any] | None:
    """The form's values for the service, or None with the format errors on the fields."""
    ok_start, start = parse_date(form, "period_start")
    ok_end, end = parse_date(form, "period_end")
    ok_interval, interval = parse_int(form, "review_interval_months", _("评议周期须为整数（月）。"))
    values: dict[str, Any] = {
        "period_start": start,
        "period_end": end,
        "goals": form.goals.data,
        "planned_secondment": form.planned_secondment.data,
        "review_interval_months": interval,
        "cohort_id": _int(form.cohort_id.data),
    }
    ok = ok_start and ok_end and ok_interval
    if plan is not None and interval is None:
        values["review_interval_months"] = None  # required on edit: the rule says so
    staff_no = (form.mentor_staff_no.data or "").strip()
    values["mentor_cadre_id"] = None
    if staff_no:
        found = db.session.scalar(sa.select(Cadre.id).where(Cadre.staff_no == staff_no))
        if found is None:
            form.mentor_staff_no.errors = [
                *form.mentor_staff_no.errors,
                _("名册中没有工号为 %(no)s 的干部。", no=staff_no),
            ]
            ok = False
        values["mentor_cadre_id"] = found
    username = (form.mentor_username.data or "").strip()
    values["mentor_user_id"] = None
    if username:
        account = db.session.scalar(sa.select(User.id).where(User.username == username))
        if account is None:
            form.mentor_username.errors = [
                *form.mentor_username.errors,
                _("没有用户名为 %(u)s 的账户。", u=username),
            ]
            ok = False
        values["mentor_user_id"] = account
    return values if ok else None


def _chosen_cadre(form: PlanForm, prefill: Cadre | None) -> int | None | bool:
    staff_no = (form.cadre_staff_no.data or "").strip()
    if staff_no:
        found = db.session.scalar(sa.select(Cadre.id).where(Cadre.staff_no == staff_no))
        if found is None:
            form.cadre_staff_no.errors = [
                *form.cadre_staff_no.errors,
                _("名册中没有工号为 %(no)s 的干部。", no=staff_no),
            ]
            return False
        return found
    return prefill.id if prefill is not None else None


@bp.route("/plans/new", methods=["GET", "POST"])
@role_required(Role.HR)
def plan_new() -> Any:
    """A new plan (草拟) for one cadre, found by a search (``?q=``) whose matches link to
    ``?cadre=<id>``, or typed as a 工号. One open plan per cadre: a second one is refused
    with a link to the first."""
    prefill = (
        db.get_or_404(Cadre, _int(request.args.get("cadre"))) if request.args.get("cadre") else None
    )
    form = PlanForm()
    _cohort_choices(form)
    q = request.args.get("q", "").strip()[:50]
    matches, match_count = _find_cadres(q) if q else ([], 0)
    general: list[str] = []
    if not form.is_submitted():
        form.review_interval_months.data = str(plans.review_interval_default())
        today = clock.today()
        form.period_start.data = today.isoformat()
        form.period_end.data = date(today.year + 2, today.month, min(today.day, 28)).isoformat()
        if prefill is not None:
            form.cadre_staff_no.data = prefill.staff_no
        if request.args.get("cohort"):
            form.cohort_id.data = request.args.get("cohort")
    elif form.validate():
        cadre_id = _chosen_cadre(form, prefill)
        values = _plan_values(form, None)
        if cadre_id is None:
            form.cadre_staff_no.errors = [
                *form.cadre_staff_no.errors,
                _("请选择干部（在名册中的干部）。"),
            ]
        if values is not None and cadre_id:
            try:
                plan = plans.create_plan(
                    values | {"cadre_id": cadre_id}, actor=current_user.username
                )
            except plans.OpenPlanExists as exists:
                db.session.rollback()
                flash(
                    _(
                        "该干部已有一份%(state)s的培养计划，未重复创建。",
                        state=exists.plan.state.label,
                    ),
                    "info",
                )
                return redirect(url_for("training.plan_detail", plan_id=exists.plan.id))
            except plans.PlanError as error:
                db.session.rollback()
                general = _apply_errors(form, error.errors)
            else:
                db.session.commit()
                flash(_("已创建培养计划（草拟）。"), "success")
                return redirect(url_for("training.plan_detail", plan_id=plan.id))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "training/plan_form.html",
        form=form,
        plan=None,
        general=general,
        q=q,
        matches=matches,
        match_count=match_count,
        chosen=prefill,
        conflict=None,
    ), status


def _find_cadres(q: str) -> tuple[list[dict[str, Any]], int]:
    from cadre_app.services.roster import queries as roster_query

    page = roster_query.list_cadres(
        roster_query.RosterFilters(q=q, sort="name", per_page=20), visible_departments=None
    )
    return page.rows, page.total


def _fill(form: PlanForm, plan: DevelopmentPlan) -> None:
    form.period_start.data = plan.period_start.isoformat()
    form.period_end.data = plan.period_end.isoformat()
    form.goals.data = plan.goals or ""
    form.planned_secondment.data = plan.planned_secondment or ""
    form.review_interval_months.data = str(plan.review_interval_months)
    form.cohort_id.data = str(plan.cohort_id or "")
    form.mentor_staff_no.data = plan.mentor_cadre.staff_no if plan.mentor_cadre else ""
    account = plans.mentor_account(plan)
    form.mentor_username.data = account.username if account else ""
    form.version.data = str(plan.version)


@bp.route("/plans/<int:plan_id>/edit", methods=["GET", "POST"])
@role_required(Role.HR)
def plan_edit(plan_id: int) -> Any:
    """Edit the plan (草拟 or 生效); a form loaded before someone else's save gets 409 with
    their changes."""
    plan = plan_or_404(plan_id)
    form = PlanForm()
    _cohort_choices(form)
    del form.cadre_staff_no
    if not form.is_submitted():
        if not plan_rules.is_open(plan.state):
            flash(_("计划已%(state)s，不能再修改。", state=plan.state.label), "warning")
            return redirect(url_for("training.plan_detail", plan_id=plan.id))
        _fill(form, plan)
        return _render_form(form, plan)
    expected = _int(form.version.data)
    if expected is None:
        abort(400)
    values = _plan_values(form, plan) if form.validate() else None
    if values is None:
        return _render_form(form, plan, status=400)
    try:
        changes = plans.update_plan(
            plan, values, expected_version=expected, actor=current_user.username
        )
        db.session.commit()
    except (plans.VersionConflict, StaleDataError):
        db.session.rollback()
        fresh = plan_or_404(plan_id)
        form.version.data = str(fresh.version)  # saving again now means "overwrite knowingly"
        return _render_form(
            form, fresh, status=409, conflict=plans.changes_since(plan_id, expected)
        )
    except plans.PlanError as error:
        db.session.rollback()
        general = _apply_errors(form, error.errors)
        return _render_form(form, plan_or_404(plan_id), status=400, general=general)
    if changes:
        flash(_("已保存 %(n)d 项修改。", n=len(changes)), "success")
    else:
        flash(_("没有修改任何内容。"), "info")
    return redirect(url_for("training.plan_detail", plan_id=plan_id))


def _render_form(
    form: PlanForm,
    plan: DevelopmentPlan,
    *,
    status: int = 200,
    general: list[str] | None = None,
    conflict: list[dict[str, Any]] | None = None,
) -> Any:
    return render_template(
        "training/plan_form.html",
        form=form,
        plan=plan,
        general=general or [],
        q="",
        matches=[],
        match_count=0,
        chosen=plan.cadre,
        conflict=conflict,
    ), status


# --- one plan ---------------------------------------------------------------------------------


def _course_choices(form: PlanCourseForm) -> None:
    since = date.fromordinal(clock.today().toordinal() - COURSE_CHOICE_DAYS)
    courses = db.session.execute(
        sa.select(TrainingCourse.id, TrainingCourse.name, TrainingCourse.start_date)
        .where(TrainingCourse.start_date >= since, TrainingCourse.external.is_(False))
        .order_by(TrainingCourse.start_date.desc())
        .limit(COURSE_CHOICE_LIMIT)
    ).all()
    form.course_id.choices = select_choices(
        [("", _("（不从课程目录选择）"))] + [(i, f"{n} · {d.isoformat()}") for i, n, d in courses]
    )


def plan_forms(plan: DevelopmentPlan, failed: dict[str, Any] | None = None) -> dict[str, Any]:
    """The forms the plan's page offers the current user (a failed one keeps its errors)."""
    failed = failed or {}
    forms: dict[str, Any] = {}
    user = current_user
    if plans.may_edit(user):
        for target in plan_rules.allowed_targets(plan.state):
            form = failed.get(f"move-{target.value}") or TransitionForm(formdata=None)
            form.target.data, form.version.data = target.value, str(plan.version)
            forms[f"move-{target.value}"] = form
        if plan_rules.is_open(plan.state):
            forms["milestone"] = failed.get("milestone") or MilestoneForm(formdata=None)
            course_form = failed.get("course") or PlanCourseForm(formdata=None)
            _course_choices(course_form)
            forms["course"] = course_form
            forms["remove"] = EmptyForm(formdata=None)
    if plans.may_review(user, plan) and plan.state is not PlanState.STOPPED:
        if plan.state is not PlanState.DONE:
            milestone_form = MilestoneStateForm(formdata=None)
            forms["milestone_state"] = milestone_form
        review = failed.get("review") or ReviewForm(formdata=None)
        if not review.reviewed_on.data:
            review.reviewed_on.data = clock.today().isoformat()
        forms["review"] = review
    if plans.may_comment(user, plan):
        forms["comment"] = (
            failed.get("comment") or g.get("plan_comment_form") or CommentForm(formdata=None)
        )
    return forms


def render_detail(
    plan: DevelopmentPlan,
    *,
    status: int = 200,
    failed: dict[str, Any] | None = None,
    general: list[str] | None = None,
    conflict: list[dict[str, Any]] | None = None,
) -> Any:
    today = clock.today()
    return render_template(
        "training/plan_detail.html",
        plan=plan,
        st=plans.status(plan, today),
        mentor=plans.mentor_name(plan),
        forms=plan_forms(plan, failed),
        history=plans.history(plan.id) if plans.may_edit(current_user) else [],
        general=general or [],
        conflict=conflict,
        may_edit=plans.may_edit(current_user),
        today=today,
        milestone_states=list(MilestoneState),
    ), status


@bp.get("/plans/<int:plan_id>")
@readers_only
def plan_detail(plan_id: int) -> Any:
    """The plan with its milestones (overdue in red), mentor, planned courses, reviews and
    comments. The cadre reads their own plan on /me."""
    plan = plan_or_404(plan_id)
    if plans.is_own(current_user, plan):
        return redirect(url_for("main.me", tab="training"))
    return render_detail(plan)


@bp.post("/plans/<int:plan_id>/transition")
@role_required(Role.HR)
def plan_transition(plan_id: int) -> Any:
    """草拟 → 生效 → 完成 | 中止, with the version the page was loaded at."""
    plan = plan_or_404(plan_id)
    form = TransitionForm()
    target = plan_state(form.target.data)
    expected = _int(form.version.data)
    if target is None or expected is None:
        abort(400)
    if not form.validate():
        return render_detail(plan, status=400, failed={f"move-{target.value}": form})
    try:
        plans.transition(
            plan,
            target,
            expected_version=expected,
            note=form.note.data,
            actor=current_user.username,
        )
        db.session.commit()
    except plans.AlreadyDone:
        db.session.rollback()
        flash(_("该操作已经完成（表单可能提交了两次）。"), "info")
        return redirect(url_for("training.plan_detail", plan_id=plan_id))
    except (plans.VersionConflict, StaleDataError):
        db.session.rollback()
        return render_detail(
            plan_or_404(plan_id), status=409, conflict=plans.changes_since(plan_id, expected)
        )
    except plans.PlanError as error:
        db.session.rollback()
        general = _apply_errors(form, error.errors)
        plan = plan_or_404(plan_id)
        return render_detail(
            plan, status=400, failed={f"move-{target.value}": form}, general=general
        )
    flash(_("计划已转为“%(state)s”。", state=target.label), "success")
    return redirect(url_for("training.plan_detail", plan_id=plan_id))


def _repeat() -> None:
    flash(_("该内容已经保存（表单可能提交了两次）。"), "info")


def _save_part(
    plan_id: int, form: Any, part: str, write: Callable[[], object], saved: str, anchor: str
) -> Any:
    """One addition to a plan (a milestone, a planned course, a review): commit it and go back
    to its place on the page; a form posted twice says so; a refusal shows the page again
    with the form's errors (400) and nothing written."""
    try:
        write()
        db.session.commit()
    except plans.AlreadyDone:
        db.session.rollback()
        _repeat()
    except plans.PlanError as error:
        db.session.rollback()
        general = _apply_errors(form, error.errors)
        return render_detail(plan_or_404(plan_id), status=400, failed={part: form}, general=general)
    else:
        flash(saved, "success")
    return redirect(url_for("training.plan_detail", plan_id=plan_id) + anchor)


@bp.post("/plans/<int:plan_id>/milestones")
@role_required(Role.HR)
def plan_milestone_add(plan_id: int) -> Any:
    """Add a milestone (节点) with its due date."""
    plan = plan_or_404(plan_id)
    form = MilestoneForm()
    ok, due = parse_date(form, "due_date")
    if not (form.validate() and ok):
        return render_detail(plan, status=400, failed={"milestone": form})
    return _save_part(
        plan_id,
        form,
        "milestone",
        lambda: plans.add_milestone(
            plan, form.title.data, due, form.note.data, actor=current_user.username
        ),
        _("已新增节点。"),
        "#milestones",
    )


@bp.post("/plans/<int:plan_id>/milestones/<int:milestone_id>")
@readers_only
def plan_milestone_update(plan_id: int, milestone_id: int) -> Any:
    """A milestone's progress (未开始/进行中/已完成/已取消 and the done date): HR or the mentor."""
    plan = plan_or_404(plan_id)
    milestone = _milestone_or_404(plan, milestone_id)
    if not plans.may_review(current_user, plan):
        abort(403)
    form = MilestoneStateForm()
    ok, done_on = parse_date(form, "done_on")
    state = form.state.data
    if state not in MilestoneState._value2member_map_:
        abort(400)
    if not ok:
        flash(form.done_on.errors[-1], "danger")
        return render_detail(plan, status=400)
    try:
        changed = plans.update_milestone(
            milestone,
            MilestoneState(state),
            done_on,
            actor=current_user.username,
            today=clock.today(),
        )
        db.session.commit()
    except plans.PlanError as error:
        db.session.rollback()
        return render_detail(
            plan_or_404(plan_id), status=400, general=[m for _f, m in error.errors]
        )
    if changed:
        flash(_("节点“%(t)s”已更新。", t=milestone.title), "success")
    else:
        _repeat()
    return redirect(url_for("training.plan_detail", plan_id=plan_id) + "#milestones")


def _milestone_or_404(plan: DevelopmentPlan, milestone_id: int) -> PlanMilestone:
    milestone = db.session.get(PlanMilestone, milestone_id)
    if milestone is None or milestone.plan_id != plan.id:
        abort(404)
    return milestone


@bp.post("/plans/<int:plan_id>/milestones/<int:milestone_id>/edit")
@role_required(Role.HR)
def plan_milestone_edit(plan_id: int, milestone_id: int) -> Any:
    """Correct a milestone's title, due date or note."""
    plan = plan_or_404(plan_id)
    milestone = _milestone_or_404(plan, milestone_id)
    form = MilestoneForm()
    ok, due = parse_date(form, "due_date")
    if not (form.validate() and ok):
        messages = [e for f in (form.title, form.due_date, form.note) for e in f.errors]
        return render_detail(plan, status=400, general=messages)
    try:
        changed = plans.edit_milestone(
            milestone, form.title.data, due, form.note.data, actor=current_user.username
        )
        db.session.commit()
    except plans.PlanError as error:
        db.session.rollback()
        general = [m for _f, m in error.errors]
        return render_detail(plan_or_404(plan_id), status=400, general=general)
    if changed:
        flash(_("节点“%(t)s”已更新。", t=milestone.title), "success")
    else:
        flash(_("没有修改任何内容。"), "info")
    return redirect(url_for("training.plan_detail", plan_id=plan_id) + "#milestones")


@bp.post("/plans/<int:plan_id>/milestones/<int:milestone_id>/delete")
@role_required(Role.HR)
def plan_milestone_delete(plan_id: int, milestone_id: int) -> Any:
    """Remove a milestone entered by mistake (a repeat finds it gone)."""
    plan = plan_or_404(plan_id)
    EmptyForm().validate_on_submit()
    milestone = db.session.get(PlanMilestone, milestone_id)
    if milestone is None or milestone.plan_id != plan.id:
        flash(_("该节点已不在计划中。"), "info")
        return redirect(url_for("training.plan_detail", plan_id=plan_id) + "#milestones")
    try:
        plans.delete_milestone(milestone, actor=current_user.username)
        db.session.commit()
    except plans.PlanError as error:
        db.session.rollback()
        general = [m for _f, m in error.errors]
        return render_detail(plan_or_404(plan_id), status=400, general=general)
    flash(_("已删除节点。"), "success")
    return redirect(url_for("training.plan_detail", plan_id=plan_id) + "#milestones")


@bp.post("/plans/<int:plan_id>/courses")
@role_required(Role.HR)
def plan_course_add(plan_id: int) -> Any:
    """A planned course: from the catalogue, or a title not yet scheduled."""
    plan = plan_or_404(plan_id)
    form = PlanCourseForm()
    if not form.validate():
        return render_detail(plan, status=400, failed={"course": form})
    return _save_part(
        plan_id,
        form,
        "course",
        lambda: plans.add_course(
            plan, _int(form.course_id.data), form.title.data, actor=current_user.username
        ),
        _("已加入拟参加课程。"),
        "#courses",
    )


@bp.post("/plans/<int:plan_id>/courses/<int:item_id>/delete")
@role_required(Role.HR)
def plan_course_remove(plan_id: int, item_id: int) -> Any:
    plan = plan_or_404(plan_id)
    planned = db.session.get(PlanCourse, item_id)
    EmptyForm().validate_on_submit()
    if planned is None or planned.plan_id != plan.id:
        flash(_("该课程已不在计划中。"), "info")
        return redirect(url_for("training.plan_detail", plan_id=plan_id) + "#courses")
    try:
        plans.remove_course(planned, actor=current_user.username)
        db.session.commit()
    except plans.PlanError as error:
        db.session.rollback()
        return render_detail(
            plan_or_404(plan_id), status=400, general=[m for _f, m in error.errors]
        )
    flash(_("已删除拟参加课程。"), "success")
    return redirect(url_for("training.plan_detail", plan_id=plan_id) + "#courses")


@bp.post("/plans/<int:plan_id>/reviews")
@readers_only
def plan_review_add(plan_id: int) -> Any:
    """A review (评议) by the mentor or HR: date and content."""
    plan = plan_or_404(plan_id)
    if not plans.may_review(current_user, plan):
        abort(403)
    form = ReviewForm()
    ok, reviewed_on = parse_date(form, "reviewed_on")
    if not (form.validate() and ok):
        return render_detail(plan, status=400, failed={"review": form})
    return _save_part(
        plan_id,
        form,
        "review",
        lambda: plans.add_review(
            plan, current_user, reviewed_on, form.content.data, today=clock.today()
        ),
        _("已保存评议。"),
        "#reviews",
    )


@bp.post("/plans/<int:plan_id>/comments")
@readers_only
def plan_comment_add(plan_id: int) -> Any:
    """A comment: the cadre on their own plan (from /me), the mentor or HR replying."""
    plan = plan_or_404(plan_id)
    if not plans.may_comment(current_user, plan):
        abort(403)
    form = CommentForm()
    general: list[str] = []
    if form.validate():
        try:
            plans.add_comment(plan, current_user, form.content.data)
            db.session.commit()
        except plans.AlreadyDone:
            db.session.rollback()
            _repeat()
            return _back(plan, "#plan-comments")
        except plans.PlanError as error:
            db.session.rollback()
            general = _apply_errors(form, error.errors)
        else:
            flash(_("已发表意见。"), "success")
            return _back(plan, "#plan-comments")
    if plans.is_own(current_user, plan):
        from cadre_app.blueprints.roster.routes import render_profile

        g.plan_comment_form = form
        for message in general:
            flash(message, "danger")
        return render_profile(current_user.cadre, "training", status=400)
    return render_detail(
        plan_or_404(plan_id), status=400, failed={"comment": form}, general=general
    )


# --- the profile's 教育培训 tab and the dashboard ---------------------------------------------

PROFILE_SECTION = ("training/plan_section.html", 10)


def profile_section(cadre: Any, user: Any) -> dict[str, Any] | None:
    """The cadre's plan (the open one, else the latest) with milestones, mentor, reviews and
    comments, and the comment form for the cadre themselves. A draft is not shown to the
    cadre. The tab is shown only to those who may read the cadre's record."""
    own = getattr(user, "cadre_id", None) == cadre.id
    plan = plans.plan_for_profile(cadre.id, include_draft=not own)
    today = clock.today()
    if plan is None:
        return {"plan": None, "cadre": cadre, "may_create": plans.may_edit(user)}
    return {
        "plan": plan,
        "cadre": cadre,
        "st": plans.status(plan, today),
        "mentor": plans.mentor_name(plan),
        "forms": plan_forms(plan),
        "own": own,
        "may_open": has_role(user, Role.HR, Role.MANAGER),
        "may_create": False,
        "today": today,
    }


def dashboard_panel(user: Any) -> dict[str, Any] | None:
    """Overdue milestones and reviews: HR over every plan, a manager over their sections'
    and mentees' plans, a cadre their own plan; and anyone's mentees."""
    today = clock.today()
    panel: dict[str, Any] = {"own": None, "summary": None, "mentees": 0}
    if has_role(user, Role.HR, Role.MANAGER):
        summary = plans.overdue_summary(plans.scope_for(user), today)
        if summary.active or summary.overdue_milestones:
            panel["summary"] = summary
    if user.cadre_id is not None:
        plan = plans.plan_for_profile(user.cadre_id, include_draft=False)
        if plan is not None and plan.state is PlanState.ACTIVE:
            panel["own"] = {"plan": plan, "st": plans.status(plan, today)}
    if not has_role(user, Role.HR):
        panel["mentees"] = plans.mentee_count(user)
    if panel["own"] is None and panel["summary"] is None and not panel["mentees"]:
        return None
    panel["is_hr"] = has_role(user, Role.HR)
    return panel


def contribute(contributions: Any) -> None:
    contributions.add_dashboard_panel(
        "training_plans",
        "training/plan_panel.html",
        dashboard_panel,
        READERS,
        order=60,
    )
    contributions.add_field_labels(
        "plan",
        _audit_labels,
        values={"state": _state_labels, "milestone_state": _milestone_state_labels},
    )


def _audit_labels() -> dict[str, str]:
    return plans._labels() | {
        "milestone": _("节点"),
        "milestone_state": _("进展"),
        "due_date": _("节点期限"),
        "done_on": _("完成日期"),
        "course": _("拟参加课程"),
        "course_id": _("课程编号"),
        "reviewed_on": _("评议日期"),
        "review": _("评议意见"),
        "comment": _("意见"),
        "note": _("说明"),
    }


def _state_labels() -> dict[str, str]:
    return {s.value: s.label for s in PlanState}


def _milestone_state_labels() -> dict[str, str]:
    return {s.value: s.label for s in MilestoneState}
