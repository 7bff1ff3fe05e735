"""The batch export form: which cadres (ticked ones, or every one matching the search), which
form and which output. The search text and section ride along as hidden fields, so "every
matching cadre" means the list HR was looking at."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, SubmitField
from wtforms.validators import ValidationError

from cadre_app.forms import select_choices
from cadre_app.i18n import term
from cadre_app.services.records import batch as batch_export

SCOPE_SELECTED = "selected"
SCOPE_MATCHING = "matching"


def _int_or_none(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) <= 9 else None


class BatchForm(FlaskForm):
    kind = SelectField(
        _l("表格"),
        # A callable: the kinds the running app registered, read when a form is made.
        choices=lambda: select_choices(
            (k.code, term(k.label)) for k in batch_export.KINDS.values()
        ),
    )
    output = RadioField(
        _l("输出"),
        choices=select_choices(
            [
                (batch_export.Output.ZIP.value, _l("每人一个 PDF，打包为 ZIP")),
                (batch_export.Output.PDF.value, _l("合并为一个 PDF（便于连续打印）")),
            ]
        ),
        default=batch_export.Output.ZIP.value,
    )
    scope = RadioField(
        _l("范围"),
        choices=select_choices(
            [
                (SCOPE_SELECTED, _l("下方勾选的干部")),
                (SCOPE_MATCHING, _l("符合当前筛选条件的全部干部")),
            ]
        ),
        default=SCOPE_SELECTED,
    )
    cadre_ids = SelectMultipleField(_l("干部"), coerce=_int_or_none, validate_choice=False)
    q = HiddenField()
    section = HiddenField(filters=[_int_or_none])
    submit = SubmitField(_l("开始导出"))

    def validate_cadre_ids(self, field: SelectMultipleField) -> None:
        if any(value is None for value in field.data or []):
            raise ValidationError(_l("所选干部有误，请重新勾选。"))
        if self.scope.data == SCOPE_SELECTED and not field.data:
            raise ValidationError(_l("请至少勾选一名干部，或选择“符合当前筛选条件的全部干部”。"))
