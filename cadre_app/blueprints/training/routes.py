"""Courses, participants, attendance, external records and the training settings. Thin
views: parse, check access, call services.training.courses / settings_ops, commit, redirect.

Access: HR reads and writes everything. A manager reads the courses that have a participant
of a section they lead, and only those participants (another course: 404). The settings are
the admin's and HR's. Everyone else: 403.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from cadre_app.blueprints.training import bp
from cadre_app.blueprints.training.forms import (
    AttendanceForm,
    CourseForm,
    EnrolForm,
    ExternalForm,
    SectionEnrolForm,
    SettingsForm,
    apply_errors,
    attendance_values,
    course_values,
    fill_course,
)
from cadre_app.extensions import db
from cadre_app.forms import EmptyForm, select_choices
from cadre_app.models import Cadre, Role
from cadre_app.models.training import TRAINING_CATEGORIES, TRAINING_MODES, TrainingCourse
from cadre_app.permissions import has_role, role_required, visible_department_ids
from cadre_app.services.roster import queries as roster_query
from cadre_app.services.training import courses, settings_ops

#: Pages of the other parts of training, linked from the index when they exist.
PART_LINKS = (
    ("training.hours", _l("学时统计")),
    ("training.lectures", _l("业务微讲座")),
    ("training.essays", _l("策论")),
    ("training.plans_index", _l("个人培养计划")),
    ("training.programmes_index", _l("培养项目")),
)


def _int_arg(name: str) -> int | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        abort(400)
    return int(raw)


def _course_or_404(course_id: int) -> TrainingCourse:
    course = courses.course_visible(course_id, visible_department_ids(current_user))
    if course is None:
        abort(404)
    return course


def _hr_course_or_404(course_id: int) -> TrainingCourse:
    course = db.session.get(TrainingCourse, course_id)
    if course is None:
        abort(404)
    return course


# --- the index --------------------------------------------------------------------------------


def index_filters() -> courses.CourseFilters:
    """The index's filters from the query string (400 for values that cannot be)."""
    category = request.args.get("category", "")
    mode = request.args.get("mode", "")
    if (category and category not in TRAINING_CATEGORIES) or (mode and mode not in TRAINING_MODES):
        abort(400)
    year = _int_arg("year")
    if year is not None and not 1900 <= year <= 2200:
        abort(400)
    external = {"1": True, "0": False}.get(request.args.get("external", ""))
    return courses.CourseFilters(
        year=year,
        category=category or None,
        mode=mode or None,
        q=request.args.get("q", "").strip()[:50] or None,
        external=external,
        page=_int_arg("page") or 1,
    )


@bp.get("/")
@role_required(Role.HR, Role.MANAGER)
def index() -> Any:
    """The courses (year, category, mode, search; 50 a page) and links to every part."""
    filters = index_filters()
    page = courses.list_courses(filters, visible_departments=visible_department_ids(current_user))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    links = [
        (endpoint, label)
        for endpoint, label in PART_LINKS
        if endpoint in current_app.view_functions
    ]
    return render_template(
        "training/index.html",
        page=page,
        filters=filters,
        args=args,
        categories=TRAINING_CATEGORIES,
        modes=TRAINING_MODES,
        links=links,
        may_manage=has_role(current_user, Role.HR),
        may_settings=True,
    )


# --- one course -------------------------------------------------------------------------------


@bp.route("/courses/new", methods=["GET", "POST"])
@role_required(Role.HR)
def course_new() -> Any:
    form = CourseForm()
    form.set_programmes()
    general: list[str] = []
    if form.validate_on_submit() and (values := course_values(form)) is not None:
        try:
            course = courses.create_course(values, actor=current_user.username)
        except courses.CourseError as error:
            db.session.rollback()
            general = apply_errors(form, error.errors)
        else:
            db.session.commit()
            flash(_("已新建培训课程“%(name)s”。", name=course.name), "success")
            return redirect(url_for("training.course_detail", course_id=course.id))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "training/course_edit.html", form=form, course=None, general=general
    ), status


def render_course(course: TrainingCourse, *, status: int = 200, **context: Any) -> Any:
    visible = visible_department_ids(current_user)
    may_manage = has_role(current_user, Role.HR)
    rows = courses.participants(course, visible)
    _version, course_settings = settings_ops.current()
    section_form = SectionEnrolForm(formdata=None)
    section_form.department_id.choices = select_choices(courses.section_choices())
    q = request.args.get("q", "").strip()[:50]
    matches = []
    if may_manage and q and not course.external:
        found = roster_query.list_cadres(
            roster_query.RosterFilters(q=q, per_page=20), visible_departments=None
        )
        enrolled = {e.cadre_id for e in rows}
        matches = [m | {"enrolled": m["id"] in enrolled} for m in found.rows]
    forms = {}
    for enrolment in rows:
        form = context.get("failed") if context.get("failed_id") == enrolment.id else None
        if form is None:
            form = AttendanceForm(formdata=None)
            form.leave_hours.data = (
                str(enrolment.leave_hours) if enrolment.attended_hours is not None else ""
            )
            form.passed.data = ("1" if enrolment.passed else "0") if enrolment.passed_given else ""
            form.certificate_no.data = enrolment.certificate_no or ""
        forms[enrolment.id] = form
    return render_template(
        "training/course_detail.html",
        course=course,
        rows=rows,
        forms=forms,
        reasons={e.id: courses.not_passed_reason(e, course_settings) for e in rows},
        limit=courses.limit_text(course_settings),
        section_form=section_form,
        enrol_form=EnrolForm(formdata=None),
        empty_form=EmptyForm(formdata=None),
        q=q,
        matches=matches,
        may_manage=may_manage,
        may_delete=may_manage and not courses.has_attendance(course),
        **{k: v for k, v in context.items() if k not in ("failed", "failed_id")},
    ), status


@bp.get("/courses/<int:course_id>")
@role_required(Role.HR, Role.MANAGER)
def course_detail(course_id: int) -> Any:
    """The course and its participants (a manager: only their sections'); HR enrols
    (search, by section) and records attendance here."""
    return render_course(_course_or_404(course_id))


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
@role_required(Role.HR)
def course_edit(course_id: int) -> Any:
    course = _hr_course_or_404(course_id)
    form = CourseForm()
    form.set_programmes()
    general: list[str] = []
    conflict = None
    if not form.is_submitted():
        fill_course(form, course)
    elif form.validate() and (values := course_values(form)) is not None:
        version = form.version.data or ""
        if not version.isdigit():
            abort(400)
        try:
            changed = courses.update_course(
                course, values, expected_version=int(version), actor=current_user.username
            )
            db.session.commit()
        except courses.VersionConflict as error:
            db.session.rollback()
            conflict = error.changes
            form.version.data = str(_hr_course_or_404(course_id).version)
        except StaleDataError:
            db.session.rollback()
            conflict = courses.changes_since(course_id, int(version))
            form.version.data = str(_hr_course_or_404(course_id).version)
        except courses.CourseError as error:
            db.session.rollback()
            general = apply_errors(form, error.errors)
        else:
            flash(_("已保存。") if changed else _("没有改动。"), "success" if changed else "info")
            return redirect(url_for("training.course_detail", course_id=course_id))
    status = 409 if conflict is not None else (400 if form.is_submitted() else 200)
    return render_template(
        "training/course_edit.html",
        form=form,
        course=_hr_course_or_404(course_id),
        general=general,
        conflict=conflict,
    ), status


@bp.post("/courses/<int:course_id>/delete")
@role_required(Role.HR)
def course_delete(course_id: int) -> Any:
    course = _hr_course_or_404(course_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    name = course.name
    try:
        courses.delete_course(course, actor=current_user.username)
    except courses.CourseError as error:
        db.session.rollback()
        return render_course(_hr_course_or_404(course_id), status=400, general=[str(error)])
    db.session.commit()
    flash(_("已删除培训课程“%(name)s”。", name=name), "success")
    return redirect(url_for("training.index"))


# --- participants -----------------------------------------------------------------------------


def _enrolled_message(result: courses.EnrolResult) -> tuple[str, str]:
    if not result.added:
        return _("所选干部均已在学员名单中，未重复报名。"), "info"
    message = _("已报名 %(n)d 人。", n=len(result.added))
    if result.already:
        message += _("另有 %(n)d 人已在名单中。", n=result.already)
    return message, "success"


@bp.post("/courses/<int:course_id>/enrol")
@role_required(Role.HR)
def course_enrol(course_id: int) -> Any:
    """Enrol the cadres ticked in the search results (``cadre_id`` repeated)."""
    course = _hr_course_or_404(course_id)
    if not EnrolForm().validate_on_submit():
        abort(400)
    raw = request.form.getlist("cadre_id")
    if not raw or not all(v.isdigit() and len(v) < 10 for v in raw):
        return render_course(course, status=400, general=[_("请至少选择一名干部。")])
    try:
        result = courses.enrol(course, [int(v) for v in raw], actor=current_user.username)
    except courses.CourseError as error:
        db.session.rollback()
        return render_course(_hr_course_or_404(course_id), status=400, general=[str(error)])
    db.session.commit()
    flash(*_enrolled_message(result))
    return redirect(url_for("training.course_detail", course_id=course_id))


@bp.post("/courses/<int:course_id>/enrol-section")
@role_required(Role.HR)
def course_enrol_section(course_id: int) -> Any:
    """Enrol every cadre of one section (处室)."""
    course = _hr_course_or_404(course_id)
    form = SectionEnrolForm()
    form.department_id.choices = select_choices(courses.section_choices())
    if not form.validate_on_submit():
        return render_course(course, status=400, general=[_("请选择处室。")])
    try:
        result = courses.enrol_section(
            course, int(form.department_id.data), actor=current_user.username
        )
    except courses.CourseError as error:
        db.session.rollback()
        return render_course(_hr_course_or_404(course_id), status=400, general=[str(error)])
    db.session.commit()
    flash(*_enrolled_message(result))
    return redirect(url_for("training.course_detail", course_id=course_id))


@bp.post("/courses/<int:course_id>/enrolments/<int:enrolment_id>/remove")
@role_required(Role.HR)
def enrolment_remove(course_id: int, enrolment_id: int) -> Any:
    course = _hr_course_or_404(course_id)
    enrolment = courses.enrolment_in_course(course, enrolment_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if enrolment is None:  # removed already (posted twice) or never on this course
        flash(_("该学员已不在名单中。"), "info")
        return redirect(url_for("training.course_detail", course_id=course_id))
    name = enrolment.cadre.name
    courses.remove_enrolment(enrolment, actor=current_user.username)
    db.session.commit()
    flash(_("已将%(name)s移出学员名单。", name=name), "success")
    return redirect(url_for("training.course_detail", course_id=course_id))


@bp.post("/courses/<int:course_id>/enrolments/<int:enrolment_id>/attendance")
@role_required(Role.HR)
def enrolment_attendance(course_id: int, enrolment_id: int) -> Any:
    """Record one participant's 请假学时 (and 是否结业, certificate number)."""
    course = _hr_course_or_404(course_id)
    enrolment = courses.enrolment_in_course(course, enrolment_id)
    if enrolment is None:
        abort(404)
    form = AttendanceForm()
    values = attendance_values(form) if form.validate_on_submit() else None
    if values is None:
        return render_course(course, status=400, failed=form, failed_id=enrolment_id)
    try:
        changed = courses.record_attendance(enrolment, actor=current_user.username, **values)
    except courses.CourseError as error:
        db.session.rollback()
        apply_errors(form, error.errors)
        return render_course(
            _hr_course_or_404(course_id), status=400, failed=form, failed_id=enrolment_id
        )
    db.session.commit()
    if changed:
        if enrolment.passed:
            message = _(
                "已登记%(name)s的考勤：结业，获得 %(hours)s 学时。",
                name=enrolment.cadre.name,
                hours=enrolment.hours_earned,
            )
        else:
            message = _("已登记%(name)s的考勤：未结业，不计学时。", name=enrolment.cadre.name)
        flash(message, "success" if enrolment.passed else "warning")
    else:
        flash(_("考勤没有改动。"), "info")
    return redirect(
        url_for("training.course_detail", course_id=course_id, _anchor=f"e{enrolment_id}")
    )


# --- external training ------------------------------------------------------------------------


@bp.route("/external", methods=["GET", "POST"])
@role_required(Role.HR)
def external_new() -> Any:
    """Training a cadre attended elsewhere, recorded as one record."""
    form = ExternalForm()
    general: list[str] = []
    if not form.is_submitted():
        form.category.data = "其他"
        cadre_id = _int_arg("cadre")
        if cadre_id is not None:
            cadre = db.get_or_404(Cadre, cadre_id)
            form.staff_no.data = cadre.staff_no
    elif form.validate():
        staff_no = (form.staff_no.data or "").strip()
        cadre = courses.cadre_by_staff_no(staff_no) if staff_no else None
        if cadre is None:
            form.staff_no.errors = [
                *form.staff_no.errors,
                _("名册中没有工号为 %(no)s 的干部。", no=staff_no)
                if staff_no
                else _("请填写干部工号。"),
            ]
        values = course_values(form)
        attendance = attendance_values(form)
        if cadre is not None and values is not None and attendance is not None:
            try:
                enrolment = courses.record_external(
                    cadre, values | attendance, actor=current_user.username
                )
            except courses.CourseError as error:
                db.session.rollback()
                general = apply_errors(form, error.errors)
            else:
                db.session.commit()
                flash(
                    _(
                        "已登记%(name)s的外部培训“%(course)s”：获得 %(hours)s 学时。",
                        name=cadre.name,
                        course=enrolment.course.name,
                        hours=enrolment.hours_earned,
                    ),
                    "success",
                )
                return redirect(url_for("training.course_detail", course_id=enrolment.course_id))
    status = 400 if form.is_submitted() else 200
    return render_template("training/course_external.html", form=form, general=general), status


# --- settings ---------------------------------------------------------------------------------


@bp.route("/settings", methods=["GET", "POST"])
@role_required(Role.ADMIN, Role.HR)
def settings_page() -> Any:
    """The training settings: each save a new version, shown with who and when."""
    form = SettingsForm()
    version, values = settings_ops.current()
    status = 200
    if not form.is_submitted():
        for key, value in values.items():
            getattr(form, key).data = settings_ops.as_text(key, value)
        form.version.data = str(version or 0)
    elif form.validate():
        if (form.version.data or "") != str(version or 0):
            db.session.rollback()
            flash(
                _("设置已被他人修改（现为版本 %(v)s），请核对后重新保存。", v=version or 0),
                "warning",
            )
            status = 409
            form.version.data = str(version or 0)
        else:
            raw = {key: getattr(form, key).data for key in values}
            try:
                row = settings_ops.save(raw, actor=current_user.username)
            except settings_ops.SettingsError as error:
                db.session.rollback()
                apply_errors(form, list(error.errors))
                status = 400
            else:
                db.session.commit()
                if row is None:
                    flash(_("设置没有改动。"), "info")
                else:
                    flash(_("已保存为设置版本 %(v)d。", v=row.id), "success")
                return redirect(url_for("training.settings_page"))
    else:
        status = 400
    return render_template(
        "training/settings.html",
        form=form,
        version=version,
        history=settings_ops.history(),
        labels=settings_ops.LABELS,
        as_text=settings_ops.as_text,
    ), status


#: Audit labels shown in the UI's language (the audit page translates them when shown).
AUDIT_TERMS = (_l("学员人数"), _l("课程"), _l("干部"), _l("结业情况为登记所定"))


def contribute(contributions: Any) -> None:
    """Labels of the course and enrolment audit snapshots."""
    contributions.add_field_labels(
        "course",
        courses.COURSE_FIELDS
        | {"external": "外部培训", "version": "版本", "participants": "学员人数"},
    )
    contributions.add_field_labels(
        "enrolment",
        courses.ENROLMENT_FIELDS
        | {
            "course_id": "课程",
            "cadre_id": "干部",
            "cadre_ids": "干部",
            "passed_given": "结业情况为登记所定",
            "settings_version": "设置版本",
            "file": "文件",
            "created": "新增",
            "unchanged": "无变化",
        }
        | {k: v for k, v in courses.COURSE_FIELDS.items()},
    )
