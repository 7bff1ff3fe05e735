"""The printed training records: the 干部教育培训档案 of one cadre and the cohort report.

- ``/training/<cadre_id>/record.pdf``: HR for anyone, a manager for the cadres of their
  sections, a cadre for themselves; anyone else's answers 404 (``cadre_or_404``). HR prints
  many at once through the batch export (the ``training_record`` PDF kind).
- ``/training/cohorts/<id>/report.pdf``: HR only. A cohort mixes sections, and a manager
  would see other sections' members on it; managers read their own cadres' records instead.

Every download is audited. Without a CJK font the engine refuses and the page answers 503
naming the package to install.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import abort, current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from cadre_app import clock
from cadre_app.blueprints.records.routes import pdf_attachment, user_display_name
from cadre_app.blueprints.training import bp
from cadre_app.errors import render_error
from cadre_app.extensions import db
from cadre_app.models import Role
from cadre_app.models.training import Cohort
from cadre_app.permissions import cadre_or_404, has_role, role_required
from cadre_app.services.core import audit, pdf
from cadre_app.services.core.registry import Registry
from cadre_app.services.training import pdf as training_pdf

#: The batch export shows a kind's label through ``term``: listed here for the catalogue.
RECORD_LABEL = _l("干部教育培训档案")


#: The profile's 教育培训 tab ends with the button that prints the record.
PROFILE_SECTION = ("training/pdf_profile.html", 90)


def profile_section(cadre: Any, user: Any) -> dict[str, Any] | None:
    """The print button, for whoever reads the profile (HR, the section's manager, the cadre
    on ``/me``: the record's own readers); none while the cadre has no training record."""
    if not training_pdf.has_records(cadre.id):
        return None
    return {"cadre_id": cadre.id}


def contribute(contributions: Registry) -> None:
    """The 干部教育培训档案 joins the batch export's forms."""
    contributions.add_pdf_kind(training_pdf.TRAINING_RECORD)


@bp.route("/<int:cadre_id>/record.pdf")
@role_required(Role.HR, Role.MANAGER, Role.CADRE)
def record_pdf(cadre_id: int) -> Any:
    cadre = cadre_or_404(cadre_id)
    today = clock.today()
    filled_by = user_display_name(current_user) if has_role(current_user, Role.HR) else None
    data = training_pdf.record_data(cadre, today=today, filled_by=filled_by)
    try:
        content = pdf.render_pdf(
            training_pdf.RECORD_TEMPLATE,
            data,
            title=f"{training_pdf.RECORD_TITLE}（{cadre.name}）",
            author=current_app.config["ORGANISATION_NAME"],
            subject=training_pdf.RECORD_TITLE,
        )
    except pdf.PdfUnavailable as error:
        current_app.logger.error("PDF unavailable: %s", error)
        return render_error(503, str(error))
    audit.record(
        "download",
        object_type="cadre",
        object_id=cadre.id,
        summary=f"{cadre.staff_no} {cadre.name}：{training_pdf.RECORD_TITLE}（PDF）",
    )
    db.session.commit()
    return pdf_attachment(
        content,
        f"{training_pdf.RECORD_TITLE}-{cadre.name}.pdf",
        f"training-record-{cadre.staff_no}.pdf",
    )


@bp.route("/cohorts/<int:cohort_id>/report.pdf")
@role_required(Role.HR)
def cohort_report_pdf(cohort_id: int) -> Any:
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        abort(404)
    today = clock.today()
    year = request.args.get("year", type=int) or today.year
    if not 2000 <= year <= today.year + 1:
        abort(400)
    data = training_pdf.cohort_data(
        cohort, year=year, today=today, generated_at=datetime.now(clock.zone())
    )
    title = training_pdf.cohort_title(cohort)
    try:
        content = pdf.render_pdf(
            training_pdf.COHORT_TEMPLATE,
            data,
            title=f"{title}（{year}年）",
            author=current_app.config["ORGANISATION_NAME"],
            subject=training_pdf.COHORT_TITLE,
        )
    except pdf.PdfUnavailable as error:
        current_app.logger.error("PDF unavailable: %s", error)
        return render_error(503, str(error))
    audit.record(
        "download",
        object_type="programme",
        object_id=cohort.programme_id,
        summary=f"{title}（{year}年，PDF）",
    )
    db.session.commit()
    return pdf_attachment(content, f"{title}-{year}.pdf", f"cohort-report-{cohort.id}-{year}.pdf")
