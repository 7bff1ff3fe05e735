"""The list of assessments, an assessment's page, new and edit (草拟), the state steps
(open, close early, archive), deleting a draft, and the checklists with their versions.
Thin views: parse, check access, call services.assessments, commit, redirect.

Access: HR runs assessments. A manager reads the list and the pages of assessments with a
subject in the sections they lead (only those subjects shown; no steps; another assessment:
404; new, edit and steps: 403). Checklists are managed by HR and the admin (DESIGN.md: the
admin keeps the settings, checklists among them). Everyone else: 403.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from cadre_app import clock
from cadre_app.blueprints.assessments import bp
from cadre_app.blueprints.assessments.forms import (
    AssessmentForm,
    ChecklistForm,
    DeleteForm,
    SettingsForm,
    StepForm,
    apply_errors,
    fill_checklist,
    fill_groups,
    moment_value,
    read_checklist,
    read_groups,
    read_int,
    read_moment,
)
from cadre_app.extensions import db
from cadre_app.forms import select_choices
from cadre_app.models import Assessment, AssessmentState, Checklist, Role
from cadre_app.models.assessments import ASPECTS, PURPOSES, RATINGS
from cadre_app.permissions import has_role, role_required, visible_department_ids
from cadre_app.services.assessments import checklists, operations, queries, rules
from cadre_app.services.core import registry, settings

READERS = (Role.HR, Role.MANAGER)
CHECKLIST_KEEPERS = (Role.HR, Role.ADMIN)
S = AssessmentState

#: Stored Chinese terms shown in the UI's language (listed for extraction).
TERMS = (
    _l("年度"),
    _l("考察"),
    _l("专项"),
    _l("政治忠诚"),
    _l("政治定力"),
    _l("政治担当"),
    _l("政治能力"),
    _l("政治自律"),
    _l("领导"),
    _l("同事"),
    _l("下属"),
    _l("服务对象"),
    _l("测评表"),
    _l("政治素质档案"),  # the profile tab's label (blueprints/assessments/__init__.py)
)

#: The button of each step.
STEP_LABELS = {S.OPEN: _l("开始测评"), S.CLOSED: _l("提前结束测评"), S.ARCHIVED: _l("归档")}


def _int_arg(name: str) -> int | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        abort(400)
    return int(raw)


def _version(raw: str | None) -> int:
    raw = raw or ""
    if not raw.isdigit() or len(raw) > 9:
        abort(400)
    return int(raw)


def assessment_or_404(assessment_id: int) -> Assessment:
    """The assessment when the reader may see it (HR: any; a manager: see the module)."""
    found = queries.assessment_visible(assessment_id, visible_department_ids(current_user))
    if found is None:
        abort(404)
    return found


# --- the list ---------------------------------------------------------------------------------


@bp.get("/")
@role_required(*READERS)
def index() -> Any:
    """Assessments the reader may see, filtered by state, year and purpose, with the ballots
    cast so far (counts only) once open."""
    raw_state = request.args.get("state", "")
    purpose = request.args.get("purpose", "")
    if raw_state and raw_state not in {s.value for s in S}:
        abort(400)
    if purpose and purpose not in PURPOSES:
        abort(400)
    year = _int_arg("year")
    if year is not None and not 1900 <= year <= 2200:
        abort(400)
    filters = queries.AssessmentFilters(
        state=S(raw_state) if raw_state else None, year=year, purpose=purpose or None
    )
    visible = visible_department_ids(current_user)
    return render_template(
        "assessments/index.html",
        rows=queries.list_assessments(filters, visible_departments=visible),
        filters=filters,
        states=list(S),
        purposes=PURPOSES,
        years=queries.years(visible_departments=visible),
        may_manage=has_role(current_user, Role.HR),
    )


# --- one assessment ---------------------------------------------------------------------------


def part_sections(assessment: Assessment) -> list[tuple[str, dict[str, Any]]]:
    """The other parts' sections of the page (codes, results), in their order: each part
    module in PARTS with ``page_section(assessment, user) -> dict | None`` and
    ``PAGE_SECTION = (template, order)``. The page includes each template with ``section``
    (the dict) and ``assessment`` in its context; None leaves the part out."""
    from cadre_app.blueprints.assessments import PARTS

    return registry.part_sections(PARTS, "page_section", assessment, current_user)


def step_form(assessment: Assessment, target: S) -> StepForm:
    form = StepForm(formdata=None)
    form.target.data = target.value
    form.version.data = str(assessment.version)
    return form


def render_show(
    assessment: Assessment,
    *,
    status: int = 200,
    failed: StepForm | None = None,
    general: list[str] | None = None,
    conflict: list[dict[str, Any]] | None = None,
) -> Any:
    may_manage = has_role(current_user, Role.HR)
    steps = []
    if may_manage:
        for target in (S.OPEN, S.CLOSED, S.ARCHIVED):
            if (S(assessment.state), target) not in rules.TRANSITIONS:
                continue
            posted = failed if failed is not None and failed.target.data == target.value else None
            steps.append(
                {
                    "target": target,
                    "label": STEP_LABELS[target],
                    "form": posted or step_form(assessment, target),
                    "errors": (general or []) if posted is not None else [],
                }
            )
        if any(step["errors"] for step in steps):
            general = []
    box = assessment.box
    now = clock.utcnow()
    delete_form = DeleteForm(formdata=None)
    delete_form.version.data = str(assessment.version)
    return render_template(
        "assessments/show.html",
        assessment=assessment,
        box=box,
        subjects=queries.visible_subjects(assessment, visible_department_ids(current_user)),
        groups=queries.turnout_by_group(assessment),
        checklist=assessment.checklist,
        steps=steps,
        delete_form=delete_form,
        may_manage=may_manage,
        may_edit=may_manage and assessment.state is S.DRAFT,
        before_window=now < box.opens_at,
        window_over=now >= box.closes_at,
        general=general or [],
        conflict=conflict,
        sections=part_sections(assessment),
        history=queries.history(assessment) if may_manage else [],
    ), status


@bp.get("/<int:assessment_id>")
@role_required(*READERS)
def show(assessment_id: int) -> Any:
    """Basics, state, subjects, rater groups with turnout, window, checklist, HR's steps; then
    the codes and results parts' sections."""
    return render_show(assessment_or_404(assessment_id))


def _form_choices(form: AssessmentForm, current: Checklist | None = None) -> None:
    offered = checklists.choices()
    if current is not None and current.id not in {c.id for c in offered}:
        offered.append(current)
    form.checklist_id.choices = select_choices((c.id, f"{c.name} · v{c.version}") for c in offered)
    form.section.choices = select_choices([("", _l("不选")), *queries.sections()])


def _read_details(form: AssessmentForm) -> tuple[operations.Details | None, list[str]]:
    """The form's values as operations.Details, or None (messages on the fields; the rater
    groups' and subjects' messages returned for above their tables)."""
    group_errors: list[str] = []
    groups = read_groups(form)
    opens_at = read_moment(form.opens_at)
    closes_at = read_moment(form.closes_at)
    min_ballots = read_int(form.min_group_ballots, low=1, high=100)
    raw_section = form.section.data or ""
    if raw_section and not raw_section.isdigit():
        abort(400)
    raw_checklist = form.checklist_id.data or ""
    if not raw_checklist.isdigit() or len(raw_checklist) > 9:
        form.checklist_id.errors = [*form.checklist_id.errors, _("请选择测评表。")]
    found = queries.resolve_subjects(form.subjects.data, int(raw_section) if raw_section else None)
    if found.too_many:
        form.subjects.errors = [
            *form.subjects.errors,
            _("一次最多粘贴 %(n)d 个工号或姓名。", n=queries.TOKEN_LIMIT),
        ]
    if found.not_found:
        form.subjects.errors = [
            *form.subjects.errors,
            _("名册中没有：%(names)s。", names="、".join(found.not_found[:50])),
        ]
    for name, count in found.ambiguous:
        form.subjects.errors = [
            *form.subjects.errors,
            _("“%(name)s”有 %(n)d 名同名干部，请改填工号。", name=name, n=count),
        ]
    if groups is None:
        group_errors.append(_("请检查测评组的权重和票数。"))
    if (
        any(getattr(form, name).errors for name in form._fields if name != "groups")
        or groups is None
    ):
        return None, group_errors
    assert opens_at is not None and closes_at is not None and min_ballots is not None
    assert groups is not None
    return operations.Details(
        title=form.title.data or "",
        purpose=form.purpose.data or "",
        cadre_ids=tuple(c.id for c in found.cadres),
        groups=tuple(groups),
        opens_at=opens_at,
        closes_at=closes_at,
        checklist_id=int(raw_checklist),
        min_group_ballots=min_ballots,
        talk_threshold=form.talk_threshold.data or "",
        note=form.note.data,
    ), group_errors


def _split_errors(form: AssessmentForm, errors: list[tuple[str | None, str]]) -> tuple[list, list]:
    group_errors = [m for f, m in errors if f == "groups"]
    general = apply_errors(form, [(f, m) for f, m in errors if f != "groups"])
    return general, group_errors


def _render_form(
    form: AssessmentForm,
    assessment: Assessment | None,
    *,
    status: int,
    general: list[str] | None = None,
    group_errors: list[str] | None = None,
    conflict: list[dict[str, Any]] | None = None,
) -> Any:
    return render_template(
        "assessments/form.html",
        form=form,
        assessment=assessment,
        general=general or [],
        group_errors=group_errors or [],
        conflict=conflict,
        purposes=PURPOSES,
    ), status


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.HR)
def new() -> Any:
    """A new assessment (草拟): the rater groups and thresholds start from the settings, the
    checklist from the default one (made here when missing)."""
    default, made = checklists.ensure_default(actor=current_user.username)
    if made:
        db.session.commit()
    form = AssessmentForm()
    _form_choices(form)
    if not form.is_submitted():
        conf = operations.current_settings()
        fill_groups(form, operations.default_groups(conf))
        form.min_group_ballots.data = str(conf["min_group_ballots"])
        form.talk_threshold.data = conf["talk_threshold"]
        form.checklist_id.data = str(default.id)
        cadre_id = _int_arg("cadre")
        if cadre_id is not None:
            from cadre_app.models import Cadre

            form.subjects.data = db.get_or_404(Cadre, cadre_id).staff_no
        return _render_form(form, None, status=200)
    if not form.validate():
        if "csrf_token" in form.errors:
            abort(400)
        return _render_form(form, None, status=400)
    details, group_errors = _read_details(form)
    if details is None:
        return _render_form(form, None, status=400, group_errors=group_errors)
    try:
        assessment = operations.create(details, actor=current_user.username)
        db.session.commit()
    except operations.AlreadyDone as done:
        db.session.rollback()
        flash(_("已处理（表单可能提交了两次）。"), "info")
        assert done.assessment is not None
        return redirect(url_for("assessments.show", assessment_id=done.assessment.id))
    except operations.AssessmentError as error:
        db.session.rollback()
        general, group_errors = _split_errors(form, error.errors)
        return _render_form(form, None, status=400, general=general, group_errors=group_errors)
    flash(_("已新建测评（草拟）：%(title)s。", title=assessment.title), "success")
    return redirect(url_for("assessments.show", assessment_id=assessment.id))


def _fill(form: AssessmentForm, assessment: Assessment) -> None:
    form.title.data = assessment.title
    form.purpose.data = assessment.purpose
    form.subjects.data = "\n".join(s.cadre.staff_no for s in assessment.subjects)
    fill_groups(form, list(assessment.box.groups))
    form.opens_at.data = moment_value(assessment.box.opens_at)
    form.closes_at.data = moment_value(assessment.box.closes_at)
    form.checklist_id.data = str(assessment.checklist_id)
    form.min_group_ballots.data = str(assessment.min_group_ballots)
    form.talk_threshold.data = assessment.talk_threshold
    form.note.data = assessment.note or ""
    form.version.data = str(assessment.version)


@bp.route("/<int:assessment_id>/edit", methods=["GET", "POST"])
@role_required(Role.HR)
def edit(assessment_id: int) -> Any:
    """Edit a draft; a form loaded before someone else's save gets 409 with their changes."""
    assessment = assessment_or_404(assessment_id)
    form = AssessmentForm()
    _form_choices(form, assessment.checklist)
    if not form.is_submitted():
        if assessment.state is not S.DRAFT:
            flash(_("测评已开始，测评对象、测评组和测评表均已锁定。"), "warning")
            return redirect(url_for("assessments.show", assessment_id=assessment_id))
        _fill(form, assessment)
        return _render_form(form, assessment, status=200)
    if not form.validate():
        if "csrf_token" in form.errors:
            abort(400)
        return _render_form(form, assessment, status=400)
    version = _version(form.version.data)
    details, group_errors = _read_details(form)
    if details is None:
        return _render_form(form, assessment, status=400, group_errors=group_errors)
    conflict = None
    try:
        changes = operations.update(
            assessment, details, expected_version=version, actor=current_user.username
        )
        db.session.commit()
    except operations.AlreadyDone:
        db.session.rollback()
        flash(_("已处理（表单可能提交了两次）。"), "info")
        return redirect(url_for("assessments.show", assessment_id=assessment_id))
    except operations.VersionConflict as error:
        db.session.rollback()
        conflict = error.changes
    except StaleDataError:
        db.session.rollback()
        conflict = operations.changes_since(assessment_id, version)
    except operations.AssessmentError as error:
        db.session.rollback()
        general, group_errors = _split_errors(form, error.errors)
        return _render_form(
            form,
            assessment_or_404(assessment_id),
            status=400,
            general=general,
            group_errors=group_errors,
        )
    else:
        if changes:
            flash(_("已保存 %(n)d 项修改。", n=len(changes)), "success")
        else:
            flash(_("没有修改任何内容。"), "info")
        return redirect(url_for("assessments.show", assessment_id=assessment_id))
    fresh = assessment_or_404(assessment_id)
    form.version.data = str(fresh.version)  # saving again now means "overwrite knowingly"
    return _render_form(form, fresh, status=409, conflict=conflict)


@bp.post("/<int:assessment_id>/step")
@role_required(Role.HR)
def step(assessment_id: int) -> Any:
    """One step: 开始测评 (草拟 → 进行中), 提前结束 (进行中 → 已关闭, a reason and the confirmation
    box before the window's end), 归档 (已关闭 → 已归档)."""
    assessment = assessment_or_404(assessment_id)
    form = StepForm()
    if not form.validate():
        if "csrf_token" in form.errors:
            abort(400)
        return render_show(assessment, status=400, failed=form)
    raw_target = form.target.data or ""
    if raw_target not in {S.OPEN.value, S.CLOSED.value, S.ARCHIVED.value}:
        abort(400)
    target = S(raw_target)
    version = _version(form.version.data)
    actor = current_user.username
    if target is S.CLOSED and clock.utcnow() < assessment.box.closes_at and not form.confirm.data:
        if assessment.state is S.CLOSED:
            flash(_("已处理（表单可能提交了两次）。"), "info")
            return redirect(url_for("assessments.show", assessment_id=assessment_id))
        form.confirm.errors = [_("请勾选确认后再提前结束测评。")]
        return render_show(assessment, status=400, failed=form, general=[form.confirm.errors[0]])
    try:
        if target is S.OPEN:
            operations.open_assessment(assessment, expected_version=version, actor=actor)
        elif target is S.CLOSED:
            operations.close(
                assessment, actor=actor, reason=form.reason.data, expected_version=version
            )
        else:
            operations.archive(assessment, expected_version=version, actor=actor)
        db.session.commit()
    except operations.AlreadyDone:
        db.session.rollback()
        flash(_("已处理（表单可能提交了两次）。"), "info")
        return redirect(url_for("assessments.show", assessment_id=assessment_id))
    except operations.VersionConflict as error:
        db.session.rollback()
        return render_show(assessment_or_404(assessment_id), status=409, conflict=error.changes)
    except StaleDataError:
        db.session.rollback()
        return render_show(
            assessment_or_404(assessment_id),
            status=409,
            conflict=operations.changes_since(assessment_id, version),
        )
    except operations.AssessmentError as error:
        db.session.rollback()
        return render_show(
            assessment_or_404(assessment_id),
            status=400,
            failed=form,
            general=[message for _field, message in error.errors],
        )
    flash(_("测评已转为“%(state)s”。", state=target.label), "success")
    return redirect(url_for("assessments.show", assessment_id=assessment_id))


@bp.post("/<int:assessment_id>/delete")
@role_required(Role.HR)
def delete(assessment_id: int) -> Any:
    """Delete a draft (its subjects, groups and window with it)."""
    found = queries.assessment_visible(assessment_id, None)
    form = DeleteForm()
    if not form.validate():
        abort(400)
    if found is None:
        if queries.was_deleted(assessment_id):  # deleted by this very form, posted twice
            flash(_("已处理（表单可能提交了两次）。"), "info")
            return redirect(url_for("assessments.index"))
        abort(404)
    version = _version(form.version.data)
    title = found.title
    try:
        operations.delete_draft(found, expected_version=version, actor=current_user.username)
        db.session.commit()
    except operations.VersionConflict as error:
        db.session.rollback()
        return render_show(assessment_or_404(assessment_id), status=409, conflict=error.changes)
    except operations.AssessmentError as error:
        db.session.rollback()
        return render_show(
            assessment_or_404(assessment_id),
            status=400,
            general=[message for _field, message in error.errors],
        )
    flash(_("已删除草拟的测评：%(title)s。", title=title), "success")
    return redirect(url_for("assessments.index"))


# --- checklists -----------------------------------------------------------------------------


@bp.get("/checklists")
@role_required(*CHECKLIST_KEEPERS)
def checklists_index() -> Any:
    """Every checklist with its versions (the default one made here when missing)."""
    _default, made = checklists.ensure_default(actor=current_user.username)
    if made:
        db.session.commit()
    return render_template(
        "assessments/checklists.html",
        families=checklists.families(),
        may_manage_assessments=has_role(current_user, Role.HR),
    )


@bp.get("/checklists/<int:checklist_id>")
@role_required(*CHECKLIST_KEEPERS)
def checklist(checklist_id: int) -> Any:
    """One version: positive items under the five aspects, negative items by category, the
    points of each rating."""
    found = db.get_or_404(Checklist, checklist_id)
    positive = {aspect: [i for i in found.positive if i.category == aspect] for aspect in ASPECTS}
    negative: dict[str, list[Any]] = {}
    for item in found.negative:
        negative.setdefault(item.category, []).append(item)
    versions = checklists.families()
    family = next((f for f in versions if f.family == found.family), None)
    return render_template(
        "assessments/checklist.html",
        checklist=found,
        positive=positive,
        negative=negative,
        ratings=RATINGS,
        versions=family.versions if family else [found],
    )


def _render_checklist_form(
    form: ChecklistForm, checklist: Checklist | None, *, status: int, general: list[str]
) -> Any:
    return render_template(
        "assessments/checklist_form.html",
        form=form,
        checklist=checklist,
        general=general,
        aspects=ASPECTS,
    ), status


@bp.route("/checklists/new", methods=["GET", "POST"])
@role_required(*CHECKLIST_KEEPERS)
def checklist_new() -> Any:
    """A new checklist (a new family, version 1), started from the default one's content."""
    form = ChecklistForm()
    if not form.is_submitted():
        spec = checklists.default_spec()
        fill_checklist(
            form, checklists.ChecklistSpec("", spec.points, spec.positive, spec.negative)
        )
        return _render_checklist_form(form, None, status=200, general=[])
    if not form.validate():
        if "csrf_token" in form.errors:
            abort(400)
        return _render_checklist_form(form, None, status=400, general=[])
    spec, errors = read_checklist(form)
    general = apply_errors(form, errors)
    if spec is None:
        return _render_checklist_form(form, None, status=400, general=general)
    same = next(
        (
            row.newest
            for row in checklists.families()
            if row.newest.created_by == current_user.username
            and checklists.spec_of(row.newest).same_content(spec)
        ),
        None,
    )
    if same is not None:  # the form posted twice: the first made it
        flash(_("已处理（表单可能提交了两次）。"), "info")
        return redirect(url_for("assessments.checklist", checklist_id=same.id))
    try:
        made = checklists.create(spec, actor=current_user.username)
        db.session.commit()
    except checklists.ChecklistError as error:
        db.session.rollback()
        general = apply_errors(form, error.errors)
        return _render_checklist_form(form, None, status=400, general=general)
    flash(_("已新建测评表：%(name)s。", name=made.name), "success")
    return redirect(url_for("assessments.checklist", checklist_id=made.id))


@bp.route("/checklists/<int:checklist_id>/edit", methods=["GET", "POST"])
@role_required(*CHECKLIST_KEEPERS)
def checklist_edit(checklist_id: int) -> Any:
    """Edit a version: in place while no open assessment uses it; otherwise the family's
    next version is made and this one stays as it is."""
    found = db.get_or_404(Checklist, checklist_id)
    form = ChecklistForm()
    if not form.is_submitted():
        fill_checklist(form, checklists.spec_of(found))
        return _render_checklist_form(form, found, status=200, general=[])
    if not form.validate():
        if "csrf_token" in form.errors:
            abort(400)
        return _render_checklist_form(form, found, status=400, general=[])
    spec, errors = read_checklist(form)
    general = apply_errors(form, errors)
    if spec is None:
        return _render_checklist_form(form, found, status=400, general=general)
    try:
        saved, new_version = checklists.edit(found, spec, actor=current_user.username)
        db.session.commit()
    except checklists.ChecklistError as error:
        db.session.rollback()
        general = apply_errors(form, error.errors)
        return _render_checklist_form(form, found, status=400, general=general)
    if new_version:
        flash(
            _(
                "v%(old)d 已被使用，修改已另存为新版本 v%(new)d。",
                old=found.version,
                new=saved.version,
            ),
            "success",
        )
    else:
        flash(_("已保存测评表。"), "success")
    return redirect(url_for("assessments.checklist", checklist_id=saved.id))


# --- the defaults of a new assessment -------------------------------------------------------


@bp.route("/settings", methods=["GET", "POST"])
@role_required(*CHECKLIST_KEEPERS)
def settings_page() -> Any:
    """The rater groups (names, weights, codes), the minimum ballots per group and the talk
    threshold a new assessment starts from: each save a new settings version, audited."""
    form = SettingsForm()
    version, _value = settings.current(rules.SETTINGS_KEY)
    status, group_errors = 200, []
    if not form.is_submitted():
        conf = operations.current_settings()
        fill_groups(form, operations.default_groups(conf))
        form.min_group_ballots.data = str(conf["min_group_ballots"])
        form.talk_threshold.data = conf["talk_threshold"]
        form.version.data = str(version or 0)
    elif not form.validate():
        if "csrf_token" in form.errors:
            abort(400)
        status = 400
    else:
        expected = _version(form.version.data)
        groups = read_groups(form)
        min_ballots = read_int(form.min_group_ballots, low=1, high=100)
        if groups is None:
            group_errors.append(_("请检查测评组的权重和票数。"))
        if groups is None or min_ballots is None:
            status = 400
        else:
            try:
                row = operations.save_settings(
                    groups,
                    min_ballots,
                    form.talk_threshold.data or "",
                    expected_version=expected or None,
                    actor=current_user.username,
                )
                db.session.commit()
            except operations.SettingsChanged as changed:
                db.session.rollback()
                flash(
                    _(
                        "设置已被他人修改（现为版本 %(v)s），请核对后重新保存。",
                        v=changed.version or 0,
                    ),
                    "warning",
                )
                form.version.data = str(changed.version or 0)
                status = 409
            except operations.AssessmentError as error:
                db.session.rollback()
                general, group_errors = _split_errors(form, error.errors)
                group_errors += general
                status = 400
            else:
                if row is None:
                    flash(_("设置没有改动。"), "info")
                else:
                    flash(_("已保存为设置版本 %(v)d。", v=row.id), "success")
                return redirect(url_for("assessments.settings_page"))
    return render_template(
        "assessments/settings.html",
        form=form,
        version=version,
        history=operations.settings_history(),
        group_errors=group_errors,
    ), status


# --- what this part adds to the app ---------------------------------------------------------


def _state_labels() -> dict[str, str]:
    return {state.value: label for state, label in S.labels().items()}


def open_panel(user: Any) -> dict[str, Any] | None:
    """HR's dashboard: the assessments under way, with ballots cast against codes planned
    and when each closes (none open: no panel)."""
    rows = queries.list_assessments(
        queries.AssessmentFilters(state=S.OPEN), visible_departments=None
    )
    if not rows:
        return None
    return {"rows": rows[:10], "more": max(0, len(rows) - 10), "now": clock.utcnow()}


def contribute(contributions: Any) -> None:
    """The admin's menu entry for checklists; HR's dashboard panel of open assessments; the
    labels of the assessment and checklist audit snapshots."""
    contributions.add_dashboard_panel(
        "assessments_open", "assessments/open_panel.html", open_panel, (Role.HR,), order=47
    )
    contributions.add_menu_entry(
        "assessments.checklists_index",
        "测评表",
        (Role.ADMIN,),
        order=84,
        section=("assessments.checklist",),
    )
    contributions.add_field_labels(
        "assessment",
        operations.field_labels,
        values={"state": _state_labels, "purpose": {p: p for p in PURPOSES}},
    )
    contributions.add_field_labels("checklist", checklists.field_labels)
