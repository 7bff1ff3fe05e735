"""One-time ballot codes: random, typed by hand from a paper slip, stored only as a keyed hash.

A code is ``LENGTH`` characters from ``ALPHABET``, which leaves out the look-alikes 0/O, 1/I/L
(31 symbols, 12 characters: about 59 bits). It is printed in groups of four (``display``);
what a rater types is read back by ``normalise`` (any case, spaces and dashes ignored).

The database keeps ``hash_code(code)``: HMAC-SHA256 under a key derived from the app's
``SECRET_KEY`` (or ``BALLOT_CODE_KEY`` when set), which is not in the database. Someone holding
a dump alone cannot test guesses against the hashes; changing the key makes every unused code
unusable (issue new ones).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 12
_ALLOWED = frozenset(ALPHABET)


def generate(count: int) -> list[str]:
    """``count`` new codes, distinct from one another."""
    codes: set[str] = set()
    while len(codes) < count:
        codes.add("".join(secrets.choice(ALPHABET) for _ in range(LENGTH)))
    return list(codes)


def display(code: str) -> str:
    """The printed form: ``ABCD-EFGH-JKMN``."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise(typed: str | None) -> str | None:
    """The code a rater typed, or None when it cannot be a code (wrong length or symbols)."""
    if not typed:
        return None
    text = "".join(typed.split()).replace("-", "").replace("－", "").upper()
    if len(text) != LENGTH or not set(text) <= _ALLOWED:
        return None
    return text


def _key() -> bytes:
    configured = current_app.config.get("BALLOT_CODE_KEY")
    if configured:
        return configured.encode() if isinstance(configured, str) else configured
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, b"cadre_app ballot codes v1", hashlib.sha256).digest()


def hash_code(code: str) -> str:
    """The keyed hash stored for ``code`` (normalised), 64 hex digits."""
    return hmac.new(_key(), code.encode("ascii"), hashlib.sha256).hexdigest()
