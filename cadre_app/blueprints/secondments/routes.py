"""The list of secondments, a secondment's page, new, edit and the state steps. Thin views:
parse, check access, call services.secondments.operations / queries, commit, redirect.

Access: HR reads and writes everything. A manager reads the secondments of cadres in the
sections they lead (another: 404). Everyone else: 403 (a cadre sees their own on ``/me``).
"""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from cadre_app.blueprints.secondments import bp
from cadre_app.extensions import db
from cadre_app.models import Role, Secondment
from cadre_app.permissions import role_required, visible_department_ids
from cadre_app.services.secondments import queries

READERS = (Role.HR, Role.MANAGER)


@bp.get("/")
@role_required(*READERS)
def index() -> str:
    stmt = queries.scoped(db.select(Secondment), visible_department_ids(current_user))
    rows = db.session.scalars(stmt.order_by(Secondment.start_date.desc()).limit(50)).all()
    return render_template("secondments/index.html", rows=rows)
