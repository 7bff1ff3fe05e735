"""期满鉴定 and 归档, the cadre's own summary, and the 挂职锻炼鉴定表 PDF. Thin views: parse,
check access, call services.secondments.appraisal, commit, redirect.

- ``/secondments/<id>/appraisal``: HR records the host unit's opinion, the grade, the
  organisation's conclusion and the date (GET form, POST save); a manager reads the page for
  the cadres of the sections they lead (posting: 403); another's: 404. Cadres, admin and
  auditor: 403.
- ``/secondments/<id>/archive`` (POST, HR): saves the posted appraisal and moves to 归档,
  which writes the 简历 line once; the form posted twice writes nothing more.
- ``/secondments/<id>/summary`` (POST): the cadre's own summary, from the profile's 挂职锻炼
  tab on ``/me``, by the account linked to the secondment's cadre (a cadre's, or a manager's
  or HR's own when they are the one seconded); anyone else's answers 404 (admin and auditor:
  403); outside 期满鉴定, 409.
- ``/secondments/<id>/appraisal.pdf``: HR, the section's manager, and whoever is seconded
  (their own).

The profile's 挂职锻炼 tab gets this part's section (``profile_section``): the cadre's
secondments with their grade once archived and, for the cadre themself, the summary form.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from cadre_app import clock
from cadre_app.blueprints.records.routes import pdf_attachment
from cadre_app.blueprints.secondments import bp
from cadre_app.blueprints.secondments.appraisal_forms import AppraisalForm, SummaryForm
from cadre_app.errors import render_error
from cadre_app.extensions import db
from cadre_app.models import Role, Secondment, SecondmentState
from cadre_app.permissions import has_role, role_required, visible_department_ids
from cadre_app.services.core import audit, pdf
from cadre_app.services.secondments import appraisal as service
from cadre_app.services.secondments import pdf as secondment_pdf
from cadre_app.services.secondments import queries

S = SecondmentState

#: States whose 鉴定表 may be printed (a blank one before the end, for the host unit).
PRINTABLE = tuple(s for s in SecondmentState if s not in (S.PROPOSED, S.CANCELLED))


def _int(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None


def _visible_or_404(secondment_id: int) -> Secondment:
    """The secondment when HR or the section's manager reads it; 404 otherwise."""
    secondment = queries.secondment_visible(secondment_id, visible_department_ids(current_user))
    if secondment is None:
        abort(404)
    return secondment


def _is_own(secondment: Secondment | None) -> bool:
    mine = getattr(current_user, "cadre_id", None)
    return secondment is not None and mine is not None and secondment.cadre_id == mine


def _own_or_404(secondment_id: int) -> Secondment:
    """The secondment when it is the signed-in user's own (their linked cadre's); 404
    otherwise."""
    secondment = db.session.get(Secondment, secondment_id)
    if secondment is None or not _is_own(secondment):
        abort(404)
    return secondment


def _appraisal_form(secondment: Secondment) -> AppraisalForm:
    form = AppraisalForm(formdata=None)
    form.version.data = str(secondment.version)
    form.host_opinion.data = secondment.host_opinion or ""
    form.grade.data = secondment.grade or ""
    form.conclusion.data = secondment.hr_conclusion or ""
    form.appraised_at.data = secondment.appraised_at.isoformat() if secondment.appraised_at else ""
    return form


def render_appraisal(
    secondment: Secondment,
    *,
    form: AppraisalForm | None = None,
    status: int = 200,
    general: list[str] | None = None,
    conflict: list[dict[str, Any]] | None = None,
) -> Any:
    """The appraisal page: HR's form while in 期满鉴定, else what was recorded."""
    editable = has_role(current_user, Role.HR) and secondment.state is S.APPRAISAL
    if editable and form is None:
        form = _appraisal_form(secondment)
    return (
        render_template(
            "secondments/appraisal.html",
            s=secondment,
            form=form if editable else None,
            general=general or [],
            conflict=conflict,
            printable=secondment.state in PRINTABLE,
            resume_line=secondment.resume_entry.line if secondment.resume_entry else None,
        ),
        status,
    )


def _apply_errors(form: AppraisalForm, errors: list[tuple[str | None, str]]) -> list[str]:
    """Field errors onto the form; the others returned for the top of the page."""
    general = []
    for field, message in errors:
        target = getattr(form, field, None) if field else None
        if target is None:
            general.append(message)
        else:
            target.errors = [*target.errors, message]
    return general


def _posted(form: AppraisalForm) -> tuple[bool, int | None, service.AppraisalValues | None]:
    """(valid, expected version, values) of HR's posted form."""
    expected = _int(form.version.data)
    if expected is None:
        abort(400)
    ok, day = form.appraisal_date()
    if not (form.validate() and ok):
        return False, expected, None
    values = service.values(form.host_opinion.data, form.grade.data, form.conclusion.data, day)
    return True, expected, values


@bp.route("/<int:secondment_id>/appraisal", methods=["GET", "POST"])
@role_required(Role.HR, Role.MANAGER)
def appraisal(secondment_id: int) -> Any:
    """期满鉴定: HR's form (GET) and its save (POST, HR only)."""
    secondment = _visible_or_404(secondment_id)
    if request.method == "GET":
        return render_appraisal(secondment)
    if not has_role(current_user, Role.HR):
        abort(403)
    form = AppraisalForm()
    ok, expected, posted = _posted(form)
    if not ok or posted is None or expected is None:
        return render_appraisal(secondment, form=form, status=400)
    try:
        changes = service.save_appraisal(
            secondment,
            posted,
            expected_version=expected,
            actor=current_user.username,
            today=clock.today(),
        )
        db.session.commit()
    except service.AlreadyDone:
        db.session.rollback()
        flash(_("该内容已经保存（表单可能提交了两次）。"), "info")
        return redirect(url_for("secondments.appraisal", secondment_id=secondment_id))
    except (service.VersionConflict, StaleDataError):
        db.session.rollback()
        return render_appraisal(
            _visible_or_404(secondment_id),
            status=409,
            conflict=service.changes_since(secondment_id, expected),
        )
    except service.WrongState as error:
        db.session.rollback()
        return render_appraisal(_visible_or_404(secondment_id), status=409, general=[str(error)])
    except service.SecondmentError as error:
        db.session.rollback()
        general = _apply_errors(form, error.errors)
        return render_appraisal(
            _visible_or_404(secondment_id), form=form, status=400, general=general
        )
    flash(_("已保存期满鉴定。") if changes else _("没有改动。"), "success" if changes else "info")
    return redirect(url_for("secondments.appraisal", secondment_id=secondment_id))


@bp.post("/<int:secondment_id>/archive")
@role_required(Role.HR)
def archive(secondment_id: int) -> Any:
    """归档: save the posted appraisal and archive; the 简历 line is written once."""
    secondment = _visible_or_404(secondment_id)
    form = AppraisalForm()
    ok, expected, posted = _posted(form)
    if not ok or expected is None:
        return render_appraisal(secondment, form=form, status=400)
    try:
        service.archive(
            secondment,
            posted,
            expected_version=expected,
            actor=current_user.username,
            today=clock.today(),
        )
        db.session.commit()
    except service.AlreadyDone:
        db.session.rollback()
        flash(_("该操作已经完成（表单可能提交了两次）。"), "info")
        return redirect(url_for("secondments.appraisal", secondment_id=secondment_id))
    except (service.VersionConflict, StaleDataError):
        db.session.rollback()
        return render_appraisal(
            _visible_or_404(secondment_id),
            status=409,
            conflict=service.changes_since(secondment_id, expected),
        )
    except service.WrongState as error:
        db.session.rollback()
        return render_appraisal(_visible_or_404(secondment_id), status=409, general=[str(error)])
    except service.SecondmentError as error:
        db.session.rollback()
        general = _apply_errors(form, error.errors)
        return render_appraisal(
            _visible_or_404(secondment_id), form=form, status=400, general=general
        )
    line = secondment.resume_entry.line if secondment.resume_entry else ""
    flash(_("已归档，简历已写入：%(line)s", line=line), "success")
    return redirect(url_for("secondments.appraisal", secondment_id=secondment_id))


@bp.post("/<int:secondment_id>/summary")
@role_required(Role.HR, Role.MANAGER, Role.CADRE)
def summary(secondment_id: int) -> Any:
    """The cadre's own summary (本人总结), posted from the 挂职锻炼 tab on ``/me``."""
    secondment = _own_or_404(secondment_id)
    form = SummaryForm()
    expected = _int(form.version.data)
    if expected is None:
        abort(400)
    back = url_for("main.me", tab="secondments") + f"#secondment-{secondment_id}"
    general: list[str] = []
    if form.validate():
        try:
            written = service.write_summary(
                secondment,
                form.summary.data,
                expected_version=expected,
                actor=current_user.username,
            )
            db.session.commit()
        except service.AlreadyDone:
            db.session.rollback()
            flash(_("该内容已经保存（表单可能提交了两次）。"), "info")
            return redirect(back)
        except (service.VersionConflict, StaleDataError):
            db.session.rollback()
            return _profile_again(
                secondment_id,
                form,
                [_("总结已在别处更新，请核对后重新提交。")],
                status=409,
                reset=True,
            )
        except service.WrongState as error:
            db.session.rollback()
            return _profile_again(secondment_id, form, [str(error)], status=409)
        except service.SecondmentError as error:
            db.session.rollback()
            for field, message in error.errors:
                if field == "summary":
                    form.summary.errors = [*form.summary.errors, message]
                else:
                    general.append(message)
        else:
            flash(_("已提交本人总结。") if written else _("没有改动。"), "success")
            return redirect(back)
    return _profile_again(secondment_id, form, general, status=400)


def _profile_again(
    secondment_id: int,
    form: SummaryForm,
    messages: list[str],
    *,
    status: int,
    reset: bool = False,
) -> Any:
    """``/me`` on the 挂职锻炼 tab again, the summary form keeping what was typed (with the
    version the page now has when ``reset``), ``messages`` flashed."""
    from cadre_app.blueprints.roster.routes import render_profile

    if reset:
        form.version.data = None  # profile_section puts the current version in
    g.secondment_summary_form = (secondment_id, form)
    for message in messages:
        flash(message, "danger")
    return render_profile(current_user.cadre, "secondments", status=status)


@bp.route("/<int:secondment_id>/appraisal.pdf")
@role_required(Role.HR, Role.MANAGER, Role.CADRE)
def appraisal_pdf(secondment_id: int) -> Any:
    """The 挂职锻炼鉴定表 of one secondment."""
    secondment = db.session.get(Secondment, secondment_id)
    if not _is_own(secondment):
        if has_role(current_user, Role.CADRE):
            abort(404)
        secondment = _visible_or_404(secondment_id)
    if secondment.state not in PRINTABLE:
        abort(404)
    data = secondment_pdf.appraisal_form_data(secondment, today=clock.today())
    cadre = secondment.cadre
    try:
        content = pdf.render_pdf(
            secondment_pdf.TEMPLATE,
            data,
            title=f"{secondment_pdf.TITLE}（{cadre.name}）",
            author=current_app.config["ORGANISATION_NAME"],
            subject=secondment_pdf.TITLE,
        )
    except pdf.PdfUnavailable as error:
        current_app.logger.error("PDF unavailable: %s", error)
        return render_error(503, str(error))
    audit.record(
        "download",
        object_type="secondment",
        object_id=secondment.id,
        summary=f"{cadre.staff_no} {cadre.name}：{secondment_pdf.TITLE}（PDF）",
    )
    db.session.commit()
    return pdf_attachment(
        content,
        f"{secondment_pdf.TITLE}-{cadre.name}.pdf",
        f"secondment-appraisal-{cadre.staff_no}-{secondment.id}.pdf",
    )


def _may_open(cadre: Any, user: Any) -> bool:
    """Whether ``user`` may open the appraisal page of ``cadre``'s secondments (HR, or the
    manager of the cadre's section: a seconded manager reading their own record is not)."""
    sections = visible_department_ids(user)
    if not has_role(user, Role.HR, Role.MANAGER):
        return False
    return sections is None or cadre.department_id in sections


# --- the profile's 挂职锻炼 tab --------------------------------------------------------------

PROFILE_SECTION = ("secondments/profile_section.html", 10)


def profile_section(cadre: Any, user: Any) -> dict[str, Any] | None:
    """The cadre's secondments (kind, host, post, period, state, grade once archived), with
    links to the appraisal page and the 鉴定表 for their readers and, for the cadre themself,
    the summary form while a secondment is in 期满鉴定. None when there are none."""
    rows = queries.of_cadre(cadre.id)
    if not rows:
        return None
    own = getattr(user, "cadre_id", None) == cadre.id
    failed_id, failed = g.get("secondment_summary_form") or (None, None)
    forms: dict[int, SummaryForm] = {}
    if own:
        for secondment in rows:
            if secondment.state is not S.APPRAISAL:
                continue
            if secondment.id == failed_id and failed is not None:
                form = failed
            else:
                form = SummaryForm(formdata=None)
                form.summary.data = secondment.cadre_summary or ""
            if not form.version.data:
                form.version.data = str(secondment.version)
            forms[secondment.id] = form
    return {
        "rows": rows,
        "own": own,
        "forms": forms,
        "may_open": _may_open(cadre, user),
        "printable": PRINTABLE,
        "period": secondment_pdf.period,
    }
