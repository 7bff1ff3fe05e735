"""The 挂职锻炼 workbook: upload → preview → confirm (as the roster and training do), and the
export in the same template.

Nothing is written before HR has seen what will happen: the upload is checked and kept
(``ImportUpload``, kind ``secondments``), the preview parses and checks it, and the
confirmation checks it again against the database as it is then and applies it
all-or-nothing, once. HR imports; HR and the managers export (a manager: their sections).
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cadre_app import clock, uploads
from cadre_app.blueprints.secondments import bp
from cadre_app.blueprints.secondments.import_forms import SecondmentUploadForm
from cadre_app.extensions import db
from cadre_app.forms import EmptyForm
from cadre_app.models import ImportUpload, Role
from cadre_app.permissions import role_required, visible_department_ids
from cadre_app.services.core import audit, workbook
from cadre_app.services.secondments import excel as secondment_excel
from cadre_app.services.secondments import operations

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_KIND = "secondments"

uploads.limit_request_body(bp, "secondments.import_upload", workbook.MAX_UPLOAD_BYTES)


def _render_upload(form: SecondmentUploadForm) -> str:
    max_years = operations.current_settings()["max_years"]
    return render_template("secondments/import.html", form=form, max_years=max_years)


@bp.route("/import", methods=["GET", "POST"])
@role_required(Role.HR)
def import_upload() -> Any:
    """The upload form; a readable workbook is kept and shown as a preview."""
    form = SecondmentUploadForm()
    if not form.validate_on_submit():
        return _render_upload(form), (400 if form.is_submitted() else 200)
    filename = uploads.client_filename(form.file.data.filename, "secondments.xlsx")
    content = form.file.data.read(workbook.MAX_UPLOAD_BYTES + 1)
    try:
        secondment_excel.read_rows(content, filename, today=clock.today())
    except workbook.WorkbookError as error:
        form.file.errors = [*form.file.errors, error.message]
        return _render_upload(form), 400
    upload = uploads.store(UPLOAD_KIND, filename, content)
    db.session.commit()
    return redirect(url_for("secondments.import_preview", token=upload.token))


def _render_preview(
    upload: ImportUpload, preview: secondment_excel.SecondmentsPreview | None, **context: Any
) -> str:
    return render_template(
        "secondments/import_preview.html",
        upload=upload,
        preview=preview,
        shown=uploads.listed_rows(preview),
        form=EmptyForm(),
        **context,
    )


@bp.route("/import/<token>")
@role_required(Role.HR)
def import_preview(token: str) -> Any:
    """What confirming would do, row by row: new, updated, unchanged, refused with reasons."""
    upload = uploads.own_upload_or_404(token, UPLOAD_KIND)
    if upload.applied_at is not None:
        return _render_preview(upload, None)
    try:
        preview = secondment_excel.preview_import(
            upload.content, upload.filename, today=clock.today()
        )
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
        lambda: secondment_excel.apply_import(
            upload.content, upload.filename, actor=current_user.username, today=clock.today()
        ),
        _render_preview,
    )
    if summary is None:
        return refused
    flash(
        _(
            "已导入挂职锻炼：新增 %(created)d 条，更新 %(updated)d 条，无变化 %(unchanged)d 条。",
            created=summary.created,
            updated=summary.updated,
            unchanged=summary.unchanged,
        ),
        "success",
    )
    return redirect(url_for("secondments.index"))


@bp.route("/export.xlsx")
@role_required(Role.HR, Role.MANAGER)
def export_xlsx() -> Any:
    """Every secondment (a manager: their sections') in the import's template. Audited."""
    records = secondment_excel.secondments_for_export(visible_department_ids(current_user))
    content = secondment_excel.build_workbook(records)
    audit.record("export", object_type="secondment", summary=f"导出挂职锻炼 {len(records)} 条")
    db.session.commit()
    return send_file(
        BytesIO(content),
        mimetype=XLSX_MIMETYPE,
        as_attachment=True,
        download_name=secondment_excel.export_filename(clock.today()),
    )
