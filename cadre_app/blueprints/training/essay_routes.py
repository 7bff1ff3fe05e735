"""策论 under ``/training/essays``: the year's list with filters, an essay's page, HR's forms
(record with the file, edit, delete, reviewers, 采纳), the reviewer's "my essays to review"
and grading form, and the file's download. Thin views: parse, check access, call
services.training.essays, commit, redirect.

Access: HR writes and reads everything. A manager reads the essays of their sections' cadres.
An assigned reviewer (HR, manager, or a leader's cadre account) reads the essays assigned to
them and grades them; the author reads their own (from ``/me``) and downloads the file. Anyone
else gets 404 for an essay; admin and auditor accounts 403 for the section.

Who sees which grade (services.training.essays.visible_reviews, stated on the page):
a reviewer sees no other grade, and no final grade, before giving their own; HR sees every
review with the reviewer's name; after the final grade exists the author and managers see the
grades and comments without reviewers' names.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cadre_app import clock
from cadre_app.blueprints.training import bp
from cadre_app.blueprints.training.essay_forms import AdoptForm, EssayForm, GradeForm, ReviewersForm
from cadre_app.blueprints.training.lecture_routes import (
    _int,
    apply_errors,
    find_cadres,
    list_args,
    paginate,
    parse_day,
    picked_cadre,
    programme_choices,
    programme_value,
    year_arg,
)
from cadre_app.extensions import db
from cadre_app.forms import EmptyForm, select_choices
from cadre_app.models import Cadre, Department, Essay, EssayReview, Role
from cadre_app.models.training import ESSAY_GRADES
from cadre_app.permissions import has_role, role_required, visible_department_ids
from cadre_app.services.training import essays as service

#: The request body an essay upload may have: the 10 MB file, its form fields and the
#: multipart framing. The file's own limit (10 MB) is checked with a clear message.
UPLOAD_BODY_LIMIT = service.MAX_FILE_BYTES + 512 * 1024
UPLOAD_ENDPOINTS = ("training.essay_new", "training.essay_edit")
FIELD_ALIASES = {"author_id": "author_staff_no"}
#: Roles that may be reviewers, and so open their review list.
REVIEWER_ROLES = (Role.HR, Role.MANAGER, Role.CADRE)


@bp.url_value_preprocessor
def _essay_upload_limit(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Essay uploads may be up to 10 MB, above the app's request limit: raised for those two
    pages only. URL value preprocessors run before every before_request function (the CSRF
    check reads the body there)."""
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = UPLOAD_BODY_LIMIT


def _essay_or_404(essay_id: int) -> Essay:
    essay = service.load(essay_id)
    if essay is None or not service.may_read(
        essay, current_user, visible_department_ids(current_user)
    ):
        abort(404)
    return essay


def _upload() -> tuple[str, bytes]:
    storage = request.files.get("file")
    if storage is None or not storage.filename:
        return "", b""
    return storage.filename, storage.read(service.MAX_FILE_BYTES + 1)


# --- the list ---------------------------------------------------------------------------------


@bp.get("/essays")
@role_required(Role.HR, Role.MANAGER)
def essays() -> Any:
    """The year's essays by submission date with filters (section, grade, 采纳, search)."""
    year = year_arg()
    grade = request.args.get("grade", "")
    if grade and grade not in (*ESSAY_GRADES, "pending"):
        abort(400)
    filters = service.EssayFilters(
        year=year,
        department_id=_int(request.args.get("department")),
        grade=grade or None,
        adopted=request.args.get("adopted") == "1",
        q=request.args.get("q", "").strip()[:50] or None,
    )
    visible = visible_department_ids(current_user)
    rows = service.list_essays(
        filters, visible_departments=visible, hidden=service.pending_essay_ids(current_user)
    )
    sections = sa.select(Department.id, Department.name).order_by(
        Department.sort_order, Department.name
    )
    if visible is not None:
        sections = sections.where(Department.id.in_(visible or [-1]))
    return render_template(
        "training/essay_list.html",
        page=paginate(rows),
        args=list_args(),
        filters=filters,
        years=sorted({*service.years(), clock.today().year, year}, reverse=True),
        departments=db.session.execute(sections).all(),
        grades=ESSAY_GRADES,
        grade_labels=service.grade_labels(),
        may_manage=has_role(current_user, Role.HR),
        pending=service.pending_count(current_user.id),
    )


# --- create and edit --------------------------------------------------------------------------


def _values(form: EssayForm) -> dict[str, Any] | None:
    author = picked_cadre(form, "author_staff_no", "author_id")
    submitted = parse_day(form.submitted_on)
    if author is False or form.submitted_on.errors:
        return None
    return {
        "author_id": author or None,
        "title": form.title.data,
        "topic": form.topic.data,
        "submitted_on": submitted,
        "programme_id": programme_value(form),
    }


@bp.route("/essays/new", methods=["GET", "POST"])
@role_required(Role.HR)
def essay_new() -> Any:
    """Record an essay with its file (PDF or DOCX ≤ 10 MB, checked by its content). The
    author is found by a search (``?q=``) whose matches link to ``?author=<cadre id>``, or
    typed as a 工号."""
    chosen = None
    if request.args.get("author"):
        chosen = db.get_or_404(Cadre, _int(request.args.get("author")))
    form = EssayForm()
    programme_choices(form)
    general: list[str] = []
    if not form.is_submitted():
        form.submitted_on.data = clock.today().isoformat()
        if chosen is not None:
            form.author_id.data, form.author_staff_no.data = str(chosen.id), chosen.staff_no
    elif form.validate() and (values := _values(form)) is not None:
        name, data = _upload()
        try:
            essay = service.create_essay(
                values, name, data, actor=current_user.username, today=clock.today()
            )
        except service.DuplicateEssay as duplicate:
            db.session.rollback()
            flash(_("这篇策论已经登记过，未重复创建。"), "info")
            return redirect(url_for("training.essay_detail", essay_id=duplicate.essay.id))
        except service.EssayError as error:
            db.session.rollback()
            general = apply_errors(form, error.errors, FIELD_ALIASES)
        else:
            db.session.commit()
            flash(_("已登记策论，请指定评审人。"), "success")
            return redirect(url_for("training.essay_detail", essay_id=essay.id))
    q = request.args.get("q", "").strip()[:50]
    matches, count = find_cadres(q) if q else ([], 0)
    return render_template(
        "training/essay_form.html",
        form=form,
        general=general,
        chosen=chosen,
        essay=None,
        q=q,
        matches=matches,
        match_count=count,
    ), (400 if form.is_submitted() else 200)


@bp.route("/essays/<int:essay_id>/edit", methods=["GET", "POST"])
@role_required(Role.HR)
def essay_edit(essay_id: int) -> Any:
    """Change an essay's record; a file given replaces the stored one."""
    essay = _essay_or_404(essay_id)
    form = EssayForm()
    programme_choices(form)
    general: list[str] = []
    if not form.is_submitted():
        form.author_staff_no.data = essay.author.staff_no
        form.title.data, form.topic.data = essay.title, essay.topic or ""
        form.submitted_on.data = essay.submitted_on.isoformat()
        form.programme_id.data = str(essay.programme_id or "")
    else:
        form.author_id.data = ""
        if form.validate() and (values := _values(form)) is not None:
            name, data = _upload()
            try:
                changed = service.update_essay(
                    essay,
                    values,
                    name,
                    data or None,
                    actor=current_user.username,
                    today=clock.today(),
                )
            except service.EssayError as error:
                db.session.rollback()
                general = apply_errors(form, error.errors, FIELD_ALIASES)
                essay = _essay_or_404(essay_id)
            else:
                db.session.commit()
                if changed:
                    flash(_("已保存 %(n)d 项修改。", n=len(changed)), "success")
                else:
                    flash(_("没有修改任何内容。"), "info")
                return redirect(url_for("training.essay_detail", essay_id=essay_id))
    return render_template(
        "training/essay_form.html",
        form=form,
        general=general,
        chosen=None,
        essay=essay,
        q="",
        matches=[],
        match_count=0,
    ), (400 if form.is_submitted() else 200)


@bp.post("/essays/<int:essay_id>/delete")
@role_required(Role.HR)
def essay_delete(essay_id: int) -> Any:
    """Delete an essay with its file and reviews (audited)."""
    essay = _essay_or_404(essay_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    year = essay.submitted_on.year
    service.delete_essay(essay, actor=current_user.username)
    db.session.commit()
    flash(_("已删除策论。"), "success")
    return redirect(url_for("training.essays", year=year))


# --- one essay --------------------------------------------------------------------------------


def _reviewer_choices(form: ReviewersForm, essay: Essay) -> None:
    assigned = {r.reviewer_id for r in essay.reviews}
    labels = {Role.HR: _("人事"), Role.MANAGER: _("处室负责人"), Role.CADRE: _("领导干部")}

    def label(user: Any) -> str:
        name = service.user_label(user)
        login = "" if name == user.username else f" · {user.username}"
        return f"{name}（{labels.get(user.role, '')}{login}）"

    form.reviewers.choices = select_choices(
        (u.id, label(u)) for u in service.eligible_reviewers(essay) if u.id not in assigned
    )


def render_detail(
    essay: Essay,
    *,
    status: int = 200,
    reviewers_form: ReviewersForm | None = None,
    adopt_form: AdoptForm | None = None,
    general: list[str] | None = None,
) -> Any:
    may_manage = has_role(current_user, Role.HR)
    if reviewers_form is None:
        reviewers_form = ReviewersForm(formdata=None)
    if may_manage:
        _reviewer_choices(reviewers_form, essay)
    if adopt_form is None:
        adopt_form = AdoptForm(formdata=None)
        adopt_form.adopted_on.data = (essay.adopted_on or clock.today()).isoformat()
        adopt_form.adopted_note.data = essay.adopted_note or ""
    mine = service.review_of(essay, current_user)
    return render_template(
        "training/essay_detail.html",
        essay=essay,
        seen=service.visible_reviews(essay, current_user),
        mine=mine,
        assigned=len(essay.reviews),
        graded=sum(1 for r in essay.reviews if r.grade is not None),
        may_manage=may_manage,
        reviewers_form=reviewers_form,
        adopt_form=adopt_form,
        form=EmptyForm(),
        general=general or [],
        grade_labels=service.grade_labels(),
        rule=service.grade_rule_text(),
        min_reviewers=service.MIN_REVIEWERS,
    ), status


@bp.get("/essays/<int:essay_id>")
@role_required(*REVIEWER_ROLES)
def essay_detail(essay_id: int) -> Any:
    """The essay, its file, its reviewers and what the reader may see of their grades."""
    return render_detail(_essay_or_404(essay_id))


@bp.get("/essays/<int:essay_id>/download")
@role_required(*REVIEWER_ROLES)
def essay_download(essay_id: int) -> Any:
    """The file, with its real type and a safe name; for those who may read the essay.
    Each download is audited."""
    essay = _essay_or_404(essay_id)
    data = service.record_download(essay, actor=current_user.username)
    db.session.commit()
    name = service.safe_filename(essay.file_name, essay.file_type)
    fallback = f"essay-{essay.id}.{essay.file_type}"
    response = current_app_response(data, service.FILE_TYPES[essay.file_type])
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def current_app_response(data: bytes, mimetype: str) -> Any:
    from flask import current_app

    return current_app.response_class(data, mimetype=mimetype)


# --- reviewers --------------------------------------------------------------------------------


@bp.post("/essays/<int:essay_id>/reviewers")
@role_required(Role.HR)
def essay_reviewers(essay_id: int) -> Any:
    """Assign reviewers (at least two in all; never the author)."""
    essay = _essay_or_404(essay_id)
    form = ReviewersForm()
    _reviewer_choices(form, essay)
    if not form.validate_on_submit():
        return render_detail(essay, status=400, reviewers_form=form)
    try:
        names = service.assign_reviewers(
            essay, form.reviewers.data or [], actor=current_user.username
        )
    except service.EssayError as error:
        db.session.rollback()
        essay = _essay_or_404(essay_id)
        form.reviewers.errors = [m for _f, m in error.errors]
        return render_detail(essay, status=400, reviewers_form=form)
    db.session.commit()
    flash(_("已指定评审人：%(names)s。", names="、".join(names)), "success")
    return redirect(url_for("training.essay_detail", essay_id=essay_id))


@bp.post("/essays/<int:essay_id>/reviewers/<int:review_id>/remove")
@role_required(Role.HR)
def essay_reviewer_remove(essay_id: int, review_id: int) -> Any:
    """Take off a reviewer who has not graded yet."""
    essay = _essay_or_404(essay_id)
    review = next((r for r in essay.reviews if r.id == review_id), None)
    if review is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        service.remove_reviewer(review, actor=current_user.username)
    except service.EssayError as error:
        db.session.rollback()
        return render_detail(
            _essay_or_404(essay_id), status=400, general=[m for _f, m in error.errors]
        )
    db.session.commit()
    flash(_("已移除评审人。"), "success")
    return redirect(url_for("training.essay_detail", essay_id=essay_id))


@bp.get("/essays/reviews")
@role_required(*REVIEWER_ROLES)
def essay_reviews() -> Any:
    """My essays to review: those still to grade first, then those graded."""
    return render_template(
        "training/essay_reviews.html",
        rows=service.to_review(current_user.id),
        grade_labels=service.grade_labels(),
    )


@bp.route("/essays/<int:essay_id>/review", methods=["GET", "POST"])
@role_required(*REVIEWER_ROLES)
def essay_review(essay_id: int) -> Any:
    """The assigned reviewer grades the essay (优秀/良好/合格/不合格) with a comment. A grade
    can be changed until the essay has its final grade; then it is locked."""
    essay = service.load(essay_id)
    review = service.review_of(essay, current_user) if essay is not None else None
    if essay is None or review is None:
        abort(404)
    form = GradeForm()
    labels = service.grade_labels()
    form.grade.choices = select_choices((g, labels[g]) for g in ESSAY_GRADES)
    locked = review.grade is not None and essay.final_grade is not None
    status = 200
    if not form.is_submitted():
        form.grade.data = review.grade
        form.comment.data = review.comment or ""
    elif form.validate():
        try:
            service.submit_grade(
                review, form.grade.data, form.comment.data, actor=current_user.username
            )
        except service.AlreadyDone:
            db.session.rollback()
            flash(_("评定已保存（表单可能提交了两次）。"), "info")
            return redirect(url_for("training.essay_detail", essay_id=essay_id))
        except service.GradeLocked:
            db.session.rollback()
            flash(_("本篇策论已产生最终等次，评定不能再修改。"), "warning")
            return redirect(url_for("training.essay_detail", essay_id=essay_id))
        except service.EssayError as error:
            db.session.rollback()
            apply_errors(form, error.errors, {})
            status = 400
        else:
            db.session.commit()
            flash(_("已提交评定。"), "success")
            return redirect(url_for("training.essay_detail", essay_id=essay_id))
    else:
        status = 400
    return render_template(
        "training/essay_review.html",
        essay=essay,
        review=review,
        form=form,
        locked=locked,
        rule=service.grade_rule_text(),
    ), status


# --- 采纳 -------------------------------------------------------------------------------------


@bp.post("/essays/<int:essay_id>/adopt")
@role_required(Role.HR)
def essay_adopt(essay_id: int) -> Any:
    """Mark the essay 采纳 with the date and a note, or (``undo=1``) take the mark off."""
    essay = _essay_or_404(essay_id)
    form = AdoptForm()
    if request.form.get("undo") == "1":
        if not EmptyForm().validate_on_submit():
            abort(400)
        try:
            service.unadopt(essay, actor=current_user.username)
        except service.AlreadyDone:
            db.session.rollback()
        else:
            db.session.commit()
        flash(_("已取消采纳。"), "success")
        return redirect(url_for("training.essay_detail", essay_id=essay_id))
    day = parse_day(form.adopted_on) if form.validate_on_submit() else None
    if day is None:
        return render_detail(essay, status=400, adopt_form=form)
    try:
        service.adopt(
            essay, day, form.adopted_note.data, actor=current_user.username, today=clock.today()
        )
    except service.AlreadyDone:
        db.session.rollback()
        flash(_("已是采纳状态（表单可能提交了两次）。"), "info")
        return redirect(url_for("training.essay_detail", essay_id=essay_id))
    except service.EssayError as error:
        db.session.rollback()
        general = apply_errors(form, error.errors, {})
        return render_detail(_essay_or_404(essay_id), status=400, adopt_form=form, general=general)
    db.session.commit()
    flash(_("已标记为采纳。"), "success")
    return redirect(url_for("training.essay_detail", essay_id=essay_id))


# --- contributions ----------------------------------------------------------------------------


def contribute(contributions: Any) -> None:
    contributions.add_dashboard_panel(
        "essay_reviews",
        "training/essay_panel.html",
        reviews_panel,
        REVIEWER_ROLES,
        order=60,
    )
    contributions.add_field_labels(
        "essay",
        _essay_labels,
        values={"final_grade": service.grade_labels, "grade": service.grade_labels},
    )


def reviews_panel(user: Any) -> dict[str, Any] | None:
    """The dashboard card "策论评审": how many essays wait for the user's grade (none: no card)."""
    assigned = db.session.scalar(
        db.select(db.func.count()).where(EssayReview.reviewer_id == user.id)
    )
    if not assigned:
        return None
    return {"pending": service.pending_count(user.id), "assigned": assigned}


def _essay_labels() -> dict[str, str]:
    return {
        "author_id": _("作者"),
        "title": _("策论题目"),
        "topic": _("选题方向"),
        "submitted_on": _("提交日期"),
        "programme_id": _("所属培养项目"),
        "file_name": _("文件名"),
        "file_size": _("文件大小（字节）"),
        "final_grade": _("最终等次"),
        "adopted": _("采纳"),
        "adopted_on": _("采纳日期"),
        "adopted_note": _("采纳说明"),
        "reviewers_added": _("新增评审人"),
        "reviewer": _("评审人"),
        "grade": _("等次"),
        "comment": _("评语"),
    }
