"""Training (教育培训) under ``/training``: courses, participants, attendance, the 学时 ledger,
settings and the workbook (routes.py), 业务微讲座 (lecture_routes.py), 策论 (essay_routes.py),
development plans (plan_routes.py), the programme and its cohorts (programme_routes.py);
``flask training ...`` (cli.py)."""

from flask import Blueprint, Flask

from cadre_app.models import Role
from cadre_app.services.core import registry, settings
from cadre_app.services.training import rules

bp = Blueprint("training", __name__)

from cadre_app.blueprints.training import (  # noqa: E402,F401
    essay_routes,
    lecture_routes,
    plan_routes,
    programme_routes,
    routes,
)


def register(app: Flask) -> None:
    from cadre_app.blueprints.training.cli import training_group  # it imports cadre_app.cli

    settings.register_defaults(rules.SETTINGS_KEY, rules.DEFAULT_SETTINGS)
    app.register_blueprint(bp, url_prefix="/training")
    app.cli.add_command(training_group)
    contributions = registry.get(app)
    contributions.add_menu_entry(
        "training.index", "教育培训", (Role.HR, Role.MANAGER), order=35, section=("training.",)
    )
    contributions.add_object_types(
        {
            "course": "培训课程",
            "enrolment": "培训记录",
            "lecture": "业务微讲座",
            "essay": "策论",
            "plan": "个人培养计划",
            "programme": "培养项目",
        },
        order=35,
    )
