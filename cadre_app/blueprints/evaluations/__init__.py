"""Annual evaluation: ranking pages and actions (routes.py), the score workbook import
(import_routes.py), ``flask evaluations ...`` (cli.py, import_cli.py)."""

from flask import Blueprint, Flask

from cadre_app.models import Role
from cadre_app.services.core import registry

bp = Blueprint("evaluations", __name__, cli_group="evaluations")

from cadre_app.blueprints.evaluations import (  # noqa: E402,F401
    cli,
    import_cli,
    import_routes,
    routes,
)


def register(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/evaluations")
    contributions = registry.get(app)
    contributions.add_menu_entry(
        "evaluations.index",
        "年度考核",
        (Role.HR, Role.MANAGER),
        order=30,
        section=("evaluations.",),
    )
    contributions.add_object_types(
        {"evaluation_cycle": "年度考核", "evaluation": "考核成绩", "quarterly_grade": "平时考核"},
        order=30,
    )
    contributions.add_personal_object_types("evaluation", "quarterly_grade")
    from cadre_app.services.evaluations import rules as evaluation_rules

    contributions.add_field_labels("evaluation", evaluation_rules.EVALUATION_AUDIT_LABELS)
    contributions.add_field_labels("evaluation_cycle", evaluation_rules.CYCLE_AUDIT_LABELS)
    contributions.add_field_labels("quarterly_grade", evaluation_rules.QUARTER_AUDIT_LABELS)
