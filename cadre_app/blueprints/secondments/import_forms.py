"""The 挂职锻炼 workbook's upload form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField


class SecondmentUploadForm(FlaskForm):
    file = FileField(
        _l("挂职锻炼工作簿（.xlsx）"), validators=[FileRequired(_l("请选择要导入的 .xlsx 文件。"))]
    )
    submit = SubmitField(_l("上传并预览"))
