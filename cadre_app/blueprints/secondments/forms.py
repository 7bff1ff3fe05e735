"""Forms of the secondment pages: the details (new, edit) and one form per state step. Dates
are plain text fields parsed by ``parse_date`` with Chinese messages; the rules live in
services.secondments."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from cadre_app.forms import field_date, select_choices
from cadre_app.models.secondments import HOST_TYPES, SECONDMENT_KINDS, SecondmentState

S = SecondmentState
DATE_KW = {"type": "date"}


def _text(label: Any, limit: int, **kw: Any) -> StringField:
    return StringField(label, validators=[Length(max=limit, message=_l("内容过长。"))], **kw)


def _area(label: Any, limit: int = 2000) -> TextAreaField:
    return TextAreaField(
        label, validators=[Length(max=limit, message=_l("内容过长。"))], render_kw={"rows": 3}
    )


def _choices(terms: tuple[str, ...]) -> list[Any]:
    """A blank first choice, then the stored Chinese terms shown in the UI's language."""
    return select_choices([("", _l("请选择")), *((t, _l(t)) for t in terms)])


class SecondmentForm(FlaskForm):
    """The details HR enters (operations.DETAIL_FIELDS); ``staff_no`` picks the cadre on new."""

    staff_no = _text(_l("干部工号"), 32, render_kw={"autocomplete": "off"})
    kind = SelectField(_l("类别"), choices=_choices(SECONDMENT_KINDS), validate_choice=False)
    host_unit = _text(_l("派往单位"), 100)
    host_type = SelectField(_l("单位类型"), choices=_choices(HOST_TYPES), validate_choice=False)
    post = _text(_l("挂任职务"), 100)
    start_date = StringField(_l("开始日期"), render_kw=DATE_KW)
    planned_end = StringField(_l("计划结束日期"), render_kw=DATE_KW)
    actual_end = StringField(_l("实际结束日期"), render_kw=DATE_KW)
    purpose = _area(_l("派出事由 / 锻炼目标"))
    version = HiddenField()


class StepForm(FlaskForm):
    """One state step: ``target`` and the version the page was loaded at, with what that step
    needs (STEP_FIELDS)."""

    target = HiddenField()
    version = HiddenField()
    reason = _area(_l("原因"), 1000)
    new_end = StringField(_l("新的计划结束日期"), render_kw=DATE_KW)
    actual_end = StringField(_l("实际结束日期"), render_kw=DATE_KW)


#: The fields each step asks for, and whether each is required (the services check again).
STEP_FIELDS: dict[SecondmentState, tuple[tuple[str, bool], ...]] = {
    S.APPROVED: (("reason", False),),
    S.ON_POST: (("reason", False),),
    S.EXTENDED: (("new_end", True), ("reason", True)),
    S.RECALLED: (("actual_end", True), ("reason", True)),
    S.APPRAISAL: (("actual_end", False), ("reason", False)),  # empty: the planned end
    S.CANCELLED: (("reason", True),),
}

#: The button of each step (its state's name says where it goes; these say what it does).
STEP_LABELS = {
    S.APPROVED: _l("审批通过"),
    S.ON_POST: _l("到岗"),
    S.EXTENDED: _l("延长期限"),
    S.RECALLED: _l("召回"),
    S.APPRAISAL: _l("转入期满鉴定"),
    S.CANCELLED: _l("撤销"),
}

#: Labels of a step's fields where they differ from the form's.
STEP_FIELD_LABELS = {
    (S.RECALLED, "actual_end"): _l("召回日期"),
    (S.APPRAISAL, "reason"): _l("备注"),
    (S.APPROVED, "reason"): _l("备注"),
    (S.ON_POST, "reason"): _l("备注"),
}


def parse_date(field: Any, *, required: bool) -> date | None:
    """The field's whole date, or None with a message on the field (cadre_app.forms)."""
    return field_date(field, required=required)


def detail_values(form: SecondmentForm) -> dict[str, Any] | None:
    """The details as service values; None (messages on the fields) when a value cannot be
    read. Missing required values are left to the services (one message each)."""
    values: dict[str, Any] = {
        "kind": form.kind.data or None,
        "host_unit": form.host_unit.data,
        "host_type": form.host_type.data or None,
        "post": form.post.data,
        "start_date": parse_date(form.start_date, required=False),
        "planned_end": parse_date(form.planned_end, required=False),
        "actual_end": parse_date(form.actual_end, required=False),
        "purpose": form.purpose.data,
    }
    if any(getattr(form, name).errors for name in form._fields):
        return None
    return values


def fill_details(form: SecondmentForm, secondment: Any) -> None:
    form.kind.data = secondment.kind
    form.host_unit.data = secondment.host_unit
    form.host_type.data = secondment.host_type
    form.post.data = secondment.post or ""
    form.start_date.data = secondment.start_date.isoformat()
    form.planned_end.data = secondment.planned_end.isoformat()
    form.actual_end.data = secondment.actual_end.isoformat() if secondment.actual_end else ""
    form.purpose.data = secondment.purpose or ""
    form.version.data = str(secondment.version)


def step_form(secondment: Any, target: SecondmentState, today: date) -> StepForm:
    """A blank form for ``target`` with its defaults: the day back today (召回), the actual
    end the planned end (期满鉴定)."""
    form = StepForm(formdata=None)
    form.target.data = target.value
    form.version.data = str(secondment.version)
    if target is S.RECALLED:
        form.actual_end.data = min(today, secondment.planned_end).isoformat()
    elif target is S.APPRAISAL:
        form.actual_end.data = (secondment.actual_end or secondment.planned_end).isoformat()
    return form


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
