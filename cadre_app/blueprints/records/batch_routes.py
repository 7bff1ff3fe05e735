"""Printed records besides the 干部任免审批表 (公务员年度考核登记表, 谈话记录, the ranking
report) and HR's batch export with its background jobs. Thin views: load and check access,
build plain data (services.records.data), render (services.core.pdf), audit, commit.

Access: HR prints every record; a manager the evaluations of the sections they lead and the
ranking rows of those sections; a cadre their own 年度考核登记表 once the year is confirmed;
a talk's conductor its 谈话记录. Another person's record answers 404; admin and auditor 403.
Batch export is HR's; a job is visible to its owner only (404 for anyone else)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from io import BytesIO
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from cadre_app import clock
from cadre_app.blueprints.records import bp
from cadre_app.blueprints.records.batch_forms import SCOPE_MATCHING, BatchForm
from cadre_app.blueprints.records.routes import user_display_name
from cadre_app.errors import render_error
from cadre_app.extensions import db
from cadre_app.models import Cadre, Department, ExportJob, JobState, Organisation, Role, Talk
from cadre_app.permissions import (
    has_role,
    own_row_hidden,
    role_required,
    sees_as_cadre,
    visible_department_ids,
)
from cadre_app.services.core import audit, pdf
from cadre_app.services.evaluations import operations as evaluation
from cadre_app.services.records import batch as batch_export
from cadre_app.services.records import batch_jobs
from cadre_app.services.records import data as record_data


def _pdf_download(
    template: str,
    build: Callable[[], dict[str, Any]],
    *,
    title: str,
    author: str,
    filename: str,
    audit_event: dict[str, Any],
) -> Any:
    """Render in Chinese (the forms are Chinese documents whatever the page language), audit
    the download, send the file; 503 with the reason when the server cannot print."""
    try:
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            content = pdf.render_pdf(template, build(), title=title, author=author)
    except pdf.PdfUnavailable as error:
        db.session.rollback()
        return render_error(503, str(error))
    audit.record("download", **audit_event)
    db.session.commit()
    return _send(BytesIO(content), filename, "application/pdf")


def content_disposition(filename: str) -> str:
    """``attachment`` with the name as ASCII and as RFC 5987 UTF-8, as ``send_file`` writes."""
    simple = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    simple = simple.replace('"', "").replace("\\", "") or "download"
    return f"attachment; filename=\"{simple}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _send(content: Any, filename: str, mimetype: str) -> Response:
    response = send_file(content, mimetype=mimetype, as_attachment=True, download_name=filename)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:cadre_id>/annual-evaluation/<int:year>.pdf")
@role_required(Role.HR, Role.MANAGER, Role.CADRE)
def annual_evaluation_pdf(cadre_id: int, year: int) -> Any:
    """The 公务员年度考核登记表 of one cadre and year: HR any, a manager when they lead the
    section the cadre is in or was evaluated in, the cadre their own once the year is
    confirmed (404 otherwise)."""
    cadre = db.session.get(Cadre, cadre_id)
    found = record_data.evaluation_for(cadre_id, year) if cadre else None
    if found is None:
        abort(404)
    if sees_as_cadre(current_user, cadre):  # one's own, whatever the role: once confirmed
        if (
            current_user.cadre_id != cadre.id
            or found.cycle.state not in record_data.CONFIRMED_STATES
        ):
            abort(404)
    elif has_role(current_user, Role.MANAGER):
        led = set(visible_department_ids(current_user) or [])
        if not led & {cadre.department_id, found.department_id}:
            abort(404)
    return _pdf_download(
        "annual_evaluation_form.html",
        lambda: record_data.annual_evaluation_data(found, today=clock.today()),
        title=f"{year} 年度{record_data.ANNUAL_TITLE}（{cadre.name}）",
        author=current_app.config["ORGANISATION_NAME"],
        filename=f"{cadre.staff_no}_{cadre.name}_{year}年度考核登记表.pdf",
        audit_event={
            "object_type": "evaluation",
            "object_id": found.id,
            "summary": f"{cadre.staff_no} {cadre.name}：{year} 年度考核登记表（PDF）",
        },
    )


@bp.route("/talks/<int:talk_id>.pdf")
@role_required(Role.HR, Role.MANAGER, Role.CADRE)
def talk_record_pdf(talk_id: int) -> Any:
    """The 谈话记录 of one talk: HR, and a manager linked to the cadre who conducts it (never
    the talk about themselves), as on the talks pages; 404 for anyone else."""
    talk = db.session.get(Talk, talk_id)
    if talk is None:
        abort(404)
    mine = current_user.cadre_id
    if has_role(current_user, Role.HR):
        if mine is not None and talk.subject_id == mine:
            abort(404)  # never the talk about oneself, whatever the role
    else:
        mine = mine if has_role(current_user, Role.MANAGER) else None
        if mine is None or talk.conductor_id != mine or talk.subject_id == mine:
            abort(404)
    subject = talk.subject
    return _pdf_download(
        "talk_record.html",
        lambda: record_data.talk_record_data(talk),
        title=f"{talk.kind}{record_data.TALK_TITLE}（{subject.name}）",
        author=current_app.config["ORGANISATION_NAME"],
        filename=f"{subject.staff_no}_{subject.name}_{talk.kind}记录.pdf",
        audit_event={
            "object_type": "talk",
            "object_id": talk.id,
            "summary": f"{subject.staff_no} {subject.name}：{talk.kind}记录（PDF）",
        },
    )


def _organisation() -> str:
    name = db.session.scalar(sa.select(Organisation.name).order_by(Organisation.id).limit(1))
    return name or current_app.config["ORGANISATION_NAME"]


@bp.route("/evaluations/<int:year>/ranking.pdf")
@role_required(Role.HR, Role.MANAGER)
def ranking_report_pdf(year: int) -> Any:
    """The year's ranking as a landscape report: HR every section (or ``?section=``), a
    manager the rows of the sections they lead; ``?order=strokes`` lists them by 姓氏笔画."""
    cycle = evaluation.get_cycle(year)
    if cycle is None:
        abort(404)
    order = request.args.get("order", "rank")
    if order not in record_data.REPORT_ORDERS:
        abort(400)
    visible = visible_department_ids(current_user)
    section = request.args.get("section", type=int)
    if section is not None and visible is not None and section not in visible:
        abort(404)
    shown = [section] if section is not None else visible
    if shown is None:
        scope = "全部处室"
    else:
        names = db.session.scalars(
            sa.select(Department.name)
            .where(Department.id.in_(shown or [-1]))
            .order_by(Department.sort_order, Department.name)
        )
        scope = "、".join(names) or "—"
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    organisation = _organisation()
    hidden = own_row_hidden(current_user, cycle)

    def build() -> dict[str, Any]:
        return record_data.ranking_report_data(
            cycle,
            department_ids=visible,
            section=section,
            hidden_cadre_id=hidden,
            scope=scope,
            organisation=organisation,
            generated_at=datetime.now(zone),
            order=order,
        )

    return _pdf_download(
        "ranking_report.html",
        build,
        title=f"{year} {record_data.RANKING_TITLE}",
        author=current_app.config["ORGANISATION_NAME"],
        filename=f"{year}年度考核排名表.pdf",
        audit_event={
            "object_type": "evaluation_cycle",
            "object_id": cycle.id,
            "summary": f"{year} {record_data.RANKING_TITLE}（PDF，{scope}）",
        },
    )


# --- batch export -------------------------------------------------------------------------


def _state_labels() -> dict[str, str]:
    return {
        JobState.QUEUED.value: _("排队中"),
        JobState.RUNNING.value: _("正在生成"),
        JobState.DONE.value: _("已完成"),
        JobState.FAILED.value: _("失败"),
    }


def _batch_page(form: BatchForm, status: int = 200, **context: Any) -> Any:
    q, section = form.q.data or "", form.section.data
    rows, total = batch_export.search(q, section)
    departments = db.session.scalars(
        sa.select(Department).order_by(Department.sort_order, Department.name)
    ).all()
    html = render_template(
        "records/batch.html",
        form=form,
        rows=rows,
        total=total,
        q=q,
        section=section,
        departments=departments,
        jobs=batch_jobs.recent_jobs(current_user.id),
        state_labels=_state_labels(),
        sync_limit=batch_export.SYNC_LIMIT,
        max_items=batch_export.MAX_ITEMS,
        max_merged=batch_export.MAX_MERGED,
        kind_labels={code: kind.label for code, kind in batch_export.KINDS.items()},
        output_labels={output.value: output.label for output in batch_export.Output},
        chosen=set(form.cadre_ids.data or []),
        **context,
    )
    db.session.commit()  # the sweep of old and lost jobs
    return html, status


@bp.route("/batch", methods=["GET", "POST"])
@role_required(Role.HR)
def batch() -> Any:
    """Choose cadres and a form; up to SYNC_LIMIT the file downloads at once, more run as a
    background job with a progress page. One job per user at a time (409)."""
    if request.method == "GET":
        form = BatchForm(q=request.args.get("q", ""), section=request.args.get("section", ""))
        return _batch_page(form)
    form = BatchForm()
    if not form.validate_on_submit():
        return _batch_page(form, 400)
    kind = batch_export.KINDS[form.kind.data]
    output = batch_export.Output(form.output.data)
    try:
        if form.scope.data == SCOPE_MATCHING:
            chosen = batch_export.matching_ids(form.q.data, form.section.data)
        else:
            chosen = [i for i in form.cadre_ids.data if i is not None]
        cadre_ids = batch_export.ordered_ids(chosen, output)
    except batch_export.BatchError as error:
        flash(str(error), "danger")
        return _batch_page(form, 400)
    if current_user.cadre_id in cadre_ids:  # one's own file is not one's work (issue 16)
        cadre_ids = [i for i in cadre_ids if i != current_user.cadre_id]
        flash(_("您本人的材料不由您导出，已从本次导出中略去。"), "info")
        if not cadre_ids:
            return _batch_page(form, 400)
    today = clock.today()
    params = {"today": today.isoformat(), "filled_by": user_display_name(current_user)}
    if len(cadre_ids) <= batch_export.SYNC_LIMIT:
        return _export_now(form, kind, output, cadre_ids, params, today)
    try:
        job = batch_jobs.create_job(
            current_user, kind, cadre_ids, output, today=today, filled_by=params["filled_by"]
        )
    except batch_jobs.JobBusy as error:
        db.session.rollback()
        flash(str(error), "warning")
        return _batch_page(form, 409)
    audit.record(
        "export",
        object_type="export_job",
        object_id=job.id,
        summary=f"批量导出{kind.label} {len(cadre_ids)} 份（{output.label}），后台生成",
    )
    db.session.commit()
    batch_jobs.enqueue(job)
    return redirect(url_for("records.job", job_id=job.id))


def _export_now(
    form: BatchForm,
    kind: batch_export.BatchKind,
    output: batch_export.Output,
    cadre_ids: list[int],
    params: dict[str, Any],
    today: date,
) -> Any:
    buffer = BytesIO()
    try:
        batch_export.produce(kind, cadre_ids, output, params, buffer)
    except pdf.PdfUnavailable as error:
        db.session.rollback()
        return render_error(503, str(error))
    except batch_export.BatchError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return _batch_page(form, 400)
    staff_nos = db.session.scalars(
        sa.select(Cadre.staff_no).where(Cadre.id.in_(cadre_ids)).order_by(Cadre.staff_no)
    ).all()
    audit.record(
        "download",
        object_type="cadre",
        summary=f"批量导出{kind.label} {len(cadre_ids)} 份（{output.label}）",
        after={"staff_nos": list(staff_nos)},
    )
    db.session.commit()
    buffer.seek(0)
    mimetype = "application/zip" if output is batch_export.Output.ZIP else "application/pdf"
    return _send(
        buffer, batch_export.file_name(kind, len(cadre_ids), output, today=today), mimetype
    )


def _own_job_or_404(job_id: str) -> ExportJob:
    """The current user's job, still kept; 404 for anyone else's, for unknown ids and (with
    a message) for an expired one."""
    job = batch_jobs.job_of(current_user.id, job_id)
    if job is None:
        abort(404)
    if batch_jobs.expired(job):
        abort(Response(*render_error(404, _("导出文件只保留 24 小时，已过期删除，请重新导出。"))))
    return job


def _status(job: ExportJob) -> dict[str, Any]:
    if batch_jobs.check_lost(job):
        db.session.commit()
    ready = job.state is JobState.DONE
    message = job.message or (batch_jobs.WAITING_MESSAGE if job.state is JobState.QUEUED else "")
    return {
        "state": job.state.value,
        "state_label": _state_labels()[job.state.value],
        "done": job.done,
        "total": job.total,
        "percent": round(100 * job.done / job.total) if job.total else 0,
        "message": message,
        "download_url": url_for("records.job_download", job_id=job.id) if ready else None,
    }


@bp.route("/jobs/<job_id>")
@role_required(Role.HR)
def job(job_id: str) -> Any:
    """A job's progress page; it reads the job from the database, so it can be left and
    opened again. job-progress.js polls ``job_status`` and updates the bar."""
    found = _own_job_or_404(job_id)
    kind = batch_export.KINDS.get(found.kind)
    return render_template(
        "records/batch_job.html",
        job=found,
        status=_status(found),
        kind_label=kind.label if kind else found.kind,
        output_label=batch_export.Output(found.params.get("output", "zip")).label,
    )


@bp.route("/jobs/<job_id>.json")
@role_required(Role.HR)
def job_status(job_id: str) -> Any:
    """``{"state", "done", "total", "message", "download_url", ...}`` of the user's job."""
    found = batch_jobs.job_of(current_user.id, job_id)
    if found is None or batch_jobs.expired(found):
        return jsonify(state="missing", message=_("导出任务不存在或已过期。")), 404
    return jsonify(_status(found))


@bp.route("/jobs/<job_id>/download")
@role_required(Role.HR)
def job_download(job_id: str) -> Any:
    """The finished job's file (audited); 404 with a message once it has expired."""
    found = _own_job_or_404(job_id)
    chunks = batch_jobs.result_chunks(found)
    if chunks is None:
        if found.state in batch_jobs.ACTIVE_STATES:
            return render_error(409, _("导出尚未完成，请在进度页面等待完成后再下载。"))
        return render_error(404, _("导出文件不存在（任务失败或文件已被清理），请重新导出。"))
    audit.record(
        "download",
        object_type="export_job",
        object_id=found.id,
        summary=f"下载批量导出文件 {found.result_name}（{found.total} 份）",
    )
    db.session.commit()
    name = found.result_name or f"{found.id}.{found.params.get('output', 'zip')}"
    mimetype = "application/zip" if name.endswith(".zip") else "application/pdf"
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    response.headers["Content-Length"] = str(found.result_size or 0)
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["Cache-Control"] = "no-store"
    return response
