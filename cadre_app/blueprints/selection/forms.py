"""Forms of the positions, discipline records and eligibility pages. Numbers and dates are
text fields parsed here with Chinese messages; the rules live in services.selection."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from cadre_app.forms import field_date, select_choices
from cadre_app.models.enums import EDUCATION_LEVELS, LEADERSHIP_LEVELS, RANK_LADDER
from cadre_app.models.selection import DISCIPLINE_KINDS, POST_KINDS

DATE_KW = {"type": "date"}
NUMBER_KW = {"inputmode": "numeric"}


def _blank_then(terms: tuple[str, ...], blank: Any = None) -> list[Any]:
    return select_choices([("", blank or _l("不限")), *((t, t) for t in terms)])


class PositionForm(FlaskForm):
    title = StringField(_l("职位名称"), validators=[Length(max=100, message=_l("内容过长。"))])
    department_id = SelectField(_l("所在部门"), validate_choice=False)
    post_kind = SelectField(
        _l("职位类别"),
        choices=select_choices([(k, _l(k)) for k in POST_KINDS]),
        validate_choice=False,
    )
    target_level = SelectField(
        _l("拟任层级"),
        choices=select_choices(
            [("", _l("请选择")), *((t, t) for t in (*LEADERSHIP_LEVELS, *RANK_LADDER))]
        ),
        validate_choice=False,
    )
    places = StringField(_l("职数"), render_kw=NUMBER_KW)
    min_rank = SelectField(
        _l("最低现任职级"), choices=_blank_then(RANK_LADDER), validate_choice=False
    )
    min_years_in_rank = StringField(_l("任现职级年限（空：按职级晋升规定）"), render_kw=NUMBER_KW)
    min_years_work = StringField(_l("工作年限"), render_kw=NUMBER_KW)
    min_years_grassroots = StringField(_l("基层工作年限"), render_kw=NUMBER_KW)
    min_education = SelectField(
        _l("最低学历"), choices=_blank_then(EDUCATION_LEVELS), validate_choice=False
    )
    party_member = BooleanField(_l("须为中共党员"))
    max_age = StringField(_l("最高年龄（周岁）"), render_kw=NUMBER_KW)
    age_on = StringField(_l("计算年龄时间（空：审查日期）"), render_kw=DATE_KW)
    other_conditions = TextAreaField(
        _l("其他条件（人工核对）"),
        validators=[Length(max=2000, message=_l("内容过长。"))],
        render_kw={"rows": 3},
    )
    version = HiddenField()


class DisciplineForm(FlaskForm):
    kind = SelectField(
        _l("种类"),
        choices=select_choices([("", _l("请选择")), *((k, _l(k)) for k in DISCIPLINE_KINDS)]),
        validate_choice=False,
    )
    decided_on = StringField(_l("决定日期"), render_kw=DATE_KW)
    document_no = StringField(_l("文号"), validators=[Length(max=64, message=_l("内容过长。"))])
    reason = TextAreaField(
        _l("事由"), validators=[Length(max=2000, message=_l("内容过长。"))], render_kw={"rows": 2}
    )


class RunForm(FlaskForm):
    """Compute and store the eligibility of the roster at ``as_of``."""

    as_of = StringField(_l("审查日期"), render_kw=DATE_KW)


class DeleteForm(FlaskForm):
    """A POST-only action (CSRF)."""


def parse_int(field: Any) -> int | None:
    raw = (field.data or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 4:
        field.errors = [*field.errors, _("请填写整数。")]
        return None
    return int(raw)


def parse_day(field: Any, *, required: bool = False) -> date | None:
    """The field's whole date, or None with a message on the field (cadre_app.forms)."""
    return field_date(field, required=required)


def position_values(form: PositionForm) -> dict[str, Any] | None:
    """The form's values for services.selection.positions; None when a field cannot be read
    (its message on the field)."""
    department = (form.department_id.data or "").strip()
    values = {
        "title": form.title.data,
        "department_id": int(department) if department.isdigit() else None,
        "post_kind": form.post_kind.data or None,
        "target_level": form.target_level.data or None,
        "places": parse_int(form.places),
        "min_rank": form.min_rank.data or None,
        "min_years_in_rank": parse_int(form.min_years_in_rank),
        "min_years_work": parse_int(form.min_years_work),
        "min_years_grassroots": parse_int(form.min_years_grassroots),
        "min_education": form.min_education.data or None,
        "party_member": bool(form.party_member.data),
        "max_age": parse_int(form.max_age),
        "age_on": parse_day(form.age_on),
        "other_conditions": form.other_conditions.data,
    }
    if any(getattr(form, name).errors for name in form._fields):
        return None
    return values


def fill_position(form: PositionForm, position: Any) -> None:
    def text(value: Any) -> str:
        return "" if value is None else str(value)

    form.title.data = position.title
    form.department_id.data = text(position.department_id)
    form.post_kind.data = position.post_kind
    form.target_level.data = position.target_level
    form.places.data = text(position.places)
    form.min_rank.data = position.min_rank or ""
    form.min_years_in_rank.data = text(position.min_years_in_rank)
    form.min_years_work.data = text(position.min_years_work)
    form.min_years_grassroots.data = text(position.min_years_grassroots)
    form.min_education.data = position.min_education or ""
    form.party_member.data = position.party_member
    form.max_age.data = text(position.max_age)
    form.age_on.data = position.age_on.isoformat() if position.age_on else ""
    form.other_conditions.data = position.other_conditions or ""
    form.version.data = str(position.version)


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
