"""Accounts: password policy, authentication with lockout, server-side sessions.

Services flush and never commit: the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import Cadre, Department, Role, SectionHead, User, UserSession
from cadre_app.services.accounts import rules
from cadre_app.services.core import audit

MIN_PASSWORD_LENGTH = rules.MIN_PASSWORD_LENGTH
#: A hash to check against when the user does not exist, so both paths cost the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0")


class AccountError(ValueError):
    """A rule about accounts was broken; ``str(error)`` is a message for the user."""


def password_problems(
    password: str, username: str | None = None, real_name: str | None = None
) -> list[str]:
    """What is wrong with ``password`` for the account ``username`` of the person
    ``real_name`` (empty when it is acceptable); the policy is ``rules.password_problems``."""
    return rules.password_problems(password, rules.personal_words(username, real_name))


def user_password_problems(user: User, password: str) -> list[str]:
    """``password_problems`` for an existing account: its login, real name and the name of
    its linked cadre."""
    personal = rules.personal_words(user.username, user.real_name)
    if user.cadre is not None:
        personal += rules.personal_words(None, user.cadre.name)
    return rules.password_problems(password, personal)


def temporary_password_for(user: User) -> str:
    """A temporary password that meets the policy for ``user`` (their names not in it)."""
    personal = rules.personal_words(user.username, user.real_name)
    if user.cadre is not None:
        personal += rules.personal_words(None, user.cadre.name)
    return rules.temporary_password(personal=personal)


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    #: True when this failure locked the account (for the audit trail; never shown differently).
    locked_now: bool = False
    #: The password was right, and a code of the second factor must follow before signing in.
    needs_code: bool = False


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
        locked_now = count_failed_login(
            user, max_failures=max_failures, lock_minutes=lock_minutes, now=now
        )
        return LoginResult(None, locked_now=locked_now)
    if user.has_two_factor:
        # The password is right and the code is still to come (two_factor): nothing is
        # cleared yet, so guessing codes behind a known password still locks the account.
        return LoginResult(user, needs_code=True)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.flush()
    return LoginResult(user)


def count_failed_login(
    user: User, *, max_failures: int, lock_minutes: int, now: datetime | None = None
) -> bool:
    """Count one failed login of ``user`` (a wrong password or a wrong code); the
    ``max_failures``-th in a row locks the account for ``lock_minutes``. Returns whether this
    failure locked it."""
    now = now or utcnow()
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
    return locked_now


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


_SESSION_AND_USER = (
    sa.select(User, UserSession.last_seen_at)
    .join(UserSession, UserSession.user_id == User.id)
    .where(UserSession.token_hash == sa.bindparam("token_hash"))
)
_STATEMENTS: dict[tuple[Any, ...], Any] = {}


def _session_statement(extras: Mapping[str, Callable[[Any], Any]]) -> Any:
    """The user, the session's last activity and the ``extras`` columns in one statement,
    built once per set of extras (the registry's are fixed when the app is built)."""
    key = tuple(extras.items())
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        columns = [column(User.id).label(name) for name, column in extras.items()]
        stmt = _STATEMENTS[key] = _SESSION_AND_USER.add_columns(*columns)
    return stmt


def load_session(
    token: str,
    *,
    idle_minutes: int,
    now: datetime | None = None,
    touch: bool = True,
    extras: Mapping[str, Callable[[Any], Any]] | None = None,
) -> User | None:
    """The user of a live session, or None when the token is unknown, ended or idle too long.

    An idle session is deleted on sight. ``last_seen_at`` is written at most once a minute so
    that ordinary page views do not each cost a write; ``touch=False`` (a page asking how long
    the session has left) never writes it, so asking does not keep the session alive. Either
    write is left pending in ``db.session`` for the caller to commit (the user loader commits
    only then, so an ordinary page view costs one query and no commit).

    ``extras``: name -> ``column(user_id)``, figures about the user read in the same statement
    (the registry's session columns: the unread count in the menu), given as
    ``user.session_extras``.
    """
    now = now or utcnow()
    # the user, the session's last activity and the extras in one query, as every page needs
    # them; a statement built once, with one ORM entity (the session row is loaded as an
    # object only on the rare page that writes it: once a minute, or to end it)
    stmt = _session_statement(extras) if extras else _SESSION_AND_USER
    token_hash = _token_hash(token)
    found = db.session.execute(stmt, {"token_hash": token_hash}).first()
    if found is None:
        return None
    user, last_seen_at = found[0], found[1]
    if now - last_seen_at > timedelta(minutes=idle_minutes):
        row = db.session.get(UserSession, token_hash)
        if row is not None:
            db.session.delete(row)
        return None
    if not user.is_enabled:
        return None
    if touch and now - last_seen_at > timedelta(minutes=1):
        row = db.session.get(UserSession, token_hash)
        if row is not None:
            row.last_seen_at = now
    user.session_token = token
    user.session_extras = dict(zip(extras, found[2:], strict=True)) if extras else {}
    return user


def seconds_left(token: str | None, *, idle_minutes: int, now: datetime | None = None) -> int:
    """How many seconds the session of ``token`` has before it times out (0 when it has
    ended)."""
    row = db.session.get(UserSession, _token_hash(token)) if token else None
    if row is None:
        return 0
    left = row.last_seen_at + timedelta(minutes=idle_minutes) - (now or utcnow())
    return max(0, int(left.total_seconds()))


def renew_session(token: str | None, *, now: datetime | None = None) -> bool:
    """Count now as activity on the session of ``token`` (保持登录); False when it has ended."""
    row = db.session.get(UserSession, _token_hash(token)) if token else None
    if row is None:
        return False
    row.last_seen_at = now or utcnow()
    db.session.flush()
    return True


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
    problems = user_password_problems(user, new)
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
    real_name: str = "",
    cadre_staff_no: str | None = None,
    must_change_password: bool = True,
    is_demo: bool = False,
) -> User:
    """Create an account, or raise AccountError saying what is wrong. A cadre account must
    name its cadre (one account per cadre); 三员分立 holds across the person's accounts."""
    username = username.strip()
    if not username or len(username) > 64:
        raise AccountError(_("用户名须为 1 至 64 个字符。"))
    role = _role(role)
    real_name = _real_name(real_name)
    if db.session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        raise AccountError(_("用户名 %(name)s 已存在。", name=username))
    cadre = _cadre_to_link(cadre_staff_no, role, real_name, user=None)
    problems = rules.password_problems(
        password,
        rules.personal_words(username, real_name)
        + (rules.personal_words(None, cadre.name) if cadre is not None else []),
    )
    if problems:
        raise AccountError(" ".join(problems))
    _check_separation(role, real_name, cadre, user=None)
    user = User(
        username=username,
        real_name=real_name,
        role=role,
        password_hash=hash_password(password),
        cadre=cadre,
        must_change_password=must_change_password,
        is_demo=is_demo,
    )
    db.session.add(user)
    db.session.flush()
    return user


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise AccountError(
            _("未知角色：%(role)s（可选：%(roles)s）", role=role, roles=", ".join(Role))
        ) from None


def _real_name(name: str | None) -> str:
    name = rules.normalise_name(name)
    if len(name) > 50:
        raise AccountError(_("姓名最多 50 个字符。"))
    return name


def _cadre_to_link(
    staff_no: str | None, role: Role, real_name: str, *, user: User | None
) -> Cadre | None:
    """The cadre named by ``staff_no`` for ``user`` (None: a new account), checked: it exists,
    has no other account, and bears the account's real name when one is given."""
    staff_no = (staff_no or "").strip()
    if not staff_no:
        if rules.needs_cadre(role):
            raise AccountError(_("干部账户须关联一名干部：请填写其工号。"))
        return None
    cadre = db.session.scalar(sa.select(Cadre).where(Cadre.staff_no == staff_no))
    if cadre is None:
        raise AccountError(_("找不到工号为 %(no)s 的干部。", no=staff_no))
    holder = db.session.scalar(sa.select(User).where(User.cadre_id == cadre.id))
    if holder is not None and (user is None or holder.id != user.id):
        raise AccountError(
            _(
                "工号 %(no)s 的干部已有账户 %(name)s；每名干部只能有一个账户。",
                no=staff_no,
                name=holder.username,
            )
        )
    if real_name and cadre.name != real_name:
        raise AccountError(
            _("工号 %(no)s 与姓名“%(name)s”不符，请核对。", no=staff_no, name=real_name)
        )
    return cadre


def _check_separation(
    role: Role, real_name: str, cadre: Cadre | None, *, user: User | None
) -> None:
    """三员分立: refuse ``role`` when the same person (same linked cadre or same real name)
    holds another account in a role kept apart from it."""
    if role not in rules.SEPARATED_ROLES:
        return
    same_person = []
    if real_name:
        same_person.append(User.real_name == real_name)
    if cadre is not None:
        same_person.append(User.cadre_id == cadre.id)
    if not same_person:
        return
    stmt = sa.select(User).where(sa.or_(*same_person))
    if user is not None:
        stmt = stmt.where(User.id != user.id)
    others = db.session.scalars(stmt.order_by(User.id)).all()
    conflict = rules.separation_conflict(role, [o.role for o in others])
    if conflict is not None:
        holder = next(o for o in others if o.role is conflict)
        raise AccountError(
            _(
                "三员分立：%(person)s 已有%(other)s账户 %(name)s，不能再担任%(role)s。"
                "如为同名的另一人，请在姓名后注明以示区分（如“张伟（预算处）”）。",
                person=real_name or holder.display_name,
                other=conflict.label,
                name=holder.username,
                role=role.label,
            )
        )


def unlock(user: User) -> None:
    """Lift a lockout (an administrator's action)."""
    user.locked_until = None
    user.failed_logins = 0
    db.session.flush()


# --- account administration (the admin's page; every change audited here) ---------------------


def snapshot(user: User) -> dict[str, Any]:
    """What the admin may change on an account, for the audit log."""
    head = db.session.scalar(sa.select(SectionHead).where(SectionHead.user_id == user.id))
    return {
        "username": user.username,
        "real_name": user.real_name,
        "role": user.role.value,
        "cadre": user.cadre.staff_no if user.cadre is not None else None,
        "is_enabled": user.is_enabled,
        "head_of": head.department.name if head is not None else None,
        "oversees": sorted(
            d.name for d in user.led_departments if head is None or d.id != head.department_id
        ),
    }


def _record(action: str, user: User, summary: str, before: dict[str, Any] | None) -> None:
    after = snapshot(user)
    if before is not None:
        changed = [key for key in after if before.get(key) != after[key]]
        before, after = {k: before.get(k) for k in changed}, {k: after[k] for k in changed}
    audit.record(
        action,
        object_type="user",
        object_id=user.id,
        summary=f"{summary} {user.username}",
        before=before,
        after=after,
    )


@dataclass(frozen=True)
class NewAccount:
    user: User
    #: Shown once to the admin, never stored in clear; changed by the user at first login.
    temporary_password: str


def open_account(
    username: str, real_name: str, role: Role | str, *, cadre_staff_no: str | None
) -> NewAccount:
    """The admin opens an account with a temporary password (shown once). Raises AccountError."""
    if not rules.normalise_name(real_name):
        raise AccountError(_("请填写使用人的真实姓名。"))
    personal = rules.personal_words(username, real_name)
    password = rules.temporary_password(personal=personal)
    user = create_user(username, role, password, real_name=real_name, cadre_staff_no=cadre_staff_no)
    _record("create", user, "创建账户", None)
    return NewAccount(user, password)


def update_account(
    user: User,
    *,
    actor: User,
    real_name: str,
    role: Role | str,
    cadre_staff_no: str | None,
) -> bool:
    """Change an account's real name, role and linked cadre. The admin cannot change their
    own role; a manager account that becomes something else stops heading or overseeing
    sections. Returns whether anything changed. Raises AccountError."""
    role = _role(role)
    real_name = _real_name(real_name)
    if not real_name:
        raise AccountError(_("请填写使用人的真实姓名。"))
    if user.id == actor.id and role is not user.role:
        raise AccountError(_("不能修改自己的角色：请由另一名系统管理员操作。"))
    cadre = _cadre_to_link(cadre_staff_no, role, real_name, user=user)
    _check_separation(role, real_name, cadre, user=user)
    before = snapshot(user)
    role_changed = role is not user.role
    user.real_name = real_name
    user.role = role
    user.cadre = cadre
    if role is not Role.MANAGER:
        _clear_sections(user)
    db.session.flush()
    if snapshot(user) == before:
        return False
    if role_changed:
        end_all_sessions(user)  # the new role takes effect at the next sign-in
    _record("update", user, "修改账户", before)
    return True


def reset_password(user: User) -> str:
    """A new temporary password for ``user`` (returned to be shown once): the old one stops
    working, every session ends, a lockout is lifted, and the user must change it at the
    next login."""
    password = temporary_password_for(user)
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.password_changed_at = utcnow()
    user.failed_logins = 0
    user.locked_until = None
    end_all_sessions(user)
    db.session.flush()
    audit.record(
        "update", object_type="user", object_id=user.id, summary=f"重置密码 {user.username}"
    )
    return password


def set_enabled(user: User, enabled: bool, *, actor: User) -> bool:
    """Deactivate (sessions end, login refused) or reactivate an account; accounts are never
    deleted, so the audit log always names a real account. Returns whether it changed."""
    if user.id == actor.id and not enabled:
        raise AccountError(_("不能停用自己的账户。"))
    if user.is_enabled == enabled:
        return False
    before = snapshot(user)
    user.is_enabled = enabled
    if not enabled:
        end_all_sessions(user)
    db.session.flush()
    _record("update", user, "启用账户" if enabled else "停用账户", before)
    return True


def _clear_sections(user: User) -> None:
    db.session.execute(sa.delete(SectionHead).where(SectionHead.user_id == user.id))
    user.led_departments = []


def set_sections(user: User, *, head_of: int | None, oversees: list[int]) -> bool:
    """Name ``user`` (a manager account) 处长 of the section ``head_of`` and 分管领导 of the
    sections ``oversees``. Both scope what the manager sees (``led_departments``). A section
    has one 处长 account. Returns whether anything changed. Raises AccountError."""
    if user.role is not Role.MANAGER:
        raise AccountError(_("只有领导账户可以担任处长或分管领导。"))
    wanted = set(oversees) | ({head_of} if head_of else set())
    sections = (
        db.session.scalars(sa.select(Department).where(Department.id.in_(wanted))).all()
        if wanted
        else []
    )
    if len(sections) != len(wanted):
        raise AccountError(_("所选处室不存在，请刷新页面后重试。"))
    if head_of:
        holder = db.session.scalar(
            sa.select(SectionHead).where(
                SectionHead.department_id == head_of, SectionHead.user_id != user.id
            )
        )
        if holder is not None:
            raise AccountError(
                _(
                    "%(section)s 的处长已是账户 %(name)s（%(person)s）；请先取消其处长，再任命。",
                    section=holder.department.name,
                    name=holder.user.username,
                    person=holder.user.display_name,
                )
            )
    before = snapshot(user)
    db.session.execute(sa.delete(SectionHead).where(SectionHead.user_id == user.id))
    db.session.flush()
    if head_of:
        db.session.add(SectionHead(department_id=head_of, user_id=user.id))
    user.led_departments = sorted(sections, key=lambda d: (d.sort_order, d.name))
    db.session.flush()
    if snapshot(user) == before:
        return False
    _record("update", user, "设置处长与分管处室", before)
    return True
