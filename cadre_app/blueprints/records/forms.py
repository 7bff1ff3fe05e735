"""What HR fills in before printing a 干部任免审批表 (the AppointmentDraft)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from cadre_app.services.core import dates


def _date_field(label: Any) -> StringField:
    return StringField(
        label,
        validators=[InputRequired()],
        render_kw={"placeholder": "2026-05-10", "inputmode": "numeric"},
    )


class AppointmentForm(FlaskForm):
    """拟任职务, 拟免职务, 任免理由, 呈报单位, 计算年龄时间, 填表人, 填表时间."""

    proposed_post = StringField(
        _l("拟任职务"), validators=[Length(max=200)], render_kw={"maxlength": 200}
    )
    post_to_remove = StringField(
        _l("拟免职务"), validators=[Length(max=200)], render_kw={"maxlength": 200}
    )
    reason = TextAreaField(
        _l("任免理由"), validators=[Length(max=2000)], render_kw={"rows": 4, "maxlength": 2000}
    )
    reporting_unit = StringField(
        _l("呈报单位"),
        validators=[InputRequired(), Length(max=100)],
        render_kw={"maxlength": 100},
    )
    age_date = _date_field(_l("计算年龄时间"))
    filled_by = StringField(
        _l("填表人"), validators=[InputRequired(), Length(max=50)], render_kw={"maxlength": 50}
    )
    fill_date = _date_field(_l("填表时间"))

    def validate_age_date(self, field: StringField) -> None:
        _parse(field)

    def validate_fill_date(self, field: StringField) -> None:
        _parse(field)

    def fill(self, values: dict[str, Any]) -> None:
        """Prefill from ``services.records.appointment_form.draft_values``."""
        for attr, value in values.items():
            getattr(self, attr).data = value.isoformat() if isinstance(value, date) else value

    def values(self) -> dict[str, Any]:
        """The draft's fields, parsed (call after ``validate``)."""
        return {
            "proposed_post": (self.proposed_post.data or "").strip(),
            "post_to_remove": (self.post_to_remove.data or "").strip(),
            "reason": (self.reason.data or "").strip(),
            "reporting_unit": (self.reporting_unit.data or "").strip(),
            "age_date": dates.parse(self.age_date.data),
            "filled_by": (self.filled_by.data or "").strip(),
            "fill_date": dates.parse(self.fill_date.data),
        }


def _parse(field: StringField) -> None:
    try:
        dates.parse(field.data)
    except dates.DateFormatError as error:
        raise ValidationError(str(error)) from None
