"""Signing in and out, changing one's password (routes.py)."""

from flask import Blueprint, Flask

from cadre_app.extensions import login_manager

bp = Blueprint("auth", __name__)

from cadre_app.blueprints.auth import routes  # noqa: E402,F401


def register(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/auth")
    login_manager.login_view = "auth.login"  # where anonymous users are sent
    login_manager.unauthorized_handler(routes.unauthorized)
