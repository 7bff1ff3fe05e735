"""Forms of the programme and cohort pages; rules live in services.training.programme."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Length


class ProgrammeForm(FlaskForm):
    name = StringField(_l("项目名称"), validators=[Length(max=100, message=_l("内容过长。"))])
    description = TextAreaField(
        _l("项目说明"),
        validators=[Length(max=5000, message=_l("内容过长。"))],
        render_kw={"rows": 4},
    )
    active = BooleanField(_l("正在实施"), default=True)


class CohortForm(FlaskForm):
    year = StringField(_l("年度"), render_kw={"inputmode": "numeric", "maxlength": 4})
    name = StringField(_l("期次名称"), validators=[Length(max=100, message=_l("内容过长。"))])


class SectionAddForm(FlaskForm):
    department_id = SelectField(_l("处室"), validate_choice=False)
    young_only = BooleanField(_l("只加入年轻干部"), default=True)
