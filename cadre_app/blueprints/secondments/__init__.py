"""Secondments (挂职锻炼 / 实践锻炼) under ``/secondments``. One module per part, each with its
routes and, when it has them, its contributions:

- routes.py: the list with its filters, a secondment's page, new, edit, the state steps;
- appraisal_routes.py: 期满鉴定 (HR's form, the cadre's own summary on ``/me``), 归档, the
  挂职锻炼鉴定表 PDF;
- overview_routes.py: the timeline (server-side SVG), counts by host type and year, warnings
  (ending soon, appraisal overdue) on the dashboards;
- import_routes.py: the 挂职锻炼 workbook (upload → preview → confirm, export);
- cli.py: ``flask secondments import|export``.

A part module may define ``contribute(contributions)`` (dashboard panels, audit field labels)
and ``profile_section(cadre, user) -> dict | None`` with ``PROFILE_SECTION = (template,
order)``: its part of the profile's 挂职锻炼 tab (``/cadres/<id>?tab=secondments``, ``/me``).
"""

from typing import Any

from flask import Blueprint, Flask

from cadre_app.models import Role
from cadre_app.services.core import registry, settings
from cadre_app.services.secondments import rules

bp = Blueprint("secondments", __name__)

from cadre_app.blueprints.secondments import (  # noqa: E402
    appraisal_routes,
    import_routes,
    overview_routes,
    routes,
)

PARTS = (routes, appraisal_routes, overview_routes, import_routes)


def register(app: Flask) -> None:
    from cadre_app.blueprints.secondments.cli import secondments_group  # imports cadre_app.cli

    settings.register_defaults(rules.SETTINGS_KEY, rules.DEFAULT_SETTINGS)
    app.register_blueprint(bp, url_prefix="/secondments")
    app.cli.add_command(secondments_group)
    contributions = registry.get(app)
    contributions.add_menu_entry(
        "secondments.index",
        "挂职锻炼",
        (Role.HR, Role.MANAGER),
        order=37,
        section=("secondments.",),
    )
    contributions.add_object_types({"secondment": "挂职锻炼"}, order=37)
    contributions.add_personal_object_types("secondment")
    contributions.add_profile_tab(
        "secondments", "挂职锻炼", "secondments/profile_tab.html", profile_tab, order=55
    )
    for part in PARTS:
        contribute = getattr(part, "contribute", None)
        if contribute is not None:
            contribute(contributions)


def profile_tab(cadre: Any, user: Any) -> dict[str, Any]:
    """The profile's 挂职锻炼 tab: each part's section, in the parts' order."""
    return {"sections": registry.part_sections(PARTS, "profile_section", cadre, user)}
