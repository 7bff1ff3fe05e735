"""Forms of 期满鉴定: HR's appraisal (also posted by the 归档 button) and the cadre's own
summary. Single-field limits here; the rules (state, grade, dates) in
services.secondments.appraisal."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from cadre_app.i18n import term
from cadre_app.models.secondments import APPRAISAL_GRADES
from cadre_app.services.core import dates
from cadre_app.services.secondments.appraisal import OPINION_LIMIT, SUMMARY_LIMIT


class AppraisalForm(FlaskForm):
    version = HiddenField()
    host_opinion = TextAreaField(
        _l("派驻单位鉴定意见"),
        validators=[Length(max=OPINION_LIMIT, message=_l("内容过长。"))],
        render_kw={"rows": 5},
    )
    grade = SelectField(_l("鉴定等次"), choices=[], validate_choice=False)
    conclusion = TextAreaField(
        _l("组织人事部门意见"),
        validators=[Length(max=OPINION_LIMIT, message=_l("内容过长。"))],
        render_kw={"rows": 4},
    )
    appraised_at = StringField(_l("鉴定日期"), render_kw={"type": "date"})

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.grade.choices = [("", _l("（请选择）"))] + [(g, term(g)) for g in APPRAISAL_GRADES]

    def appraisal_date(self) -> tuple[bool, date | None]:
        """(ok, the date or None); a format error goes onto the field."""
        try:
            day = dates.parse(self.appraised_at.data)
        except ValueError as error:
            self.appraised_at.errors = [*self.appraised_at.errors, str(error)]
            return False, None
        return True, date(day.year, day.month, day.day) if day else None


class SummaryForm(FlaskForm):
    version = HiddenField()
    summary = TextAreaField(
        _l("本人总结"),
        validators=[Length(max=SUMMARY_LIMIT, message=_l("内容过长。"))],
        render_kw={"rows": 8},
    )
