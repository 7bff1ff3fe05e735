"""Forms shared by several blueprints."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice


class EmptyForm(FlaskForm):
    """For POST-only actions (log out, unlock): carries the CSRF token and nothing else."""


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
