"""The list of assessments, an assessment's page, new and edit, the state steps, checklists.
Thin views: parse, check access, call services.assessments, commit, redirect.

Access: HR runs assessments; a manager reads the list (and, in results_routes, the concluded
results of their sections); everyone else: 403.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template

from cadre_app.blueprints.assessments import bp
from cadre_app.extensions import db
from cadre_app.models import Assessment, Role
from cadre_app.permissions import role_required

READERS = (Role.HR, Role.MANAGER)


@bp.get("/")
@role_required(*READERS)
def index() -> str:
    assessments = db.session.scalars(sa.select(Assessment).order_by(Assessment.id.desc())).all()
    return render_template("assessments/index.html", assessments=assessments)
