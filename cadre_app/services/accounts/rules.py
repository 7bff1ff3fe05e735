"""Pure rules about accounts (三员分立, the password policy, temporary passwords), tested on
plain values.

三员分立 (DESIGN.md, roles): the system administrator, the personnel office (HR) and the security
auditor are three different people. An account has one role, so the rule is about people: one
person (the same linked cadre, or the same real name) may hold accounts in at most one of these
three roles, and nobody grants that separation away, the admin included.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

from cadre_app.models.accounts import Role
from cadre_app.services.core import names

#: The roles kept apart: one person holds at most one of them.
SEPARATED_ROLES = (Role.ADMIN, Role.HR, Role.AUDITOR)
#: Characters of a temporary password: no 0/O, 1/l/I, so it can be read out and typed.
_LOWER = "abcdefghijkmnpqrstuvwxyz"
_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_DIGITS = "23456789"
_SYMBOLS = "@#%+=-"
TEMPORARY_PASSWORD_LENGTH = 12

#: The password policy (issue 16, point 7), applied whenever a password is set (never at
#: login, so an old password still signs in until it is next changed).
MIN_PASSWORD_LENGTH = 8
#: zxcvbn's score (0 very guessable … 4 very unguessable) a password must reach: 3 is "safely
#: unguessable: moderate protection from an offline slow-hash scenario" (about 10^8 guesses).
MIN_PASSWORD_SCORE = 3
#: zxcvbn's time grows with the length; what lies past this is not scored (it only adds).
_SCORED_LENGTH = 64
#: A personal word shorter than this is not looked for inside a password (a one-letter name).
_MIN_PERSONAL_WORD = 2
_WEAK_WORDS_FILE = Path(__file__).with_name("data") / "weak_words.txt"


@cache
def weak_words() -> tuple[str, ...]:
    """Words and passwords common in China that zxcvbn's English dictionaries lack (shipped
    with the app in ``data/weak_words.txt``)."""
    lines = _WEAK_WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return tuple(w.strip().lower() for w in lines if w.strip() and not w.startswith("#"))


def personal_words(username: str | None, real_name: str | None = None) -> list[str]:
    """What a password must not contain about its user: the login name, the real name in
    characters, its pinyin (``zhangwei``), the pinyin of the given name (``wei`` is too short
    to count; ``xiaoming`` does) and the surname-last order (``weizhang``)."""
    words = []
    if username and username.strip():
        words.append(username.strip().lower())
    name = normalise_name(real_name).replace(" ", "")
    if name:
        words.append(name.lower())
        pinyin = names.search_keys(name).pinyin
        if pinyin and pinyin.isascii():
            words.append(pinyin)
            surname, given = names.split_surname(name)
            given_pinyin = names.search_keys(given).pinyin if given else ""
            surname_pinyin = pinyin[: len(pinyin) - len(given_pinyin)]
            if len(given_pinyin) >= 4:
                words.append(given_pinyin)
            if given_pinyin and surname_pinyin:
                words.append(given_pinyin + surname_pinyin)
    return [w for w in dict.fromkeys(words) if len(w) >= _MIN_PERSONAL_WORD]


def _is_repetition(text: str) -> bool:
    """``hr2hr2hr2``, ``Aa1!Aa1!``: the whole text is one short piece said again and again."""
    text = text.lower()
    size = len(text)
    return any(size % n == 0 and text[:n] * (size // n) == text for n in range(1, size // 2 + 1))


def password_problems(password: str, personal: Iterable[str] = ()) -> list[str]:
    """What is wrong with ``password`` under the policy (empty when it is acceptable).

    Policy: at least 8 characters drawn from at least 3 of the 4 classes (lower-case,
    upper-case, digits, other characters); not one piece repeated; nothing of the user's
    ``personal`` words (``personal_words``: login name, real name and its pinyin) inside it;
    and hard to guess: zxcvbn's score at least ``MIN_PASSWORD_SCORE``, with the user's words
    and the common Chinese words of ``weak_words()`` counted as dictionary words.
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
    personal = [w for w in personal if len(w) >= _MIN_PERSONAL_WORD]
    lowered = password.lower()
    if any(word in lowered for word in personal):
        problems.append(_("密码不能包含用户名、姓名或姓名拼音。"))
    if problems:
        return problems
    if _is_repetition(password):
        problems.append(_("密码不能由同一段字符重复组成。"))
    elif lowered in weak_words() or _score(password, personal) < MIN_PASSWORD_SCORE:
        problems.append(
            _(
                "密码太容易被猜到（常见密码、常用词或拼音加数字、键盘顺序、日期、简单替换等）。"
                "请换一个更长、更无规律的密码，例如几个不相关的词加数字和符号。"
            )
        )
    return problems


def _score(password: str, personal: list[str]) -> int:
    return int(zxcvbn(password[:_SCORED_LENGTH], user_inputs=[*personal, *weak_words()])["score"])


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


def temporary_password(
    length: int = TEMPORARY_PASSWORD_LENGTH, personal: Iterable[str] = ()
) -> str:
    """A random password that meets the policy (all four classes, and ``password_problems``
    with the user's ``personal`` words), for a new account or a reset; shown once, and the
    user must change it at the next login."""
    personal = list(personal)
    classes = (_LOWER, _UPPER, _DIGITS, _SYMBOLS)
    pool = "".join(classes)
    while True:  # 12 random characters almost always pass at once
        chars = [secrets.choice(c) for c in classes]
        chars += [secrets.choice(pool) for _ in range(max(length, len(classes)) - len(classes))]
        secrets.SystemRandom().shuffle(chars)
        password = "".join(chars)
        if not password_problems(password, personal):
            return password


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
    "two_factor": _l("两步验证"),
}
VALUE_LABELS = {
    "is_enabled": {True: _l("启用"), False: _l("停用")},
    "two_factor": {True: _l("已启用"), False: _l("未启用")},
}


def role_labels() -> dict[str, str]:
    """Stored role codes and their names, in the current language."""
    return {role.value: role.label for role in Role}
