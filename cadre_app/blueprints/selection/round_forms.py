"""Forms of the round pages: a new round (动议), a stage step, a candidate's 考察, the
讨论决定 meeting, the 任前公示 period and its objections. Dates and numbers are text fields
read here with Chinese messages; the rules live in services.selection (procedure, rounds)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from cadre_app.forms import field_date, select_choices
from cadre_app.services.selection.procedure import PROBATION_OUTCOMES

DATE_KW = {"type": "date"}
NUMBER_KW = {"inputmode": "numeric"}


def _area(label: Any, limit: int = 2000, rows: int = 3) -> TextAreaField:
    return TextAreaField(
        label, validators=[Length(max=limit, message=_l("内容过长。"))], render_kw={"rows": rows}
    )


class RoundForm(FlaskForm):
    """A new round: the position, a name, the 动议 reason."""

    position_id = SelectField(_l("选任职位"), choices=[], validate_choice=False)
    title = StringField(_l("名称"), validators=[Length(max=200, message=_l("内容过长。"))])
    reason = _area(_l("动议理由"), 5000)


class StepForm(FlaskForm):
    """A stage step: ``target`` (the next stage, or the previous one with a reason)."""

    target = HiddenField()
    version = HiddenField()
    documents = _area(_l("文件（名称、文号）"), 1000, rows=2)
    outcome = _area(_l("结果"), 2000, rows=2)
    reason = _area(_l("退回原因"), 1000, rows=2)
    appointed_on = StringField(_l("任职日期"), render_kw=DATE_KW)
    probation_outcome = SelectField(
        _l("试用期结论"),
        choices=select_choices([("", _l("请选择")), *((o, _l(o)) for o in PROBATION_OUTCOMES)]),
        validate_choice=False,
    )


class CandidateForm(FlaskForm):
    version = HiddenField()
    inspected = BooleanField(_l("确定为考察对象"))
    inspection_notes = _area(_l("考察组意见"), 5000, rows=4)
    integrity_received = BooleanField(_l("廉政意见已回复"))


class MeetingForm(FlaskForm):
    """The meeting; each 考察对象's votes come as ``votes_<candidate id>``."""

    version = HiddenField()
    meeting_on = StringField(_l("会议日期"), render_kw=DATE_KW)
    members_entitled = StringField(_l("应到会成员（人）"), render_kw=NUMBER_KW)
    members_present = StringField(_l("实到会成员（人）"), render_kw=NUMBER_KW)


class PublicityForm(FlaskForm):
    version = HiddenField()
    publicity_start = StringField(_l("公示开始日期"), render_kw=DATE_KW)
    publicity_end = StringField(_l("公示结束日期"), render_kw=DATE_KW)


class ObjectionForm(FlaskForm):
    version = HiddenField()
    received_on = StringField(_l("收到日期"), render_kw=DATE_KW)
    candidate_id = SelectField(_l("反映对象"), choices=[], validate_choice=False)
    content = _area(_l("反映内容"), 5000)


class HandlingForm(FlaskForm):
    version = HiddenField()
    handled_on = StringField(_l("处理日期"), render_kw=DATE_KW)
    handling = _area(_l("处理情况"), 5000)


def parse_date(field: Any, *, required: bool = True) -> date | None:
    """The field's whole date, or None with a message on the field (cadre_app.forms)."""
    return field_date(field, required=required)


def parse_count(field: Any, raw: str | None = None, *, label: str | None = None) -> int | None:
    """A whole number 0–999 from ``field`` (or ``raw``), else None with a message."""
    text = (field.data if raw is None else raw) or ""
    text = text.strip()
    if not text:
        field.errors = [*field.errors, _("请填写%(label)s。", label=label or field.label.text)]
        return None
    if not text.isdigit() or len(text) > 3:
        field.errors = [
            *field.errors,
            _("%(label)s须为整数。", label=label or field.label.text),
        ]
        return None
    return int(text)


def apply_errors(form: Any, errors: list[tuple[str | None, str]]) -> list[str]:
    """Each message beside its field; those without one are returned (shown above)."""
    general = []
    for name, message in errors:
        field = getattr(form, name, None) if name else None
        if field is None:
            general.append(message)
        else:
            field.errors = [*field.errors, message]
    return general
