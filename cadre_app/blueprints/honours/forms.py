"""Forms of the honour roll: a nomination (new), its edit, HR's step (approve / return with a
reason) and publishing a quarter. The rules live in services.honours."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from cadre_app.forms import select_choices
from cadre_app.services.honours import rules

KIND_CHOICES = select_choices([("individual", _l("个人")), ("section", _l("处室"))])


class EntryForm(FlaskForm):
    """The text and photo of an entry (new and edit); ``in_rewards`` is HR's choice."""

    title = StringField(
        _l("荣誉称号"),
        validators=[Length(max=rules.TITLE_MAX, message=_l("内容过长。"))],
        render_kw={"placeholder": _l("如：先进个人、先进处室"), "maxlength": rules.TITLE_MAX},
    )
    deeds = TextAreaField(
        _l("事迹（可分段）"),
        validators=[Length(max=rules.DEEDS_MAX, message=_l("内容过长。"))],
        render_kw={"rows": 8},
    )
    photo = FileField(_l("照片（JPEG 或 PNG，不超过 6 MB，可不传）"))
    in_rewards = BooleanField(_l("列入该干部的奖惩情况（干部任免审批表）"))
    version = HiddenField()


class NominationForm(EntryForm):
    """A new nomination: the quarter, and a section or a cadre (by 工号)."""

    quarter = StringField(_l("季度"), render_kw={"placeholder": "2026-1"})
    kind = SelectField(_l("类别"), choices=KIND_CHOICES, validate_choice=False)
    department_id = SelectField(_l("处室"), choices=[], validate_choice=False)
    staff_no = StringField(_l("干部工号"), render_kw={"autocomplete": "off"})


class EditForm(EntryForm):
    remove_photo = BooleanField(_l("删除照片"))


class StepForm(FlaskForm):
    """HR's step on one entry: ``target`` (approved / returned) with a reason to return."""

    target = HiddenField()
    version = HiddenField()
    reason = TextAreaField(
        _l("退回原因"),
        validators=[Length(max=rules.REASON_MAX, message=_l("内容过长。"))],
        render_kw={"rows": 2},
    )


class PublishForm(FlaskForm):
    """Publish a quarter's approved entries (POST only)."""
