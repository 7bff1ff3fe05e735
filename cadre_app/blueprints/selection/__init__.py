"""Selection (选拔任用) under ``/selection``. One module per part:

- routes.py: positions (list, new, edit), discipline records, eligibility (page and
  ``flask selection eligible``);
- compare_routes.py: the 赛道相马 comparison of 2–6 candidates and its landscape PDF;
- round_routes.py: rounds and their stages (动议 → … → 转正), 讨论决定, 任前公示, 任职, 试用期;
- shortlist_routes.py: the shortlist (HR curates it, with reasons), the managers assigned to
  review a round, their views and recommendation (the manager's main page);
- recommendation_routes.py: 民主推荐 on the ballot machinery (codes, slips, the tally).

The round's page includes a section from each part module that defines
``round_section(round, user) -> dict | None`` and ``ROUND_SECTION = (template, order)``
(``registry.part_sections``).
"""

from flask import Blueprint, Flask

from cadre_app.models import Role
from cadre_app.services.ballots import kinds
from cadre_app.services.core import registry
from cadre_app.services.selection import recommendation_kind

bp = Blueprint("selection", __name__)

from cadre_app.blueprints.selection import (  # noqa: E402
    compare_routes,
    recommendation_routes,
    round_routes,
    routes,
    shortlist_routes,
)

PARTS = (routes, round_routes, shortlist_routes, recommendation_routes, compare_routes)


def register(app: Flask) -> None:
    from cadre_app.blueprints.selection.cli import selection_group  # imports cadre_app.cli

    kinds.register(recommendation_kind.KIND)
    app.register_blueprint(bp, url_prefix="/selection")
    app.cli.add_command(selection_group)
    contributions = registry.get(app)
    contributions.add_menu_entry(
        "selection.index", "选拔任用", (Role.HR,), order=39, section=("selection.",)
    )
    contributions.add_object_types(
        {"position": "选任职位", "discipline_record": "诫勉与处分", "selection_round": "选任工作"},
        order=39,
    )
    contributions.add_personal_object_types("discipline_record")
    for part in PARTS:
        contribute = getattr(part, "contribute", None)
        if contribute is not None:
            contribute(contributions)
