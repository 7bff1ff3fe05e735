"""Score workbook import: upload, preview, confirm; the blank template.

As for the roster (blueprints/roster/imports.py), nothing is written before HR has seen what
will happen: the upload is checked and kept (``ImportUpload``, kind ``evaluations``), the
preview parses and checks it, and the confirmation checks it again against the database as it
is then and applies it all-or-nothing, once.

The year chosen at upload is stored with the upload, in its ``filename`` column as
``"2025|成绩.xlsx"``: preview and confirmation both read it from there, so the year that is
confirmed is always the year that was previewed (a query parameter could be edited, or a
stale tab reused, between the two).
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cadre_app import uploads
from cadre_app.blueprints.evaluations import bp
from cadre_app.blueprints.evaluations.import_forms import ScoresUploadForm
from cadre_app.extensions import db
from cadre_app.forms import EmptyForm
from cadre_app.models import ImportUpload, Role
from cadre_app.permissions import role_required
from cadre_app.services.core import workbook
from cadre_app.services.evaluations import excel as evaluation_excel
from cadre_app.services.evaluations import queries as evaluation_query
from cadre_app.services.evaluations.operations import EvaluationError

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_KIND = "evaluations"


uploads.limit_request_body(bp, "evaluations.import_upload", workbook.MAX_UPLOAD_BYTES)


def pack_filename(year: int, filename: str) -> str:
    """What ``ImportUpload.filename`` stores: the year and the file's own name."""
    return f"{year}|{filename}"[:255]


def unpack_filename(stored: str) -> tuple[int, str]:
    """(year, file name) of a stored upload; 404 for anything else."""
    year, _sep, filename = stored.partition("|")
    if not (year.isdigit() and filename):
        abort(404)
    return int(year), filename


@bp.route("/import", methods=["GET", "POST"])
@role_required(Role.HR)
def import_upload() -> Any:
    """Upload a score workbook for a year: checked and kept, then previewed; nothing is
    imported yet."""
    form = ScoresUploadForm()
    if not form.is_submitted():
        form.year.data = evaluation_query.newest_year() or form.year.data
    if not form.validate_on_submit():
        return render_template("evaluations/import.html", form=form), (
            400 if form.is_submitted() else 200
        )
    year = form.year.data
    filename = uploads.client_filename(form.file.data.filename, "scores.xlsx")
    content = form.file.data.read(workbook.MAX_UPLOAD_BYTES + 1)
    try:
        evaluation_excel.check_year(year)
    except EvaluationError as error:
        form.year.errors = [*form.year.errors, str(error)]
    try:
        evaluation_excel.read_scores(content, filename)
    except workbook.WorkbookError as error:
        form.file.errors = [*form.file.errors, error.message]
    if form.year.errors or form.file.errors:
        return render_template("evaluations/import.html", form=form), 400
    upload = uploads.store(UPLOAD_KIND, pack_filename(year, filename), content)
    db.session.commit()
    return redirect(url_for("evaluations.import_preview", token=upload.token))


def _render_preview(
    upload: ImportUpload, preview: evaluation_excel.ScoresPreview | None, **context: Any
) -> str:
    year, filename = unpack_filename(upload.filename)
    return render_template(
        "evaluations/import_preview.html",
        upload=upload,
        year=year,
        filename=filename,
        preview=preview,
        shown=uploads.listed_rows(preview),
        score=evaluation_excel.format_score,
        form=EmptyForm(),
        **context,
    )


@bp.route("/import/<token>")
@role_required(Role.HR)
def import_preview(token: str) -> Any:
    """Every row with what importing would do to it; the confirm button only without errors."""
    upload = uploads.own_upload_or_404(token, UPLOAD_KIND)
    year, filename = unpack_filename(upload.filename)
    if upload.applied_at is not None:
        return _render_preview(upload, None)
    try:
        preview = evaluation_excel.preview_import(upload.content, filename, year=year)
    except workbook.WorkbookError as error:
        return _render_preview(upload, None, problem=error.message), 400
    except EvaluationError as error:
        return _render_preview(upload, None, problem=str(error)), 400
    return _render_preview(upload, preview)


@bp.route("/import/<token>/confirm", methods=["POST"])
@role_required(Role.HR)
def import_confirm(token: str) -> Any:
    """Apply the upload all-or-nothing, once; a second confirmation answers 409."""
    upload = uploads.own_upload_or_404(token, UPLOAD_KIND)
    year, filename = unpack_filename(upload.filename)
    summary, refused = uploads.confirm(
        upload,
        lambda: evaluation_excel.apply_import(
            upload.content, filename, year=year, actor=current_user.username
        ),
        _render_preview,
        problems=(EvaluationError,),
    )
    if summary is None:
        return refused
    message = _(
        "已导入 %(year)d 年度考核成绩：新增 %(created)d 人，更新 %(updated)d 人。",
        year=year,
        created=summary.created,
        updated=summary.updated,
    )
    if summary.cycle_created:
        message += _("已按默认设置新建 %(year)d 年度考核。", year=year)
    if summary.missing:
        message += _("其中 %(n)d 人成绩不全，补录之前不参加排名。", n=summary.missing)
    flash(message, "success")
    return redirect(url_for("evaluations.ranking", year=year))


@bp.route("/template.xlsx")
@role_required(Role.HR)
def template_xlsx() -> Any:
    """The score workbook to fill: header row, a 拟定等次 drop-down, 填写说明; with
    ``?year=YYYY`` the 工号 and 姓名 of the roster's cadres are filled in already."""
    year = request.args.get("year", "")
    if year and not (year.isdigit() and 2000 <= int(year) <= 2100):
        abort(404)
    cadres = evaluation_query.template_cadres() if year else None
    name = evaluation_excel.template_filename()
    return send_file(
        BytesIO(evaluation_excel.scores_template(cadres)),
        mimetype=XLSX_MIMETYPE,
        as_attachment=True,
        download_name=f"{year}{name}" if year else name,
    )
