"""The admin's account forms (Flask-WTF, CSRF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from cadre_app.forms import select_choices
from cadre_app.models import Role


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class AccountForm(FlaskForm):
    """Real name, role and linked cadre; the login name only when the account is new."""

    username = StringField(
        _l("用户名（登录名）"),
        validators=[
            DataRequired(_l("请填写用户名。")),
            Length(max=64, message=_l("用户名最多 64 个字符。")),
        ],
        filters=[_strip],
    )
    real_name = StringField(
        _l("姓名"),
        validators=[
            DataRequired(_l("请填写使用人的真实姓名。")),
            Length(max=50, message=_l("姓名最多 50 个字符。")),
        ],
        filters=[_strip],
    )
    role = SelectField(_l("角色"), choices=[], validate_choice=False)
    cadre_staff_no = StringField(
        _l("关联干部工号"),
        validators=[Optional(), Length(max=32, message=_l("工号最多 32 个字符。"))],
        filters=[_strip],
        description=_l("干部账户必填；其他角色可留空。每名干部只能有一个账户。"),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = select_choices((role.value, role.label) for role in Role)

    def validate_role(self, field: SelectField) -> None:
        if field.data not in {role.value for role in Role}:
            raise ValidationError(_l("请选择有效的角色。"))


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class SectionsForm(FlaskForm):
    """处长 of one section and 分管领导 of several (manager accounts)."""

    head_of = SelectField(_l("任处长的处室"), choices=[], validate_choice=False)
    oversees = CheckboxesField(_l("分管的处室"), choices=[], validate_choice=False)

    def fill_choices(self, sections: list[tuple[int, str]]) -> None:
        self.head_of.choices = select_choices([("", _l("（不任处长）")), *sections])
        self.oversees.choices = select_choices(sections)

    def head_id(self) -> int | None:
        return int(self.head_of.data) if (self.head_of.data or "").isdigit() else None

    def oversee_ids(self) -> list[int]:
        return [int(v) for v in self.oversees.data or [] if str(v).isdigit()]
