"""Monthly statistics (月度统计) under ``/statistics``: per section and month, 培训学时,
业务微讲座, 策论, secondments started and ended, talks opened and closed; a table per
measure, a chart of the bureau's months and a workbook. HR sees every section, a manager
their own; others 403."""

from flask import Blueprint, Flask

from cadre_app.models import Role
from cadre_app.services.core import registry

bp = Blueprint("statistics", __name__)

from cadre_app.blueprints.statistics import routes  # noqa: E402,F401


def register(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/statistics")
    contributions = registry.get(app)
    contributions.add_menu_entry(
        "statistics.monthly",
        "月度统计",
        (Role.HR, Role.MANAGER),
        order=44,
        section=("statistics.",),
    )
    contributions.add_object_types({"statistics": "月度统计"}, order=44)
