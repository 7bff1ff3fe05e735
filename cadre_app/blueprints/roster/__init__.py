"""The cadre roster: list, profile, edit (routes.py); Excel import and export (imports.py);
``flask roster ...`` commands (cli.py)."""

from flask import Blueprint

bp = Blueprint("roster", __name__, cli_group="roster")

from cadre_app.blueprints.roster import cli, department_routes, import_routes, routes  # noqa: E402,F401
