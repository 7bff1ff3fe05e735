"""Two-factor sign-in (issue 16, point 10): TOTP codes of an authenticator app (RFC 6238,
pyotp), one-time recovery codes, and the admin's reset.

The flow: the password is checked first (``operations.authenticate``); for an account with a
second factor no session is opened then, and the code page calls ``verify_sign_in_code``.
Wrong codes count as failed logins (the same counter and lock as wrong passwords), and a
correct password does not clear the counter while the code is still to come. A code is
accepted once: the time step of the last accepted code is kept and only later steps pass.

The secret is read and written only by ``totp_secret`` and ``set_totp_secret`` below (field
encryption wraps them). Services flush and never commit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable

import pyotp
import segno
import sqlalchemy as sa
from flask_babel import gettext as _

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import RecoveryCode, Role, User
from cadre_app.services.accounts import operations
from cadre_app.services.accounts.operations import AccountError, LoginResult
from cadre_app.services.core import audit

#: Seconds per code, as every authenticator app uses.
STEP_SECONDS = 30
#: Codes of the step before and after the current one pass too (a phone's clock a little off).
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
#: Recovery codes: 10 characters of base32 (50 random bits), shown as ``abcde-fghij``.
_RECOVERY_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
_RECOVERY_LENGTH = 10


# --- the secret: the one place that reads or writes the column ---------------------------------


def totp_secret(user: User) -> str | None:
    """The account's TOTP secret (base32), pending or in use; None when it has none."""
    return user.totp_secret


def set_totp_secret(user: User, secret: str | None) -> None:
    """Store (or with None, forget) the account's TOTP secret."""
    user.totp_secret = secret


# --- who must have it ---------------------------------------------------------------------------


def required_roles(setting: str | Iterable[str] | None) -> frozenset[str]:
    """The role codes of the ``TOTP_REQUIRED_ROLES`` setting: a list (instance/config.py, or
    JSON in ``CADRE_TOTP_REQUIRED_ROLES``) or a comma-separated string. Unknown codes are an
    error, so a typo cannot switch the requirement off unnoticed."""
    if setting is None:
        return frozenset()
    if isinstance(setting, str):
        setting = [part for part in setting.replace(" ", "").split(",") if part]
    roles = frozenset(str(role) for role in setting)
    unknown = roles - {role.value for role in Role}
    if unknown:
        raise ValueError(f"TOTP_REQUIRED_ROLES: unknown role(s) {', '.join(sorted(unknown))}")
    return roles


def must_enrol(user: User, required: frozenset[str]) -> bool:
    """Whether ``user`` has to set up the second factor before doing anything else."""
    return user.role.value in required and not user.has_two_factor


# --- enrolment ----------------------------------------------------------------------------------


def begin_enrolment(user: User) -> str:
    """The secret to show on the enrolment page: the pending one when the user already
    started (a reload shows the same QR code), else a new one. Refused once enrolled."""
    if user.has_two_factor:
        raise AccountError(_("已启用两步验证。"))
    secret = totp_secret(user)
    if not secret:
        secret = pyotp.random_base32()  # 160 bits, as RFC 4226 recommends
        set_totp_secret(user, secret)
        db.session.flush()
    return secret


def provisioning_uri(user: User, secret: str, issuer: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=issuer)


def qr_data_uri(uri: str) -> str:
    """The QR code of ``uri`` as an SVG ``data:`` URI (the CSP allows ``img-src data:``; no
    inline script or style)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#000", light="#fff")


def confirm_enrolment(user: User, code: str, *, now: float | None = None) -> list[str]:
    """Switch the second factor on once ``code`` from the app proves it was set up right;
    returns the new recovery codes (to be shown once). Raises AccountError."""
    secret = totp_secret(user)
    if user.has_two_factor or not secret:
        raise AccountError(_("请先打开两步验证设置页，扫描二维码。"))
    step = _matching_step(secret, _digits(code), now=now, after=None)
    if step is None:
        raise AccountError(_("验证码不正确，请核对手机时间后输入应用当前显示的 6 位数字。"))
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    codes = _new_recovery_codes(user)
    db.session.flush()
    audit.record("update", object_type="user", object_id=user.id, summary="启用两步验证")
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _i in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _j in range(_RECOVERY_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_code_hash(raw)))
    return codes


def regenerate_recovery_codes(user: User, code: str, *, now: float | None = None) -> list[str]:
    """New recovery codes (the old ones stop working), against a current code from the app."""
    if not user.has_two_factor:
        raise AccountError(_("尚未启用两步验证。"))
    if not _accept_totp(user, code, now=now):
        raise AccountError(_("验证码不正确。"))
    codes = _new_recovery_codes(user)
    db.session.flush()
    audit.record("update", object_type="user", object_id=user.id, summary="重新生成恢复码")
    return codes


def recovery_codes_left(user: User) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def reset(user: User, *, actor_name: str | None = None) -> bool:
    """The admin's reset (a lost phone): the secret, the recovery codes and every session of
    the user go; a role that requires the second factor enrols again at the next sign-in.
    Audited (``actor_name``: the command line's actor). Returns whether there was anything
    to reset."""
    had = bool(totp_secret(user)) or user.has_two_factor
    set_totp_secret(user, None)
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    operations.end_all_sessions(user)
    db.session.flush()
    audit.record(
        "update",
        object_type="user",
        object_id=user.id,
        summary=f"重置两步验证 {user.username}",
        before={"two_factor": had},
        after={"two_factor": False},
        actor_name=actor_name,
    )
    return had


def turn_off(user: User, code: str, *, now: float | None = None) -> None:
    """A user of a role that does not require it switches the second factor off, proving it
    with a current code. Raises AccountError."""
    if not user.has_two_factor:
        raise AccountError(_("尚未启用两步验证。"))
    if not _accept_totp(user, code, now=now):
        raise AccountError(_("验证码不正确。"))
    set_totp_secret(user, None)
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()
    audit.record("update", object_type="user", object_id=user.id, summary="停用两步验证")


# --- signing in ---------------------------------------------------------------------------------


def verify_sign_in_code(
    user: User, code: str, *, max_failures: int, lock_minutes: int, now: float | None = None
) -> LoginResult:
    """The second step of signing in: a code of the app (once per time step) or an unused
    recovery code. A wrong code is a failed login (counted, and locking the account like a
    wrong password); while locked even a right code is refused. On success the failure
    counter is cleared and the login time written."""
    if user.is_locked() or not user.is_enabled or not user.has_two_factor:
        return LoginResult(None)
    if _accept_totp(user, code, now=now) or _accept_recovery_code(user, code):
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = utcnow()
        db.session.flush()
        return LoginResult(user)
    locked_now = operations.count_failed_login(
        user, max_failures=max_failures, lock_minutes=lock_minutes
    )
    return LoginResult(None, locked_now=locked_now)


def _digits(code: str) -> str:
    return "".join(c for c in (code or "") if not c.isspace())


def _matching_step(secret: str, code: str, *, now: float | None, after: int | None) -> int | None:
    """The time step (within the drift allowed) whose code is ``code``, later than ``after``."""
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _accept_totp(user: User, code: str, *, now: float | None) -> bool:
    """Accept ``code`` when it is the app's code of a step later than the last one used, and
    record that step; a conditional UPDATE, so that two requests with one code cannot both
    pass."""
    secret = totp_secret(user)
    if not secret:
        return False
    step = _matching_step(secret, _digits(code), now=now, after=user.totp_last_step)
    if step is None:
        return False
    claimed = db.session.execute(
        sa.update(User)
        .where(
            User.id == user.id,
            sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    user.totp_last_step = step
    return True


def _normalise_recovery(code: str) -> str:
    return "".join(c for c in (code or "").lower() if c.isalnum())


def _code_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _accept_recovery_code(user: User, code: str) -> bool:
    """Spend an unused recovery code (a conditional UPDATE: each is used at most once)."""
    raw = _normalise_recovery(code)
    if len(raw) != _RECOVERY_LENGTH:
        return False
    spent = db.session.execute(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _code_hash(raw),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return spent.rowcount == 1
