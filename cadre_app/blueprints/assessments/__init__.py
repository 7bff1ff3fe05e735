"""Political-quality assessments (政治素质正反向测评) under ``/assessments``. One module per
part, each with its routes and, when it has them, its contributions:

- routes.py: the list, an assessment's page, new and edit (草拟), open, close early, archive;
  checklists and their versions (``/assessments/checklists``);
- codes_routes.py: codes per rater group, printed once as cut-out slips; voiding unused codes;
- results_routes.py: results (after closing), conclusions per subject, the 测评结果汇总表 PDF
  and the results workbook, the profile's 政治素质档案 tab;
- cli.py: ``flask assessments ...`` (the commands live in the parts' ``*_cli.py``).

The ballot page itself (``/ballot/``, no login) is the ``ballot`` blueprint's; this package
registers the assessment's kind of ballot (services.assessments.ballot_kind) with it.

A part module may define ``contribute(contributions)`` (dashboard panels, audit field labels)
and ``profile_section(cadre, user) -> dict | None`` with ``PROFILE_SECTION = (template,
order)``: its part of the profile's 政治素质档案 tab.
"""

from typing import Any

from flask import Blueprint, Flask

from cadre_app.models import Role
from cadre_app.services.assessments import ballot_kind, rules
from cadre_app.services.ballots import kinds
from cadre_app.services.core import registry, settings

bp = Blueprint("assessments", __name__)

from cadre_app.blueprints.assessments import (  # noqa: E402
    codes_routes,
    results_routes,
    routes,
)

PARTS = (routes, codes_routes, results_routes)


def register(app: Flask) -> None:
    from cadre_app.blueprints.assessments.cli import assessments_group  # imports cadre_app.cli

    settings.register_defaults(rules.SETTINGS_KEY, rules.DEFAULT_SETTINGS)
    kinds.register(ballot_kind.KIND)
    app.register_blueprint(bp, url_prefix="/assessments")
    app.cli.add_command(assessments_group)
    contributions = registry.get(app)
    contributions.add_menu_entry(
        "assessments.index",
        "政治素质测评",
        (Role.HR, Role.MANAGER),
        order=38,
        section=("assessments.",),
    )
    contributions.add_object_types({"assessment": "政治素质测评", "checklist": "测评表"}, order=38)
    contributions.add_personal_object_types("assessment")
    contributions.add_profile_tab(
        "political", "政治素质档案", "assessments/profile_tab.html", profile_tab, order=57
    )
    for part in PARTS:
        contribute = getattr(part, "contribute", None)
        if contribute is not None:
            contribute(contributions)


def profile_tab(cadre: Any, user: Any) -> dict[str, Any]:
    """The profile's 政治素质档案 tab: each part's section, in the parts' order."""
    return {"sections": registry.part_sections(PARTS, "profile_section", cadre, user)}
