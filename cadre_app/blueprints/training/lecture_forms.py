"""Forms of the 业务微讲座 pages. Dates are parsed with Chinese messages (services.core.dates);
rules across records (speaker not an attendee, one rating per attendee) live in
services.training.lectures."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from cadre_app.forms import select_choices

DATE_KW = {"type": "date"}


class LectureForm(FlaskForm):
    speaker_staff_no = StringField(
        _l("主讲人工号"),
        validators=[Length(max=32, message=_l("内容过长。"))],
        render_kw={"autocomplete": "off"},
    )
    speaker_id = HiddenField()  # the cadre picked by the search (the 工号 is shown too)
    topic = StringField(
        _l("讲座题目"),
        validators=[
            InputRequired(_l("请填写讲座题目。")),
            Length(max=200, message=_l("内容过长。")),
        ],
    )
    held_on = StringField(
        _l("讲座日期"), validators=[InputRequired(_l("请填写讲座日期。"))], render_kw=DATE_KW
    )
    duration_hours = StringField(
        _l("讲座学时"),
        validators=[InputRequired(_l("请填写讲座学时（数字，如 2 或 1.5）。"))],
        render_kw={"inputmode": "decimal"},
    )
    place = StringField(_l("地点"), validators=[Length(max=100, message=_l("内容过长。"))])
    programme_id = SelectField(_l("所属培养项目"), choices=[], validate_choice=False)
    notes = TextAreaField(
        _l("备注"),
        validators=[Length(max=2000, message=_l("内容过长。"))],
        render_kw={"rows": 3},
    )


class RateForm(FlaskForm):
    """An attendee's own rating (once)."""

    rating = SelectField(
        _l("评分"),
        choices=select_choices([("", "—")] + [(n, str(n)) for n in range(5, 0, -1)]),
        validators=[InputRequired(_l("请选择评分。"))],
        validate_choice=False,
    )
    comment = TextAreaField(
        _l("评语"),
        validators=[Length(max=500, message=_l("内容过长。"))],
        render_kw={"rows": 3},
    )
