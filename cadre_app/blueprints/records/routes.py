"""The 干部任免审批表: HR fills in the draft, then anyone who may read the record downloads
the PDF (audited). Thin views: load (404), check, call services, commit, respond."""

from __future__ import annotations

from io import BytesIO
from typing import Any
from urllib.parse import quote

from flask import Response, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cadre_app import clock
from cadre_app.blueprints.records import bp
from cadre_app.blueprints.records.forms import AppointmentForm
from cadre_app.errors import render_error
from cadre_app.extensions import db
from cadre_app.models import AppointmentDraft, Role
from cadre_app.permissions import (
    cadre_or_404,
    has_role,
    own_record_404,
    role_required,
    sees_as_cadre,
)
from cadre_app.services.core import audit, pdf
from cadre_app.services.records import appointment_form as form_service


def user_display_name(user: Any) -> str:
    """The name to print as 填表人: the account's real name (else the linked cadre's name,
    else the login name; ``User.display_name``)."""
    return str(user.display_name)


@bp.route("/<int:cadre_id>/appointment-form", methods=["GET", "POST"])
@role_required(Role.HR)
def appointment_form(cadre_id: int) -> Any:
    """HR fills in what the record lacks (拟任/拟免职务, 任免理由, 呈报单位, dates, 填表人);
    saving keeps it for next time and opens the PDF. When some text would be cut in print,
    saving comes back to this page instead, which names the boxes and still offers the PDF
    as saved: the download would leave the user on this page, with the warning unseen."""
    cadre = cadre_or_404(cadre_id)
    own_record_404(cadre)  # HR's proposal about themselves is not theirs to write or read
    form = AppointmentForm()
    if form.validate_on_submit():
        draft = form_service.save_draft(cadre, form.values(), actor=current_user.username)
        overflow = _overflow(cadre, draft)
        db.session.commit()
        if overflow:
            flash(_("已保存，但有内容过长，尚未生成 PDF。"), "warning")
            return redirect(url_for("records.appointment_form", cadre_id=cadre.id))
        return redirect(url_for("records.appointment_form_pdf", cadre_id=cadre.id))
    draft = db.session.get(AppointmentDraft, cadre.id)
    if not form.is_submitted():
        form.fill(
            form_service.draft_values(
                cadre, draft, today=clock.today(), filled_by=user_display_name(current_user)
            )
        )
    status = 400 if form.is_submitted() else 200
    return render_template(
        "records/appointment_form.html", form=form, cadre=cadre, overflow=_overflow(cadre, draft)
    ), status


def _overflow(cadre: Any, draft: AppointmentDraft | None) -> list[str]:
    """Labels of the form's boxes whose text would be cut when printed."""
    return form_service.form_data(cadre, draft, today=clock.today())["layout"]["overflow"]


@bp.route("/<int:cadre_id>/appointment-form.pdf")
@role_required(Role.HR, Role.MANAGER, Role.CADRE)
def appointment_form_pdf(cadre_id: int) -> Any:
    """The 干部任免审批表 as PDF: HR for anyone, managers for their sections, a cadre for
    themselves (others' answer 404). Every download is audited."""
    cadre = cadre_or_404(cadre_id)
    # one's own record is seen as a cadre sees it, whatever the role: without HR's proposal
    own_eyes = sees_as_cadre(current_user, cadre)
    hr_filling = has_role(current_user, Role.HR) and not own_eyes
    filled_by = user_display_name(current_user) if hr_filling else None
    try:
        content = form_service.render(
            cadre, today=clock.today(), filled_by=filled_by, with_draft=not own_eyes
        )
    except pdf.PdfUnavailable as error:
        current_app.logger.error("PDF unavailable: %s", error)
        return render_error(503, str(error))
    audit.record(
        "download",
        object_type="cadre",
        object_id=cadre.id,
        summary=f"{cadre.staff_no} {cadre.name}：{form_service.TITLE}（PDF）",
    )
    db.session.commit()
    return pdf_attachment(
        content, f"{form_service.TITLE}-{cadre.name}.pdf", f"appointment-form-{cadre.staff_no}.pdf"
    )


def pdf_attachment(content: bytes, filename: str, ascii_filename: str) -> Response:
    """A PDF download named ``filename`` (RFC 5987 ``filename*``), with an ASCII name for
    clients that read only ``filename``."""
    response = send_file(
        BytesIO(content),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=ascii_filename,
    )
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_filename}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    return response
