"""Forms of the course pages and the training settings. Numbers and dates are plain text
fields parsed by ``course_values`` / ``settings_values`` with Chinese messages (WTForms' own
number and date fields answer in English); rules live in services.training."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from cadre_app.forms import select_choices
from cadre_app.models.training import TRAINING_CATEGORIES, TRAINING_MODES
from cadre_app.services.core import dates
from cadre_app.services.training import courses

DATE_KW = {"type": "date"}
#: The 培训类别 and 培训形式 stored in Chinese, shown in the UI's language (``|term``); listed
#: here so that extraction puts them in the catalogue.
TRAINING_TERMS = (
    _l("专题培训班"),
    _l("网络培训"),
    _l("业务微讲座"),
    _l("策论"),
    _l("导师帮带"),
    _l("其他"),
    _l("脱产"),
    _l("在职"),
    _l("网络"),
)
#: 是否结业 choices: derived from the leave rule, or stated.
PASSED_CHOICES = (("", _l("按请假规定判定")), ("1", _l("结业")), ("0", _l("未结业")))


def _text(label: Any, limit: int, **kw: Any) -> StringField:
    return StringField(label, validators=[Length(max=limit, message=_l("内容过长。"))], **kw)


class CourseFields:
    name = _text(_l("培训名称"), 200)
    category = SelectField(
        _l("培训类别"), choices=select_choices((c, _l(c)) for c in TRAINING_CATEGORIES)
    )
    mode = SelectField(_l("培训形式"), choices=select_choices((m, _l(m)) for m in TRAINING_MODES))
    organiser = _text(_l("主办单位"), 200)
    start_date = StringField(_l("开始日期"), render_kw=DATE_KW)
    end_date = StringField(_l("结束日期"), render_kw=DATE_KW)
    hours = _text(_l("学时"), 10, render_kw={"inputmode": "decimal"})


class CourseForm(FlaskForm, CourseFields):
    capacity = _text(_l("人数上限（留空为不限）"), 6, render_kw={"inputmode": "numeric"})
    programme_id = SelectField(_l("培养项目"), choices=[])
    notes = TextAreaField(
        _l("备注"), validators=[Length(max=2000, message=_l("内容过长。"))], render_kw={"rows": 3}
    )
    version = HiddenField()

    def set_programmes(self) -> None:
        self.programme_id.choices = select_choices(
            [("", _("（无）")), *courses.programme_choices()]
        )


class AttendanceFields:
    leave_hours = _text(_l("请假学时"), 10, render_kw={"inputmode": "decimal"})
    passed = SelectField(
        _l("是否结业"), choices=select_choices(PASSED_CHOICES), validate_choice=False
    )
    certificate_no = _text(_l("结业证书编号"), 64)


class AttendanceForm(FlaskForm, AttendanceFields):
    pass


class ExternalForm(FlaskForm, CourseFields, AttendanceFields):
    staff_no = _text(_l("干部工号"), 32, render_kw={"autocomplete": "off"})


class EnrolForm(FlaskForm):
    """Cadres picked from a search: ``cadre_id`` repeated (checkboxes)."""


class SectionEnrolForm(FlaskForm):
    department_id = SelectField(_l("处室"), choices=[])


def _parse_date(form: Any, name: str) -> date | None:
    field = getattr(form, name)
    try:
        value = dates.parse(field.data)
    except ValueError as error:
        field.errors = [*field.errors, str(error)]
        return None
    if value is None:
        field.errors = [*field.errors, _("请填写%(label)s。", label=field.label.text)]
    elif isinstance(value, dates.MonthDate):
        field.errors = [*field.errors, _("日期须写到日，如 2025-03-18。")]
        return None
    return value


def _parse_hours(form: Any, name: str, *, allow_zero: bool = False) -> Decimal | None:
    field = getattr(form, name)
    try:
        return courses.parse_hours(field.data, str(field.label.text), allow_zero=allow_zero)
    except ValueError as error:
        field.errors = [*field.errors, str(error)]
        return None


def passed_value(raw: str | None) -> bool | None:
    return {"1": True, "0": False}.get(raw or "")


def course_values(form: Any) -> dict[str, Any] | None:
    """The course fields of ``form`` as service values; None (errors on the fields) when a
    value cannot be read."""
    values: dict[str, Any] = {
        "name": (form.name.data or "").strip(),
        "category": form.category.data,
        "mode": form.mode.data,
        "organiser": (form.organiser.data or "").strip() or None,
        "start_date": _parse_date(form, "start_date"),
        "end_date": _parse_date(form, "end_date"),
        "hours": _parse_hours(form, "hours"),
    }
    if hasattr(form, "capacity"):
        raw = (form.capacity.data or "").strip()
        if raw and not (raw.isdigit() and int(raw) >= 1):
            form.capacity.errors = [
                *form.capacity.errors,
                _("人数上限须为正整数，或留空表示不限。"),
            ]
        values["capacity"] = int(raw) if raw.isdigit() and int(raw) >= 1 else None
        programme = form.programme_id.data or ""
        values["programme_id"] = int(programme) if programme.isdigit() else None
        values["notes"] = (form.notes.data or "").strip() or None
    if any(getattr(form, name).errors for name in form._fields):
        return None
    return values


def attendance_values(form: Any) -> dict[str, Any] | None:
    raw = (form.leave_hours.data or "").strip()
    leave = Decimal(0) if not raw else _parse_hours(form, "leave_hours", allow_zero=True)
    if leave is None:
        return None
    return {
        "leave_hours": leave,
        "passed_given": passed_value(form.passed.data),
        "certificate_no": (form.certificate_no.data or "").strip() or None,
    }


def fill_course(form: CourseForm, course: Any) -> None:
    form.name.data = course.name
    form.category.data = course.category
    form.mode.data = course.mode
    form.organiser.data = course.organiser or ""
    form.start_date.data = course.start_date.isoformat()
    form.end_date.data = course.end_date.isoformat()
    form.hours.data = str(course.hours)
    form.capacity.data = "" if course.capacity is None else str(course.capacity)
    form.programme_id.data = "" if course.programme_id is None else str(course.programme_id)
    form.notes.data = course.notes or ""
    form.version.data = str(course.version)


def apply_errors(form: Any, errors: list[tuple[str | None, str]]) -> list[str]:
    """Each message beside its field; those without one are returned (shown above)."""
    general = []
    for name, message in errors:
        field = getattr(form, name or "", None) if name else None
        if field is None:
            general.append(message)
        else:
            field.errors = [*field.errors, message]
    return general


class SettingsForm(FlaskForm):
    """The training settings (rules.DEFAULT_SETTINGS), every value checked by
    services.training.settings_ops."""

    annual_hours = _text(_l("乡科级及以下每年学时要求"), 6)
    senior_hours = _text(_l("县处级及以上周期学时要求"), 6)
    senior_window_years = _text(_l("县处级及以上周期（年）"), 2)
    online_share_pct = _text(_l("网络培训最多计入比例（百分比）"), 3)
    leave_limit = _text(_l("请假上限（占课程学时的比例，如 1/7）"), 9)
    lecture_speaker_hours = _text(_l("业务微讲座主讲人学时"), 6)
    lecture_attendee_hours = _text(_l("业务微讲座听讲人学时"), 6)
    essay_hours = _text(_l("策论合格及以上学时"), 6)
    behind_warning_from = _text(_l("学时不足提醒起始日（月-日）"), 5)
    max_hours_per_day = _text(_l("每天最多学时"), 4)
    review_interval_months = _text(_l("培养计划评议间隔（月）"), 2)
    version = HiddenField()
