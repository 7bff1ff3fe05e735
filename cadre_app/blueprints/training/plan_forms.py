"""Forms of the development plan pages. Dates are typed as text and parsed with Chinese
messages (services.core.dates); rules across records live in services.training.plans."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from cadre_app.forms import select_choices
from cadre_app.models.training import MilestoneState, PlanState
from cadre_app.services.core import dates

DATE_KW = {"type": "date"}


def _text(label: Any, limit: int, **kw: Any) -> StringField:
    return StringField(label, validators=[Length(max=limit, message=_l("内容过长。"))], **kw)


def _area(label: Any, limit: int, rows: int = 4) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[Length(max=limit, message=_l("内容过长。"))],
        render_kw={"rows": rows},
    )


class PlanForm(FlaskForm):
    """The plan itself; ``cadre_staff_no`` only when it is created."""

    cadre_staff_no = _text(_l("干部工号"), 32, render_kw={"autocomplete": "off"})
    cadre_id = HiddenField()
    version = HiddenField()
    period_start = StringField(_l("计划开始日期"), render_kw=DATE_KW)
    period_end = StringField(_l("计划结束日期"), render_kw=DATE_KW)
    goals = _area(_l("培养目标"), 5000, rows=5)
    mentor_staff_no = _text(_l("导师工号（名册中的干部）"), 32, render_kw={"autocomplete": "off"})
    mentor_username = _text(_l("导师账户（用户名）"), 64, render_kw={"autocomplete": "off"})
    planned_secondment = _area(_l("拟安排挂职锻炼"), 500, rows=2)
    review_interval_months = StringField(
        _l("评议周期（月）"), render_kw={"inputmode": "numeric", "maxlength": 2}
    )
    cohort_id = SelectField(_l("所属期次"), validate_choice=False)


class TransitionForm(FlaskForm):
    target = HiddenField()
    version = HiddenField()
    note = _area(_l("说明"), 500, rows=2)


class MilestoneForm(FlaskForm):
    title = StringField(
        _l("节点名称"),
        validators=[
            InputRequired(_l("请填写节点名称。")),
            Length(max=200, message=_l("内容过长。")),
        ],
    )
    due_date = StringField(_l("节点期限"), render_kw=DATE_KW)
    note = _text(_l("说明"), 500)


class MilestoneStateForm(FlaskForm):
    state = SelectField(_l("进展"), validate_choice=False)
    done_on = StringField(_l("完成日期"), render_kw=DATE_KW)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.state.choices = select_choices((s.value, s.label) for s in MilestoneState)


class PlanCourseForm(FlaskForm):
    course_id = SelectField(_l("培训课程"), validate_choice=False)
    title = _text(_l("或填写课程名称"), 200)


class ReviewForm(FlaskForm):
    reviewed_on = StringField(_l("评议日期"), render_kw=DATE_KW)
    content = _area(_l("评议意见"), 5000, rows=4)


class CommentForm(FlaskForm):
    content = _area(_l("意见"), 5000, rows=3)


def parse_date(form: FlaskForm, name: str) -> tuple[bool, Any]:
    """(ok, the date or None) of field ``name``; a format error goes onto the field."""
    field = getattr(form, name)
    try:
        return True, dates.parse(field.data)
    except ValueError as error:
        field.errors = [*field.errors, str(error)]
        return False, None


def parse_int(form: FlaskForm, name: str, message: str) -> tuple[bool, int | None]:
    field = getattr(form, name)
    raw = (field.data or "").strip()
    if not raw:
        return True, None
    if not raw.isdigit() or len(raw) > 4:
        field.errors = [*field.errors, message]
        return False, None
    return True, int(raw)


def plan_state(value: str | None) -> PlanState | None:
    return PlanState(value) if value in PlanState._value2member_map_ else None
