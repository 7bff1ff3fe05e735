"""Pure rules about accounts (三员分立, temporary passwords), tested on plain values.

三员分立 (DESIGN.md, roles): the system administrator, the personnel office (HR) and the security
auditor are three different people. An account has one role, so the rule is about people: one
person (the same linked cadre, or the same real name) may hold accounts in at most one of these
three roles, and nobody grants that separation away, the admin included.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

from cadre_app.models.accounts import Role

#: The roles kept apart: one person holds at most one of them.
SEPARATED_ROLES = (Role.ADMIN, Role.HR, Role.AUDITOR)
#: Characters of a temporary password: no 0/O, 1/l/I, so it can be read out and typed.
_LOWER = "abcdefghijkmnpqrstuvwxyz"
_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_DIGITS = "23456789"
_SYMBOLS = "@#%+=-"
TEMPORARY_PASSWORD_LENGTH = 12


def separation_conflict(role: Role, other_roles: Iterable[Role]) -> Role | None:
    """The role among ``other_roles`` (the same person's other accounts) that ``role`` may not
    be held with, or None. Only admin, HR and auditor are kept apart; managers and cadres may
    hold any other account."""
    if role not in SEPARATED_ROLES:
        return None
    for other in other_roles:
        if other in SEPARATED_ROLES and other is not role:
            return other
    return None


def needs_cadre(role: Role) -> bool:
    """A cadre account is the cadre's own window on their record: it must name the cadre."""
    return role is Role.CADRE


def temporary_password(length: int = TEMPORARY_PASSWORD_LENGTH) -> str:
    """A random password that meets the policy (all four classes), for a new account or a
    reset; shown once, and the user must change it at the next login."""
    classes = (_LOWER, _UPPER, _DIGITS, _SYMBOLS)
    chars = [secrets.choice(c) for c in classes]
    pool = "".join(classes)
    chars += [secrets.choice(pool) for _ in range(max(length, len(classes)) - len(classes))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def masked_unknown_username(typed: str, key: str | bytes) -> str:
    """What the log keeps of a username that matches no account: its first character, its
    length and a short keyed tag (HMAC-SHA256 under ``key``, the app's secret), never the rest.
    A password typed into the username field so never reaches the auditor; the tag still lets
    them see that the same unknown name was tried again, and nobody can reverse it without the
    key. Known usernames are logged as they are (their account is named anyway)."""
    text = typed.strip()
    if not text:
        return "（空）"
    secret = key.encode() if isinstance(key, str) else key
    tag = hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()[:8]
    return f"{text[0]}***（{len(text)} 字符，#{tag}）"


def normalise_name(name: str | None) -> str:
    """A real name as stored: no blanks around it, one between words."""
    return " ".join((name or "").split())


#: Labels of an account's audit snapshot (``operations.snapshot``), for the audit page.
FIELD_LABELS = {
    "username": _l("用户名"),
    "real_name": _l("姓名"),
    "role": _l("角色"),
    "cadre": _l("关联干部工号"),
    "is_enabled": _l("账户状态"),
    "head_of": _l("任处长的处室"),
    "oversees": _l("分管的处室"),
}
VALUE_LABELS = {"is_enabled": {True: _l("启用"), False: _l("停用")}}


def role_labels() -> dict[str, str]:
    """Stored role codes and their names, in the current language."""
    return {role.value: role.label for role in Role}
