"""The dashboard per role and the cadre's own page (routes.py)."""

from flask import Blueprint, Flask

from cadre_app.models import Role
from cadre_app.services.core import registry

bp = Blueprint("main", __name__)

from cadre_app.blueprints.main import routes  # noqa: E402,F401


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    menu = registry.get(app)
    menu.add_menu_entry("main.index", "工作台", tuple(Role), order=10)
    menu.add_menu_entry("main.me", "我的档案", (Role.CADRE,), order=60)
