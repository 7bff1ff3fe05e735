"""Printed records: the 干部任免审批表 and other PDF forms (routes.py), .lrmx exchange
(lrmx_routes.py), batch exports with progress (batch_routes.py), ``flask records ...``
(cli.py, cli_lrmx.py)."""

from flask import Blueprint

bp = Blueprint("records", __name__, cli_group="records")

from cadre_app.blueprints.records import (  # noqa: E402,F401
    batch_routes,
    cli,
    lrmx_cli,
    lrmx_routes,
    routes,
)
