"""The notifications list, the read marks, the warnings page and the dashboard panel.

Access: HR, managers and cadres (each sees only their own notifications, and the warnings
that concern them: ``rules.concerns``); the admin and the auditor 403.
"""

from __future__ import annotations

import math
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from cadre_app import clock
from cadre_app.blueprints.reminders import bp
from cadre_app.extensions import db
from cadre_app.forms import EmptyForm
from cadre_app.models import Role
from cadre_app.permissions import has_role, role_required
from cadre_app.services.core.kept import kept
from cadre_app.services.reminders import operations
from cadre_app.services.reminders import warnings as gather

READERS = (Role.HR, Role.MANAGER, Role.CADRE)
#: The key of the unread count among the session columns (``user.session_extras``).
UNREAD = "unread_notifications"
#: Warnings per kind on the dashboard panel (the page lists them all).
PANEL_ROWS = 5


@bp.get("/", endpoint="index")
@role_required(*READERS)
def index() -> Any:
    """The user's notifications, unread first, 50 a page."""
    raw = request.args.get("page", "1")
    page = int(raw) if raw.isdigit() and 0 < len(raw) < 7 else 1
    rows, total = operations.page_of(current_user.id, max(page, 1))
    return render_template(
        "reminders/index.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, math.ceil(total / operations.PER_PAGE)),
        unread=operations.unread_count(current_user.id),
        form=EmptyForm(),
    )


@bp.post("/<int:notification_id>/read", endpoint="read")
@role_required(*READERS)
def read(notification_id: int) -> Any:
    """Mark one notification read (posted twice: the same)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not operations.mark_read(current_user.id, notification_id, now=clock.utcnow()):
        abort(404)
    db.session.commit()
    return redirect(url_for("reminders.index"))


@bp.post("/read-all", endpoint="read_all")
@role_required(*READERS)
def read_all() -> Any:
    """Mark every notification read."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    count = operations.mark_all_read(current_user.id, now=clock.utcnow())
    db.session.commit()
    flash(_("已将 %(n)d 条提醒标记为已读。", n=count), "success")
    return redirect(url_for("reminders.index"))


@bp.get("/warnings", endpoint="warnings")
@role_required(*READERS)
def warnings_page() -> Any:
    """The warnings in force that concern the user, grouped by kind (the list the dashboards
    keep: it is gathered again after any write)."""
    today = clock.today()
    found = gather.for_user(current_user, gather.collect_cached(today))
    return render_template(
        "reminders/warnings.html", groups=gather.grouped(found), total=len(found), today=today
    )


def warnings_panel(user: Any) -> dict[str, Any] | None:
    """The dashboard's card: the user's warnings by kind (a few each); nothing when none.
    Kept while nothing is written (services.core.kept), per reader: picking a manager's
    warnings out of 20,000 costs more than the rest of the dashboard."""
    today = clock.today()
    led = tuple(sorted(d.id for d in user.led_departments)) if has_role(user, Role.MANAGER) else ()
    reader = (today, str(get_locale()), str(user.role), led, user.cadre_id)

    def panel() -> dict[str, Any] | None:
        found = gather.for_user(user, gather.collect_cached(today))
        if not found:
            return None
        return {"groups": gather.grouped(found), "total": len(found), "rows": PANEL_ROWS}

    return kept("warnings-panel", reader, panel)


def unread_of(user: Any) -> int:
    """The user's unread count: the figure read with the session (``UNREAD``), else one
    COUNT, once a request."""
    if "unread_count" not in g:
        extras = getattr(user, "session_extras", None) or {}
        found = extras.get(UNREAD)
        g.unread_count = int(found) if found is not None else operations.unread_count(user.id)
    return int(g.unread_count)


def reminder_badge(user: Any, *, compact: bool = False) -> Markup:
    """The navigation bar's 提醒 link with the unread count, for the roles that get
    reminders; nothing for the others. ``compact``: the count beside the menu button on a
    phone, where the menu itself is folded (nothing when none is unread). The count is read
    with the session (the registry's session columns), as the request starts."""
    if not getattr(user, "is_authenticated", False) or not has_role(user, *READERS):
        return Markup("")
    count = unread_of(user)
    if compact and not count:
        return Markup("")
    html = render_template("reminders/_badge.html", count=count, compact=compact)  # autoescaped
    return Markup(html)  # noqa: S704 - an autoescaped template's output  # nosec B704
