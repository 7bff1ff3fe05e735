"""Codes per rater group, printed once as cut-out slips; voiding unused codes.

- The codes panel (``page_section``, included in the assessment's page by ``PAGE_SECTION``)
  and a page of its own (``/assessments/<id>/codes``): per rater group, codes planned,
  issued, voided, unused, and ballots cast (turnout may be read while voting is open).
- ``打印票码`` / ``追加票码`` (POST ``.../codes/<group>/issue``, a count): the codes are made,
  their hashes stored, and the response is the slips PDF, the only place their plain text
  ever exists. No CJK font: 503 and nothing is stored.
- ``作废未用票码`` (POST ``.../codes/<group>/void``): every unused code of the group is
  voided (a voided code cannot vote).

Only HR, and codes are issued only while the assessment is 进行中 (its box open; the window
may not have begun: slips are handed out ahead).
"""

from __future__ import annotations

from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from cadre_app.blueprints.assessments import bp
from cadre_app.errors import render_error
from cadre_app.extensions import db
from cadre_app.models import Assessment, AssessmentState, BallotGroup, BoxState, Role
from cadre_app.permissions import has_role, role_required
from cadre_app.services.ballots import operations, slips
from cadre_app.services.core import pdf

#: The assessment page includes the codes panel with this template, at this place.
PAGE_SECTION = ("assessments/codes_panel.html", 30)
#: Most codes one batch may issue (a batch is one PDF: 500 codes are 63 pages).
MAX_BATCH = 500


def can_issue(assessment: Assessment) -> bool:
    """Codes are issued only while the assessment is 进行中 (its box open)."""
    return assessment.state is AssessmentState.OPEN and assessment.box.state is BoxState.OPEN


def codes_panel(assessment: Assessment) -> dict[str, Any]:
    """Per rater group: planned, issued, voided, unused and cast; totals."""
    summary = operations.codes_summary(assessment.box)
    return {
        "assessment_id": assessment.id,
        "groups": summary["groups"],
        "totals": summary["totals"],
        "can_issue": can_issue(assessment),
        "max_batch": MAX_BATCH,
    }


def page_section(assessment: Assessment, user: Any) -> dict[str, Any] | None:
    """The codes panel of the assessment page: HR only, once the assessment has opened."""
    if not has_role(user, Role.HR) or assessment.state is AssessmentState.DRAFT:
        return None
    return codes_panel(assessment)


def _load(assessment_id: int, group_id: int | None = None) -> tuple[Assessment, BallotGroup | None]:
    assessment = db.get_or_404(Assessment, assessment_id)
    if group_id is None:
        return assessment, None
    group = db.session.get(BallotGroup, group_id)
    if group is None or group.box_id != assessment.box_id:
        abort(404)
    return assessment, group


def _page(assessment: Assessment, *, error: str | None = None) -> str:
    return render_template(
        "assessments/codes_page.html",
        assessment=assessment,
        section=codes_panel(assessment),
        error=error,
    )


def base_url() -> str:
    """Where raters reach the app: ``BALLOT_BASE_URL`` when set (behind a proxy, the
    address printed on slips must be the public one), else this request's host."""
    return current_app.config.get("BALLOT_BASE_URL") or request.host_url


@bp.get("/<int:assessment_id>/codes")
@role_required(Role.HR)
def codes(assessment_id: int) -> str:
    """Codes and turnout per rater group, with the buttons that print and void codes."""
    assessment, _group = _load(assessment_id)
    return _page(assessment)


@bp.post("/<int:assessment_id>/codes/<int:group_id>/issue")
@role_required(Role.HR)
def issue_codes(assessment_id: int, group_id: int) -> Any:
    """Issue ``count`` codes to the group; the response is their slips PDF (shown once)."""
    assessment, group = _load(assessment_id, group_id)
    assert group is not None
    if not can_issue(assessment):
        return _page(assessment, error=_("只有进行中的测评才能发放票码。")), 409
    try:
        count = int(request.form.get("count", ""))
    except ValueError:
        count = 0
    if not 1 <= count <= MAX_BATCH:
        message = _("请填写要发放的票码张数（1–%(most)d）。", most=MAX_BATCH)
        return _page(assessment, error=message), 400
    plain = operations.issue_codes(group, count, actor=current_user.username)
    try:
        document = slips.render_slips(assessment.box, group, plain, base_url=base_url())
    except pdf.PdfUnavailable as error:
        db.session.rollback()  # no slips, no codes: nothing was handed out
        current_app.logger.error("PDF unavailable: %s", error)
        return render_error(503, str(error))
    db.session.commit()
    filename = f"ballot-slips-{assessment.id}-{group.id}-{group.issued}.pdf"
    return Response(
        document,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/<int:assessment_id>/codes/<int:group_id>/void")
@role_required(Role.HR)
def void_codes(assessment_id: int, group_id: int) -> Any:
    """Void every unused code of the group (lost slips, a batch printed twice)."""
    assessment, group = _load(assessment_id, group_id)
    assert group is not None
    if assessment.state is AssessmentState.DRAFT:
        return _page(assessment, error=_("测评尚未开始，没有票码可作废。")), 409
    count = operations.void_unused(group, actor=current_user.username)
    db.session.commit()
    flash(_("已作废“%(group)s”的未用票码 %(n)d 张。", group=group.name, n=count), "success")
    return redirect(url_for("assessments.codes", assessment_id=assessment.id), 303)
