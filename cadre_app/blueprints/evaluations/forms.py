from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, NumberRange, Optional

from cadre_app.forms import select_choices
from cadre_app.services.evaluations import rules as ranking
from cadre_app.services.evaluations.operations import QUARTERLY_GRADES

_SCORE = [Optional(), NumberRange(0, 100, _l("成绩须在 0 至 100 之间。"))]


class CycleForm(FlaskForm):
    year = IntegerField(
        _l("考核年度"),
        validators=[
            InputRequired(_l("请填写年度。")),
            NumberRange(2000, 2100, _l("年度不在合理范围内。")),
        ],
    )


class SettingsForm(FlaskForm):
    weight_ordinary = IntegerField(_l("平时考核权重（%）"), validators=[InputRequired()])
    weight_democratic = IntegerField(_l("民主测评权重（%）"), validators=[InputRequired()])
    weight_leader = IntegerField(_l("领导评价权重（%）"), validators=[InputRequired()])
    quota_pct = IntegerField(_l("优秀比例（%）"), validators=[InputRequired()])
    approval_reason = StringField(_l("超过 20% 的批准依据"))
    min_section_size = IntegerField(_l("末位认定：处室最少参评人数"), validators=[InputRequired()])
    bottom_basic = BooleanField(_l("等次为基本称职者列为末位"))
    bottom_unfit = BooleanField(_l("等次为不称职者列为末位"))


class ScoreForm(FlaskForm):
    ordinary = DecimalField(_l("平时考核"), places=2, validators=_SCORE)
    democratic = DecimalField(_l("民主测评"), places=2, validators=_SCORE)
    leader = DecimalField(_l("领导评价"), places=2, validators=_SCORE)
    proposed_grade = SelectField(
        _l("拟定等次"),
        choices=select_choices([("", "—")] + [(g, _l(g)) for g in ranking.GRADES]),
        validate_choice=False,
    )
    no_grade = BooleanField(_l("只写评语、不定等次（如受处分期间）"))
    no_grade_reason = StringField(_l("不定等次原因"))
    reason = StringField(_l("更正理由（更正已录入成绩时必填）"))


class QuarterlyForm(FlaskForm):
    q1 = SelectField(_l("第一季度"), validate_choice=False)
    q2 = SelectField(_l("第二季度"), validate_choice=False)
    q3 = SelectField(_l("第三季度"), validate_choice=False)
    q4 = SelectField(_l("第四季度"), validate_choice=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for field in (self.q1, self.q2, self.q3, self.q4):
            field.choices = select_choices([("", "—")] + [(g, g) for g in QUARTERLY_GRADES])


class PublicityForm(FlaskForm):
    start = StringField(_l("公示开始日期"), validators=[InputRequired(_l("请填写公示开始日期。"))])
