"""Accounts for the admin role (routes.py) and ``flask users ...`` (cli.py)."""

from flask import Blueprint, Flask

from cadre_app.models import Role
from cadre_app.services.accounts import rules
from cadre_app.services.core import registry

bp = Blueprint("admin", __name__)

from cadre_app.blueprints.admin import cli, routes  # noqa: E402,F401


def register(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/admin")
    app.cli.add_command(cli.users_group)
    contributions = registry.get(app)
    contributions.add_menu_entry("admin.users", "账户管理", (Role.ADMIN,), order=70)
    contributions.add_object_types({"user": "账户"}, order=10)
    contributions.add_field_labels(
        "user", rules.FIELD_LABELS, values={"role": rules.role_labels, **rules.VALUE_LABELS}
    )
