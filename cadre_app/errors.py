"""Error pages in the user's language, without tracebacks, after a rollback."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from cadre_app.extensions import db


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("请求有误"), _("提交的内容无法处理，请检查后重试。")),
        401: (_("需要登录"), _("请先登录。")),
        403: (_("无权访问"), _("您的角色无权使用此功能。如需权限，请联系系统管理员。")),
        404: (_("页面不存在"), _("您要找的页面或记录不存在，或您无权查看。")),
        405: (_("请求方式不允许"), _("此地址不接受这种请求方式。")),
        409: (_("数据冲突"), _("记录已被他人修改，请刷新后重试。")),
        413: (_("文件过大"), _("上传的文件超过了允许的大小。")),
        429: (_("请求过于频繁"), _("操作过于频繁，请稍后再试。")),
        500: (
            _("系统错误"),
            _("服务器处理时出错，本次操作未保存任何数据。请稍后重试或联系管理员。"),
        ),
        503: (_("服务暂不可用"), _("系统暂时无法提供服务，请稍后再试。")),
    }


def render_error(code: int, detail: str | None = None) -> tuple[str, int]:
    title, message = _messages().get(code, (_("出错了"), _("请求未能完成。")))
    return render_template(
        "errors/error.html", code=code, title=title, message=detail or message
    ), code


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Any:
        db.session.rollback()
        return render_error(400, _("表单已过期或缺少安全令牌（CSRF），请刷新页面后重新提交。"))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        db.session.rollback()
        code = error.code or 500
        if request.path.startswith("/healthz"):
            return {"status": "error", "code": code}, code
        response = render_error(code)
        if code == 405 and error.valid_methods:  # type: ignore[attr-defined]
            return response[0], code, {"Allow": ", ".join(error.valid_methods)}  # type: ignore[attr-defined]
        return response

    @app.errorhandler(InternalServerError)
    def internal_error(error: InternalServerError) -> Any:
        db.session.rollback()
        original = getattr(error, "original_exception", None)
        if original is not None:
            app.logger.error("未处理的异常：%s %s", request.method, request.path, exc_info=original)
        return render_error(500)
