"""The shortlist (HR curates it) and the managers' review of it (their main page). Thin views:
parse, check access, call services.selection.reviews, commit, redirect.

- The round's page includes this part's section (``round_section``, HR only): the shortlist
  by score with every part shown, add by search (姓名 or 工号) with a reason, remove with a
  reason (kept, shown struck), recompute the scores, assign the managers who review it.
  ``/selection/rounds/<id>/shortlist`` shows the same section on a page of its own; the
  section's forms post to the routes below and come back to the page they were posted from
  (``next``, a path under ``/selection/``).
- ``/selection/reviews`` (managers): the rounds they are assigned to, each with its
  shortlist (the score's parts, never the roster), a link to compare candidates and a form
  per candidate for their view (同意 / 不同意 / 暂缓, a reason, their recommendation), posted
  to ``/selection/reviews/<candidate_id>``. A round they are not assigned to: 404.
- Cadres, admin and auditor: 403 everywhere (a cadre never learns they were considered).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from cadre_app import clock
from cadre_app.blueprints.selection import bp
from cadre_app.blueprints.selection.shortlist_forms import (
    AddCandidateForm,
    RemoveCandidateForm,
    RescoreForm,
    ReviewersForm,
    ViewForm,
)
from cadre_app.extensions import db
from cadre_app.models import Role
from cadre_app.models.selection import RoundCandidate, SelectionRound
from cadre_app.permissions import has_role, is_own_record, role_required
from cadre_app.services.core import settings
from cadre_app.services.selection import reviews, shortlist

ROUND_SECTION = ("selection/shortlist_section.html", 30)
#: The comparison page (another part's): linked when the app has it.
COMPARE_PATH = "/selection/compare"
COMPARE_MAX = 6


def _round_or_404(round_id: int) -> SelectionRound:
    round_ = db.session.get(SelectionRound, round_id)
    if round_ is None:
        abort(404)
    return round_


def _back(round_: SelectionRound) -> str:
    """Where a section's form returns: the page it was posted from (a path under
    /selection/), else this part's shortlist page."""
    target = request.form.get("next") or ""
    if target.startswith("/selection/") and "//" not in target and "\\" not in target:
        return target
    return url_for("selection.shortlist_page", round_id=round_.id)


def compare_url(round_id: int, cadre_ids: list[int]) -> str | None:
    """``/selection/compare?round=ID&cadre=…`` for up to six candidates, when that page
    exists in this app (None otherwise, and for fewer than two)."""
    if len(cadre_ids) < 2:
        return None
    if not any(rule.rule == COMPARE_PATH for rule in current_app.url_map.iter_rules()):
        return None
    query = urlencode({"round": round_id, "cadre": cadre_ids[:COMPARE_MAX]}, doseq=True)
    return f"{request.script_root}{COMPARE_PATH}?{query}"


def round_section(
    round_: SelectionRound,
    user: Any,
    *,
    add_form: AddCandidateForm | None = None,
    errors: list[str] | None = None,
    query: str | None = None,
) -> dict[str, Any] | None:
    """The shortlist section of the round's page (HR only; None for anyone else)."""
    if not has_role(user, Role.HR):
        return None
    rows = reviews.candidate_rows(round_)
    listed = [r.cadre_id for r in rows if not r.removed]
    term = query if query is not None else request.args.get("q", "")
    run, eligible = reviews.eligible_offer(round_)
    reviewers_form = ReviewersForm(formdata=None)
    reviewers_form.reviewers.choices = reviews.manager_choices()
    reviewers_form.reviewers.data = [u.id for u in round_.reviewers]
    return {
        "round": round_,
        "rows": rows,
        "labels": shortlist.part_labels(),
        "curating": reviews.may_curate(round_.stage),
        "q": term,
        "found": reviews.search_cadres(term, exclude=listed) if term else [],
        "add_form": add_form or AddCandidateForm(formdata=None),
        "remove_form": RemoveCandidateForm(formdata=None),
        "rescore_form": RescoreForm(formdata=None),
        "reviewers_form": reviewers_form,
        "reviewers": round_.reviewers,
        "run": run,
        "eligible": eligible,
        "errors": errors or [],
        # the page the section's forms come back to: this page, or after a refused post
        # (whose URL answers only POST) the shortlist's own page
        "here": request.full_path.rstrip("?")
        if request.method == "GET"
        else url_for("selection.shortlist_page", round_id=round_.id),
        "compare": compare_url(round_.id, listed),
    }


def _shortlist_page(round_: SelectionRound, *, status: int = 200, **section: Any) -> Any:
    context = round_section(round_, current_user, **section)
    return render_template("selection/shortlist.html", round=round_, section=context), status


@bp.get("/rounds/<int:round_id>/shortlist")
@role_required(Role.HR, hidden=True)
def shortlist_page(round_id: int) -> Any:
    """The round's shortlist on a page of its own (the same section as on the round's page)."""
    return _shortlist_page(_round_or_404(round_id))


def _messages(error: reviews.ShortlistError) -> list[str]:
    return [message for _field, message in error.errors]


@bp.post("/rounds/<int:round_id>/shortlist/add")
@role_required(Role.HR, hidden=True)
def shortlist_add(round_id: int) -> Any:
    """Put a cadre on the shortlist with a reason."""
    round_ = _round_or_404(round_id)
    form = AddCandidateForm()
    if not form.validate():
        errors = [m for messages in form.errors.values() for m in messages]
        return _shortlist_page(round_, status=400, add_form=form, errors=errors)
    try:
        cadre_id = int(form.cadre_id.data or "")
    except ValueError:
        cadre_id = 0
    try:
        candidate = reviews.add_candidate(
            round_,
            cadre_id,
            form.reason.data,
            actor=current_user.username,
            today=clock.today(),
        )
    except reviews.ShortlistError as error:
        db.session.rollback()
        return _shortlist_page(round_, status=400, add_form=form, errors=_messages(error), query="")
    db.session.commit()
    flash(_("已将 %(name)s 列入名单。", name=candidate.cadre.name), "success")
    return redirect(_back(round_))


@bp.post("/rounds/<int:round_id>/shortlist/eligible")
@role_required(Role.HR, hidden=True)
def shortlist_add_eligible(round_id: int) -> Any:
    """Put the ticked cadres of the latest eligibility run on the shortlist."""
    round_ = _round_or_404(round_id)
    try:
        wanted = [int(v) for v in request.form.getlist("cadre_id")]
    except ValueError:
        wanted = [0]
    try:
        added = reviews.add_eligible(
            round_, wanted, actor=current_user.username, today=clock.today()
        )
    except reviews.ShortlistError as error:
        db.session.rollback()
        return _shortlist_page(round_, status=400, errors=_messages(error))
    db.session.commit()
    flash(_("已按资格审查结果列入 %(n)d 人。", n=len(added)), "success")
    return redirect(_back(round_))


@bp.post("/rounds/<int:round_id>/shortlist/<int:candidate_id>/remove")
@role_required(Role.HR, hidden=True)
def shortlist_remove(round_id: int, candidate_id: int) -> Any:
    """Strike a candidate off with a reason (kept, shown struck)."""
    round_ = _round_or_404(round_id)
    candidate = db.session.get(RoundCandidate, candidate_id)
    if candidate is None or candidate.round_id != round_.id:
        abort(404)
    form = RemoveCandidateForm()
    try:
        expected = int(form.version.data or "")
    except ValueError:
        expected = candidate.version
    if not form.validate():
        errors = [m for messages in form.errors.values() for m in messages]
        return _shortlist_page(round_, status=400, errors=errors)
    try:
        removed = reviews.remove_candidate(
            candidate, form.reason.data, expected_version=expected, actor=current_user.username
        )
    except reviews.ShortlistError as error:
        db.session.rollback()
        return _shortlist_page(round_, status=400, errors=_messages(error))
    except (reviews.Conflict, StaleDataError):
        db.session.rollback()
        message = _("保存未完成：您打开此页面后，该人选已被他人修改，请核对后再操作。")
        return _shortlist_page(round_, status=409, errors=[message])
    db.session.commit()
    if removed:
        flash(_("已将 %(name)s 移出名单。", name=candidate.cadre.name), "success")
    return redirect(_back(round_))


@bp.post("/rounds/<int:round_id>/shortlist/rescore")
@role_required(Role.HR, hidden=True)
def shortlist_rescore(round_id: int) -> Any:
    """Recompute the listed candidates' scores (new evaluations, new weights)."""
    round_ = _round_or_404(round_id)
    try:
        count = reviews.rescore(round_, actor=current_user.username, today=clock.today())
    except reviews.ShortlistError as error:
        db.session.rollback()
        return _shortlist_page(round_, status=400, errors=_messages(error))
    db.session.commit()
    flash(_("已重新计算 %(n)d 名人选的得分。", n=count), "success")
    return redirect(_back(round_))


@bp.post("/rounds/<int:round_id>/reviewers")
@role_required(Role.HR, hidden=True)
def shortlist_reviewers(round_id: int) -> Any:
    """Assign the managers who review the round (and so share the shortlist with them)."""
    round_ = _round_or_404(round_id)
    try:
        wanted = [int(v) for v in request.form.getlist("reviewers")]
    except ValueError:
        return _shortlist_page(round_, status=400, errors=[_("审阅领导选择有误。")])
    try:
        changed = reviews.set_reviewers(round_, wanted, actor=current_user.username)
    except reviews.ShortlistError as error:
        db.session.rollback()
        return _shortlist_page(round_, status=400, errors=_messages(error))
    db.session.commit()
    if changed:
        flash(_("已更新审阅领导。"), "success")
    return redirect(_back(round_))


# --- the managers' review -------------------------------------------------------------------


def _review_rounds(user: Any) -> list[dict[str, Any]]:
    out = []
    for round_ in reviews.assigned_rounds(user.id):
        # one's own candidacy is not for one's eyes nor one's judgement (issue 16)
        rows = [
            r
            for r in reviews.candidate_rows(round_, viewer_id=user.id)
            if not r.removed and not is_own_record(user, r.cadre_id)
        ]
        out.append(
            {
                "round": round_,
                "rows": rows,
                "open": reviews.may_review(round_.stage),
                "compare": compare_url(round_.id, [r.cadre_id for r in rows]),
                "pending": sum(1 for r in rows if r.my_view is None),
            }
        )
    return out


@bp.get("/reviews")
@role_required(Role.MANAGER)
def reviews_page() -> Any:
    """The manager's main page: the rounds they review, each with its shortlist."""
    return _render_reviews()


def _render_reviews(
    *, status: int = 200, failed: tuple[int, ViewForm, list[str]] | None = None
) -> Any:
    rounds = _review_rounds(current_user)
    shown = {row.id for item in rounds if item["open"] for row in item["rows"]}
    return (
        render_template(
            "selection/reviews.html",
            rounds=rounds,
            top_errors=failed[2] if failed and failed[0] not in shown else [],
            labels=shortlist.part_labels(),
            views=reviews.VIEWS,
            failed=failed,
        ),
        status,
    )


@bp.post("/reviews/<int:candidate_id>")
@role_required(Role.MANAGER)
def review_save(candidate_id: int) -> Any:
    """Record (or change) the manager's view of one candidate."""
    candidate = db.session.get(RoundCandidate, candidate_id)
    if candidate is None or not reviews.is_reviewer(candidate.round_id, current_user.id):
        abort(404)
    if is_own_record(current_user, candidate.cadre_id):
        abort(404)
    form = ViewForm()
    if not form.validate():
        errors = [m for messages in form.errors.values() for m in messages]
        return _render_reviews(status=400, failed=(candidate.id, form, errors))
    try:
        changed = reviews.record_view(
            candidate,
            current_user,
            form.view.data,
            form.reason.data,
            bool(form.recommended.data),
            actor=current_user.username,
        )
    except reviews.ShortlistError as error:
        db.session.rollback()
        return _render_reviews(status=400, failed=(candidate.id, form, _messages(error)))
    db.session.commit()
    if changed:
        flash(_("已记录对 %(name)s 的意见。", name=candidate.cadre.name), "success")
    return redirect(url_for("selection.reviews_page", _anchor=f"candidate-{candidate.id}"))


# --- what this part adds to the app ---------------------------------------------------------


def review_panel(user: Any) -> dict[str, Any] | None:
    """A manager's dashboard: the rounds they review with candidates still awaiting their
    view (none: no panel)."""
    rows = []
    for round_ in reviews.assigned_rounds(user.id):
        if not reviews.may_review(round_.stage):
            continue
        pending = reviews.pending_count(round_.id, user.id)
        if pending:
            rows.append({"round": round_, "pending": pending})
    return {"rows": rows} if rows else None


def contribute(contributions: Any) -> None:
    """The managers' menu entry 候选人审阅, their dashboard panel, the score's settings."""
    settings.register_defaults(shortlist.SETTINGS_KEY, shortlist.DEFAULT_SETTINGS)
    contributions.add_menu_entry(
        "selection.reviews_page",
        "候选人审阅",
        (Role.MANAGER,),
        order=41,
        section=("selection.review",),
    )
    contributions.add_dashboard_panel(
        "selection_reviews", "selection/review_panel.html", review_panel, (Role.MANAGER,), order=30
    )
