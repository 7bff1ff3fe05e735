"""Talks (谈话): list, create, record, transitions, holidays (routes.py); ``flask holidays
sync`` (cli.py)."""

from flask import Blueprint, Flask

from cadre_app.models import Role
from cadre_app.services.core import registry

bp = Blueprint("talks", __name__)

from cadre_app.blueprints.talks import routes  # noqa: E402,F401


def register(app: Flask) -> None:
    from cadre_app.blueprints.talks.cli import holidays_group  # it imports cadre_app.cli

    app.register_blueprint(bp, url_prefix="/talks")
    app.cli.add_command(holidays_group)
    contributions = registry.get(app)
    contributions.add_menu_entry(
        "talks.index", "谈话管理", (Role.HR, Role.MANAGER), order=40, section=("talks.",)
    )
    contributions.add_menu_entry("talks.holidays", "节假日与调休", (Role.ADMIN,), order=80)
    contributions.add_object_types({"talk": "谈话", "holiday": "节假日"}, order=40)
