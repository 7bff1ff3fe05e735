"""Selection (选拔任用) under ``/selection``. One module per part:

- routes.py: positions (list, new, edit), discipline records, eligibility (page and
  ``flask selection eligible``);
- compare_routes.py: the 赛道相马 comparison of 2–6 candidates and its landscape PDF.

Rounds (民主推荐 → … → 转正), shortlists and managers' reviews come later (issue 14).
"""

from flask import Blueprint, Flask

from cadre_app.models import Role
from cadre_app.services.core import registry

bp = Blueprint("selection", __name__)

from cadre_app.blueprints.selection import compare_routes, routes  # noqa: E402

PARTS = (routes, compare_routes)


def register(app: Flask) -> None:
    from cadre_app.blueprints.selection.cli import selection_group  # imports cadre_app.cli

    app.register_blueprint(bp, url_prefix="/selection")
    app.cli.add_command(selection_group)
    contributions = registry.get(app)
    contributions.add_menu_entry(
        "selection.index", "选拔任用", (Role.HR,), order=39, section=("selection.",)
    )
    contributions.add_object_types(
        {"position": "选任职位", "discipline_record": "诫勉与处分"}, order=39
    )
    for part in PARTS:
        contribute = getattr(part, "contribute", None)
        if contribute is not None:
            contribute(contributions)
