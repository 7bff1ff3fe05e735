"""The audit log's filter form: read from the query string (GET), so it carries no CSRF token."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import gettext as translate  # for msgids held in ACTIONS (not extracted here)
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from cadre_app.forms import select_choices
from cadre_app.services.audit.queries import RESULTS, AuditFilters
from cadre_app.services.core import registry
from cadre_app.services.core.audit import ACTIONS


class LocalDateField(DateField):
    """A ``YYYY-MM-DD`` date whose parse error is a Chinese message, not WTForms' English one."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = datetime.strptime(valuelist[0].strip(), "%Y-%m-%d").date()
        except ValueError:
            self.data = None
            raise ValueError(_("请输入有效日期，格式为 YYYY-MM-DD，例如 2026-03-01。")) from None


class AuditFilterForm(FlaskForm):
    """Filters of the audit page and of its export; every field is optional."""

    class Meta:
        csrf = False  # a GET search changes nothing

    date_from = LocalDateField(_l("开始日期"), validators=[Optional()])
    date_to = LocalDateField(_l("结束日期"), validators=[Optional()])
    actor = StringField(
        _l("用户"),
        validators=[Optional(), Length(max=64, message=_l("用户名最多 64 个字符。"))],
        filters=[lambda value: value.strip() if value else value],
    )
    actor_prefix = BooleanField(_l("按前缀匹配"))
    action = SelectField(_l("操作"), choices=[], validate_choice=False)
    #: Offered by the names shown in the log (the registry's audit object types); the value
    #: sent is the type's code, so links with ``?object_type=cadre`` keep working.
    object_type = SelectField(_l("对象类型"), choices=[], validate_choice=False)
    object_id = StringField(
        _l("对象ID"),
        validators=[Optional(), Length(max=64, message=_l("对象ID最多 64 个字符。"))],
        filters=[lambda value: value.strip() if value else value],
    )
    result = SelectField(_l("结果"), choices=[], validate_choice=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.action.choices = select_choices(
            [("", _("全部"))] + [(code, translate(label)) for code, label in ACTIONS.items()]
        )
        self.object_type.choices = select_choices(
            [("", _("全部"))]
            + [(code, translate(name)) for code, name in registry.current().object_types.items()]
        )
        self.result.choices = select_choices(
            [("", _("全部")), ("ok", _("成功")), ("fail", _("失败"))]
        )

    def validate_action(self, field: SelectField) -> None:
        if field.data and field.data not in ACTIONS:
            raise ValidationError(_l("未知的操作类型。"))

    def validate_object_type(self, field: SelectField) -> None:
        if field.data and field.data not in registry.current().object_types:
            raise ValidationError(_l("未知的对象类型。"))

    def validate_result(self, field: SelectField) -> None:
        if field.data and field.data not in RESULTS:
            raise ValidationError(_l("结果只能是“成功”或“失败”。"))

    def validate_date_to(self, field: LocalDateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("结束日期不能早于开始日期。"))

    def to_filters(self) -> AuditFilters:
        """The validated form as the search service's filters."""
        return AuditFilters(
            date_from=self.date_from.data,
            date_to=self.date_to.data,
            actor=self.actor.data or None,
            actor_prefix=bool(self.actor_prefix.data),
            action=self.action.data or None,
            object_type=self.object_type.data or None,
            object_id=self.object_id.data or None,
            result=self.result.data or None,
        )
