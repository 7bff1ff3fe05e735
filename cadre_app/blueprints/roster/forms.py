"""The cadre form, built from services.roster.operations.FIELDS so that form, import and export
share one list of fields."""

from __future__ import annotations

import unicodedata
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired

from cadre_app.forms import select_choices
from cadre_app.services.core import dates, idcard
from cadre_app.services.roster.operations import (
    COMMON_DEGREES,
    FIELDS,
    Field,
    degree_level,
    normalise_degree,
)


def _field(spec: Field) -> Any:
    if spec.kind == "choice":
        choices = select_choices([("", "—")] + [(c, c) for c in spec.choices])
        return SelectField(spec.label, choices=choices, validate_choice=False)
    if spec.kind == "department":
        return SelectField(spec.label, choices=[], validate_choice=False)
    if spec.kind == "longtext":
        return TextAreaField(spec.label, render_kw={"rows": 4})
    if spec.kind == "date":
        return StringField(spec.label, render_kw={"placeholder": "1990.03 / 1990-03-17"})
    if spec.kind == "degree":
        return StringField(
            spec.label,
            render_kw={
                "maxlength": spec.max_length,
                "list": "degree-options",
                "placeholder": "经济学学士",
            },
        )
    return StringField(spec.label, render_kw={"maxlength": spec.max_length})


class CadreForm(FlaskForm):
    version = HiddenField()

    #: Suggestions for the free-text 学位 boxes (a datalist).
    degree_options = COMMON_DEGREES

    @staticmethod
    def degree_level(text: str | None) -> str | None:
        """The level (学士/硕士/博士) the form derives from a 学位 as typed."""
        return degree_level(text)


for _spec in FIELDS:
    setattr(CadreForm, _spec.attr, _field(_spec))


def _clean(text: Any, *, codes: bool = False) -> str | None:
    """Strip spaces; for codes (工号, 身份证号, 手机号) also turn full-width characters into
    ASCII. Names and free text keep their full-width punctuation."""
    if text is None:
        return None
    value = str(text).strip()
    if codes:
        value = unicodedata.normalize("NFKC", value).replace(" ", "")
    return value or None


def form_values(form: CadreForm) -> tuple[dict[str, Any], set[str]]:
    """Parsed values of the form and the fields whose format was wrong (their errors are on
    the fields already; their value is None)."""
    values: dict[str, Any] = {}
    bad: set[str] = set()
    for spec in FIELDS:
        field = getattr(form, spec.attr)
        raw = _clean(field.data, codes=spec.attr in ("staff_no", "id_number", "phone"))
        if spec.kind == "date":
            try:
                values[spec.attr] = dates.parse(raw)
            except dates.DateFormatError as error:
                field.errors = [*field.errors, str(error)]
                values[spec.attr] = None
                bad.add(spec.attr)
        elif spec.kind == "department":
            values[spec.attr] = int(raw) if raw and raw.isdigit() else None
        elif spec.kind == "degree":
            values[spec.attr] = normalise_degree(raw)
        elif spec.kind == "id_number":
            values[spec.attr] = idcard.normalise(raw) or None
        elif spec.kind == "longtext":
            values[spec.attr] = (field.data or "").strip() or None
        else:
            values[spec.attr] = raw
    return values, bad


class RevealForm(FlaskForm):
    """Reveal one ID number (audited); POST only."""


class PhotoForm(FlaskForm):
    photo = FileField(
        _l("照片（JPEG 或 PNG，不超过 6 MB）"), validators=[InputRequired(_l("请选择照片文件。"))]
    )


class FamilyForm(FlaskForm):
    relation = StringField(_l("称谓"), validators=[InputRequired(_l("请填写称谓。"))])
    name = StringField(_l("姓名"), validators=[InputRequired(_l("请填写姓名。"))])
    birth_date = StringField(_l("出生日期"), render_kw={"placeholder": "1965.03"})
    political_status = StringField(_l("政治面貌"))
    employer_and_post = StringField(_l("工作单位及职务"))


class ResumeForm(FlaskForm):
    start = StringField(
        _l("起始年月"),
        validators=[InputRequired(_l("请填写起始年月。"))],
        render_kw={"placeholder": "2015.07"},
    )
    end = StringField(_l("截止年月（空为至今）"), render_kw={"placeholder": "2019.06"})
    description = StringField(
        _l("单位及职务"), validators=[InputRequired(_l("请填写单位及职务。"))]
    )
