"""The score workbook upload form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from cadre_app import clock


def last_year() -> int:
    """The year usually evaluated: annual evaluation happens early the next year."""
    return clock.today().year - 1


class ScoresUploadForm(FlaskForm):
    """The year and the file; the service checks everything about the file itself."""

    year = IntegerField(
        _l("考核年度"),
        default=last_year,
        validators=[
            InputRequired(_l("请填写考核年度。")),
            NumberRange(2000, 2100, _l("考核年度须在 2000 至 2100 之间。")),
        ],
    )
    file = FileField(
        _l("年度考核成绩工作簿（.xlsx）"),
        validators=[FileRequired(_l("请选择要导入的 .xlsx 文件。"))],
    )
    submit = SubmitField(_l("上传并预览"))
