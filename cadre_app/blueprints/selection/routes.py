"""Positions, discipline records and eligibility. Thin views.

Access: HR only for now (rounds with their assigned managers come later); others 403.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template

from cadre_app.blueprints.selection import bp
from cadre_app.extensions import db
from cadre_app.models import Position, Role
from cadre_app.permissions import role_required


@bp.get("/")
@role_required(Role.HR)
def index() -> str:
    positions = db.session.scalars(sa.select(Position).order_by(Position.id.desc())).all()
    return render_template("selection/index.html", positions=positions)
