"""Accounts: password policy, authentication with lockout, server-side sessions.

Services flush and never commit: the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import Cadre, Role, User, UserSession

MIN_PASSWORD_LENGTH = 8
#: A hash to check against when the user does not exist, so both paths cost the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0")


class AccountError(ValueError):
    """A rule about accounts was broken; ``str(error)`` is a message for the user."""


def password_problems(password: str, username: str | None = None) -> list[str]:
    """What is wrong with ``password`` under the policy (empty when it is acceptable).

    Policy: at least 8 characters drawn from at least 3 of the 4 classes
    (lower-case, upper-case, digits, other characters), and not the user name.
    """
    problems: list[str] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(_("密码至少需要 %(n)d 个字符。", n=MIN_PASSWORD_LENGTH))
    classes = sum(
        (
            any(c in string.ascii_lowercase for c in password),
            any(c in string.ascii_uppercase for c in password),
            any(c in string.digits for c in password),
            any(not c.isascii() or not c.isalnum() for c in password),
        )
    )
    if classes < 3:
        problems.append(_("密码须包含小写字母、大写字母、数字、符号中的至少三类。"))
    if username and password.lower() == username.lower():
        problems.append(_("密码不能与用户名相同。"))
    return problems


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    #: True when this failure locked the account (for the audit trail; never shown differently).
    locked_now: bool = False


def authenticate(
    username: str, password: str, *, max_failures: int, lock_minutes: int
) -> LoginResult:
    """Check a username and password, counting failures in the database.

    ``max_failures`` wrong passwords in a row lock the account for ``lock_minutes``; while locked
    even the right password is refused. Unknown users and wrong passwords look the same to the
    caller (``user`` is None) and cost the same time.
    """
    now = utcnow()
    user = db.session.scalar(sa.select(User).where(User.username == username.strip()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return LoginResult(None)
    if user.is_locked(now):
        check_password_hash(_DUMMY_HASH, password)
        return LoginResult(None)
    if not check_password_hash(user.password_hash, password) or not user.is_enabled:
        # An UPDATE with an expression, so that two workers counting at once both count.
        db.session.execute(
            sa.update(User)
            .where(User.id == user.id)
            .values(failed_logins=User.failed_logins + 1)
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(user)
        locked_now = False
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(minutes=lock_minutes)
            user.failed_logins = 0
            locked_now = True
        db.session.flush()
        return LoginResult(None, locked_now=locked_now)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.flush()
    return LoginResult(user)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, *, ip: str | None, user_agent: str | None, idle_minutes: int) -> str:
    """Open a server-side session for ``user`` and return the token for the cookie.

    Sessions of anyone that have been idle past ``idle_minutes`` are swept away here, so the
    table holds only live sessions without a scheduled job.
    """
    db.session.execute(
        sa.delete(UserSession).where(
            UserSession.last_seen_at < utcnow() - timedelta(minutes=idle_minutes)
        )
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            ip=(ip or "")[:45] or None,
            user_agent=(user_agent or "")[:200] or None,
        )
    )
    db.session.flush()
    user.session_token = token
    return token


def load_session(token: str, *, idle_minutes: int, now: datetime | None = None) -> User | None:
    """The user of a live session, or None when the token is unknown, ended or idle too long.

    An idle session is deleted on sight. ``last_seen_at`` is written at most once a minute so
    that ordinary page views do not each cost a write.
    """
    now = now or utcnow()
    row = db.session.get(UserSession, _token_hash(token))
    if row is None:
        return None
    if now - row.last_seen_at > timedelta(minutes=idle_minutes):
        db.session.delete(row)
        db.session.flush()
        return None
    if not row.user.is_enabled:
        return None
    if now - row.last_seen_at > timedelta(minutes=1):
        row.last_seen_at = now
        db.session.flush()
    row.user.session_token = token
    return row.user


def end_session(token: str | None) -> None:
    """Delete the session row, so the cookie that carried ``token`` no longer works."""
    if token:
        db.session.execute(
            sa.delete(UserSession).where(UserSession.token_hash == _token_hash(token))
        )


def end_all_sessions(user: User, *, keep_token: str | None = None) -> None:
    """Sign ``user`` out everywhere (after a password change), except the current session."""
    stmt = sa.delete(UserSession).where(UserSession.user_id == user.id)
    if keep_token:
        stmt = stmt.where(UserSession.token_hash != _token_hash(keep_token))
    db.session.execute(stmt)


def change_password(user: User, current: str, new: str, confirm: str) -> None:
    """Change ``user``'s password, or raise AccountError with the reason."""
    if not check_password_hash(user.password_hash, current):
        raise AccountError(_("当前密码不正确。"))
    if new != confirm:
        raise AccountError(_("两次输入的新密码不一致。"))
    if check_password_hash(user.password_hash, new):
        raise AccountError(_("新密码不能与当前密码相同。"))
    problems = password_problems(new, user.username)
    if problems:
        raise AccountError(" ".join(problems))
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.password_changed_at = utcnow()
    end_all_sessions(user, keep_token=user.session_token)
    db.session.flush()


def create_user(
    username: str,
    role: Role | str,
    password: str,
    *,
    cadre_staff_no: str | None = None,
    must_change_password: bool = True,
    is_demo: bool = False,
) -> User:
    """Create an account, or raise AccountError saying what is wrong."""
    username = username.strip()
    if not username or len(username) > 64:
        raise AccountError(_("用户名须为 1 至 64 个字符。"))
    try:
        role = Role(role)
    except ValueError:
        raise AccountError(
            _("未知角色：%(role)s（可选：%(roles)s）", role=role, roles=", ".join(Role))
        ) from None
    if db.session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        raise AccountError(_("用户名 %(name)s 已存在。", name=username))
    problems = password_problems(password, username)
    if problems:
        raise AccountError(" ".join(problems))
    cadre = None
    if cadre_staff_no:
        cadre = db.session.scalar(sa.select(Cadre).where(Cadre.staff_no == cadre_staff_no))
        if cadre is None:
            raise AccountError(_("找不到工号为 %(no)s 的干部。", no=cadre_staff_no))
        if db.session.scalar(sa.select(User.id).where(User.cadre_id == cadre.id)) is not None:
            raise AccountError(_("工号 %(no)s 的干部已有账户。", no=cadre_staff_no))
    user = User(
        username=username,
        role=role,
        password_hash=hash_password(password),
        cadre=cadre,
        must_change_password=must_change_password,
        is_demo=is_demo,
    )
    db.session.add(user)
    db.session.flush()
    return user


def unlock(user: User) -> None:
    """Lift a lockout (an administrator's action)."""
    user.locked_until = None
    user.failed_logins = 0
    db.session.flush()
