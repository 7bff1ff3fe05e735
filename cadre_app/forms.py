"""Forms shared by several blueprints."""

from __future__ import annotations

from collections.abc import Iterable

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
