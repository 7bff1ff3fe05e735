"""The 培训记录 workbook: upload → preview → confirm (as the roster and the scores), the
export of the records in the same template (the index's filters) and the blank template.

Nothing is written before HR has seen what will happen: the upload is checked and kept
(``ImportUpload``, kind ``training``), the preview parses and checks it, and the confirmation
checks it again against the database as it is then and applies it all-or-nothing, once.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField

from cadre_app import clock, uploads
from cadre_app.blueprints.training import bp
from cadre_app.blueprints.training.routes import index_filters
from cadre_app.extensions import db
from cadre_app.forms import EmptyForm
from cadre_app.models import ImportUpload, Role
from cadre_app.permissions import role_required, visible_department_ids
from cadre_app.services.core import audit, workbook
from cadre_app.services.training import excel as training_excel

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_KIND = "training"


class TrainingUploadForm(FlaskForm):
    file = FileField(
        _l("培训记录工作簿（.xlsx）"), validators=[FileRequired(_l("请选择要导入的 .xlsx 文件。"))]
    )
    submit = SubmitField(_l("上传并预览"))


uploads.limit_request_body(bp, "training.import_upload", workbook.MAX_UPLOAD_BYTES)


@bp.route("/import", methods=["GET", "POST"])
@role_required(Role.HR)
def import_upload() -> Any:
    form = TrainingUploadForm()
    if not form.validate_on_submit():
        return render_template("training/import.html", form=form), (
            400 if form.is_submitted() else 200
        )
    filename = uploads.client_filename(form.file.data.filename, "training.xlsx")
    content = form.file.data.read(workbook.MAX_UPLOAD_BYTES + 1)
    try:
        training_excel.read_records(content, filename)
    except workbook.WorkbookError as error:
        form.file.errors = [*form.file.errors, error.message]
        return render_template("training/import.html", form=form), 400
    upload = uploads.store(UPLOAD_KIND, filename, content)
    db.session.commit()
    return redirect(url_for("training.import_preview", token=upload.token))


def _render_preview(
    upload: ImportUpload, preview: training_excel.RecordsPreview | None, **context: Any
) -> str:
    return render_template(
        "training/import_preview.html",
        upload=upload,
        preview=preview,
        shown=uploads.listed_rows(preview),
        form=EmptyForm(),
        **context,
    )


@bp.route("/import/<token>")
@role_required(Role.HR)
def import_preview(token: str) -> Any:
    upload = uploads.own_upload_or_404(token, UPLOAD_KIND)
    if upload.applied_at is not None:
        return _render_preview(upload, None)
    try:
        preview = training_excel.preview_import(upload.content, upload.filename)
    except workbook.WorkbookError as error:
        return _render_preview(upload, None, problem=error.message), 400
    return _render_preview(upload, preview)


@bp.route("/import/<token>/confirm", methods=["POST"])
@role_required(Role.HR)
def import_confirm(token: str) -> Any:
    """Apply the upload all-or-nothing, once; a second confirmation answers 409."""
    upload = uploads.own_upload_or_404(token, UPLOAD_KIND)
    summary, refused = uploads.confirm(
        upload,
        lambda: training_excel.apply_import(
            upload.content, upload.filename, actor=current_user.username
        ),
        _render_preview,
    )
    if summary is None:
        return refused
    flash(
        _(
            "已导入培训记录：新增 %(created)d 条，无变化 %(unchanged)d 条，"
            "新建课程 %(courses)d 门。",
            created=summary.created,
            unchanged=summary.unchanged,
            courses=summary.courses_created,
        ),
        "success",
    )
    return redirect(url_for("training.index"))


def _xlsx(content: bytes, download_name: str) -> Any:
    return send_file(
        BytesIO(content), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=download_name
    )


@bp.route("/records.xlsx")
@role_required(Role.HR, Role.MANAGER)
def records_xlsx() -> Any:
    """The records (with attendance) in the import's template, with the index's filters; a
    manager gets their sections' cadres only. Audited."""
    filters = index_filters()
    records = training_excel.records_for_export(filters, visible_department_ids(current_user))
    content = training_excel.build_workbook(records)
    audit.record("export", object_type="enrolment", summary=f"导出培训记录 {len(records)} 条")
    db.session.commit()
    return _xlsx(content, training_excel.export_filename(clock.today()))


@bp.route("/template.xlsx")
@role_required(Role.HR)
def template_xlsx() -> Any:
    return _xlsx(
        training_excel.blank_template(),
        training_excel.export_filename(clock.today(), template=True),
    )
