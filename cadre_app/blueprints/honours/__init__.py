"""The honour roll (光荣榜) under ``/honours``:

- routes.py: the published roll (every signed-in user), past quarters, one entry, its photo,
  the A4/A3 poster PDF;
- manage_routes.py: nominations (a manager for the sections they lead, HR for any), HR's
  management page (edit, approve, return with a reason, publish a quarter).

The honour also shows on the cadre's profile (the 光荣榜 tab), in the selection comparison
and, where the organisation chooses, in the 奖惩情况 of the 干部任免审批表 (both read
services.honours.queries).
"""

from flask import Blueprint, Flask

from cadre_app.models import Role
from cadre_app.services.core import registry

bp = Blueprint("honours", __name__)

from cadre_app.blueprints.honours import manage_routes, routes  # noqa: E402

PARTS = (routes, manage_routes)


def register(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/honours")
    contributions = registry.get(app)
    contributions.add_menu_entry(
        "honours.index", "光荣榜", tuple(Role), order=45, section=("honours.",)
    )
    contributions.add_object_types({"honour_entry": "光荣榜"}, order=45)
    contributions.add_profile_tab(
        "honours", "光荣榜", "honours/profile_tab.html", routes.profile_tab, order=58
    )
    for part in PARTS:
        contribute = getattr(part, "contribute", None)
        if contribute is not None:
            contribute(contributions)
