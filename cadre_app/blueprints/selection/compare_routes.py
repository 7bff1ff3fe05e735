"""The 赛道相马 comparison: ``/selection/compare?cadre=ID&cadre=ID…`` (2 to 6 cadres) side by
side, with a picker on the page, and its landscape PDF ``/selection/compare.pdf?…``.

Access: HR compares any cadres (``?round=ID`` optional: the round must exist). A manager
compares only the candidates of a round they are assigned to review: ``?round=ID`` with the
manager among the round's reviewers and every cadre a (not removed) candidate of it, else
404 (a cadre never learns they were considered). Everyone else 403.

Bad input: a value that is no id, fewer than 2 or more than 6 cadres, an unknown cadre:
400 with the reason, the picker still on the page. While searching (``q`` or ``pick``
given) the page lists matches and shows the comparison only once the count is right.
The PDF download is audited (object type ``selection_round`` with the round, else none).
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, render_template, request
from flask_login import current_user

from cadre_app import clock
from cadre_app.blueprints.records.routes import pdf_attachment
from cadre_app.blueprints.selection import bp
from cadre_app.errors import render_error
from cadre_app.extensions import db
from cadre_app.models import Role
from cadre_app.models.selection import SelectionRound
from cadre_app.permissions import has_role, role_required
from cadre_app.services.core import audit, pdf
from cadre_app.services.roster import queries as roster_queries
from cadre_app.services.selection import comparison

READERS = (Role.HR, Role.MANAGER)
#: The round page's 赛道相马 section (``registry.part_sections``, hook ``round_section``).
ROUND_SECTION = ("selection/compare_round_section.html", 40)
#: Matches the picker lists for a search.
PICKER_MATCHES = 20


def _round_or_404() -> SelectionRound | None:
    """The ``?round=`` of the request: None when not given (HR only), 404 when unknown or
    not an id; a manager must give one."""
    raw = request.args.get("round", "").strip()
    if not raw:
        if not has_role(current_user, Role.HR):
            abort(404)
        return None
    if not raw.isdigit():
        abort(404)
    round_ = db.session.get(SelectionRound, int(raw))
    if round_ is None:
        abort(404)
    return round_


def _manager_check(round_: SelectionRound | None, ids: list[int]) -> None:
    """404 unless the manager reviews the round and every cadre is one of its candidates."""
    if has_role(current_user, Role.HR):
        return
    if not comparison.round_allows(round_, current_user.id, ids):
        abort(404)
    if current_user.cadre_id in ids:  # one's own candidacy is not for one's eyes (issue 16)
        abort(404)


def _picker(round_: SelectionRound | None, q: str, chosen: list[int]) -> list[dict[str, Any]]:
    """The cadres the picker offers: a round's candidates (a manager, or HR with a round),
    or for HR the roster's matches of ``q`` (name, 工号, pinyin)."""
    if round_ is not None:
        rows = comparison.round_candidates(round_)
        if not has_role(current_user, Role.HR):
            rows = [r for r in rows if r["id"] != current_user.cadre_id]
        if q:
            rows = [r for r in rows if q in r["name"] or q in r["staff_no"]]
        return rows
    if not q:
        return []
    page = roster_queries.list_cadres(
        roster_queries.RosterFilters(q=q, sort="name", per_page=PICKER_MATCHES),
        visible_departments=None,
    )
    return [
        {"id": r["id"], "staff_no": r["staff_no"], "name": r["name"], "department": r["department"]}
        for r in page.rows
    ]


def round_section(round_: SelectionRound, user: Any) -> dict[str, Any] | None:
    """The round page's section: the round's candidates to tick and compare (HR, and the
    managers assigned to review the round); None for anyone else or without 2 candidates."""
    reviewer = has_role(user, Role.MANAGER) and user.id in {u.id for u in round_.reviewers}
    if not (has_role(user, Role.HR) or reviewer):
        return None
    candidates = comparison.round_candidates(round_)
    if reviewer:
        candidates = [c for c in candidates if c["id"] != user.cadre_id]
    if len(candidates) < comparison.MIN_CADRES:
        return None
    return {
        "round_id": round_.id,
        "candidates": candidates,
        "low": comparison.MIN_CADRES,
        "high": comparison.MAX_CADRES,
    }


def _raw_ids() -> list[str]:
    return request.args.getlist("cadre")


@bp.get("/compare")
@role_required(*READERS)
def compare() -> Any:
    """赛道相马: the comparison of 2–6 cadres, and the picker."""
    round_ = _round_or_404()
    q = request.args.get("q", "").strip()[:50]
    picking = bool(q) or "pick" in request.args or not _raw_ids()
    error, result, ids = None, None, []
    try:
        ids = comparison.parse_ids(_raw_ids())
        _manager_check(round_, ids)
        cadres = comparison.load_cadres(ids)
        result = comparison.build(cadres, on=clock.today(), round_=round_)
    except comparison.CompareError as problem:
        error = str(problem)
        ids = [int(v) for v in _raw_ids() if v.strip().isdigit() and len(v.strip()) <= 12]
        _manager_check(round_, ids)
    chosen_rows = []
    if ids and result is None:  # keep the valid part of the choice in the picker
        known = comparison.known_cadres(ids)
        chosen_rows = [known[i] for i in ids if i in known]
    elif result is not None:
        chosen_rows = [
            {"id": c.id, "staff_no": c.staff_no, "name": c.name, "department": c.department}
            for c in result.candidates
        ]
    status = 400 if error and not picking else 200
    return (
        render_template(
            "selection/compare.html",
            result=result,
            error=error if _raw_ids() else None,
            round=round_,
            q=q,
            chosen=chosen_rows,
            matches=[m for m in _picker(round_, q, ids) if m["id"] not in set(ids)],
            max_cadres=comparison.MAX_CADRES,
            min_cadres=comparison.MIN_CADRES,
        ),
        status,
    )


@bp.get("/compare.pdf")
@role_required(*READERS)
def compare_pdf() -> Any:
    """The comparison as a landscape A4 PDF (the records' Chinese), audited."""
    round_ = _round_or_404()
    try:
        ids = comparison.parse_ids(_raw_ids())
    except comparison.CompareError as problem:
        _manager_check(round_, [])
        return render_error(400, str(problem))
    _manager_check(round_, ids)
    try:
        cadres = comparison.load_cadres(ids)
    except comparison.CompareError as problem:
        return render_error(400, str(problem))
    data = comparison.pdf_data(
        cadres,
        on=clock.today(),
        organisation=current_app.config["ORGANISATION_NAME"],
        round_=round_,
    )
    try:
        content = pdf.render_pdf(
            comparison.PDF_TEMPLATE,
            data,
            title=comparison.TITLE,
            author=current_app.config["ORGANISATION_NAME"],
            subject=comparison.TITLE,
        )
    except pdf.PdfUnavailable as problem:
        current_app.logger.error("PDF unavailable: %s", problem)
        return render_error(503, str(problem))
    names = "、".join(f"{c.staff_no} {c.name}" for c in cadres)
    audit.record(
        "download",
        object_type="selection_round" if round_ is not None else None,
        object_id=round_.id if round_ is not None else None,
        summary=f"{comparison.TITLE}（PDF）：{names}",
    )
    db.session.commit()
    return pdf_attachment(
        content,
        f"{comparison.TITLE}.pdf",
        "selection-compare-" + "-".join(c.staff_no for c in cadres) + ".pdf",
    )
