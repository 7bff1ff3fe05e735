"""Courses, participants, attendance, the 学时 ledger and settings."""

from flask import render_template

from cadre_app.blueprints.training import bp
from cadre_app.models import Role
from cadre_app.permissions import role_required


@bp.get("/")
@role_required(Role.HR, Role.MANAGER)
def index():  # type: ignore[no-untyped-def]
    return render_template("training/index.html")
