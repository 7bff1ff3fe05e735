"""Talks (谈话): list, create, record, transitions, holidays (routes.py); ``flask holidays
sync`` (cli.py)."""

from flask import Blueprint, Flask

from cadre_app.models import Role
from cadre_app.services.core import registry

bp = Blueprint("talks", __name__)

from cadre_app.blueprints.talks import routes  # noqa: E402,F401


def register(app: Flask) -> None:
    from cadre_app.blueprints.talks.cli import holidays_group  # it imports cadre_app.cli

    app.register_blueprint(bp, url_prefix="/talks")
    app.cli.add_command(holidays_group)
    contributions = registry.get(app)
    contributions.add_menu_entry(
        "talks.index", "谈话管理", (Role.HR, Role.MANAGER), order=40, section=("talks.",)
    )
    contributions.add_menu_entry("talks.holidays", "节假日与调休", (Role.ADMIN,), order=80)
    contributions.add_object_types({"talk": "谈话", "holiday": "节假日"}, order=40)
    contributions.add_personal_object_types("talk")
    contributions.add_field_labels("talk", _talk_field_labels, values={"state": _talk_state_labels})
    contributions.add_field_labels("holiday", HOLIDAY_LABELS)
    contributions.add_dashboard_panel(
        "talks_conducted",
        "talks/conducted_panel.html",
        routes.conducted_panel,
        (Role.MANAGER,),
        order=35,
    )


#: Labels of a holiday's audit snapshot and of a calendar sync's (msgids).
HOLIDAY_LABELS = {
    "day": "日期",
    "name": "名称",
    "is_workday": "调休上班",
    "year": "年份",
    "added": "新增",
    "updated": "修改",
    "removed": "删除",
}


def _talk_field_labels() -> dict[str, str]:
    """The talk form's labels (translated) and those of the keys only the log holds."""
    from flask_babel import gettext as _

    from cadre_app.services.talks.operations import _labels as form_labels

    return {
        **form_labels(),
        "state": _("状态"),
        "due_date": _("谈话期限"),
        "reply_due_date": _("回复期限"),
    }


def _talk_state_labels() -> dict[str, str]:
    from cadre_app.models import TalkState

    return {state.value: state.label for state in TalkState}
