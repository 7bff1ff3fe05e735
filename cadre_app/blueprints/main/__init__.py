from flask import Blueprint

bp = Blueprint("main", __name__)

from cadre_app.blueprints.main import routes  # noqa: E402,F401
