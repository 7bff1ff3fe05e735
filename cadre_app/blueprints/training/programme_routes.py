"""The programme (五航工程 or whatever the organisation calls it) and its cohorts: programmes,
cohorts with members added by search or by section and removed, the programme's courses and
plans, and a cohort page with each member's 学时 of the year, plan progress, 策论 and 业务微讲座.
Thin views: parse, check access, call services.training.programme, commit, redirect.

Access: HR reads and writes. A manager reads the programmes and the cohort pages, which list
only the members of their sections. Other roles 403; an unknown id 404.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cadre_app import clock
from cadre_app.blueprints.training import bp
from cadre_app.blueprints.training.programme_forms import CohortForm, ProgrammeForm, SectionAddForm
from cadre_app.extensions import db
from cadre_app.forms import EmptyForm, select_choices
from cadre_app.models import Cadre, Department, Role
from cadre_app.models.training import Cohort, PlanState, Programme
from cadre_app.permissions import has_role, role_required, visible_department_ids
from cadre_app.services.training import programme as programmes

MEMBER_MATCHES = 30


def _int(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        abort(400)
    return int(raw)


def _apply_errors(form: Any, errors: list[tuple[str | None, str]]) -> list[str]:
    general = []
    for name, message in errors:
        field = getattr(form, name or "", None) if name else None
        if field is None or not hasattr(field, "errors"):
            general.append(message)
        else:
            field.errors = [*field.errors, message]
    return general


# --- programmes -------------------------------------------------------------------------------


@bp.get("/programmes")
@role_required(Role.HR, Role.MANAGER)
def programmes_index() -> Any:
    """Every programme with its cohorts, members, courses and plans."""
    return render_template(
        "training/programme_index.html",
        rows=programmes.list_programmes(),
        may_edit=has_role(current_user, Role.HR),
    )


@bp.route("/programmes/new", methods=["GET", "POST"])
@role_required(Role.HR)
def programme_new() -> Any:
    """A new programme; a name in use leads to that programme (a form posted twice)."""
    form = ProgrammeForm()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            programme = programmes.create_programme(
                {
                    "name": form.name.data,
                    "description": form.description.data,
                    "active": form.active.data,
                },
                actor=current_user.username,
            )
        except programmes.Duplicate as duplicate:
            db.session.rollback()
            flash(_("已有同名的培养项目，未重复创建。"), "info")
            return redirect(
                url_for("training.programme_detail", programme_id=duplicate.existing.id)
            )
        except programmes.ProgrammeError as error:
            db.session.rollback()
            general = _apply_errors(form, error.errors)
        else:
            db.session.commit()
            flash(_("已创建培养项目“%(name)s”。", name=programme.name), "success")
            return redirect(url_for("training.programme_detail", programme_id=programme.id))
    return render_template(
        "training/programme_form.html", form=form, programme=None, general=general
    ), (400 if form.is_submitted() else 200)


@bp.route("/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
@role_required(Role.HR)
def programme_edit(programme_id: int) -> Any:
    programme = db.get_or_404(Programme, programme_id)
    form = ProgrammeForm(obj=programme if request.method == "GET" else None)
    general: list[str] = []
    if form.validate_on_submit():
        try:
            changes = programmes.update_programme(
                programme,
                {
                    "name": form.name.data,
                    "description": form.description.data,
                    "active": form.active.data,
                },
                actor=current_user.username,
            )
        except programmes.ProgrammeError as error:
            db.session.rollback()
            general = _apply_errors(form, error.errors)
        else:
            db.session.commit()
            if changes:
                flash(_("已保存 %(n)d 项修改。", n=len(changes)), "success")
            else:
                flash(_("没有修改任何内容。"), "info")
            return redirect(url_for("training.programme_detail", programme_id=programme_id))
    return render_template(
        "training/programme_form.html", form=form, programme=programme, general=general
    ), (400 if form.is_submitted() else 200)


@bp.get("/programmes/<int:programme_id>")
@role_required(Role.HR, Role.MANAGER)
def programme_detail(programme_id: int) -> Any:
    """The programme: its cohorts (with members; a manager counts their sections' only), its
    courses and the plans of its cohorts."""
    programme = db.get_or_404(Programme, programme_id)
    visible = visible_department_ids(current_user)
    return render_template(
        "training/programme_detail.html",
        programme=programme,
        sizes=programmes.cohort_sizes(programme.id, visible),
        courses=programmes.programme_courses(programme.id),
        plans=programmes.programme_plans(programme.id, visible),
        cohort_form=CohortForm(formdata=None, year=str(clock.today().year)),
        may_edit=has_role(current_user, Role.HR),
    )


@bp.route("/programmes/<int:programme_id>/cohorts/new", methods=["GET", "POST"])
@role_required(Role.HR)
def cohort_new(programme_id: int) -> Any:
    """A new cohort (期次) of the programme; its name in use leads to that cohort."""
    programme = db.get_or_404(Programme, programme_id)
    form = CohortForm()
    general: list[str] = []
    if not form.is_submitted():
        form.year.data = str(clock.today().year)
    elif form.validate():
        year = _year(form)
        if year is not False:
            try:
                cohort = programmes.create_cohort(
                    programme, year, form.name.data, actor=current_user.username
                )
            except programmes.Duplicate as duplicate:
                db.session.rollback()
                flash(_("该项目已有同名期次，未重复创建。"), "info")
                return redirect(url_for("training.cohort_detail", cohort_id=duplicate.existing.id))
            except programmes.ProgrammeError as error:
                db.session.rollback()
                general = _apply_errors(form, error.errors)
            else:
                db.session.commit()
                flash(_("已创建期次“%(name)s”。", name=cohort.name), "success")
                return redirect(url_for("training.cohort_detail", cohort_id=cohort.id))
    return render_template(
        "training/cohort_form.html", form=form, programme=programme, cohort=None, general=general
    ), (400 if form.is_submitted() else 200)


def _year(form: CohortForm) -> int | None | bool:
    raw = (form.year.data or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) != 4:
        form.year.errors = [*form.year.errors, _("年度须为四位数字，如 2026。")]
        return False
    return int(raw)


@bp.route("/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@role_required(Role.HR)
def cohort_edit(cohort_id: int) -> Any:
    cohort = db.get_or_404(Cohort, cohort_id)
    form = CohortForm()
    general: list[str] = []
    if not form.is_submitted():
        form.year.data, form.name.data = str(cohort.year), cohort.name
    elif form.validate():
        year = _year(form)
        if year is not False:
            try:
                changed = programmes.update_cohort(
                    cohort, year, form.name.data, actor=current_user.username
                )
            except programmes.ProgrammeError as error:
                db.session.rollback()
                general = _apply_errors(form, error.errors)
            else:
                db.session.commit()
                flash(_("已保存。") if changed else _("没有修改任何内容。"), "success")
                return redirect(url_for("training.cohort_detail", cohort_id=cohort_id))
    return render_template(
        "training/cohort_form.html",
        form=form,
        programme=cohort.programme,
        cohort=cohort,
        general=general,
    ), (400 if form.is_submitted() else 200)


# --- a cohort ---------------------------------------------------------------------------------


def _sections() -> list[tuple[int, str]]:
    return [
        (i, n)
        for i, n in db.session.execute(
            sa.select(Department.id, Department.name).order_by(
                Department.sort_order, Department.name
            )
        )
    ]


def _link_around(endpoint: str, key: str, **values: Any) -> tuple[str, str]:
    """The parts of ``endpoint``'s URL before and after the integer ``key``: the rows join
    them around their ids, one ``url_for`` per page instead of one per row."""
    marker = 987654321
    before, _sep, after = url_for(endpoint, **values, **{key: marker}).partition(str(marker))
    return before, after


def render_cohort(cohort: Cohort, *, status: int = 200, general: list[str] | None = None) -> Any:
    today = clock.today()
    year = _int(request.args.get("year")) or today.year
    if not 2000 <= year <= 2100:
        abort(400)
    visible = visible_department_ids(current_user)
    rows = programmes.cohort_rows(cohort, year=year, today=today, department_ids=visible)
    may_edit = has_role(current_user, Role.HR)
    q = request.args.get("q", "").strip()[:50] if may_edit else ""
    matches: list[dict[str, Any]] = []
    match_count = 0
    members = programmes.member_ids(cohort.id) if q else set()
    if q:
        from cadre_app.services.roster import queries as roster_query

        page = roster_query.list_cadres(
            roster_query.RosterFilters(q=q, sort="name", per_page=50), visible_departments=None
        )
        matches, match_count = page.rows[:MEMBER_MATCHES], page.total
    links = {
        "profile": _link_around("roster.profile", "cadre_id", tab="training"),
        "plan": _link_around("training.plan_detail", "plan_id"),
        "remove": _link_around("training.cohort_member_remove", "cadre_id", cohort_id=cohort.id),
    }
    section_form = SectionAddForm(formdata=None)
    section_form.department_id.choices = select_choices(_sections())
    return render_template(
        "training/cohort_detail.html",
        cohort=cohort,
        rows=rows,
        year=year,
        years=list(range(today.year, today.year - 6, -1)),
        may_edit=may_edit,
        q=q,
        matches=matches,
        match_count=match_count,
        members=members,
        section_form=section_form,
        form=EmptyForm(formdata=None),
        general=general or [],
        links=links,
        state_labels={state: state.label for state in PlanState},
        totals={
            "hours": sum((r.hours for r in rows), start=0),
            "essays": sum(r.essays for r in rows),
            "lectures": sum(r.lectures_given for r in rows),
            "behind": sum(1 for r in rows if not r.senior and r.hours < r.required),
        },
    ), status


@bp.get("/cohorts/<int:cohort_id>")
@role_required(Role.HR, Role.MANAGER)
def cohort_detail(cohort_id: int) -> Any:
    """The cohort's members (a manager: their sections' only), each with 学时 of the year,
    plan state and progress, 策论 and 业务微讲座; HR adds members by search or by section."""
    return render_cohort(db.get_or_404(Cohort, cohort_id))


@bp.post("/cohorts/<int:cohort_id>/members")
@role_required(Role.HR)
def cohort_members_add(cohort_id: int) -> Any:
    """Add the cadres ticked in the search results (those already members are skipped)."""
    cohort = db.get_or_404(Cohort, cohort_id)
    EmptyForm().validate_on_submit()
    ids = [_int(raw) for raw in request.form.getlist("cadre_id")]
    try:
        added = programmes.add_members(
            cohort, [i for i in ids if i is not None], actor=current_user.username
        )
        db.session.commit()
    except programmes.ProgrammeError as error:
        db.session.rollback()
        return render_cohort(cohort, status=400, general=[m for _f, m in error.errors])
    flash(_("已加入 %(n)d 人。", n=len(added)), "success" if added else "info")
    return redirect(url_for("training.cohort_detail", cohort_id=cohort_id))


@bp.post("/cohorts/<int:cohort_id>/members/section")
@role_required(Role.HR)
def cohort_section_add(cohort_id: int) -> Any:
    """Add a whole section's cadres (its young cadres only, by default)."""
    cohort = db.get_or_404(Cohort, cohort_id)
    form = SectionAddForm()
    form.department_id.choices = select_choices(_sections())
    department_id = _int(form.department_id.data)
    if not form.validate() or department_id is None:
        return render_cohort(cohort, status=400, general=[_("请选择处室。")])
    if db.session.get(Department, department_id) is None:
        abort(404)
    ids = programmes.section_cadre_ids(
        department_id, young_only=bool(form.young_only.data), on=clock.today()
    )
    if not ids:
        flash(_("该处室没有符合条件的干部。"), "info")
        return redirect(url_for("training.cohort_detail", cohort_id=cohort_id))
    added = programmes.add_members(cohort, ids, actor=current_user.username)
    db.session.commit()
    flash(_("已加入 %(n)d 人。", n=len(added)), "success" if added else "info")
    return redirect(url_for("training.cohort_detail", cohort_id=cohort_id))


@bp.post("/cohorts/<int:cohort_id>/members/<int:cadre_id>/remove")
@role_required(Role.HR)
def cohort_member_remove(cohort_id: int, cadre_id: int) -> Any:
    """Take a cadre out of the cohort (a repeat removes nothing)."""
    cohort = db.get_or_404(Cohort, cohort_id)
    cadre = db.get_or_404(Cadre, cadre_id)
    EmptyForm().validate_on_submit()
    if programmes.remove_member(cohort, cadre, actor=current_user.username):
        db.session.commit()
        flash(_("已将 %(name)s 移出本期次。", name=cadre.name), "success")
    else:
        flash(_("%(name)s 不在本期次中。", name=cadre.name), "info")
    return redirect(url_for("training.cohort_detail", cohort_id=cohort_id))


def contribute(contributions: Any) -> None:
    contributions.add_field_labels("programme", _audit_labels)


def _audit_labels() -> dict[str, str]:
    return {
        "name": _("项目名称"),
        "description": _("项目说明"),
        "active": _("正在实施"),
        "cohort": _("期次"),
        "year": _("年度"),
        "added": _("加入"),
        "removed": _("移出"),
    }
