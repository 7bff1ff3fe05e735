"""The dashboard for each role, the cadre's own page, and the health check."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request
from flask_login import current_user, login_required

from cadre_app.blueprints.main import bp
from cadre_app.blueprints.roster.routes import profile_tab, render_profile
from cadre_app.extensions import limiter
from cadre_app.services.core import health, registry
from cadre_app.services.dashboard import queries as dashboard


@bp.route("/")
@login_required
def index() -> Any:
    """The dashboard: each role sees the figures of its own work."""
    panels = [
        (p.template, loaded)
        for p in registry.current().panels_for(current_user.role)
        if (loaded := p.loader(current_user)) is not None
    ]
    return render_template(
        f"main/dashboard_{current_user.role.value}.html",
        data=dashboard.for_user(current_user),
        panels=panels,
    )


@bp.route("/me")
@login_required
def me() -> Any:
    """The signed-in cadre's own record; accounts without a linked cadre get 404."""
    if current_user.cadre is None:
        abort(404)
    return render_profile(current_user.cadre, profile_tab(request.args.get("tab", "basic")))


@bp.route("/healthz")
@limiter.exempt
def healthz() -> Any:
    """JSON for load balancers and monitoring: 200 when the database answers, else 503."""
    ok, detail = health.database_ok()
    body = {"status": "ok" if ok else "error", "database": "ok" if ok else detail}
    return body, (200 if ok else 503)
