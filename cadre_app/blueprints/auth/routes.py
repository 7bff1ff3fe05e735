"""Log in, log out, change password, choose the language."""

from __future__ import annotations

from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from cadre_app.blueprints.auth import bp
from cadre_app.blueprints.auth.forms import LanguageForm, LoginForm, PasswordChangeForm
from cadre_app.extensions import db, limiter
from cadre_app.forms import EmptyForm, select_choices
from cadre_app.security import is_safe_next, passive_session, return_path
from cadre_app.services.accounts import operations as accounts
from cadre_app.services.accounts import queries as account_queries
from cadre_app.services.accounts.rules import masked_unknown_username
from cadre_app.services.core import audit


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
def login() -> Any:
    """Sign in with the form; a new server-side session is opened on success."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), (400 if form.is_submitted() else 200)
    config = current_app.config
    result = accounts.authenticate(
        form.username.data or "",
        form.password.data or "",
        max_failures=config["LOGIN_MAX_FAILURES"],
        lock_minutes=config["LOGIN_LOCK_MINUTES"],
    )
    if result.user is None:
        typed = form.username.data or ""
        known = account_queries.account_id(typed)
        # an unknown name may be a password typed in the wrong field: never logged as typed
        shown = typed.strip() if known else masked_unknown_username(typed, config["SECRET_KEY"])
        audit.record(
            "login_failed",
            object_type="user",
            object_id=known,
            summary=shown[:64] + ("（账户已锁定）" if result.locked_now else ""),
            result="fail",
        )
        db.session.commit()  # keep the failure count and the audit event
        if result.locked_now:
            current_app.logger.warning("账户因连续登录失败被锁定：%s", form.username.data)
        flash(
            _(
                "用户名或密码错误；连续失败 %(n)d 次后账户将锁定 %(m)d 分钟。",
                n=config["LOGIN_MAX_FAILURES"],
                m=config["LOGIN_LOCK_MINUTES"],
            ),
            "danger",
        )
        return render_template("auth/login.html", form=form), 401
    lang = session.get("lang")
    session.clear()  # nothing of the anonymous session survives the login
    if lang:
        session["lang"] = lang
    accounts.start_session(
        result.user,
        ip=request.remote_addr,
        user_agent=request.headers.get("User-Agent"),
        idle_minutes=config["IDLE_TIMEOUT_MINUTES"],
    )
    login_user(result.user)
    audit.record("login", object_type="user", object_id=result.user.id)
    db.session.commit()
    target = form.next.data
    return redirect(target if is_safe_next(target) else url_for("main.index"))


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
    """End the server-side session: the old cookie stops working."""
    form = EmptyForm()
    if not form.validate_on_submit():
        return redirect(url_for("main.index"))
    accounts.end_session(current_user.session_token)
    audit.record("logout", object_type="user", object_id=current_user.id)
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    db.session.commit()
    flash(_("您已安全退出。"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> Any:
    """Change one's own password (forced at first login for accounts made by the CLI)."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                current_user,
                form.current_password.data or "",
                form.new_password.data or "",
                form.confirm_password.data or "",
            )
        except accounts.AccountError as error:
            db.session.rollback()
            form.new_password.errors = [*form.new_password.errors, str(error)]
            return render_template("auth/password.html", form=form), 400
        audit.record("update", object_type="user", object_id=current_user.id, summary="修改密码")
        db.session.commit()
        flash(_("密码已修改。"), "success")
        return redirect(url_for("main.index"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/password.html", form=form), status


@bp.route("/language", methods=["POST"])
def language() -> Any:
    """Remember the chosen interface language in the session."""
    form = LanguageForm()
    form.lang.choices = select_choices(current_app.config["LANGUAGES"].items())
    if not form.validate_on_submit():
        abort(400)
    session["lang"] = form.lang.data
    target = form.next.data
    return redirect(target if is_safe_next(target) else url_for("main.index"))


def _session_state(seconds: int) -> dict[str, Any]:
    config = current_app.config
    return {
        "signed_in": seconds > 0,
        "seconds_left": seconds,
        "timeout_seconds": int(config["IDLE_TIMEOUT_MINUTES"]) * 60,
        "warn_seconds": int(config["IDLE_WARNING_SECONDS"]),
    }


@bp.route("/session")
@passive_session
def session_status() -> Any:
    """JSON for the idle-timeout script: how many seconds the session has left. Asking does
    not count as activity, so an idle page does not keep itself signed in."""
    seconds = 0
    if current_user.is_authenticated:
        seconds = accounts.seconds_left(
            current_user.session_token, idle_minutes=current_app.config["IDLE_TIMEOUT_MINUTES"]
        )
    return jsonify(_session_state(seconds))


@bp.route("/session", methods=["POST"])
def keepalive() -> Any:
    """保持登录: count now as activity (POST with the CSRF token in ``X-CSRFToken``). 401 JSON
    when the session has already ended."""
    if not current_user.is_authenticated or not accounts.renew_session(current_user.session_token):
        return jsonify(_session_state(0)), 401
    db.session.commit()
    return jsonify(_session_state(int(current_app.config["IDLE_TIMEOUT_MINUTES"]) * 60))


def unauthorized() -> Any:
    """Anonymous users go to the login page, which brings them back afterwards: to this page,
    or for a form posted after the session ended, to the page of the form (not to a URL
    that only takes POST). A script asking for JSON gets 401."""
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"signed_in": False}), 401
    flash(_("请先登录。"), "warning")
    return redirect(url_for("auth.login", next=return_path()))
