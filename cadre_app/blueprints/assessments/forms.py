"""Forms of the assessment pages (HR's side): an assessment (new, edit in 草拟), a state step,
deleting a draft, and a checklist. Numbers and times are text fields read here with Chinese
messages; the rules live in services.assessments (operations, checklists)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length

from cadre_app import clock
from cadre_app.forms import select_choices
from cadre_app.models.assessments import PURPOSES, RATINGS
from cadre_app.services.assessments import checklists
from cadre_app.services.ballots.operations import GroupSpec

#: Rows of the rater groups' table on the form (no JavaScript: a fixed number of rows; an
#: empty name leaves a row out).
GROUP_ROWS = 6
DATETIME_KW = {"type": "datetime-local"}


def _text(label: Any, limit: int, **kw: Any) -> StringField:
    return StringField(label, validators=[Length(max=limit, message=_l("内容过长。"))], **kw)


class GroupRow(Form):
    """One rater group: name, weight (percent), codes planned."""

    name = _text(_l("测评组"), 32)
    weight = StringField(_l("权重"), render_kw={"inputmode": "numeric"})
    planned = StringField(_l("票数"), render_kw={"inputmode": "numeric"})


class AssessmentForm(FlaskForm):
    title = _text(_l("测评名称"), 200)
    purpose = SelectField(
        _l("测评目的"),
        choices=select_choices([("", _l("请选择")), *((p, _l(p)) for p in PURPOSES)]),
        validate_choice=False,
    )
    subjects = TextAreaField(
        _l("测评对象（工号或姓名，每行一个或用逗号分隔）"),
        validators=[Length(max=20000, message=_l("内容过长。"))],
        render_kw={"rows": 4},
    )
    section = SelectField(_l("整个处室"), choices=[], validate_choice=False)
    groups = FieldList(FormField(GroupRow), min_entries=GROUP_ROWS, max_entries=GROUP_ROWS)
    opens_at = StringField(_l("开始时间"), render_kw=DATETIME_KW)
    closes_at = StringField(_l("结束时间"), render_kw=DATETIME_KW)
    checklist_id = SelectField(_l("测评表"), choices=[], validate_choice=False)
    min_group_ballots = StringField(
        _l("测评组单独显示的最少票数"), render_kw={"inputmode": "numeric"}
    )
    talk_threshold = _text(_l("反向条目触发提醒谈话的比例"), 16)
    note = TextAreaField(
        _l("备注"),
        validators=[Length(max=2000, message=_l("内容过长。"))],
        render_kw={"rows": 2},
    )
    version = HiddenField()


class SettingsForm(FlaskForm):
    """The defaults a new assessment starts from (settings key ``assessments``)."""

    groups = FieldList(FormField(GroupRow), min_entries=GROUP_ROWS, max_entries=GROUP_ROWS)
    min_group_ballots = StringField(
        _l("测评组单独显示的最少票数"), render_kw={"inputmode": "numeric"}
    )
    talk_threshold = _text(_l("反向条目触发提醒谈话的比例"), 16)
    version = HiddenField()


class StepForm(FlaskForm):
    """A state step (``target``: open, closed, archived) at the version the page showed;
    closing early needs a reason and the confirmation box."""

    target = HiddenField()
    version = HiddenField()
    reason = TextAreaField(
        _l("提前结束的原因"),
        validators=[Length(max=500, message=_l("内容过长。"))],
        render_kw={"rows": 2},
    )
    confirm = BooleanField(_l("确认现在结束测评，结束后不再接受投票"))


class DeleteForm(FlaskForm):
    version = HiddenField()


class ChecklistForm(FlaskForm):
    name = _text(_l("测评表名称"), 100)
    points_0 = StringField(_l("好"), render_kw={"inputmode": "numeric"})
    points_1 = StringField(_l("较好"), render_kw={"inputmode": "numeric"})
    points_2 = StringField(_l("一般"), render_kw={"inputmode": "numeric"})
    points_3 = StringField(_l("差"), render_kw={"inputmode": "numeric"})
    positive = TextAreaField(
        _l("正向测评条目（每行一条：方面 | 条目内容）"),
        validators=[Length(max=30000, message=_l("内容过长。"))],
        render_kw={"rows": 12},
    )
    negative = TextAreaField(
        _l("反向测评条目（每行一条：类别 | 条目内容）"),
        validators=[Length(max=30000, message=_l("内容过长。"))],
        render_kw={"rows": 12},
    )
    note = TextAreaField(
        _l("说明"),
        validators=[Length(max=2000, message=_l("内容过长。"))],
        render_kw={"rows": 2},
    )


# --- reading values -------------------------------------------------------------------------


def read_int(field: Any, *, low: int, high: int, required: bool = True) -> int | None:
    """The field's whole number in [low, high], or None with a message on the field."""
    raw = (field.data or "").strip()
    if not raw:
        if required:
            field.errors = [*field.errors, _("请填写%(label)s。", label=field.label.text)]
        return None
    if not raw.lstrip("-").isdigit() or len(raw) > 6:
        field.errors = [*field.errors, _("%(label)s须为整数。", label=field.label.text)]
        return None
    value = int(raw)
    if not low <= value <= high:
        field.errors = [
            *field.errors,
            _(
                "%(label)s须在 %(low)d 到 %(high)d 之间。",
                label=field.label.text,
                low=low,
                high=high,
            ),
        ]
        return None
    return value


def to_utc(local: datetime) -> datetime:
    """A wall-clock time in the office's zone as the naive UTC the database keeps."""
    return local.replace(tzinfo=clock.zone()).astimezone(UTC).replace(tzinfo=None)


def to_local(moment: datetime) -> datetime:
    """A stored naive-UTC time as the office's wall-clock time (naive)."""
    return moment.replace(tzinfo=UTC).astimezone(clock.zone()).replace(tzinfo=None)


def read_moment(field: Any) -> datetime | None:
    """A ``datetime-local`` value (``2026-05-01T09:00``; a space for the T also does), in the
    office's zone, as naive UTC; None with a message on the field."""
    raw = (field.data or "").strip()
    if not raw:
        field.errors = [*field.errors, _("请填写%(label)s。", label=field.label.text)]
        return None
    try:
        local = datetime.fromisoformat(raw.replace(" ", "T"))
    except ValueError:
        field.errors = [*field.errors, _("时间格式应为 2026-05-01 09:00。")]
        return None
    if local.tzinfo is not None or not 2000 <= local.year <= 2200:
        field.errors = [*field.errors, _("时间格式应为 2026-05-01 09:00。")]
        return None
    return to_utc(local.replace(second=0, microsecond=0))


def moment_value(moment: datetime) -> str:
    """A stored time as the form's ``datetime-local`` value."""
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def read_groups(form: Any) -> list[GroupSpec] | None:
    """The rows with a name, as GroupSpec; None when a number cannot be read (messages on
    the row's fields)."""
    specs: list[GroupSpec] = []
    failed = False
    for row in form.groups:
        name = (row.form.name.data or "").strip()
        if not name:
            continue
        weight = read_int(row.form.weight, low=0, high=100)
        planned = read_int(row.form.planned, low=0, high=5000)
        if weight is None or planned is None:
            failed = True
            continue
        specs.append(GroupSpec(name, weight, planned))
    return None if failed else specs


def fill_groups(form: Any, groups: list[Any]) -> None:
    for row, group in zip(form.groups, [*groups, *([None] * GROUP_ROWS)], strict=False):
        row.form.name.data = group.name if group else ""
        row.form.weight.data = str(group.weight) if group else ""
        row.form.planned.data = str(group.planned) if group else ""


def read_points(form: ChecklistForm) -> dict[str, int] | None:
    points = {}
    for index, rating in enumerate(RATINGS):
        value = read_int(getattr(form, f"points_{index}"), low=-1000, high=1000)
        if value is None:
            return None
        points[rating] = value
    return points


def read_checklist(form: ChecklistForm) -> tuple[checklists.ChecklistSpec | None, list[Any]]:
    """The checklist's content, or None; the second value lists (field, message) errors of
    the items' lines."""
    points = read_points(form)
    positive, errors = checklists.parse_items(form.positive.data, "positive")
    negative, more = checklists.parse_items(form.negative.data, "negative")
    errors = [*errors, *more]
    if points is None or errors:
        return None, errors
    spec = checklists.ChecklistSpec(
        name=(form.name.data or "").strip(),
        points=points,
        positive=positive,
        negative=negative,
        note=form.note.data,
    )
    return spec, []


def fill_checklist(form: ChecklistForm, spec: checklists.ChecklistSpec) -> None:
    form.name.data = spec.name
    for index, rating in enumerate(RATINGS):
        getattr(form, f"points_{index}").data = str(spec.points.get(rating, ""))
    form.positive.data = checklists.items_text(spec.positive)
    form.negative.data = checklists.items_text(spec.negative)
    form.note.data = spec.note or ""


def apply_errors(form: Any, errors: list[tuple[str | None, str]]) -> list[str]:
    """Each message beside its field; those without one are returned (shown above)."""
    general = []
    for name, message in errors:
        field = getattr(form, name, None) if name else None
        if field is None or not hasattr(field, "errors") or isinstance(field, FieldList):
            general.append(message)
        else:
            field.errors = [*field.errors, message]
    return general
