"""Results after closing, conclusions, the 测评结果汇总表 PDF, the workbook, the 政治素质档案.
Thin views: load, check access, call services.assessments.results, commit, redirect.

- ``/assessments/<id>/results``: every subject's figures (HR), or the concluded subjects of
  a manager's sections; before closing HR reads a 403 saying when results come, a manager
  404; cadres, admin and auditor 403.
- ``/assessments/<id>/results/<subject_id>``: one subject (per aspect and item, by rater
  bucket and weighted; negative items; overall judgement; turnout) with HR's conclusion form.
- ``/assessments/<id>/results/<subject_id>/conclusion`` (POST, HR): 合格 / 基本合格 / 不合格.
- ``/assessments/<id>/results.pdf`` and ``results.xlsx`` (HR), ``/assessments/<id>/results/
  <subject_id>.pdf`` (HR, and a manager for a concluded subject of their sections).

Nobody reads individual ballots: every figure here comes folded from services.assessments.tally.

Contributions: ``page_section`` (the assessment page's panel: turnout while open, a summary
per subject once closed) and ``profile_section`` (the profile's 政治素质档案 entries).
"""

from __future__ import annotations

from typing import Any, NoReturn
from urllib.parse import quote

from flask import (
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from cadre_app import clock
from cadre_app.blueprints.assessments import bp
from cadre_app.blueprints.assessments.results_forms import ConclusionForm
from cadre_app.blueprints.records.routes import pdf_attachment
from cadre_app.errors import render_error
from cadre_app.extensions import db
from cadre_app.models import RATINGS, Assessment, AssessmentSubject, Role
from cadre_app.permissions import (
    has_role,
    role_required,
    sees_as_cadre,
    visible_department_ids,
)
from cadre_app.services.assessments import excel, results
from cadre_app.services.assessments import pdf as results_pdf
from cadre_app.services.core import audit, pdf

READERS = (Role.HR, Role.MANAGER)
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _not_ready() -> NoReturn:
    """Stop with a 403 page saying when results come."""
    abort(
        make_response(
            render_error(
                403,
                _("测评尚未关闭，结果在关闭后才能查看；投票期间只显示各评价组的投票人数。"),
            )
        )
    )


def _readable(assessment_id: int) -> tuple[Assessment, list[AssessmentSubject]]:
    """The assessment and the subjects the user may read, or the refusal to answer: 404 for
    no such assessment (and for a manager with nothing to read), 403 for HR before closing."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        abort(404)
    sections = visible_department_ids(current_user)
    if not results.results_ready(assessment):
        if sections is None:
            _not_ready()
        abort(404)
    subjects = _not_own(results.visible_subjects(assessment, sections), current_user)
    if sections is not None and not subjects:
        abort(404)
    return assessment, subjects


def _not_own(subjects: list[AssessmentSubject], user: Any) -> list[AssessmentSubject]:
    """``subjects`` without the reader's own: their own results they read as a cadre does,
    in their 政治素质档案 once concluded, whatever their role (issue 16)."""
    mine = getattr(user, "cadre_id", None)
    return subjects if mine is None else [s for s in subjects if s.cadre_id != mine]


def _subject_of(assessment_id: int, subject_id: int) -> tuple[Assessment, AssessmentSubject]:
    assessment, subjects = _readable(assessment_id)
    subject = next((s for s in subjects if s.id == subject_id), None)
    if subject is None:
        abort(404)
    return assessment, subject


@bp.get("/<int:assessment_id>/results")
@role_required(*READERS)
def results_page(assessment_id: int) -> Any:
    """Every readable subject's key figures, with links to each subject's page."""
    assessment, subjects = _readable(assessment_id)
    figures = results.subject_tallies(assessment, [s.id for s in subjects])
    return render_template(
        "assessments/results_index.html",
        a=assessment,
        rows=results.summary_rows(assessment, subjects, figures),
        turnout=results.turnout(assessment) if _is_hr() else None,
        ratings=RATINGS,
        is_hr=_is_hr(),
    )


def _is_hr() -> bool:
    return has_role(current_user, Role.HR)


def render_subject(
    assessment: Assessment,
    subject: AssessmentSubject,
    *,
    form: ConclusionForm | None = None,
    status: int = 200,
    general: list[str] | None = None,
) -> Any:
    """One subject's results page, with HR's conclusion form while the assessment is closed."""
    figures = results.subject_tallies(assessment, [subject.id])[subject.id]
    editable = _is_hr() and assessment.state.value == "closed"
    if editable and form is None:
        form = ConclusionForm(formdata=None)
        form.conclusion.data = subject.conclusion
        form.reason.data = subject.conclusion_reason or ""
    if form is not None and not form.version.data:
        form.version.data = str(subject.version)
    return (
        render_template(
            "assessments/results_subject.html",
            a=assessment,
            s=subject,
            f=figures,
            setup=results.setup_of(assessment),
            ratings=RATINGS,
            form=form if editable else None,
            general=general or [],
            is_hr=_is_hr(),
        ),
        status,
    )


@bp.get("/<int:assessment_id>/results/<int:subject_id>")
@role_required(*READERS)
def subject_results(assessment_id: int, subject_id: int) -> Any:
    """One subject's figures, by aspect, item and rater bucket."""
    return render_subject(*_subject_of(assessment_id, subject_id))


@bp.post("/<int:assessment_id>/results/<int:subject_id>/conclusion")
@role_required(Role.HR)
def conclude(assessment_id: int, subject_id: int) -> Any:
    """HR records the conclusion (合格 / 基本合格 / 不合格, a reason for the last two)."""
    assessment, subject = _subject_of(assessment_id, subject_id)
    form = ConclusionForm()
    try:
        expected = int(form.version.data or "")
    except ValueError:
        abort(400)
    back = url_for(
        "assessments.subject_results", assessment_id=assessment.id, subject_id=subject.id
    )
    if not form.validate():
        return render_subject(assessment, subject, form=form, status=400)
    try:
        changed = results.record_conclusion(
            subject,
            form.conclusion.data,
            form.reason.data,
            expected_version=expected,
            actor=current_user.username,
            today=clock.today(),
        )
        db.session.commit()
    except (results.VersionConflict, StaleDataError):
        db.session.rollback()
        fresh = db.session.get(AssessmentSubject, subject_id)
        form.version.data = str(fresh.version) if fresh else None
        message = _("结论已被他人修改（现为“%(now)s”），请核对后重新提交。", now=_term(fresh))
        return render_subject(
            assessment, fresh or subject, form=form, status=409, general=[message]
        )
    except results.WrongState as error:
        db.session.rollback()
        return render_subject(assessment, subject, status=409, general=[str(error)])
    except results.ResultsError as error:
        db.session.rollback()
        general = []
        for field, message in error.errors:
            target = getattr(form, field, None) if field else None
            if target is None:
                general.append(message)
            else:
                target.errors = [*target.errors, message]
        return render_subject(assessment, subject, form=form, status=400, general=general)
    flash(_("已记录考察结论。") if changed else _("没有改动。"), "success" if changed else "info")
    return redirect(back)


def _term(subject: AssessmentSubject | None) -> str:
    from cadre_app.i18n import term

    return str(term(subject.conclusion)) if subject and subject.conclusion else "—"


# --- records ------------------------------------------------------------------------------


def _render_pdf(template: str, data: dict[str, Any], title: str) -> bytes:
    """The PDF, or a stop with the 503 page saying which font to install."""
    try:
        return pdf.render_pdf(
            template,
            data,
            title=title,
            author=current_app.config["ORGANISATION_NAME"],
            subject=results_pdf.TITLE,
        )
    except pdf.PdfUnavailable as error:
        current_app.logger.error("PDF unavailable: %s", error)
        abort(make_response(render_error(503, str(error))))


@bp.get("/<int:assessment_id>/results.pdf")
@role_required(Role.HR)
def results_pdf_all(assessment_id: int) -> Any:
    """The whole assessment's 测评结果汇总表 (one row per subject)."""
    assessment, subjects = _readable(assessment_id)
    figures = results.subject_tallies(assessment, [s.id for s in subjects])
    data = results_pdf.summary_data(assessment, subjects, figures)
    content = _render_pdf(
        results_pdf.SUMMARY_TEMPLATE, data, f"{results_pdf.TITLE}（{assessment.title}）"
    )
    audit.record(
        "download",
        object_type="assessment",
        object_id=assessment.id,
        summary=f"{assessment.title}：{results_pdf.TITLE}（PDF）",
    )
    db.session.commit()
    return pdf_attachment(
        content,
        f"{results_pdf.TITLE}-{assessment.title}.pdf",
        f"assessment-results-{assessment.id}.pdf",
    )


@bp.get("/<int:assessment_id>/results/<int:subject_id>.pdf")
@role_required(*READERS)
def subject_results_pdf(assessment_id: int, subject_id: int) -> Any:
    """One subject's 测评结果汇总表."""
    assessment, subject = _subject_of(assessment_id, subject_id)
    figures = results.subject_tallies(assessment, [subject.id])[subject.id]
    data = results_pdf.subject_data(assessment, subject, figures)
    cadre = subject.cadre
    content = _render_pdf(
        results_pdf.SUBJECT_TEMPLATE, data, f"{results_pdf.TITLE}（{cadre.name}）"
    )
    audit.record(
        "download",
        object_type="assessment",
        object_id=assessment.id,
        summary=f"{assessment.title}：{cadre.staff_no} {cadre.name} {results_pdf.TITLE}（PDF）",
    )
    db.session.commit()
    return pdf_attachment(
        content,
        f"{results_pdf.TITLE}-{cadre.name}.pdf",
        f"assessment-result-{assessment.id}-{cadre.staff_no}.pdf",
    )


@bp.get("/<int:assessment_id>/results.xlsx")
@role_required(Role.HR)
def results_xlsx(assessment_id: int) -> Any:
    """The results workbook (sheets 测评结果汇总, 分组得分, 正向测评, 反向测评, 投票情况, 说明)."""
    assessment, subjects = _readable(assessment_id)
    figures = results.subject_tallies(assessment, [s.id for s in subjects])
    content = excel.results_workbook(assessment, subjects, figures)
    audit.record(
        "export",
        object_type="assessment",
        object_id=assessment.id,
        summary=f"{assessment.title}：测评结果（Excel，{len(subjects)} 人）",
    )
    db.session.commit()
    ascii_name = f"assessment-results-{assessment.id}.xlsx"
    utf8_name = quote(excel.filename(assessment), safe="")
    return Response(
        content,
        mimetype=XLSX_MIMETYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{ascii_name}"; '
            f"filename*=UTF-8''{utf8_name}"
        },
    )


# --- the assessment page's panel ------------------------------------------------------------

PAGE_SECTION = ("assessments/results_panel.html", 30)


def page_section(assessment: Assessment, user: Any) -> dict[str, Any] | None:
    """The assessment page's results panel: while open, ballots per rater group (counts
    only); once closed, a summary per subject (HR: all; a manager: the concluded subjects of
    their sections) linking to the results pages. None for a draft and for other readers."""
    if not has_role(user, Role.HR, Role.MANAGER):
        return None
    sections = visible_department_ids(user)
    if results.results_ready(assessment):
        subjects = _not_own(results.visible_subjects(assessment, sections), user)
        if not subjects:
            return None
        figures = results.subject_tallies(assessment, [s.id for s in subjects])
        return {
            "assessment": assessment,
            "ready": True,
            "rows": results.summary_rows(assessment, subjects, figures),
            "is_hr": sections is None,
        }
    if assessment.state.value != "open" or sections is not None:
        return None
    return {"assessment": assessment, "ready": False, "turnout": results.turnout(assessment)}


# --- the profile's 政治素质档案 tab ---------------------------------------------------------

PROFILE_SECTION = ("assessments/profile_dossier.html", 10)


def profile_section(cadre: Any, user: Any) -> dict[str, Any] | None:
    """The cadre's concluded assessments (title, purpose, dates, conclusion, reason, key
    figures), latest first; for HR and the section's manager with links to the results.
    The profile's own access rules decide who reaches the tab (a cadre: their own, on
    ``/me``). None when nothing is concluded."""
    entries = results.dossier(cadre.id)
    if not entries:
        return None
    if sees_as_cadre(user, cadre):  # one's own, whatever the role: as a cadre reads it
        return {"entries": entries, "may_open": False, "is_hr": False}
    sections = visible_department_ids(user)
    may_open = has_role(user, Role.HR, Role.MANAGER) and (
        sections is None or cadre.department_id in sections
    )
    return {"entries": entries, "may_open": may_open, "is_hr": sections is None}
