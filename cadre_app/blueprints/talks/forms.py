"""Forms of the talks pages. Dates and times are parsed here with Chinese messages (WTForms'
own date fields answer in English); rules across records live in services.talks.operations."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from cadre_app.forms import select_choices
from cadre_app.models import TALK_KINDS, TALK_SOURCES
from cadre_app.services.core import dates

_DATETIME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2}))?$")
DATETIME_KW = {"type": "datetime-local"}
DATE_KW = {"type": "date"}
#: Which fields hold a datetime or a date (everything else is text).
DATETIME_FIELDS = ("scheduled_at", "held_at")
DATE_FIELDS = ("response_date", "follow_up_due_date")


def parse_datetime(text: str | None) -> datetime | None:
    """``YYYY-MM-DDTHH:MM`` (what a datetime-local input sends) or ``YYYY-MM-DD HH:MM``;
    None for empty input; ValueError with a Chinese message otherwise."""
    value = unicodedata.normalize("NFKC", text or "").strip()
    if not value:
        return None
    match = _DATETIME.match(value)
    if not match:
        raise ValueError(_("“%(value)s”不是有效的时间（应为 2026-03-18 09:30）。", value=value))
    try:
        return datetime(*(int(g) for g in match.groups() if g is not None))
    except ValueError:
        raise ValueError(_("时间“%(value)s”不存在。", value=value)) from None


def show_datetime(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M") if value else ""


def show_date(value: date | None) -> str:
    return value.isoformat() if value else ""


def _text(label: Any, limit: int, **kw: Any) -> StringField:
    return StringField(label, validators=[Length(max=limit, message=_l("内容过长。"))], **kw)


def _area(label: Any, limit: int, rows: int = 4) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[Length(max=limit, message=_l("内容过长。"))],
        render_kw={"rows": rows},
    )


class _Conductor:
    """谈话人 and 记录人 (name, unit, post); a conductor from the roster by 工号."""

    conductor_staff_no = _text(
        _l("谈话人工号（名册中的干部）"), 32, render_kw={"autocomplete": "off"}
    )
    conductor_name = _text(_l("谈话人姓名"), 50)
    conductor_unit = _text(_l("谈话人单位"), 100)
    conductor_post = _text(_l("谈话人职务"), 100)
    recorder_name = _text(_l("记录人姓名"), 50)
    recorder_unit = _text(_l("记录人单位"), 100)
    recorder_post = _text(_l("记录人职务"), 100)


class TalkCreateForm(FlaskForm, _Conductor):
    subject_staff_no = _text(_l("谈话对象工号"), 32, render_kw={"autocomplete": "off"})
    subject_id = HiddenField()  # the cadre picked by the search (the 工号 is shown too)
    kind = SelectField(
        _l("谈话种类"),
        choices=select_choices((k, _l(k)) for k in TALK_KINDS),
        validators=[InputRequired(_l("请选择谈话种类。"))],
        validate_choice=False,
    )
    source = SelectField(
        _l("触发来源"),
        choices=select_choices((s, _l(s)) for s in TALK_SOURCES),
        validators=[InputRequired(_l("请选择触发来源。"))],
        validate_choice=False,
    )
    reason = _area(_l("事由"), 2000, rows=3)
    scheduled_at = StringField(_l("约谈时间"), render_kw=DATETIME_KW)
    place = _text(_l("地点"), 100)


class TalkEditForm(FlaskForm, _Conductor):
    version = HiddenField()
    source = SelectField(
        _l("触发来源"),
        choices=select_choices((s, _l(s)) for s in TALK_SOURCES),
        validate_choice=False,
    )
    reason = _area(_l("事由"), 2000, rows=3)
    scheduled_at = StringField(_l("约谈时间"), render_kw=DATETIME_KW)
    held_at = StringField(_l("谈话时间"), render_kw=DATETIME_KW)
    place = _text(_l("地点"), 100)
    content = _area(_l("谈话内容"), 10000, rows=6)
    measures = _area(_l("整改措施"), 5000)
    response = _area(_l("本人回复或书面检查"), 10000)
    response_date = StringField(_l("回复日期"), render_kw=DATE_KW)
    follow_up_due_date = StringField(_l("整改期限"), render_kw=DATE_KW)
    follow_up_result = _area(_l("跟踪整改结果"), 5000)


class TransitionForm(FlaskForm):
    """One move of the state machine with the fields that step needs (services.talks.operations
    .step_fields says which); the page shows only those."""

    target = HiddenField()
    version = HiddenField()
    note = _area(_l("办理意见"), 2000, rows=2)
    scheduled_at = StringField(_l("约谈时间"), render_kw=DATETIME_KW)
    held_at = StringField(_l("谈话时间"), render_kw=DATETIME_KW)
    place = _text(_l("地点"), 100)
    content = _area(_l("谈话内容"), 10000, rows=6)
    measures = _area(_l("整改措施"), 5000)
    recorder_name = _text(_l("记录人姓名"), 50)
    recorder_unit = _text(_l("记录人单位"), 100)
    recorder_post = _text(_l("记录人职务"), 100)
    response = _area(_l("本人回复或书面检查"), 10000)
    response_date = StringField(_l("回复日期"), render_kw=DATE_KW)
    follow_up_due_date = StringField(_l("整改期限"), render_kw=DATE_KW)
    follow_up_result = _area(_l("跟踪整改结果"), 5000)


class HolidayForm(FlaskForm):
    day = StringField(_l("日期"), validators=[InputRequired(_l("请填写日期。"))], render_kw=DATE_KW)
    name = _text(_l("名称"), 50, render_kw={"placeholder": _l("如 国庆节、国庆调休")})
    is_workday = BooleanField(_l("调休上班日（周末上班）"))


def form_values(form: FlaskForm, names: tuple[str, ...] | list[str]) -> dict[str, Any] | None:
    """The named fields parsed (dates, times, trimmed text), or None after putting the format
    errors on the fields."""
    values: dict[str, Any] = {}
    ok = True
    for name in names:
        field = getattr(form, name)
        try:
            if name in DATETIME_FIELDS:
                values[name] = parse_datetime(field.data)
            elif name in DATE_FIELDS:
                values[name] = dates.parse(field.data)
            else:
                values[name] = (field.data or "").strip() or None
        except ValueError as error:  # DateFormatError is a ValueError
            field.errors = [*field.errors, str(error)]
            ok = False
    return values if ok else None


def fill(form: FlaskForm, talk: Any, names: tuple[str, ...] | list[str]) -> None:
    """Put the talk's values into the named fields, dates as the inputs expect them."""
    for name in names:
        value = getattr(talk, name)
        if name in DATETIME_FIELDS:
            value = show_datetime(value)
        elif name in DATE_FIELDS:
            value = show_date(value)
        getattr(form, name).data = value or ""
