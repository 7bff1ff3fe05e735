"""Forms of 民主推荐 (HR's side): opening the ballot (title, window, rater groups) and closing
it early. Times and numbers are read by the assessments' form helpers (the same fields, the
same messages: blueprints.assessments.forms)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, StringField, TextAreaField
from wtforms.validators import Length

from cadre_app.blueprints.assessments.forms import DATETIME_KW

#: Rows of the rater groups' table (no JavaScript: a fixed number; an empty name leaves a
#: row out).
GROUP_ROWS = 5
#: The groups a new 民主推荐 starts from (会议推荐's usual participants).
DEFAULT_GROUPS = (("处级领导干部", 40, 10), ("科级及以下干部", 60, 40))


class GroupRow(Form):
    """One group of participants: name, weight (percent), ballots planned."""

    name = StringField(_l("推荐人类别"), validators=[Length(max=32, message=_l("内容过长。"))])
    weight = StringField(_l("权重"), render_kw={"inputmode": "numeric"})
    planned = StringField(_l("票数"), render_kw={"inputmode": "numeric"})


class OpenForm(FlaskForm):
    title = StringField(_l("投票名称"), validators=[Length(max=200, message=_l("内容过长。"))])
    opens_at = StringField(_l("开始时间"), render_kw=DATETIME_KW)
    closes_at = StringField(_l("结束时间"), render_kw=DATETIME_KW)
    groups = FieldList(FormField(GroupRow), min_entries=GROUP_ROWS, max_entries=GROUP_ROWS)


class CloseForm(FlaskForm):
    reason = TextAreaField(
        _l("提前结束的原因"),
        validators=[Length(max=500, message=_l("内容过长。"))],
        render_kw={"rows": 2},
    )
    confirm = BooleanField(_l("确认现在结束投票，结束后不再接受投票"))
