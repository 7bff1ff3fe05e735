"""Forms of the shortlist and the managers' review. Single-field limits here; the rules
(stage, reason required, manager accounts only) in services.selection.reviews."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length

from cadre_app.services.selection.reviews import REASON_LIMIT

_TOO_LONG = _l("内容过长。")


class AddCandidateForm(FlaskForm):
    cadre_id = HiddenField()
    reason = TextAreaField(_l("列入理由"), validators=[Length(max=REASON_LIMIT, message=_TOO_LONG)])
    next = HiddenField()


class RemoveCandidateForm(FlaskForm):
    version = HiddenField()
    reason = TextAreaField(_l("移出理由"), validators=[Length(max=REASON_LIMIT, message=_TOO_LONG)])
    next = HiddenField()


class ReviewersForm(FlaskForm):
    reviewers = SelectMultipleField(_l("审阅领导"), coerce=int, choices=[], validate_choice=False)
    next = HiddenField()


class RescoreForm(FlaskForm):
    next = HiddenField()


class ViewForm(FlaskForm):
    view = StringField(_l("意见"))  # one of VIEWS: checked by services.selection.reviews
    reason = TextAreaField(_l("理由"), validators=[Length(max=REASON_LIMIT, message=_TOO_LONG)])
    recommended = BooleanField(_l("推荐为考察对象"))
