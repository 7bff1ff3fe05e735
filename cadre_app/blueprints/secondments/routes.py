"""The list of secondments, a secondment's page, new, edit and the state steps. Thin views:
parse, check access, call services.secondments.operations / queries, commit, redirect.

Access: HR reads and writes everything. A manager reads the secondments of cadres in the
sections they lead (another: 404). Everyone else: 403 (a cadre sees their own on ``/me``).
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.routing import BuildError

from cadre_app import clock
from cadre_app.blueprints.secondments import bp
from cadre_app.blueprints.secondments.forms import (
    STEP_FIELD_LABELS,
    STEP_FIELDS,
    STEP_LABELS,
    SecondmentForm,
    StepForm,
    apply_errors,
    detail_values,
    fill_details,
    parse_date,
    step_form,
)
from cadre_app.extensions import db
from cadre_app.i18n import term
from cadre_app.models import Cadre, Role, Secondment, SecondmentState
from cadre_app.models.secondments import APPRAISAL_GRADES, HOST_TYPES, SECONDMENT_KINDS
from cadre_app.permissions import has_role, role_required, visible_department_ids
from cadre_app.services.roster import queries as roster_query
from cadre_app.services.secondments import operations, queries, rules
from cadre_app.services.secondments.rules import Step

READERS = (Role.HR, Role.MANAGER)
S = SecondmentState
#: 归档 is made on the 期满鉴定 page (appraisal_routes.py), linked when it exists.
APPRAISAL_ENDPOINT = "secondments.appraisal"


def _int_arg(name: str) -> int | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        abort(400)
    return int(raw)


def secondment_or_404(secondment_id: int) -> Secondment:
    """The secondment when the reader may see it (HR: any; a manager: their sections')."""
    secondment = queries.secondment_visible(secondment_id, visible_department_ids(current_user))
    if secondment is None:
        abort(404)
    return secondment


# --- the list ---------------------------------------------------------------------------------


def index_filters() -> queries.SecondmentFilters:
    """The list's filters from the query string (400 for values that cannot be)."""
    raw_state = request.args.get("state", "")
    kind = request.args.get("kind", "")
    host_type = request.args.get("host_type", "")
    if raw_state and raw_state not in {s.value for s in S}:
        abort(400)
    if (kind and kind not in SECONDMENT_KINDS) or (host_type and host_type not in HOST_TYPES):
        abort(400)
    year = _int_arg("year")
    if year is not None and not 1900 <= year <= 2200:
        abort(400)
    return queries.SecondmentFilters(
        state=S(raw_state) if raw_state else None,
        kind=kind or None,
        host_type=host_type or None,
        year=year,
        department_id=_int_arg("department"),
        q=request.args.get("q", "").strip()[:50] or None,
        page=_int_arg("page") or 1,
    )


@bp.get("/")
@role_required(*READERS)
def index() -> Any:
    """Every secondment the reader may see: filters (state, kind, host type, year, section,
    name or 工号), 50 a page, latest start first, with the counts by state."""
    filters = index_filters()
    visible = visible_department_ids(current_user)
    page = queries.list_secondments(
        filters,
        visible_departments=visible,
        today=clock.today(),
        settings=operations.current_settings(),
    )
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "secondments/index.html",
        page=page,
        filters=filters,
        args=args,
        states=list(S),
        labels=S.labels(),
        kinds=SECONDMENT_KINDS,
        host_types=HOST_TYPES,
        sections=queries.section_choices(visible),
        may_manage=has_role(current_user, Role.HR),
        # a page of 50 rows asks the catalogue once per term, and builds its links from one
        words={t: term(t) for t in (*SECONDMENT_KINDS, *HOST_TYPES)},
        detail_base=url_for("secondments.detail", secondment_id=0)[:-1],
    )


# --- one secondment ---------------------------------------------------------------------------


def render_detail(
    secondment: Secondment,
    *,
    status: int = 200,
    failed: StepForm | None = None,
    general: list[str] | None = None,
    conflict: list[dict[str, Any]] | None = None,
) -> Any:
    """The page of one secondment; ``failed`` is a step form posted with errors."""
    may_manage = has_role(current_user, Role.HR)
    today = clock.today()
    conf = operations.current_settings()
    steps = []
    if may_manage:
        for target in rules.allowed_targets(secondment.state):
            if target not in STEP_FIELDS:
                continue  # 归档: on the 期满鉴定 page
            form = failed if failed is not None and failed.target.data == target.value else None
            steps.append(
                {
                    "target": target,
                    "label": STEP_LABELS[target],
                    "form": form or step_form(secondment, target, today),
                    "fields": [
                        (name, required, STEP_FIELD_LABELS.get((target, name)))
                        for name, required in STEP_FIELDS[target]
                    ],
                    "open": form is not None,
                    # the step's own refusal beside its form, not above the page
                    "errors": (general or []) if form is not None else [],
                }
            )
    appraisal_url = None
    if APPRAISAL_ENDPOINT in current_app.view_functions and secondment.state in (
        S.APPRAISAL,
        S.ARCHIVED,
    ):
        try:
            appraisal_url = url_for(APPRAISAL_ENDPOINT, secondment_id=secondment.id)
        except BuildError:  # the part names its page otherwise: no link rather than a 500
            current_app.logger.warning("%s takes no secondment_id", APPRAISAL_ENDPOINT)
    if any(step["errors"] for step in steps):
        general = []
    end = secondment.end_date
    return render_template(
        "secondments/detail.html",
        secondment=secondment,
        labels=S.labels(),
        steps=steps,
        appraisal_url=appraisal_url,
        may_manage=may_manage,
        may_edit=may_manage and secondment.state not in (S.ARCHIVED, S.CANCELLED),
        ends_soon=rules.ends_soon(secondment.state, end, today, conf),
        overdue=rules.appraisal_overdue(secondment.state, end, today, conf),
        due=rules.appraisal_due(end, conf),
        general=general or [],
        conflict=conflict,
    ), status


@bp.get("/<int:secondment_id>")
@role_required(*READERS)
def detail(secondment_id: int) -> Any:
    """The details, the steps taken (who, when, why; old → new end for 延期) and, for HR,
    the next steps."""
    return render_detail(secondment_or_404(secondment_id))


def _cadre_matches(q: str) -> list[dict[str, Any]]:
    found = roster_query.list_cadres(
        roster_query.RosterFilters(q=q, per_page=20), visible_departments=None
    )
    return list(found.rows)


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.HR)
def new() -> Any:
    """A new secondment (拟派): the cadre by 工号 (search by name or 工号 above the form)."""
    form = SecondmentForm()
    general: list[str] = []
    q = request.args.get("q", "").strip()[:50]
    if not form.is_submitted():
        cadre_id = _int_arg("cadre")
        if cadre_id is not None:
            form.staff_no.data = db.get_or_404(Cadre, cadre_id).staff_no
    elif form.validate():
        staff_no = (form.staff_no.data or "").strip()
        cadre = queries.cadre_by_staff_no(staff_no) if staff_no else None
        if cadre is None:
            form.staff_no.errors = [
                *form.staff_no.errors,
                _("名册中没有工号为 %(no)s 的干部。", no=staff_no)
                if staff_no
                else _("请填写干部工号。"),
            ]
        values = detail_values(form)
        if cadre is not None and values is not None:
            try:
                secondment = operations.create(cadre, values, actor=current_user.username)
                db.session.commit()
            except operations.SecondmentError as error:
                db.session.rollback()
                same = queries.same_active(cadre.id, values, current_user.username)
                if same is not None:  # the form posted twice: the first made it
                    flash(_("已处理（表单可能提交了两次）。"), "info")
                    return redirect(url_for("secondments.detail", secondment_id=same.id))
                general = apply_errors(form, error.errors)
            else:
                flash(
                    _("已新建%(name)s的挂职锻炼（拟派）。", name=cadre.name),
                    "success",
                )
                return redirect(url_for("secondments.detail", secondment_id=secondment.id))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "secondments/form.html",
        form=form,
        secondment=None,
        general=general,
        conflict=None,
        q=q,
        matches=_cadre_matches(q) if q else [],
    ), status


@bp.route("/<int:secondment_id>/edit", methods=["GET", "POST"])
@role_required(Role.HR)
def edit(secondment_id: int) -> Any:
    """Edit the details (not the state); a form loaded before someone else's save gets 409
    with their changes."""
    secondment = secondment_or_404(secondment_id)
    form = SecondmentForm()
    del form.staff_no
    general: list[str] = []
    conflict = None
    if not form.is_submitted():
        if secondment.state in (S.ARCHIVED, S.CANCELLED):
            flash(_("挂职锻炼已%(state)s，不能再修改。", state=secondment.state.label), "warning")
            return redirect(url_for("secondments.detail", secondment_id=secondment_id))
        fill_details(form, secondment)
    elif form.validate() and (values := detail_values(form)) is not None:
        version = form.version.data or ""
        if not version.isdigit() or len(version) > 9:
            abort(400)
        try:
            changes = operations.update(
                secondment, values, expected_version=int(version), actor=current_user.username
            )
            db.session.commit()
        except operations.AlreadyDone:
            db.session.rollback()
            flash(_("已处理（表单可能提交了两次）。"), "info")
            return redirect(url_for("secondments.detail", secondment_id=secondment_id))
        except operations.VersionConflict as error:
            db.session.rollback()
            conflict = error.changes
        except StaleDataError:
            db.session.rollback()
            conflict = operations.changes_since(secondment_id, int(version))
        except operations.SecondmentError as error:
            db.session.rollback()
            general = apply_errors(form, error.errors)
        else:
            if changes:
                flash(_("已保存 %(n)d 项修改。", n=len(changes)), "success")
            else:
                flash(_("没有修改任何内容。"), "info")
            return redirect(url_for("secondments.detail", secondment_id=secondment_id))
        if conflict is not None:
            # saving again now means "overwrite knowingly"
            form.version.data = str(secondment_or_404(secondment_id).version)
    status = 409 if conflict is not None else (400 if form.is_submitted() else 200)
    return render_template(
        "secondments/form.html",
        form=form,
        secondment=secondment_or_404(secondment_id),
        general=general,
        conflict=conflict,
        q="",
        matches=[],
    ), status


@bp.post("/<int:secondment_id>/step")
@role_required(Role.HR)
def step(secondment_id: int) -> Any:
    """One state step (``target``) with what it needs: 延期 the new end and a reason, 提前召回
    the day back and a reason, 期满鉴定 the actual end, 撤销 a reason."""
    secondment = secondment_or_404(secondment_id)
    form = StepForm()
    if not form.validate():
        if "csrf_token" in form.errors:
            abort(400)
        return render_detail(secondment, status=400, failed=form)
    raw_target = form.target.data or ""
    version = form.version.data or ""
    if raw_target not in {s.value for s in STEP_FIELDS} or not version.isdigit():
        abort(400)
    target = S(raw_target)
    needed = dict(STEP_FIELDS[target])
    for name in needed:  # messages name the field as the step's form shows it
        label = STEP_FIELD_LABELS.get((target, name))
        if label is not None:
            getattr(form, name).label.text = str(label)
    new_end = parse_date(form.new_end, required=needed["new_end"]) if "new_end" in needed else None
    actual_end = (
        parse_date(form.actual_end, required=needed["actual_end"])
        if "actual_end" in needed
        else None
    )
    reason = (form.reason.data or "").strip() or None
    if form.errors:
        return render_detail(secondment, status=400, failed=form)
    expected = int(version)
    try:
        operations.transition(
            secondment,
            target,
            Step(reason=reason, new_end=new_end, actual_end=actual_end),
            expected_version=expected,
            actor=current_user.username,
            today=clock.today(),
        )
        db.session.commit()
    except operations.AlreadyDone:
        db.session.rollback()
        flash(_("已处理（表单可能提交了两次）。"), "info")
        return redirect(url_for("secondments.detail", secondment_id=secondment_id))
    except operations.VersionConflict as error:
        db.session.rollback()
        return render_detail(secondment_or_404(secondment_id), status=409, conflict=error.changes)
    except StaleDataError:
        db.session.rollback()
        return render_detail(
            secondment_or_404(secondment_id),
            status=409,
            conflict=operations.changes_since(secondment_id, expected),
        )
    except operations.SecondmentError as error:
        db.session.rollback()
        general = apply_errors(form, error.errors)
        return render_detail(
            secondment_or_404(secondment_id), status=400, failed=form, general=general
        )
    flash(_("已转为“%(state)s”。", state=target.label), "success")
    return redirect(url_for("secondments.detail", secondment_id=secondment_id))


#: Audit labels shown in the UI's language (listed for extraction).
AUDIT_TERMS = (_l("挂职锻炼"),)


def _state_labels() -> dict[str, str]:
    return {state.value: label for state, label in S.labels().items()}


def contribute(contributions: Any) -> None:
    """Labels of the secondment audit snapshots, and of its states, so that the audit page
    describes a change in words."""
    contributions.add_field_labels(
        "secondment",
        operations.field_labels,
        values={
            "state": _state_labels,
            # stored Chinese terms, translated when shown
            "kind": {k: k for k in SECONDMENT_KINDS},
            "host_type": {h: h for h in HOST_TYPES},
            "grade": {g: g for g in APPRAISAL_GRADES},
        },
    )
