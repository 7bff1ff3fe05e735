"""The security baseline that applies to every request: headers, cookie flags, safe redirects,
idle sessions, the forced password change and the forced two-factor enrolment."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, flash, g, redirect, request, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",  # Bootstrap draws its icons as data: SVG
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

#: Endpoints a user who must change the password may still reach.
_ALLOWED_BEFORE_PASSWORD_CHANGE = frozenset(
    {"auth.password", "auth.logout", "auth.language", "main.healthz", "static"}
)
#: Endpoints a user of a role that requires two-factor sign-in may reach before enrolling.
_ALLOWED_BEFORE_ENROLMENT = _ALLOWED_BEFORE_PASSWORD_CHANGE | {
    "auth.two_factor",
    "auth.session_status",
    "auth.keepalive",
}


def passive_session(view: Any) -> Any:
    """Mark a view that must not count as activity on the session (the idle-timeout script
    asking how long is left): the session loader then leaves ``last_seen_at`` alone."""
    view.passive_session = True
    return view


def is_passive_request() -> bool:
    """Whether the request in progress goes to a view marked ``passive_session``."""
    from flask import current_app, has_request_context

    if not has_request_context() or request.endpoint is None:
        return False
    view = current_app.view_functions.get(request.endpoint)
    return bool(getattr(view, "passive_session", False))


def return_path() -> str | None:
    """Where to come back to after signing in again: this page for a GET; for a form posted
    after the session ended, the page the form was on (the Referer, when it is on this site).
    None when there is no safe place."""
    if request.method == "GET":
        target = request.full_path.rstrip("?")
    else:
        referrer = urlsplit(request.referrer or "")
        if referrer.netloc and referrer.netloc != request.host:
            return None
        target = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return target if is_safe_next(target) else None


def is_safe_next(target: str | None) -> bool:
    """True only for a path on this site: ``/cadres/?page=2`` yes; ``//evil``, ``/\\evil``,
    ``https://evil``, ``javascript:...`` and anything with a scheme or host, no."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ch in target for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


class TimedSession(SecureCookieSession):
    """The session, knowing when its cookie was signed (None: no cookie came in)."""

    issued_at: datetime | None = None


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over HTTPS; re-issue an
    unchanged permanent session's cookie (to push its expiry back) only once it is
    ``SESSION_REFRESH_SECONDS`` old, not on every response: signing it is a tenth of a
    millisecond a page, and the cookie then lives at least 29 of its 30 minutes after the
    last request (the server-side idle timeout, ``last_seen_at``, is written once a minute
    too)."""

    session_class = TimedSession

    def open_session(self, app: Flask, request: Any) -> TimedSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, issued = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.issued_at = issued
        return session

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        issued = getattr(session, "issued_at", None)
        if issued is None:
            return True
        age = (datetime.now(UTC) - issued).total_seconds()
        return age >= app.config["SESSION_REFRESH_SECONDS"]

    def get_cookie_secure(self, app: Flask) -> bool:
        from flask import has_request_context

        return bool(app.config["SESSION_COOKIE_SECURE"]) or (
            has_request_context() and request.is_secure
        )


#: The headers every response carries unless its view set its own (one pass over the
#: response's headers instead of a look-up per header).
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    present = {key.lower() for key, _value in headers.items()}
    for key, value in SECURITY_HEADERS:
        if key.lower() not in present:
            headers.add(key, value)
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.endpoint != "static":
        # Pages carry personal data: never keep them in a browser or proxy cache.
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


def register(app: Flask) -> None:
    from cadre_app.services.accounts import two_factor

    two_factor.required_roles(app.config["TOTP_REQUIRED_ROLES"])  # a typo stops the start
    app.session_interface = HttpsAwareSessionInterface()
    app.after_request(set_security_headers)

    @app.before_request
    def enforce_session_rules() -> Any:
        if request.endpoint in (None, "static"):
            return None
        if not current_user.is_authenticated:
            if g.get("session_expired") and request.endpoint != "auth.login":
                flash(_("会话已超时或已退出，请重新登录。"), "warning")
            return None
        if current_user.must_change_password and (
            request.endpoint not in _ALLOWED_BEFORE_PASSWORD_CHANGE
        ):
            flash(_("首次登录请先修改密码。"), "warning")
            return redirect(url_for("auth.password"))
        if request.endpoint not in _ALLOWED_BEFORE_ENROLMENT and two_factor.must_enrol(
            current_user, two_factor.required_roles(app.config["TOTP_REQUIRED_ROLES"])
        ):
            return redirect(url_for("auth.two_factor"))  # the page says why
        return None
