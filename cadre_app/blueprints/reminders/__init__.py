"""Reminders (提醒) under ``/reminders``: the warnings list (``/reminders/warnings``, grouped
by kind, each linking to its record), the in-app notifications (``/reminders/``, mark read),
the unread count in the navigation bar, a warnings panel on HR's and the managers' (and a
cadre's) dashboard, and ``flask reminders run``. The daily task lives in
``services.reminders.operations.daily_reminders``.
"""

from flask import Blueprint, Flask

from cadre_app.models import Role
from cadre_app.services.core import registry, settings
from cadre_app.services.reminders import operations, rules

bp = Blueprint("reminders", __name__)

from cadre_app.blueprints.reminders import routes  # noqa: E402

READERS = (Role.HR, Role.MANAGER, Role.CADRE)


def register(app: Flask) -> None:
    from cadre_app.blueprints.reminders.cli import reminders_group

    settings.register_defaults(rules.SETTINGS_KEY, rules.DEFAULT_SETTINGS)
    app.register_blueprint(bp, url_prefix="/reminders")
    app.cli.add_command(reminders_group)
    app.jinja_env.globals["reminder_badge"] = routes.reminder_badge
    contributions = registry.get(app)
    contributions.add_object_types({"notification": "提醒"}, order=95)
    contributions.add_session_column(routes.UNREAD, operations.unread_count_column)
    contributions.add_dashboard_panel(
        "reminders", "reminders/panel.html", routes.warnings_panel, READERS, order=5
    )
