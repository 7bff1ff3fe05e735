"""Selection rounds (HR): the list, a new round (动议), the round's page with its stage,
history and step form, the parts' sections (shortlist, 民主推荐), 确定考察对象 and 考察 per
candidate with the 考察材料 PDF, the 讨论决定 meeting, 任前公示 with its objections, 任职 and
the 试用期 decision. Thin views: load (404), check, parse, call services.selection.rounds,
commit, redirect.

Access: HR only (others 403; a round that does not exist 404). Managers reach a round
through the shortlist part; cadres never see anything of a round.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from cadre_app import clock
from cadre_app.blueprints.selection import bp
from cadre_app.blueprints.selection.round_forms import (
    CandidateForm,
    HandlingForm,
    MeetingForm,
    ObjectionForm,
    PublicityForm,
    RoundForm,
    StepForm,
    apply_errors,
    parse_date,
)
from cadre_app.errors import render_error
from cadre_app.extensions import db
from cadre_app.forms import select_choices
from cadre_app.models import Role
from cadre_app.models.selection import Position, PublicityObjection, SelectionRound, Stage
from cadre_app.permissions import role_required
from cadre_app.services.core import audit, pdf, registry
from cadre_app.services.selection import procedure, rounds

#: Stored Chinese terms shown in the UI's language (listed for extraction).
TERMS = (_l("转正"), _l("免去试任职务"), _l("领导职务"), _l("职级"))


def round_or_404(round_id: int) -> SelectionRound:
    return db.get_or_404(SelectionRound, round_id)


def _version(raw: str | None) -> int:
    raw = raw or ""
    if not raw.isdigit() or len(raw) > 9:
        abort(400)
    return int(raw)


# --- the list and a new round -----------------------------------------------------------------


@bp.get("/rounds/")
@role_required(Role.HR)
def rounds_index() -> Any:
    """Every round, latest first, with its position and stage."""
    found = db.session.scalars(
        sa.select(SelectionRound).order_by(SelectionRound.id.desc()).limit(500)
    ).all()
    return render_template("selection/rounds.html", rounds=found)


def _position_choices(form: RoundForm) -> None:
    positions = db.session.scalars(sa.select(Position).order_by(Position.id.desc())).all()
    form.position_id.choices = select_choices(
        [("", _l("请选择")), *((str(p.id), p.title) for p in positions)]
    )


@bp.route("/rounds/new", methods=["GET", "POST"])
@role_required(Role.HR)
def round_new() -> Any:
    """A new round for a position, at 动议 with its reason."""
    form = RoundForm()
    _position_choices(form)
    general: list[str] = []
    if not form.is_submitted():
        raw = request.args.get("position", "")
        if raw.isdigit():
            form.position_id.data = raw
        return render_template("selection/round_new.html", form=form, general=general)
    if not form.validate():
        if "csrf_token" in form.errors:
            abort(400)
    else:
        raw = form.position_id.data or ""
        position = db.session.get(Position, int(raw)) if raw.isdigit() and len(raw) < 10 else None
        if position is None:
            form.position_id.errors = [*form.position_id.errors, _("请选择选任职位。")]
        else:
            same = db.session.scalar(
                sa.select(SelectionRound).where(
                    SelectionRound.position_id == position.id,
                    SelectionRound.title == (form.title.data or "").strip(),
                    SelectionRound.created_by == current_user.username,
                    SelectionRound.stage == Stage.MOTION,
                )
            )
            if same is not None:  # the form posted twice: the first made it
                flash(_("已处理（表单可能提交了两次）。"), "info")
                return redirect(url_for("selection.round", round_id=same.id))
            try:
                round_ = rounds.create(
                    position,
                    form.title.data or "",
                    form.reason.data or "",
                    actor=current_user.username,
                )
                db.session.commit()
            except rounds.RoundError as error:
                db.session.rollback()
                general = apply_errors(form, error.errors)
            else:
                flash(_("已新建选任工作：%(title)s。", title=round_.title), "success")
                return redirect(url_for("selection.round", round_id=round_.id))
    return render_template("selection/round_new.html", form=form, general=general), 400


# --- the round's page -------------------------------------------------------------------------


def part_sections(round_: SelectionRound) -> list[tuple[str, Any]]:
    """The other parts' sections (shortlist, 民主推荐): each part module in PARTS with
    ``round_section(round, user) -> dict | None`` and ``ROUND_SECTION = (template, order)``."""
    from cadre_app.blueprints.selection import PARTS

    return registry.part_sections(PARTS, "round_section", round_, current_user)


def _step_form(round_: SelectionRound, target: Stage) -> StepForm:
    form = StepForm(formdata=None)
    form.target.data = target.value
    form.version.data = str(round_.version)
    if target is Stage.APPOINTMENT:
        form.appointed_on.data = clock.today().isoformat()
    return form


def _steps(round_: SelectionRound, failed: StepForm | None, errors: list[str]) -> list[dict]:
    """The step forms offered: on to the next stage (with what is still missing), and back
    one stage with a reason."""
    today = clock.today()
    steps = []
    current = Stage(round_.stage)
    forward = procedure.next_stage(current)
    back = procedure.previous_stage(current)
    for target, going_back in ((forward, False), (back, True)):
        if target is None or (going_back and current in procedure.NO_GOING_BACK):
            continue
        if target is Stage.PROBATION and round_.probation_end is None:
            continue  # no 试用期 for this appointment: the round is done at 任职
        posted = failed if failed is not None and failed.target.data == target.value else None
        steps.append(
            {
                "target": target,
                "back": going_back,
                "form": posted or _step_form(round_, target),
                "missing": [] if going_back else rounds.gate(round_, target, today=today),
                "errors": errors if posted is not None else [],
            }
        )
    return steps


def _meeting_form(round_: SelectionRound) -> MeetingForm:
    form = MeetingForm(formdata=None)
    form.version.data = str(round_.version)
    form.meeting_on.data = round_.meeting_on.isoformat() if round_.meeting_on else ""
    form.members_entitled.data = str(round_.members_entitled or "")
    form.members_present.data = (
        "" if round_.members_present is None else str(round_.members_present)
    )
    return form


def _publicity_form(round_: SelectionRound) -> PublicityForm:
    form = PublicityForm(formdata=None)
    form.version.data = str(round_.version)
    form.publicity_start.data = round_.publicity_start.isoformat() if round_.publicity_start else ""
    form.publicity_end.data = round_.publicity_end.isoformat() if round_.publicity_end else ""
    return form


def _objection_form(round_: SelectionRound) -> ObjectionForm:
    form = ObjectionForm(formdata=None)
    form.version.data = str(round_.version)
    form.received_on.data = clock.today().isoformat()
    _objection_choices(form, round_)
    return form


def _objection_choices(form: ObjectionForm, round_: SelectionRound) -> None:
    form.candidate_id.choices = select_choices(
        [("", _l("不指定")), *((str(c.id), c.cadre.name) for c in rounds.passed(round_))]
    )


def render_round(
    round_: SelectionRound,
    *,
    status: int = 200,
    failed_step: StepForm | None = None,
    forms: dict[str, Any] | None = None,
    general: list[str] | None = None,
    conflict: list[dict[str, Any]] | None = None,
    votes_posted: dict[int, str] | None = None,
) -> Any:
    forms = forms or {}
    errors = general or []
    steps = _steps(round_, failed_step, errors)
    if failed_step is not None and any(s["errors"] for s in steps):
        errors = []
    stage = Stage(round_.stage)
    candidates = rounds.active_candidates(round_)
    candidate_forms = {}
    for c in candidates:
        form = forms.get(f"candidate_{c.id}")
        if form is None:
            form = CandidateForm(formdata=None)
            form.version.data = str(round_.version)
            form.inspected.data = c.inspected
            form.inspection_notes.data = c.inspection_notes or ""
            form.integrity_received.data = c.integrity_received
        candidate_forms[c.id] = form
    from cadre_app.services.assessments import results

    political = {c.id: results.dossier(c.cadre_id) for c in rounds.inspected(round_)}
    meeting, votes = rounds.meeting_result(round_)
    objection_list = rounds.objections(round_.id)
    handling_forms = {}
    for o in objection_list:
        form = forms.get(f"handling_{o.id}")
        if form is None:
            form = HandlingForm(formdata=None)
            form.version.data = str(round_.version)
            form.handled_on.data = clock.today().isoformat()
        handling_forms[o.id] = form
    overrides = rounds.publicity_overrides(round_.publicity_start) if round_.publicity_start else {}
    return render_template(
        "selection/round.html",
        round=round_,
        stage=stage,
        stages=procedure.ORDER,
        S=Stage,
        steps=steps,
        general=errors,
        conflict=conflict,
        sections=part_sections(round_),
        candidates=candidates,
        candidate_forms=candidate_forms,
        inspected=rounds.inspected(round_),
        political=political,
        meeting=meeting,
        votes=votes,
        votes_posted=votes_posted or {},
        passed=rounds.passed(round_),
        meeting_form=forms.get("meeting") or _meeting_form(round_),
        publicity_form=forms.get("publicity") or _publicity_form(round_),
        publicity_days=(
            procedure.working_days_between(round_.publicity_start, round_.publicity_end, overrides)
            if round_.publicity_start and round_.publicity_end
            else None
        ),
        objections=objection_list,
        objection_form=forms.get("objection") or _objection_form(round_),
        handling_forms=handling_forms,
        appointment_refusal=(
            rounds.gate(round_, Stage.APPOINTMENT, today=clock.today())
            if stage is Stage.PUBLICITY
            else []
        ),
        workdays_needed=procedure.PUBLICITY_WORKDAYS,
    ), status


@bp.get("/rounds/<int:round_id>")
@role_required(Role.HR, hidden=True)
def round(round_id: int) -> Any:  # noqa: A001  (the endpoint is ``selection.round``)
    """The round: its stage and history, the parts' sections, the stage's own forms and the
    step form."""
    return render_round(round_or_404(round_id))


def _conflicted(round_id: int, expected: int, error: Exception | None = None) -> Any:
    db.session.rollback()
    changes = (
        error.changes
        if isinstance(error, rounds.VersionConflict)
        else rounds.changes_since(round_id, expected)
    )
    return render_round(round_or_404(round_id), status=409, conflict=changes)


def _again(round_id: int) -> Any:
    db.session.rollback()
    flash(_("已处理（表单可能提交了两次）。"), "info")
    return redirect(url_for("selection.round", round_id=round_id))


def _save(
    round_id: int,
    expected: int,
    form: Any,
    key: str,
    operation: Callable[[], Any],
    done: str,
    anchor: str,
    **refused: Any,
) -> Any:
    """What every round form does after parsing: run the ``operation`` of services.selection
    .rounds and commit, then flash ``done`` and go back to the round's ``anchor``; a repeat of
    a done step says so, a stale form answers 409, a refusal shows the form ``key`` again with
    the messages (and ``refused``, more context for the page)."""
    try:
        operation()
        db.session.commit()
    except rounds.AlreadyDone:
        return _again(round_id)
    except (rounds.VersionConflict, StaleDataError) as error:
        return _conflicted(round_id, expected, error)
    except rounds.RoundError as error:
        db.session.rollback()
        general = apply_errors(form, error.errors)
        return render_round(
            round_or_404(round_id), status=400, forms={key: form}, general=general, **refused
        )
    flash(done, "success")
    return redirect(url_for("selection.round", round_id=round_id, _anchor=anchor))


@bp.post("/rounds/<int:round_id>/step")
@role_required(Role.HR, hidden=True)
def round_step(round_id: int) -> Any:
    """On to the next stage, or back one with a reason (recorded)."""
    round_ = round_or_404(round_id)
    form = StepForm()
    if not form.validate():
        if "csrf_token" in form.errors:
            abort(400)
        return render_round(round_, status=400, failed_step=form)
    raw = form.target.data or ""
    if raw not in {s.value for s in Stage}:
        abort(400)
    expected = _version(form.version.data)
    target = Stage(raw)
    appointed_on = None
    if target is Stage.APPOINTMENT:
        appointed_on = parse_date(form.appointed_on)
        if form.errors:
            return render_round(round_, status=400, failed_step=form)
    try:
        rounds.step(
            round_,
            rounds.StepInput(
                target=target,
                documents=form.documents.data,
                outcome=form.outcome.data,
                reason=form.reason.data,
                appointed_on=appointed_on,
                probation_outcome=form.probation_outcome.data or None,
            ),
            expected_version=expected,
            actor=current_user.username,
            today=clock.today(),
        )
        db.session.commit()
    except rounds.AlreadyDone:
        return _again(round_id)
    except (rounds.VersionConflict, StaleDataError) as error:
        return _conflicted(round_id, expected, error)
    except rounds.RoundError as error:
        db.session.rollback()
        general = apply_errors(form, error.errors)
        return render_round(round_or_404(round_id), status=400, failed_step=form, general=general)
    flash(_("已进入“%(stage)s”阶段。", stage=target.label), "success")
    return redirect(url_for("selection.round", round_id=round_id))


@bp.post("/rounds/<int:round_id>/candidates/<int:candidate_id>")
@role_required(Role.HR, hidden=True)
def round_candidate(round_id: int, candidate_id: int) -> Any:
    """确定考察对象, the inspection team's notes and the 廉政意见 of one candidate."""
    round_ = round_or_404(round_id)
    candidate = rounds.candidate_of(round_, candidate_id)
    if candidate is None:
        abort(404)
    form = CandidateForm()
    key = f"candidate_{candidate_id}"
    if not form.validate():
        if "csrf_token" in form.errors:
            abort(400)
        return render_round(round_, status=400, forms={key: form})
    expected = _version(form.version.data)
    return _save(
        round_id,
        expected,
        form,
        key,
        lambda: rounds.update_candidate(
            round_,
            candidate,
            rounds.CandidateInput(
                inspected=bool(form.inspected.data),
                inspection_notes=form.inspection_notes.data,
                integrity_received=bool(form.integrity_received.data),
            ),
            expected_version=expected,
            actor=current_user.username,
        ),
        _("已保存%(name)s的考察情况。", name=candidate.cadre.name),
        f"candidate-{candidate_id}",
    )


@bp.post("/rounds/<int:round_id>/meeting")
@role_required(Role.HR, hidden=True)
def round_meeting(round_id: int) -> Any:
    """The 讨论决定 meeting: date, members entitled and present, votes for each 考察对象."""
    round_ = round_or_404(round_id)
    form = MeetingForm()
    if not form.validate():
        if "csrf_token" in form.errors:
            abort(400)
        return render_round(round_, status=400, forms={"meeting": form})
    expected = _version(form.version.data)
    meeting_on = parse_date(form.meeting_on)
    numbers = {}
    for name in ("members_entitled", "members_present"):
        field = getattr(form, name)
        raw = (field.data or "").strip()
        if not raw.isdigit() or len(raw) > 3:
            field.errors = [*field.errors, _("%(label)s须为整数。", label=field.label.text)]
        else:
            numbers[name] = int(raw)
    general: list[str] = []
    votes: dict[int, int] = {}
    posted = {}
    for candidate in rounds.inspected(round_):
        raw = (request.form.get(f"votes_{candidate.id}") or "").strip()
        posted[candidate.id] = raw
        if not raw.isdigit() or len(raw) > 3:
            general.append(_("请填写%(name)s的赞成票数（整数）。", name=candidate.cadre.name))
        else:
            votes[candidate.id] = int(raw)
    if form.errors or general or meeting_on is None:
        return render_round(
            round_, status=400, forms={"meeting": form}, general=general, votes_posted=posted
        )
    return _save(
        round_id,
        expected,
        form,
        "meeting",
        lambda: rounds.record_meeting(
            round_,
            rounds.MeetingInput(
                meeting_on=meeting_on,
                members_entitled=numbers["members_entitled"],
                members_present=numbers["members_present"],
                votes=votes,
            ),
            expected_version=expected,
            actor=current_user.username,
            today=clock.today(),
        ),
        _("已登记讨论决定会议。"),
        "decision",
        votes_posted=posted,
    )


@bp.post("/rounds/<int:round_id>/publicity")
@role_required(Role.HR, hidden=True)
def round_publicity(round_id: int) -> Any:
    """The 任前公示 period (at least five working days)."""
    round_ = round_or_404(round_id)
    form = PublicityForm()
    if not form.validate():
        if "csrf_token" in form.errors:
            abort(400)
        return render_round(round_, status=400, forms={"publicity": form})
    expected = _version(form.version.data)
    start = parse_date(form.publicity_start)
    end = parse_date(form.publicity_end)
    if start is None or end is None:
        return render_round(round_, status=400, forms={"publicity": form})
    return _save(
        round_id,
        expected,
        form,
        "publicity",
        lambda: rounds.record_publicity(
            round_, start, end, expected_version=expected, actor=current_user.username
        ),
        _("已登记任前公示。"),
        "publicity",
    )


@bp.post("/rounds/<int:round_id>/objections")
@role_required(Role.HR, hidden=True)
def round_objection(round_id: int) -> Any:
    """An objection received during 任前公示."""
    round_ = round_or_404(round_id)
    form = ObjectionForm()
    _objection_choices(form, round_)
    if not form.validate():
        if "csrf_token" in form.errors:
            abort(400)
        return render_round(round_, status=400, forms={"objection": form})
    expected = _version(form.version.data)
    received_on = parse_date(form.received_on)
    raw = form.candidate_id.data or ""
    if raw and (not raw.isdigit() or len(raw) > 9):
        abort(400)
    if received_on is None:
        return render_round(round_, status=400, forms={"objection": form})
    return _save(
        round_id,
        expected,
        form,
        "objection",
        lambda: rounds.add_objection(
            round_,
            received_on,
            form.content.data or "",
            int(raw) if raw else None,
            expected_version=expected,
            actor=current_user.username,
            today=clock.today(),
        ),
        _("已登记公示期间收到的反映。"),
        "publicity",
    )


@bp.post("/rounds/<int:round_id>/objections/<int:objection_id>")
@role_required(Role.HR, hidden=True)
def round_objection_handle(round_id: int, objection_id: int) -> Any:
    """How an objection was handled."""
    round_ = round_or_404(round_id)
    objection = db.session.get(PublicityObjection, objection_id)
    if objection is None or objection.round_id != round_.id:
        abort(404)
    form = HandlingForm()
    key = f"handling_{objection_id}"
    if not form.validate():
        if "csrf_token" in form.errors:
            abort(400)
        return render_round(round_, status=400, forms={key: form})
    expected = _version(form.version.data)
    handled_on = parse_date(form.handled_on)
    if handled_on is None:
        return render_round(round_, status=400, forms={key: form})
    return _save(
        round_id,
        expected,
        form,
        key,
        lambda: rounds.handle_objection(
            round_,
            objection,
            form.handling.data or "",
            handled_on,
            expected_version=expected,
            actor=current_user.username,
            today=clock.today(),
        ),
        _("已登记处理情况。"),
        "publicity",
    )


@bp.get("/rounds/<int:round_id>/candidates/<int:candidate_id>/inspection.pdf")
@role_required(Role.HR, hidden=True)
def round_inspection_pdf(round_id: int, candidate_id: int) -> Any:
    """The 考察材料 of one 考察对象 as PDF (audited)."""
    from cadre_app.blueprints.records.routes import pdf_attachment

    round_ = round_or_404(round_id)
    candidate = rounds.candidate_of(round_, candidate_id)
    if candidate is None or not candidate.inspected:
        abort(404)
    try:
        content = rounds.render_inspection(round_, candidate, today=clock.today())
    except pdf.PdfUnavailable as error:
        current_app.logger.error("PDF unavailable: %s", error)
        return render_error(503, str(error))
    cadre = candidate.cadre
    audit.record(
        "download",
        object_type="selection_round",
        object_id=round_.id,
        summary=f"{round_.title}：{cadre.staff_no} {cadre.name} 考察材料（PDF）",
    )
    db.session.commit()
    return pdf_attachment(content, f"考察材料-{cadre.name}.pdf", f"inspection-{cadre.staff_no}.pdf")


def _stage_labels() -> dict[str, str]:
    return {stage.value: label for stage, label in Stage.labels().items()}


def probation_panel(user: Any) -> dict[str, Any] | None:
    """HR's dashboard: rounds whose 试用期 ends within 30 days or has ended (None: none)."""
    today = clock.today()
    due = rounds.probation_due(today)
    return {"rounds": due, "today": today} if due else None


def contribute(contributions: Any) -> None:
    """Labels of the round's audit snapshots and of its stages; the 试用期 reminder."""
    contributions.add_field_labels(
        "selection_round", rounds.field_labels, values={"stage": _stage_labels}
    )
    contributions.add_dashboard_panel(
        "selection_probation",
        "selection/round_probation_panel.html",
        probation_panel,
        (Role.HR,),
        order=49,
    )
