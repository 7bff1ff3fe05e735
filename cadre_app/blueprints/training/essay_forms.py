"""Forms of the 策论 pages. The file's type and size are checked by services.training.essays
(by its bytes, not its name); dates are parsed with Chinese messages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

DATE_KW = {"type": "date"}


class EssayForm(FlaskForm):
    author_staff_no = StringField(
        _l("作者工号"),
        validators=[Length(max=32, message=_l("内容过长。"))],
        render_kw={"autocomplete": "off"},
    )
    author_id = HiddenField()
    title = StringField(
        _l("策论题目"),
        validators=[
            InputRequired(_l("请填写策论题目。")),
            Length(max=200, message=_l("内容过长。")),
        ],
    )
    topic = StringField(_l("选题方向"), validators=[Length(max=200, message=_l("内容过长。"))])
    submitted_on = StringField(
        _l("提交日期"), validators=[InputRequired(_l("请填写提交日期。"))], render_kw=DATE_KW
    )
    programme_id = SelectField(_l("所属培养项目"), choices=[], validate_choice=False)
    file = FileField(
        _l("策论文件（PDF 或 DOCX，不超过 10 MB）"),
        render_kw={"accept": ".pdf,.docx,application/pdf"},
    )


class ReviewersForm(FlaskForm):
    reviewers = SelectMultipleField(
        _l("评审人"),
        coerce=int,
        choices=[],
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


class GradeForm(FlaskForm):
    grade = RadioField(
        _l("等次"),
        choices=[],
        validators=[InputRequired(_l("请选择等次。"))],
        validate_choice=False,
    )
    comment = TextAreaField(
        _l("评语"),
        validators=[Length(max=2000, message=_l("内容过长。"))],
        render_kw={"rows": 4},
    )


class AdoptForm(FlaskForm):
    adopted_on = StringField(
        _l("采纳日期"), validators=[InputRequired(_l("请填写采纳日期。"))], render_kw=DATE_KW
    )
    adopted_note = StringField(
        _l("采纳说明"),
        validators=[Length(max=500, message=_l("内容过长。"))],
        render_kw={"placeholder": _l("如 被局党组采纳，纳入某项工作方案")},
    )


class ReviewerRemoveForm(FlaskForm):
    review_id = HiddenField()
