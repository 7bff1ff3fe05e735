"""The ``.lrmx`` exchange file of the 干部任免审批表: download one cadre's file, and HR's import
in three steps (upload, preview, confirm) so that nothing is written before HR has seen what
will change. The upload is kept as an ``ImportUpload`` of kind ``lrmx``; the confirmation reads
it again, checks it against the database as it is then and applies it all-or-nothing, once.

Several files, or ZIPs of them, make a batch (kind ``lrmx_batch``, services.records.lrmx_batch):
one preview for all, all-or-nothing, on the task queue when it has many files.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from cadre_app import clock, uploads
from cadre_app.blueprints.records import bp
from cadre_app.blueprints.records.lrmx_forms import LrmxConfirmForm, LrmxUploadForm
from cadre_app.extensions import db
from cadre_app.forms import FullIdExportForm, select_choices
from cadre_app.models import AppointmentDraft, Department, ImportUpload, Role, enums
from cadre_app.permissions import cadre_or_404, role_required, sees_as_cadre
from cadre_app.services.core import audit
from cadre_app.services.records import lrmx, lrmx_batch, lrmx_import
from cadre_app.services.roster import operations as roster

UPLOAD_KIND = "lrmx"
BATCH_KIND = "lrmx_batch"


uploads.limit_request_body(bp, "records.lrmx_upload", lrmx_batch.MAX_UPLOAD_BYTES)


@bp.route("/<int:cadre_id>/appointment-form.lrmx")
@role_required(Role.HR, Role.MANAGER, Role.CADRE)
def appointment_form_lrmx(cadre_id: int) -> Any:
    """One cadre's 干部任免审批表 as ``.lrmx`` for exchange with other personnel software: HR any
    cadre, a manager the sections they lead, a cadre their own (404 otherwise). The ID number
    is masked for everyone (HR's full-ID file is ``appointment_form_lrmx_full``). Audited."""
    cadre = cadre_or_404(cadre_id)
    audit.record(
        "download",
        object_type="cadre",
        object_id=cadre.id,
        summary=f"{cadre.staff_no} {cadre.name} 干部任免审批表 .lrmx 身份证号已脱敏",
    )
    return _lrmx_file(cadre, mask_id=True)


@bp.route("/<int:cadre_id>/appointment-form-full-id.lrmx", methods=["GET", "POST"])
@role_required(Role.HR)
def appointment_form_lrmx_full(cadre_id: int) -> Any:
    """HR's ``.lrmx`` with the full ID number: an explicit choice with a reason, audited as a
    reveal of the number (issue 16, finding 6)."""
    cadre = cadre_or_404(cadre_id)
    form = FullIdExportForm()
    if not form.validate_on_submit():
        return render_template(
            "roster/export_full.html",
            form=form,
            title=_("导出含完整身份证号的 .lrmx：%(name)s", name=cadre.name),
            back=url_for("roster.profile", cadre_id=cadre.id),
        ), (400 if form.is_submitted() else 200)
    reason = " ".join(form.reason.data.split())
    roster.reveal_id_numbers_in_export([cadre], export="干部任免审批表 .lrmx")
    audit.record(
        "download",
        object_type="cadre",
        summary=f"下载 {cadre.staff_no} {cadre.name} 的干部任免审批表 .lrmx，含完整身份证号，"
        f"理由：{reason}",
    )
    return _lrmx_file(cadre, mask_id=False)


def _lrmx_file(cadre: Any, *, mask_id: bool) -> Any:
    """The cadre's .lrmx as a download, the audit events recorded being committed with it.
    HR's proposal (拟任/拟免职务, 任免理由) is left out for a cadre's own eyes
    (``permissions.sees_as_cadre``: their own record, whatever their role)."""
    draft = (
        None if sees_as_cadre(current_user, cadre) else db.session.get(AppointmentDraft, cadre.id)
    )
    content = lrmx.export_lrmx(cadre, draft, today=clock.today(), mask_id=mask_id)
    db.session.commit()
    response = send_file(
        BytesIO(content),
        mimetype="application/xml",
        as_attachment=True,
        download_name=f"{cadre.name}.lrmx",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _confirm_form() -> LrmxConfirmForm:
    form = LrmxConfirmForm()
    departments = db.session.scalars(
        sa.select(Department).order_by(Department.sort_order, Department.name)
    )
    form.department_id.choices = select_choices([("", "—")] + [(d.id, d.name) for d in departments])
    return form


def _render_preview(upload: ImportUpload, form: LrmxConfirmForm, **context: Any) -> str:
    context.setdefault("preview", None)
    return render_template("records/lrmx_preview.html", upload=upload, form=form, **context)


@bp.route("/lrmx/import", methods=["GET", "POST"])
@role_required(Role.HR)
def lrmx_upload() -> Any:
    """Upload an .lrmx file: read and checked, kept, then previewed; nothing is imported yet."""
    form = LrmxUploadForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return _upload_page(form), status
    received = [
        (uploads.client_filename(f.filename, "import.lrmx"), f.read(lrmx_batch.MAX_UPLOAD_BYTES))
        for f in form.file.data
    ]
    if len(received) > 1 or lrmx_batch.is_zip(*received[0]):
        return _batch_upload(form, received)
    filename, content = received[0]
    try:
        lrmx.parse_lrmx(content)
    except lrmx.LrmxError as error:
        form.file.errors = [*form.file.errors, *error.messages]
        return _upload_page(form), 400
    upload = uploads.store(UPLOAD_KIND, filename, content)
    db.session.commit()
    return redirect(url_for("records.lrmx_preview", token=upload.token))


def _upload_page(form: LrmxUploadForm) -> str:
    return render_template("records/lrmx_upload.html", form=form, max_files=lrmx_batch.MAX_FILES)


def _batch_upload(form: LrmxUploadForm, received: list[tuple[str, bytes]]) -> Any:
    try:
        files = lrmx_batch.unpack(received)
    except lrmx_batch.BatchError as error:
        form.file.errors = [*form.file.errors, str(error)]
        return _upload_page(form), 400
    names = "、".join(name for name, _content in received)
    upload = uploads.store(BATCH_KIND, names[:255], lrmx_batch.bundle(files))
    db.session.commit()
    return redirect(url_for("records.lrmx_batch_preview", token=upload.token))


def _placements() -> dict[str, Any]:
    """The 部门 and 职级 chosen on the batch preview: for all new cadres and per file."""

    def pair(suffix: str) -> list[Any]:
        department = request.form.get(f"department_{suffix}", "")
        rank = request.form.get(f"rank_{suffix}", "")
        return [
            int(department) if department.isdigit() else None,
            rank if rank in enums.RANK_LADDER else None,
        ]

    files = {}
    for key in request.form:
        if key.startswith("department_") and key[len("department_") :].isdigit():
            index = key[len("department_") :]
            files[index] = pair(index)
    return {"default": pair("all"), "files": files}


def _departments() -> list[tuple[int, str]]:
    stmt = sa.select(Department).order_by(Department.sort_order, Department.name)
    return [(d.id, d.name) for d in db.session.scalars(stmt)]


def _render_batch(upload: ImportUpload, batch: Any, status: int = 200, **context: Any) -> Any:
    return render_template(
        "records/lrmx_batch_preview.html",
        upload=upload,
        batch=batch,
        form=LrmxConfirmForm(),
        departments=_departments(),
        ranks=enums.RANK_LADDER,
        threshold=lrmx_batch.queue_threshold(),
        **context,
    ), status


@bp.route("/lrmx/batch/<token>")
@role_required(Role.HR)
def lrmx_batch_preview(token: str) -> Any:
    """One preview for every file of a batch: new, updated or refused with the reasons."""
    upload = uploads.own_upload_or_404(token, BATCH_KIND)
    if upload.applied_at is not None:
        return _render_batch(upload, None)
    files = lrmx_batch.unbundle(upload.content)
    batch = lrmx_batch.preview_batch(files, today=clock.today())
    return _render_batch(upload, batch)


@bp.route("/lrmx/batch/<token>/confirm", methods=["POST"])
@role_required(Role.HR)
def lrmx_batch_confirm(token: str) -> Any:
    """Import every file of the batch or none; a large batch goes to the task queue."""
    upload = uploads.own_upload_or_404(token, BATCH_KIND)
    if not LrmxConfirmForm().validate_on_submit():
        abort(400)
    placements = _placements()
    files = lrmx_batch.unbundle(upload.content)
    if not uploads.claim(upload):
        db.session.rollback()
        return _render_batch(upload, None, 409, already_applied=True)
    if len(files) > lrmx_batch.queue_threshold():
        job = lrmx_batch.start_job(upload, total=len(files), placements=placements)
        db.session.commit()
        lrmx_batch.enqueue(job.id)
        return redirect(url_for("records.lrmx_batch_job", job_id=job.id))
    try:
        batch = lrmx_batch.apply_batch(
            files, placements=placements, actor=current_user.username, today=clock.today()
        )
    except lrmx_batch.BatchRejected as rejected:
        db.session.rollback()
        return _render_batch(upload, rejected.batch, 400, rejected=True, placements=placements)
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        abort(409)
    db.session.commit()
    counts = batch.counts
    flash(
        _(
            "已导入 %(n)d 个文件：新建 %(new)d 人，更新 %(update)d 人。",
            n=len(batch.items),
            new=counts["new"],
            update=counts["update"],
        ),
        "success",
    )
    return redirect(url_for("roster.index"))


@bp.route("/lrmx/batch/job/<job_id>")
@role_required(Role.HR)
def lrmx_batch_job(job_id: str) -> Any:
    """A queued batch: progress while it runs (the page refreshes itself), then the outcome."""
    job = lrmx_batch.job_of(current_user.id, job_id)
    if job is None:
        abort(404)
    return render_template("records/lrmx_batch_job.html", job=job)


@bp.route("/lrmx/import/<token>")
@role_required(Role.HR)
def lrmx_preview(token: str) -> Any:
    """Who the file matches and, field by field, what importing would change; for a new cadre
    HR chooses the 部门 and 职级 here."""
    upload = uploads.own_upload_or_404(token, UPLOAD_KIND)
    form = _confirm_form()
    if upload.applied_at is not None:
        return _render_preview(upload, form)
    try:
        record = lrmx.parse_lrmx(upload.content)
    except lrmx.LrmxError as error:
        return _render_preview(upload, form, file_errors=error.messages), 400
    preview = lrmx_import.preview_import(record, today=clock.today())
    return _render_preview(upload, form, preview=preview)


@bp.route("/lrmx/import/<token>/confirm", methods=["POST"])
@role_required(Role.HR)
def lrmx_confirm(token: str) -> Any:
    """Apply the upload all-or-nothing, once; a second confirmation answers 409."""
    upload = uploads.own_upload_or_404(token, UPLOAD_KIND)
    form = _confirm_form()
    if not form.validate_on_submit():
        abort(400)
    department = form.department_id.data or ""
    department_id = int(department) if department.isdigit() else None
    rank = form.rank.data or None
    if not uploads.claim(upload):  # confirmed already, or being confirmed
        db.session.rollback()
        return _render_preview(upload, form, already_applied=True), 409
    try:
        record = lrmx.parse_lrmx(upload.content)
        cadre, created = lrmx_import.apply_import(
            record,
            department_id=department_id,
            rank=rank,
            actor=current_user.username,
            today=clock.today(),
        )
    except lrmx.LrmxError as error:
        db.session.rollback()
        return _render_preview(upload, form, file_errors=error.messages), 400
    except lrmx_import.LrmxRejected as rejected:
        db.session.rollback()
        return _render_preview(upload, form, preview=rejected.preview, rejected=True), 400
    except (StaleDataError, IntegrityError):
        db.session.rollback()  # someone saved the same cadre meanwhile: nothing was written
        abort(409)
    db.session.commit()
    message = (
        _("已新建干部 %(name)s（工号 %(no)s）。", name=cadre.name, no=cadre.staff_no)
        if created
        else _("已更新干部 %(name)s（工号 %(no)s）。", name=cadre.name, no=cadre.staff_no)
    )
    flash(message, "success")
    return redirect(url_for("roster.profile", cadre_id=cadre.id))
