from flask import Blueprint

bp = Blueprint("admin", __name__)

from cadre_app.blueprints.admin import routes  # noqa: E402,F401
