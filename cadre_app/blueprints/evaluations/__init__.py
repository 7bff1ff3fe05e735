"""Annual evaluation: ranking pages and actions (routes.py), the score workbook import
(import_routes.py), ``flask evaluations ...`` (cli.py, cli_import.py)."""

from flask import Blueprint

bp = Blueprint("evaluations", __name__, cli_group="evaluations")

from cadre_app.blueprints.evaluations import (  # noqa: E402,F401
    cli,
    import_cli,
    import_routes,
    routes,
)
