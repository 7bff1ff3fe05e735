"""HR's conclusion on one subject's results. Single-field limits here; the rules (a reason
for 基本合格 and 不合格, the state, the version) in services.assessments.results."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, TextAreaField

from cadre_app.i18n import term
from cadre_app.models import CONCLUSIONS


class ConclusionForm(FlaskForm):
    version = HiddenField()
    conclusion = RadioField(_l("考察结论"), choices=[], validate_choice=False)
    reason = TextAreaField(_l("理由"), render_kw={"rows": 3, "maxlength": 1000})

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.conclusion.choices = [(c, term(c)) for c in CONCLUSIONS]


#: The conclusions and ratings, stored in Chinese and shown with ``term`` (listed so that
#: extraction puts them in the catalogue).
TERMS = (
    _l("合格"),
    _l("基本合格"),
    _l("不合格"),
    _l("好"),
    _l("较好"),
    _l("一般"),
    _l("差"),
)
