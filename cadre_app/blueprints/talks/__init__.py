"""Talks (谈话): list, create, record, transitions, holidays."""

from flask import Blueprint

bp = Blueprint("talks", __name__)

from cadre_app.blueprints.talks import routes  # noqa: E402,F401
