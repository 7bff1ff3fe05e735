"""Forms of the .lrmx import: the upload, and the confirmation that places a new cadre."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileRequired, MultipleFileField
from wtforms import SelectField, SubmitField

from cadre_app.forms import select_choices
from cadre_app.models import enums


class LrmxUploadForm(FlaskForm):
    """Only presence is checked here; the service checks everything about the files: one
    .lrmx file, several, or ZIPs of them (a batch)."""

    file = MultipleFileField(
        _l("干部任免审批表文件（.lrmx，可多选，或 .zip 压缩包）"),
        validators=[FileRequired(_l("请选择要导入的 .lrmx 文件。"))],
    )
    submit = SubmitField(_l("上传并预览"))


class LrmxConfirmForm(FlaskForm):
    """Confirm the import. A new cadre needs a 部门 and a 职级, which the file does not carry;
    the view sets the department choices and checks the two only for a new cadre."""

    department_id = SelectField(_l("处室"), choices=[], validate_choice=False)
    rank = SelectField(
        _l("职级"),
        choices=select_choices([("", "—")] + [(r, r) for r in enums.RANK_LADDER]),
        validate_choice=False,
    )
