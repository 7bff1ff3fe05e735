"""The structure of the cadre pool (干部队伍结构) under ``/analytics``: the page
``/analytics/structure?as_of=&section=``, the 干部队伍结构分析报告 as PDF and workbook, and the
structure panel on HR's and the managers' dashboards (routes.py). HR sees the organisation and
each section; a manager the sections they lead; other roles 403."""

from flask import Blueprint, Flask

from cadre_app.models import Role
from cadre_app.services.core import registry

bp = Blueprint("analytics", __name__)

from cadre_app.blueprints.analytics import routes  # noqa: E402

READERS = routes.READERS


def register(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/analytics")
    contributions = registry.get(app)
    contributions.add_menu_entry(
        "analytics.structure",
        "队伍结构",
        (Role.HR, Role.MANAGER),
        order=25,
        section=("analytics.",),
    )
    contributions.add_object_types({"structure_report": "干部队伍结构分析报告"}, order=36)
    contributions.add_dashboard_panel(
        "structure", "analytics/panel.html", routes.structure_panel, READERS, order=70
    )
