"""The cadre roster: list, profile, edit (routes.py); Excel import and export
(import_routes.py); departments (department_routes.py); ``flask roster ...`` commands
(cli.py)."""

from flask import Blueprint, Flask

from cadre_app.models import Role
from cadre_app.services.core import registry

bp = Blueprint("roster", __name__, cli_group="roster")

from cadre_app.blueprints.roster import (  # noqa: E402,F401
    cli,
    department_routes,
    import_routes,
    routes,
)


def register(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/cadres")
    contributions = registry.get(app)
    contributions.add_menu_entry(
        "roster.index", "干部名册", (Role.HR, Role.MANAGER), order=20, section=("roster.",)
    )
    contributions.add_object_types(
        {
            "cadre": "干部",
            "cadre_photo": "照片",
            "family_member": "家庭成员",
            "resume_entry": "简历",
            "department": "处室",
        },
        order=20,
    )
    from cadre_app.services.roster import rules as roster_rules

    contributions.add_field_labels("cadre", roster_rules.LABELS)
    contributions.add_personal_object_types("cadre", "family_member", "resume_entry")
    contributions.add_field_labels("family_member", roster_rules.FAMILY_LABELS)
    contributions.add_field_labels("resume_entry", roster_rules.RESUME_LABELS)
    contributions.add_field_labels("department", roster_rules.DEPARTMENT_LABELS)
