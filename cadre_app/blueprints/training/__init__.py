"""Training (教育培训) under ``/training``. One module per part, each with its routes and, when
it has them, its contributions:

- routes.py: courses, participants, attendance, external records, settings;
- hours_routes.py: the 学时 ledger (organisation table, chart, workbook);
- import_routes.py: the 培训记录 workbook (upload → preview → confirm);
- lecture_routes.py: 业务微讲座; essay_routes.py: 策论 and their reviews;
- plan_routes.py: development plans (个人培养计划), mentors;
- programme_routes.py: the programme (五航工程) and its cohorts;
- cli.py: ``flask training ...`` (commands in hours_cli.py and import_cli.py).

A part module may define ``contribute(contributions)`` (dashboard panels, audit field labels)
and ``profile_section(cadre, user) -> dict | None`` with ``PROFILE_SECTION = (template,
order)``: its part of the profile's 教育培训 tab (``/cadres/<id>?tab=training``, ``/me``).
"""

from typing import Any

from flask import Blueprint, Flask

from cadre_app.models import Role
from cadre_app.services.core import registry, settings
from cadre_app.services.training import rules

bp = Blueprint("training", __name__)

from cadre_app.blueprints.training import (  # noqa: E402
    essay_routes,
    hours_routes,
    import_routes,
    lecture_routes,
    pdf_routes,
    plan_routes,
    programme_routes,
    routes,
)

PARTS = (
    routes,
    hours_routes,
    import_routes,
    lecture_routes,
    essay_routes,
    plan_routes,
    programme_routes,
    pdf_routes,
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
    contributions.add_menu_entry("training.settings_page", "培训设置", (Role.ADMIN,), order=82)
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
    contributions.add_personal_object_types("enrolment", "essay", "plan")
    contributions.add_profile_tab(
        "training", "教育培训", "training/profile_tab.html", profile_tab, order=50
    )
    for part in PARTS:
        contribute = getattr(part, "contribute", None)
        if contribute is not None:
            contribute(contributions)


def profile_tab(cadre: Any, user: Any) -> dict[str, Any]:
    """The profile's 教育培训 tab: each part's section, in the parts' order."""
    sections = []
    for part in PARTS:
        load = getattr(part, "profile_section", None)
        if load is None:
            continue
        template, order = part.PROFILE_SECTION
        context = load(cadre, user)
        if context is not None:
            sections.append((order, template, context))
    return {"sections": [(template, context) for _o, template, context in sorted(sections)]}
