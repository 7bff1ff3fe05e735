"""Forms shared by several blueprints."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length


class EmptyForm(FlaskForm):
    """For POST-only actions (log out, unlock): carries the CSRF token and nothing else."""


class FullIdExportForm(FlaskForm):
    """An export with full ID numbers (the roster workbook or one .lrmx): an explicit choice
    with a reason, every ID in it audited as a reveal (issue 16, finding 6)."""

    reason = TextAreaField(
        _l("导出完整身份证号的理由"),
        validators=[
            DataRequired(_l("请填写导出完整身份证号的理由。")),
            Length(min=4, max=200, message=_l("理由应为 4 至 200 个字。")),
        ],
    )
    confirm = BooleanField(
        _l("我确认需要完整身份证号，并知悉每个号码都将记入审计日志"),
        validators=[DataRequired(_l("请勾选确认。"))],
    )
    submit = SubmitField(_l("导出"))


def select_choices(pairs: Iterable[tuple[object, object]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 choices (tuples are deprecated there). A lazy
    label (``_l``) stays lazy, translated when the form is shown: choices declared on a form
    class are made once, at import, outside any request and its language."""
    return [
        SelectChoice(str(value), label if isinstance(label, LazyString) else str(label))
        for value, label in pairs
    ]


def field_date(field: Any, *, required: bool) -> date | None:
    """A whole date typed into ``field`` (any form services.core.dates reads), or None with
    the message put on the field: unreadable, missing while ``required``, or only a month."""
    from flask_babel import gettext as _

    from cadre_app.services.core import dates

    try:
        value = dates.parse(field.data)
    except ValueError as error:
        field.errors = [*field.errors, str(error)]
        return None
    if value is None:
        if required:
            field.errors = [*field.errors, _("请填写%(label)s。", label=field.label.text)]
        return None
    if isinstance(value, dates.MonthDate):
        field.errors = [*field.errors, _("日期须写到日，如 2025-03-18。")]
        return None
    return date(value.year, value.month, value.day)
