"""Excel import (upload, preview, confirm), export and the blank template.

Import is three steps so that nothing is written before HR has seen what will happen: the
upload is checked and kept (``ImportUpload``), the preview parses and validates it, and the
confirmation parses and validates it again against the database as it is then and applies it
all-or-nothing, once.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from cadre_app import clock, uploads
from cadre_app.blueprints.roster import bp
from cadre_app.blueprints.roster.import_forms import RosterUploadForm
from cadre_app.extensions import db
from cadre_app.forms import EmptyForm, FullIdExportForm
from cadre_app.models import ImportUpload, Role
from cadre_app.permissions import role_required, visible_department_ids
from cadre_app.services.core import audit, workbook
from cadre_app.services.roster import excel as roster_excel
from cadre_app.services.roster import operations as roster

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_KIND = "roster"


uploads.limit_request_body(bp, "roster.import_upload", workbook.MAX_UPLOAD_BYTES)


@bp.route("/import", methods=["GET", "POST"])
@role_required(Role.HR)
def import_upload() -> Any:
    """Upload a roster workbook: checked and kept, then previewed; nothing is imported yet."""
    form = RosterUploadForm()
    if not form.validate_on_submit():
        return render_template("roster/import.html", form=form), (
            400 if form.is_submitted() else 200
        )
    filename = uploads.client_filename(form.file.data.filename, "roster.xlsx")
    content = form.file.data.read(workbook.MAX_UPLOAD_BYTES + 1)
    try:
        roster_excel.read_roster(content, filename)
    except roster_excel.WorkbookError as error:
        form.file.errors = [*form.file.errors, error.message]
        return render_template("roster/import.html", form=form), 400
    upload = uploads.store(UPLOAD_KIND, filename, content)
    db.session.commit()
    return redirect(url_for("roster.import_preview", token=upload.token))


def _chosen_sections(values: Any) -> set[str]:
    """The unknown sections HR chose to create in the preview (``create-N`` = the name; an
    empty value means: treat its rows as errors, the default)."""
    return {
        value.strip()
        for key, value in values.items(multi=True)
        if key.startswith("create-") and value.strip()
    }


def _render_preview(upload: ImportUpload, **context: Any) -> str:
    return render_template("roster/import_preview.html", upload=upload, form=EmptyForm(), **context)


@bp.route("/import/<token>")
@role_required(Role.HR)
def import_preview(token: str) -> Any:
    """Every row with what importing would do to it; the confirm button only without errors.
    A section the file names but the system lacks is offered as a choice (create it, or its
    rows are errors: the default); the choice comes back as ``?create-N=name``."""
    upload = uploads.own_upload_or_404(token, UPLOAD_KIND)
    if upload.applied_at is not None:
        return _render_preview(upload, preview=None)
    try:
        preview = roster_excel.preview_import(
            upload.content,
            upload.filename,
            today=clock.today(),
            organisation_name=current_app.config["ORGANISATION_NAME"],
            create_sections=_chosen_sections(request.args),
        )
    except roster_excel.WorkbookError as error:
        return _render_preview(upload, preview=None, problem=error.message), 400
    return _render_preview(upload, preview=preview)


@bp.route("/import/<token>/confirm", methods=["POST"])
@role_required(Role.HR)
def import_confirm(token: str) -> Any:
    """Apply the upload all-or-nothing, once; a second confirmation answers 409."""
    upload = uploads.own_upload_or_404(token, UPLOAD_KIND)
    summary, refused = uploads.confirm(
        upload,
        lambda: roster_excel.apply_import(
            upload.content,
            upload.filename,
            actor=current_user.username,
            today=clock.today(),
            organisation_name=current_app.config["ORGANISATION_NAME"],
            create_sections=_chosen_sections(request.form),
        ),
        _render_preview,
    )
    if summary is None:
        return refused
    if summary.new_departments:
        message = _(
            "导入 %(created)d 人，更新 %(updated)d 人，新建处室 %(departments)s。",
            created=summary.created,
            updated=summary.updated,
            departments="、".join(summary.new_departments),
        )
    else:
        message = _(
            "导入 %(created)d 人，更新 %(updated)d 人。",
            created=summary.created,
            updated=summary.updated,
        )
    flash(message, "success")
    return redirect(url_for("roster.index"))


def _xlsx(content: bytes, download_name: str) -> Any:
    return send_file(
        BytesIO(content), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=download_name
    )


@bp.route("/export.xlsx")
@role_required(Role.HR, Role.MANAGER)
def export_xlsx() -> Any:
    """The roster as the import workbook: HR all cadres, a manager the sections they lead,
    ID numbers masked for everyone (“masked everywhere, revealed one at a time”; HR's full-ID
    export is ``export_full``). The masked workbook re-imports without touching the stored
    numbers. Audited."""
    cadres = roster_excel.cadres_for_export(visible_department_ids(current_user))
    content = roster_excel.build_workbook(cadres, mask_ids=True)
    audit.record(
        "export", object_type="cadre", summary=f"导出干部名册 {len(cadres)} 人，身份证号已脱敏"
    )
    db.session.commit()
    return _xlsx(content, roster_excel.export_filename(clock.today()))


@bp.route("/export-full", methods=["GET", "POST"])
@role_required(Role.HR)
def export_full() -> Any:
    """HR's export with full ID numbers: an explicit choice with a reason; every number in
    the file is audited as a reveal of that cadre's ID, and the export itself with the reason
    (issue 16, finding 6)."""
    form = FullIdExportForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("roster/export_full.html", form=form), status
    reason = " ".join(form.reason.data.split())
    cadres = roster_excel.cadres_for_export(None)
    content = roster_excel.build_workbook(cadres, mask_ids=False)
    revealed = roster.reveal_id_numbers_in_export(cadres, export="干部名册")
    audit.record(
        "export",
        object_type="cadre",
        summary=f"导出干部名册 {len(cadres)} 人，含完整身份证号 {revealed} 个，理由：{reason}",
    )
    db.session.commit()
    response = _xlsx(content, roster_excel.export_filename(clock.today()))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/template.xlsx")
@role_required(Role.HR)
def template_xlsx() -> Any:
    """The blank workbook: header row, text-formatted columns, drop-downs, 填写说明."""
    return _xlsx(
        roster_excel.blank_template(), roster_excel.export_filename(clock.today(), template=True)
    )
