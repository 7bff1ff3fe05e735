"""The audit log for the auditor role (routes.py) and ``flask audit verify`` (cli.py)."""

from flask import Blueprint

bp = Blueprint("audit", __name__, cli_group="audit")

from cadre_app.blueprints.audit import cli, routes  # noqa: E402,F401
