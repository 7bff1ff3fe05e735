from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    username = StringField(
        _l("用户名"), validators=[DataRequired(_l("请输入用户名。")), Length(max=64)]
    )
    password = PasswordField(
        _l("密码"), validators=[DataRequired(_l("请输入密码。")), Length(max=256)]
    )
    next = HiddenField()
    submit = SubmitField(_l("登录"))


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        _l("当前密码"), validators=[DataRequired(_l("请输入当前密码。")), Length(max=256)]
    )
    new_password = PasswordField(
        _l("新密码"), validators=[DataRequired(_l("请输入新密码。")), Length(max=256)]
    )
    confirm_password = PasswordField(
        _l("确认新密码"), validators=[DataRequired(_l("请再次输入新密码。")), Length(max=256)]
    )
    submit = SubmitField(_l("修改密码"))


class LanguageForm(FlaskForm):
    lang = SelectField(choices=[])  # filled from LANGUAGES
    next = HiddenField()


class CodeForm(FlaskForm):
    """A 6-digit code of the authenticator app, or (at sign-in) a recovery code."""

    code = StringField(
        _l("验证码"), validators=[DataRequired(_l("请输入验证码。")), Length(max=32)]
    )
    submit = SubmitField(_l("验证"))
