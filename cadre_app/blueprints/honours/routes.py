"""The published roll, one entry, its photo and the poster. Thin views: parse, check access,
call services.honours.queries, render.

Access: the published roll, its entries, photos and poster are for every signed-in user
(cadres included). An entry not yet published is read only by HR and the managers of its
section; for everyone else it is 404, as if it did not exist (rules.may_read).
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from cadre_app import clock
from cadre_app.blueprints.honours import bp
from cadre_app.blueprints.records.routes import pdf_attachment
from cadre_app.errors import render_error
from cadre_app.extensions import db
from cadre_app.models import HonourEntry, HonourKind, HonourState, Role
from cadre_app.permissions import has_role, role_required, visible_department_ids
from cadre_app.services.core import audit, pdf
from cadre_app.services.honours import operations, queries, rules
from cadre_app.services.honours import pdf as honour_pdf

EVERYONE = tuple(Role)
S = HonourState


def led_departments() -> list[int]:
    """The sections whose unpublished entries the reader may see (HR: see ``is_hr``)."""
    return visible_department_ids(current_user) or []


def entry_or_404(entry_id: int) -> HonourEntry:
    """The entry when the reader may see it: published, or HR, or its section's manager."""
    entry = queries.entry_visible(
        entry_id, is_hr=has_role(current_user, Role.HR), led_department_ids=led_departments()
    )
    if entry is None:
        abort(404)
    return entry


def _roll(year: int, quarter: int) -> Any:
    entries = queries.published_roll(year, quarter)
    if not entries:
        abort(404)
    return render_template(
        "honours/roll.html",
        year=year,
        quarter=quarter,
        quarter_text=rules.quarter_text(year, quarter),
        sections=[e for e in entries if e.kind is HonourKind.SECTION],
        people=[e for e in entries if e.kind is HonourKind.INDIVIDUAL],
        quarters=queries.quarters(),
        paragraphs=rules.paragraphs,
        may_manage=has_role(current_user, Role.HR, Role.MANAGER),
    )


@bp.get("/")
@role_required(*EVERYONE)
def index() -> Any:
    """The latest published quarter's roll, with links to the past quarters."""
    published = queries.quarters()
    if not published:
        return render_template(
            "honours/roll.html",
            year=None,
            quarter=None,
            sections=[],
            people=[],
            quarters=[],
            paragraphs=rules.paragraphs,
            may_manage=has_role(current_user, Role.HR, Role.MANAGER),
        )
    return _roll(published[0].year, published[0].quarter)


@bp.get("/<int:year>/<int:quarter>")
@role_required(*EVERYONE)
def quarter_roll(year: int, quarter: int) -> Any:
    """One published quarter's roll (404 when nothing of it is published)."""
    if quarter not in rules.QUARTERS:
        abort(404)
    return _roll(year, quarter)


@bp.get("/<int:year>/<int:quarter>/poster.pdf")
@role_required(*EVERYONE)
def poster(year: int, quarter: int) -> Any:
    """The quarter's poster: A4 portrait, ``?size=A3`` for the larger sheet."""
    size = request.args.get("size", "A4").upper()
    if size not in honour_pdf.SIZES:
        abort(400)
    entries = queries.published_roll(year, quarter) if quarter in rules.QUARTERS else []
    if not entries:
        abort(404)
    organisation = current_app.config["ORGANISATION_NAME"]
    data = honour_pdf.poster_data(
        year, quarter, entries, organisation=organisation, size=size, today=clock.today()
    )
    label = rules.quarter_label(year, quarter)
    try:
        content = pdf.render_pdf(
            honour_pdf.TEMPLATE,
            data,
            title=f"{honour_pdf.TITLE}（{label}）",
            author=organisation,
            subject=honour_pdf.TITLE,
        )
    except pdf.PdfUnavailable as error:
        current_app.logger.error("PDF unavailable: %s", error)
        return render_error(503, str(error))
    audit.record(
        "download",
        object_type=operations.OBJECT_TYPE,
        summary=f"{label} 光荣榜海报（{size}）",
    )
    db.session.commit()
    return pdf_attachment(
        content,
        f"{honour_pdf.TITLE}-{label}-{size}.pdf",
        f"honour-roll-{year}-q{quarter}-{size.lower()}.pdf",
    )


@bp.get("/entries/<int:entry_id>")
@role_required(*EVERYONE)
def entry(entry_id: int) -> Any:
    """One entry: the deeds in full, the photo, its state and, for HR and the section's
    manager, what may be done with it."""
    found = entry_or_404(entry_id)
    from cadre_app.blueprints.honours.manage_routes import entry_actions

    return render_template(
        "honours/entry.html",
        entry=found,
        quarter_text=rules.quarter_text(found.year, found.quarter),
        paragraphs=rules.paragraphs(found.deeds),
        **entry_actions(found),
    )


@bp.get("/entries/<int:entry_id>/photo")
@role_required(*EVERYONE)
def entry_photo(entry_id: int) -> Any:
    """The entry's photo, to whoever may see the entry."""
    found = entry_or_404(entry_id)
    photo = queries.photo_of(found.id)
    if photo is None:
        abort(404)
    return photo[0], 200, {"Content-Type": photo[1], "Cache-Control": "private, max-age=300"}


def profile_tab(cadre: Any, user: Any) -> dict[str, Any]:
    """The profile's 光荣榜 tab: the cadre's published honours, newest first."""
    return {
        "entries": [
            {
                "id": e.id,
                "quarter": rules.quarter_text(e.year, e.quarter),
                "title": e.title,
                "in_rewards": e.in_rewards,
                "deeds": rules.paragraphs(e.deeds),
            }
            for e in queries.of_cadre(cadre.id)
        ]
    }


#: Audit labels shown in the UI's language (listed for extraction).
AUDIT_TERMS = (_l("光荣榜"),)


def _state_labels() -> dict[str, str]:
    return {state.value: label for state, label in S.labels().items()}


def _kind_labels() -> dict[str, str]:
    return {kind.value: kind.label for kind in HonourKind}


def contribute(contributions: Any) -> None:
    """Labels of the honour entries' audit snapshots, and of their states and kinds."""
    contributions.add_field_labels(
        operations.OBJECT_TYPE,
        operations.field_labels,
        values={"state": _state_labels, "kind": _kind_labels},
    )
