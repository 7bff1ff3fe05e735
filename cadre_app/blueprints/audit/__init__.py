"""The audit log for the auditor role (routes.py) and ``flask audit verify`` (cli.py)."""

from flask import Blueprint, Flask

from cadre_app.models import Role
from cadre_app.services.core import audit, registry

bp = Blueprint("audit", __name__, cli_group="audit")

from cadre_app.blueprints.audit import cli, routes  # noqa: E402,F401


def register(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/audit")
    contributions = registry.get(app)
    contributions.add_menu_entry("audit.index", "审计日志", (Role.AUDITOR,), order=90)
    contributions.add_object_types({"audit_event": "审计日志"}, order=50)
    # the newest write, read with the session: what services.core.kept checks on each page
    contributions.add_session_column(audit.NEWEST_WRITE, audit.newest_write_column)
