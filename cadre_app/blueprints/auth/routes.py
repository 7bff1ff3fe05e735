"""Log in (password, then the code of the second factor when the account has one), log out,
change password, set up two-factor sign-in, choose the language."""

from __future__ import annotations

import time
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
from cadre_app.blueprints.auth.forms import (
    CodeForm,
    LanguageForm,
    LoginForm,
    PasswordChangeForm,
)
from cadre_app.extensions import db, limiter
from cadre_app.forms import EmptyForm, select_choices
from cadre_app.models import User
from cadre_app.security import is_safe_next, passive_session, return_path
from cadre_app.services.accounts import operations as accounts
from cadre_app.services.accounts import queries as account_queries
from cadre_app.services.accounts import two_factor
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
    if result.needs_code:
        # Not signed in yet: the signed session cookie remembers only who passed the password
        # and when, for the code page (a fresh session, as at sign-in).
        _fresh_session()
        session[_PENDING] = {"user": result.user.id, "at": int(time.time()), "next": form.next.data}
        db.session.commit()
        return redirect(url_for("auth.second_factor"))
    return _signed_in(result.user, form.next.data)


#: The session key of a sign-in waiting for its code: {"user": id, "at": unix time, "next": path}.
_PENDING = "two_factor_pending"


def _fresh_session() -> None:
    """Nothing of the session before survives (session fixation), but the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _signed_in(user: User, target: str | None, *, summary: str | None = None) -> Any:
    """Open the server-side session of ``user`` and go on to ``target`` (or the dashboard)."""
    _fresh_session()
    accounts.start_session(
        user,
        ip=request.remote_addr,
        user_agent=request.headers.get("User-Agent"),
        idle_minutes=current_app.config["IDLE_TIMEOUT_MINUTES"],
    )
    login_user(user)
    audit.record("login", object_type="user", object_id=user.id, summary=summary)
    db.session.commit()
    return redirect(target if is_safe_next(target) else url_for("main.index"))


def _pending_user() -> tuple[User | None, dict[str, Any]]:
    """The account waiting for its code, when the wait has not run out."""
    pending = session.get(_PENDING)
    if not isinstance(pending, dict):
        return None, {}
    age = time.time() - float(pending.get("at", 0))
    if not 0 <= age <= current_app.config["TOTP_PENDING_SECONDS"]:
        return None, {}
    user = db.session.get(User, int(pending.get("user", 0)))
    return user, pending


@bp.route("/code", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
def second_factor() -> Any:
    """The second step of signing in: the code of the authenticator app, or a recovery code.
    Wrong codes count as failed logins and lock the account like wrong passwords."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    user, pending = _pending_user()
    if user is None:
        session.pop(_PENDING, None)
        flash(_("验证已超时，请重新输入用户名和密码。"), "warning")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("auth/code.html", form=form), status
    config = current_app.config
    result = two_factor.verify_sign_in_code(
        user,
        form.code.data or "",
        max_failures=config["LOGIN_MAX_FAILURES"],
        lock_minutes=config["LOGIN_LOCK_MINUTES"],
    )
    if result.user is None:
        audit.record(
            "login_failed",
            object_type="user",
            object_id=user.id,
            summary="验证码错误" + ("（账户已锁定）" if result.locked_now else ""),
            result="fail",
        )
        if result.locked_now or user.is_locked():
            session.pop(_PENDING, None)
        db.session.commit()
        if result.locked_now:
            current_app.logger.warning("账户因连续验证失败被锁定：%s", user.username)
        flash(
            _(
                "验证码错误或已用过；连续失败 %(n)d 次后账户将锁定 %(m)d 分钟。",
                n=config["LOGIN_MAX_FAILURES"],
                m=config["LOGIN_LOCK_MINUTES"],
            ),
            "danger",
        )
        if _PENDING not in session:
            return redirect(url_for("auth.login"))
        return render_template("auth/code.html", form=CodeForm(formdata=None)), 401
    return _signed_in(user, pending.get("next"), summary="两步验证")


def _issuer() -> str:
    config = current_app.config
    return config.get("TOTP_ISSUER") or config["ORGANISATION_NAME"]


@bp.route("/two-factor", methods=["GET", "POST"], endpoint="two_factor")
@login_required
def two_factor_page() -> Any:
    """Two-factor sign-in: set it up (scan the QR code or type the secret, confirm with a
    code; the recovery codes are shown once), or see that it is on and how many recovery
    codes are left."""
    user = current_user
    required = two_factor.required_roles(current_app.config["TOTP_REQUIRED_ROLES"])
    is_required = user.role.value in required
    form = CodeForm()
    if user.has_two_factor:
        if form.is_submitted():
            abort(400)
        return render_template(
            "auth/two_factor.html",
            enrolled=True,
            required=is_required,
            left=two_factor.recovery_codes_left(user),
            form=CodeForm(formdata=None),
        )
    secret = two_factor.begin_enrolment(user)
    db.session.commit()  # a reload shows the same secret, already in the user's app
    status = 200
    if form.validate_on_submit():
        try:
            codes = two_factor.confirm_enrolment(user, form.code.data or "")
        except accounts.AccountError as error:
            db.session.rollback()
            form.code.errors = [*form.code.errors, str(error)]
            status = 400
        else:
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes)
    elif form.is_submitted():
        status = 400
    uri = two_factor.provisioning_uri(user, secret, _issuer())
    return render_template(
        "auth/two_factor.html",
        enrolled=False,
        required=is_required,
        secret=secret,
        secret_groups=[secret[i : i + 4] for i in range(0, len(secret), 4)],
        qr=two_factor.qr_data_uri(uri),
        form=form,
    ), status


@bp.route("/two-factor/recovery-codes", methods=["POST"])
@login_required
def new_recovery_codes() -> Any:
    """New recovery codes against a current code (the old ones stop working)."""
    form = CodeForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        codes = two_factor.regenerate_recovery_codes(current_user, form.code.data or "")
    except accounts.AccountError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(url_for("auth.two_factor"))
    db.session.commit()
    return render_template("auth/recovery_codes.html", codes=codes)


@bp.route("/two-factor/off", methods=["POST"])
@login_required
def two_factor_off() -> Any:
    """Switch the second factor off (only for a role that does not require it), with a code."""
    required = two_factor.required_roles(current_app.config["TOTP_REQUIRED_ROLES"])
    if current_user.role.value in required:
        abort(403)
    form = CodeForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        two_factor.turn_off(current_user, form.code.data or "")
    except accounts.AccountError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(url_for("auth.two_factor"))
    db.session.commit()
    flash(_("两步验证已停用。"), "success")
    return redirect(url_for("auth.two_factor"))


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
