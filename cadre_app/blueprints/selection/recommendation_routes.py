"""民主推荐 on the ballot machinery (issue 14, point 5). Thin views over
services.selection.recommendation; HR only (others 403, a round that does not exist 404).

- The round page's panel (``round_section`` with ``ROUND_SECTION``, included by the round
  page through ``registry.part_sections``) and a page of its own
  (``/selection/rounds/<id>/recommendation``): the box's state, turnout per group, links.
- ``发起民主推荐`` (POST ``.../recommendation/open``): title, window, rater groups.
- Codes per group (POST ``.../recommendation/codes/<group>/issue``: the response is the slips
  PDF, the only place the codes exist in plain text; ``.../void``): the machinery's
  ``issue_codes``, ``void_unused`` and slips, as the assessments' codes page does.
- ``结束投票`` (POST ``.../recommendation/close``): early only with a reason; the periodic
  ``auto_close_recommendations`` closes at the window's end.
- The results (``.../recommendation/results``): only once the box is closed.

The ballot itself is the public ``/ballot/<code>`` page (kind "recommendation").
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BuildError

from cadre_app import clock
from cadre_app.blueprints.assessments.codes_routes import MAX_BATCH, base_url
from cadre_app.blueprints.assessments.forms import moment_value, read_groups, read_moment
from cadre_app.blueprints.selection import bp
from cadre_app.blueprints.selection.recommendation_forms import (
    DEFAULT_GROUPS,
    CloseForm,
    OpenForm,
)
from cadre_app.errors import render_error
from cadre_app.extensions import db
from cadre_app.models import BallotGroup, BoxState, Role, SelectionRound, Stage
from cadre_app.permissions import has_role, role_required
from cadre_app.services.ballots import operations as ballots
from cadre_app.services.ballots import slips
from cadre_app.services.ballots.operations import GroupSpec
from cadre_app.services.core import pdf
from cadre_app.services.selection import recommendation as service

#: The round page includes the 民主推荐 panel with this template, at this place.
ROUND_SECTION = ("selection/recommendation_panel.html", 40)


def panel(selection_round: SelectionRound) -> dict[str, Any]:
    """What the panel shows: state, window, turnout and codes per group, what may be done."""
    box = service.box_of(selection_round)
    now = clock.utcnow()
    state = service.state_of(box, now)
    summary = ballots.codes_summary(box) if box is not None else {"groups": [], "totals": {}}
    return {
        "round_id": selection_round.id,
        "box": box,
        "state": state,
        "stage_ok": selection_round.stage is Stage.RECOMMENDATION,
        "candidates": service.listed_count(selection_round),
        "places": selection_round.position.places,
        "groups": summary["groups"],
        "totals": summary["totals"],
        "can_open": box is None and selection_round.stage is Stage.RECOMMENDATION,
        "can_issue": box is not None and box.state is BoxState.OPEN and now < box.closes_at,
        "can_close": box is not None and box.state is BoxState.OPEN,
        "early": box is not None and now < box.closes_at,
        "max_batch": MAX_BATCH,
    }


def round_section(selection_round: SelectionRound, user: Any) -> dict[str, Any] | None:
    """The panel on the round page: HR only; for a round at 民主推荐 or one that held it."""
    if not has_role(user, Role.HR):
        return None
    if selection_round.box_id is None and selection_round.stage is not Stage.RECOMMENDATION:
        return None
    return panel(selection_round)


def _round(round_id: int) -> SelectionRound:
    return db.get_or_404(SelectionRound, round_id)


def _group(selection_round: SelectionRound, group_id: int) -> BallotGroup:
    group = db.session.get(BallotGroup, group_id)
    if group is None or selection_round.box_id is None or group.box_id != selection_round.box_id:
        abort(404)
    return group


def _open_form(selection_round: SelectionRound) -> OpenForm:
    form = OpenForm(formdata=None)
    form.title.data = f"{selection_round.title} 民主推荐"
    start = clock.utcnow().replace(second=0, microsecond=0)
    form.opens_at.data = moment_value(start)
    form.closes_at.data = moment_value(start + timedelta(days=2))
    rows = [*DEFAULT_GROUPS, *([None] * len(form.groups))]
    for row, group in zip(form.groups, rows, strict=False):
        row.form.name.data = group[0] if group else ""
        row.form.weight.data = str(group[1]) if group else ""
        row.form.planned.data = str(group[2]) if group else ""
    return form


def _round_url(round_id: int) -> str | None:
    """The round's page (another part's; absent until it is merged)."""
    try:
        return url_for("selection.round", round_id=round_id)
    except BuildError:
        return None


def _page(
    selection_round: SelectionRound,
    *,
    open_form: OpenForm | None = None,
    close_form: CloseForm | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> Any:
    section = panel(selection_round)
    return render_template(
        "selection/recommendation_page.html",
        round=selection_round,
        round_url=_round_url(selection_round.id),
        section=section,
        open_form=open_form or (_open_form(selection_round) if section["can_open"] else None),
        close_form=close_form or CloseForm(formdata=None),
        errors=errors or [],
    ), status


@bp.get("/rounds/<int:round_id>/recommendation")
@role_required(Role.HR, hidden=True)
def recommendation(round_id: int) -> Any:
    """The round's 民主推荐: open it, print and void codes, follow turnout, close it."""
    return _page(_round(round_id))


@bp.post("/rounds/<int:round_id>/recommendation/open")
@role_required(Role.HR, hidden=True)
def open_recommendation(round_id: int) -> Any:
    """Open the 民主推荐 ballot box with its groups and window (a form posted twice: once)."""
    selection_round = _round(round_id)
    form = OpenForm()
    valid = form.validate()  # first: validating clears the messages read_* put on fields
    opens_at = read_moment(form.opens_at)
    closes_at = read_moment(form.closes_at)
    groups = read_groups(form)
    if not valid or opens_at is None or closes_at is None or groups is None:
        return _page(selection_round, open_form=form, status=400)
    opening = service.Opening(
        title=form.title.data or "",
        opens_at=opens_at,
        closes_at=closes_at,
        groups=tuple(GroupSpec(g.name, g.weight, g.planned) for g in groups),
    )
    try:
        service.open_recommendation(selection_round, opening, actor=current_user.username)
    except service.AlreadyDone:
        db.session.rollback()
        flash(_("民主推荐投票已经发起。"), "info")
        return redirect(url_for("selection.recommendation", round_id=round_id), 303)
    except service.RecommendationError as error:
        db.session.rollback()
        general = []
        for name, message in error.errors:
            field = getattr(form, name, None) if name and name != "groups" else None
            if field is not None:
                field.errors = [*field.errors, message]
            else:
                general.append(message)
        return _page(
            db.session.get(SelectionRound, round_id) or selection_round,
            open_form=form,
            errors=general,
            status=400 if any(name for name, _m in error.errors) else 409,
        )
    db.session.commit()
    flash(_("民主推荐投票已发起。请为各类推荐人打印票码。"), "success")
    return redirect(url_for("selection.recommendation", round_id=round_id), 303)


@bp.post("/rounds/<int:round_id>/recommendation/codes/<int:group_id>/issue")
@role_required(Role.HR, hidden=True)
def issue_recommendation_codes(round_id: int, group_id: int) -> Any:
    """Issue ``count`` codes to the group; the response is their slips PDF (shown once)."""
    selection_round = _round(round_id)
    group = _group(selection_round, group_id)
    if not panel(selection_round)["can_issue"]:
        return _page(selection_round, errors=[_("只有投票进行中才能发放票码。")], status=409)
    try:
        count = int(request.form.get("count", ""))
    except ValueError:
        count = 0
    if not 1 <= count <= MAX_BATCH:
        message = _("请填写要发放的票码张数（1–%(most)d）。", most=MAX_BATCH)
        return _page(selection_round, errors=[message], status=400)
    plain = ballots.issue_codes(group, count, actor=current_user.username)
    try:
        document = slips.render_slips(group.box, group, plain, base_url=base_url())
    except pdf.PdfUnavailable as error:
        db.session.rollback()  # no slips, no codes: nothing was handed out
        current_app.logger.error("PDF unavailable: %s", error)
        return render_error(503, str(error))
    db.session.commit()
    filename = f"recommendation-slips-{selection_round.id}-{group.id}-{group.issued}.pdf"
    return Response(
        document,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/rounds/<int:round_id>/recommendation/codes/<int:group_id>/void")
@role_required(Role.HR, hidden=True)
def void_recommendation_codes(round_id: int, group_id: int) -> Any:
    """Void every unused code of the group (lost slips, a batch printed twice)."""
    selection_round = _round(round_id)
    group = _group(selection_round, group_id)
    count = ballots.void_unused(group, actor=current_user.username)
    db.session.commit()
    flash(_("已作废“%(group)s”的未用票码 %(n)d 张。", group=group.name, n=count), "success")
    return redirect(url_for("selection.recommendation", round_id=round_id), 303)


@bp.post("/rounds/<int:round_id>/recommendation/close")
@role_required(Role.HR, hidden=True)
def close_recommendation(round_id: int) -> Any:
    """Close the box now (before the window's end: a reason and the confirmation box)."""
    selection_round = _round(round_id)
    form = CloseForm()
    if not form.validate():
        return _page(selection_round, close_form=form, status=400)
    box = service.box_of(selection_round)
    if box is not None and clock.utcnow() < box.closes_at and not form.confirm.data:
        form.confirm.errors = [_("请勾选确认后再结束投票。")]
        return _page(selection_round, close_form=form, status=400)
    try:
        service.close_recommendation(
            selection_round, actor=current_user.username, reason=form.reason.data
        )
    except service.AlreadyDone:
        db.session.rollback()
        flash(_("投票已经结束。"), "info")
        return redirect(url_for("selection.recommendation_results", round_id=round_id), 303)
    except service.RecommendationError as error:
        db.session.rollback()
        general = []
        for name, message in error.errors:
            if name == "reason":
                form.reason.errors = [*form.reason.errors, message]
            else:
                general.append(message)
        selection_round = _round(round_id)
        return _page(selection_round, close_form=form, errors=general, status=400)
    db.session.commit()
    flash(_("民主推荐投票已结束。"), "success")
    return redirect(url_for("selection.recommendation_results", round_id=round_id), 303)


@bp.get("/rounds/<int:round_id>/recommendation/results")
@role_required(Role.HR, hidden=True)
def recommendation_results(round_id: int) -> Any:
    """The tally: per candidate the ballots naming them and the share, whole and by group
    (small groups folded); only once the box is closed."""
    selection_round = _round(round_id)
    box = service.box_of(selection_round)
    if box is None:
        abort(404)
    if box.state is not BoxState.CLOSED:
        return _page(selection_round, errors=[_("投票结束后才能查看推荐结果。")], status=409)
    result, people = service.round_tally(selection_round)
    return render_template(
        "selection/recommendation_results.html",
        round=selection_round,
        round_url=_round_url(selection_round.id),
        box=box,
        result=result,
        people=people,
    )
