"""Personal data encrypted at rest (PIPL; issue 16, point 11).

Values such as 身份证号 and 手机号 are stored as AES-256-GCM ciphertext; the keys live outside
the database (``DATA_ENCRYPTION_KEYS``, ``BLIND_INDEX_KEY`` in instance/config.py or the
environment), so a copy of the database (a backup, a stolen disk) holds no readable number.

- ``DATA_ENCRYPTION_KEYS``: a key ring, key id -> 32-byte key (base64 or 64 hex digits), as a
  dict in instance/config.py, JSON in ``CADRE_DATA_ENCRYPTION_KEYS``, or ``"id:key,id:key"``.
  The key listed LAST encrypts; every key in the ring decrypts. Stored text is
  ``<key id>:<base64url(nonce | ciphertext | tag)>``, so ``flask crypto rotate`` knows which
  values still need the newest key.
- ``BLIND_INDEX_KEY``: one 32-byte key for the blind index, HMAC-SHA256 of the normalised
  value (truncated to 128 bits), stored beside the ciphertext in a unique, indexed column: a
  lookup by number and the uniqueness of numbers stay in the database without the number.

``EncryptedText`` is the column type: Python code reads and writes plain text; equality
comparisons against the ciphertext column are refused (they could never match), which makes
a forgotten lookup fail loudly instead of silently finding nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import operator
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask, current_app, has_app_context
from sqlalchemy.sql import operators

KEY_BYTES = 32
NONCE_BYTES = 12
#: Blind index: 16 bytes (128 bits) of the HMAC as 22 base64url characters (compact: the
#: cadre rows that the roster list scans stay narrow).
INDEX_BYTES = 16
INDEX_LENGTH = 22
#: Column width for ciphertext of values up to ~100 characters (an 18-character ID needs 63).
CIPHERTEXT_LENGTH = 255
_EXTENSION = "cadre_crypto"


class CryptoConfigError(RuntimeError):
    """The keys are missing or malformed: start-up and ``flask doctor`` say how to fix it."""


class DecryptionError(RuntimeError):
    """A stored value cannot be decrypted with the configured keys (wrong or missing key, or
    the stored text was altered). Never answered with garbage."""


def _decode_key(text: Any, what: str) -> bytes:
    if isinstance(text, bytes) and len(text) == KEY_BYTES:
        return text
    raw = str(text or "").strip()
    if len(raw) == 2 * KEY_BYTES:
        try:
            return bytes.fromhex(raw)
        except ValueError:
            pass
    try:
        padded = raw + "=" * (-len(raw) % 4)
        key = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise CryptoConfigError(
            f"{what} 不是 32 字节的密钥（应为 base64 或 64 位十六进制）：用 "
            'python -c "import secrets,base64;print(base64.b64encode(secrets.token_bytes(32))'
            '.decode())" 生成。'
        )
    return key


def parse_key_ring(value: Any) -> dict[str, bytes]:
    """The ring as {key id: key}, in the order written (the last one encrypts)."""
    if value in (None, "", {}):
        return {}
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{"):
            try:
                value = json.loads(text)
            except ValueError as error:
                raise CryptoConfigError(f"DATA_ENCRYPTION_KEYS 不是有效的 JSON：{error}") from None
        else:
            pairs = [p.strip() for p in text.split(",") if p.strip()]
            if any(":" not in p for p in pairs):
                raise CryptoConfigError(
                    "DATA_ENCRYPTION_KEYS 应为 {密钥编号: 密钥} 或 “编号:密钥,编号:密钥”。"
                )
            value = dict(p.split(":", 1) for p in pairs)
    if not isinstance(value, Mapping):
        raise CryptoConfigError("DATA_ENCRYPTION_KEYS 应为 {密钥编号: 密钥}。")
    ring: dict[str, bytes] = {}
    for key_id, key in value.items():
        key_id = str(key_id).strip()
        if not key_id or ":" in key_id or not key_id.isascii() or len(key_id) > 16:
            raise CryptoConfigError(
                f"DATA_ENCRYPTION_KEYS 的密钥编号 {key_id!r} 无效：1–16 个 ASCII 字符，不含冒号。"
            )
        ring[key_id] = _decode_key(key, f"DATA_ENCRYPTION_KEYS[{key_id!r}]")
    return ring


@dataclass(frozen=True)
class Keys:
    """The parsed keys of one configuration."""

    ring: dict[str, bytes]
    index_key: bytes | None
    ciphers: dict[str, AESGCM]

    @property
    def newest(self) -> str:
        return list(self.ring)[-1]

    def cipher(self, key_id: str) -> AESGCM:
        return self.ciphers[key_id]


def load_keys(config: Mapping[str, Any]) -> Keys:
    """Parse both settings (``CryptoConfigError`` when malformed; missing ones stay empty)."""
    ring = parse_key_ring(config.get("DATA_ENCRYPTION_KEYS"))
    raw_index = config.get("BLIND_INDEX_KEY")
    index_key = _decode_key(raw_index, "BLIND_INDEX_KEY") if raw_index else None
    if index_key is not None and index_key in ring.values():
        raise CryptoConfigError("BLIND_INDEX_KEY 不能与 DATA_ENCRYPTION_KEYS 中的密钥相同。")
    return Keys(ring, index_key, {key_id: AESGCM(key) for key_id, key in ring.items()})


def missing_settings(keys: Keys) -> list[str]:
    return [
        name
        for name, present in (
            ("DATA_ENCRYPTION_KEYS", bool(keys.ring)),
            ("BLIND_INDEX_KEY", keys.index_key is not None),
        )
        if not present
    ]


def init_app(app: Flask) -> None:
    """Check the keys at start-up: malformed ones always refuse; missing ones refuse outside
    development and tests (the first encryption then says what is missing)."""
    keys = load_keys(app.config)
    missing = missing_settings(keys)
    if missing and not (app.debug or app.testing):
        raise CryptoConfigError(
            f"{'、'.join(missing)} 未设置：身份证号和手机号加密存储，密钥须在数据库之外。"
            "make setup 会在 instance/config.py 中生成；或设置环境变量 CADRE_"
            + "、CADRE_".join(missing)
            + "。"
        )
    app.extensions[_EXTENSION] = _cached(app.config, keys)


def _cached(config: Mapping[str, Any], keys: Keys) -> tuple[Any, Any, Keys]:
    return (config.get("DATA_ENCRYPTION_KEYS"), config.get("BLIND_INDEX_KEY"), keys)


def current_keys() -> Keys:
    """The keys of the current app (re-read when its settings were changed, as tests do)."""
    if not has_app_context():
        raise CryptoConfigError("加密字段只能在应用上下文中读写（缺少 Flask app context）。")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    config = app.config
    cached = app.extensions.get(_EXTENSION)
    if cached is not None:
        ring, index = config.get("DATA_ENCRYPTION_KEYS"), config.get("BLIND_INDEX_KEY")
        if (ring is cached[0] or ring == cached[0]) and (index is cached[1] or index == cached[1]):
            return cached[2]
    cached = _cached(config, load_keys(config))
    app.extensions[_EXTENSION] = cached
    return cached[2]


def _require_ring(keys: Keys) -> None:
    if not keys.ring:
        raise CryptoConfigError(
            "DATA_ENCRYPTION_KEYS 未设置，无法读写加密的身份证号和手机号："
            "在 instance/config.py 中配置（make setup 会生成）。"
        )


def encrypt(plain: str, context: str, *, keys: Keys | None = None) -> str:
    """``plain`` sealed with the newest key; ``context`` (e.g. ``cadre.id_number``) is bound
    as associated data, so a value copied into another column does not decrypt there."""
    keys = keys or current_keys()
    _require_ring(keys)
    key_id = keys.newest
    nonce = os.urandom(NONCE_BYTES)
    sealed = keys.cipher(key_id).encrypt(nonce, plain.encode(), context.encode())
    return f"{key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode().rstrip('=')}"


def key_id_of(stored: str) -> str | None:
    """The key id a stored value was sealed with (None when it is not our format)."""
    key_id, sep, _ = stored.partition(":")
    return key_id if sep else None


def decrypt(stored: str, context: str, *, keys: Keys | None = None) -> str:
    """The plain text of ``stored``; ``DecryptionError`` when no configured key opens it."""
    keys = keys or current_keys()
    _require_ring(keys)
    key_id, sep, body = stored.partition(":")
    if not sep:
        raise DecryptionError(
            f"{context} 中有未加密或格式不明的值：运行 flask db upgrade 完成加密迁移。"
        )
    if key_id not in keys.ring:
        raise DecryptionError(
            f"{context} 的值用密钥 {key_id!r} 加密，但 DATA_ENCRYPTION_KEYS 中没有该密钥"
            f"（现有：{', '.join(keys.ring)}）："
            "把旧密钥留在密钥环中，直到 flask crypto rotate 完成。"
        )
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return (
            keys.cipher(key_id)
            .decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
            .decode()
        )
    except (InvalidTag, ValueError, binascii.Error):
        raise DecryptionError(
            f"{context} 的值无法用密钥 {key_id!r} 解密：密钥与加密时不同，或数据已被篡改。"
        ) from None


def encrypt_bytes(plain: bytes, context: str, *, keys: Keys | None = None) -> bytes:
    """``encrypt`` for files (an uploaded workbook): ``<key id>:`` then nonce and sealed bytes."""
    keys = keys or current_keys()
    _require_ring(keys)
    key_id = keys.newest
    nonce = os.urandom(NONCE_BYTES)
    return (
        key_id.encode() + b":" + nonce + keys.cipher(key_id).encrypt(nonce, plain, context.encode())
    )


def bytes_key_id(stored: bytes) -> str | None:
    key_id, sep, _ = bytes(stored[:17]).partition(b":")
    return key_id.decode("ascii", "replace") if sep else None


def decrypt_bytes(stored: bytes, context: str, *, keys: Keys | None = None) -> bytes:
    keys = keys or current_keys()
    _require_ring(keys)
    key_id = bytes_key_id(stored)
    if key_id is None or key_id not in keys.ring:
        raise DecryptionError(
            f"{context} 的文件用密钥 {key_id!r} 加密或未加密，但 DATA_ENCRYPTION_KEYS 中没有该密钥"
            f"（现有：{', '.join(keys.ring)}）。"
        )
    body = bytes(stored)[len(key_id) + 1 :]
    try:
        return keys.cipher(key_id).decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:], context.encode())
    except (InvalidTag, ValueError):
        raise DecryptionError(
            f"{context} 的文件无法用密钥 {key_id!r} 解密：密钥与加密时不同，或数据已被篡改。"
        ) from None


def blind_index(value: str | None, context: str, *, keys: Keys | None = None) -> str | None:
    """HMAC-SHA256 of ``value`` (already normalised) under BLIND_INDEX_KEY, its first 128 bits
    as 22 base64url characters; None for an empty value."""
    if not value:
        return None
    keys = keys or current_keys()
    if keys.index_key is None:
        raise CryptoConfigError(
            "BLIND_INDEX_KEY 未设置，无法按身份证号查找：在 instance/config.py 中配置"
            "（make setup 会生成）。"
        )
    message = context.encode() + b"\0" + value.encode()
    digest = hmac.new(keys.index_key, message, hashlib.sha256).digest()[:INDEX_BYTES]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


#: Comparisons that would compare ciphertext: refused on an EncryptedText column.
_REFUSED = {
    operators.eq,
    operators.ne,
    operators.lt,
    operators.le,
    operators.gt,
    operators.ge,
    operators.in_op,
    operators.not_in_op,
    operators.like_op,
    operators.ilike_op,
    operators.contains_op,
    operators.startswith_op,
    operators.endswith_op,
    operators.between_op,
    operator.eq,
    operator.ne,
}


class EncryptedText(sa.TypeDecorator[str]):
    """A text column stored encrypted (see the module docstring); reusable for any secret
    (``EncryptedText(context="user.totp_secret")``). ``context`` must stay the same for the
    life of the column: it is bound into every ciphertext."""

    impl = sa.String
    cache_ok = True

    def __init__(self, context: str, length: int = CIPHERTEXT_LENGTH) -> None:
        super().__init__(length)
        self.context = context

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> str | None:
        if value is None:
            return None
        return encrypt(str(value), self.context)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> str | None:
        if value is None:
            return None
        return decrypt(value, self.context)

    class comparator_factory(sa.String.Comparator):  # noqa: N801 - SQLAlchemy's name
        def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
            if op in _REFUSED and not all(o is None for o in other):
                raise TypeError(
                    "加密列不能按值比较（密文每次不同）：按盲索引列查找，例如 "
                    "Cadre.id_number_is(number)。"
                )
            return super().operate(op, *other, **kwargs)


class EncryptedBytes(sa.TypeDecorator[bytes]):
    """A binary column (a file) stored encrypted, like ``EncryptedText``."""

    impl = sa.LargeBinary
    cache_ok = True

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> bytes | None:
        if value is None:
            return None
        return encrypt_bytes(bytes(value), self.context)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> bytes | None:
        if value is None:
            return None
        return decrypt_bytes(value, self.context)


def index_default(source: str, context: str, normalise: Callable[[str], str] = str) -> Any:
    """A column default that fills a blind index from ``source`` in the same INSERT, also
    for Core ``insert(Model)`` with plain dicts (imports, bench, demo)."""

    def fill(ctx: Any) -> str | None:
        value = ctx.get_current_parameters().get(source)
        if value is None:
            return None
        return blind_index(normalise(value), context)

    return fill


# --- maintenance: rotation and reindexing (flask crypto) -----------------------------------


@dataclass
class ColumnReport:
    table: str
    column: str
    changed: int = 0
    unchanged: int = 0


def encrypted_columns(metadata: sa.MetaData) -> Iterator[tuple[sa.Table, sa.Column[Any]]]:
    """Every ``EncryptedText`` and ``EncryptedBytes`` column."""
    for table in metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, EncryptedText | EncryptedBytes):
                yield table, column


def blind_index_columns(
    metadata: sa.MetaData,
) -> Iterator[tuple[sa.Table, sa.Column[Any], sa.Column[Any], Callable[[str], str]]]:
    """(table, index column, source column, normaliser) for every column marked
    ``info={"blind_index_of": "<source>", "normalise": fn}``."""
    for table in metadata.sorted_tables:
        for column in table.columns:
            source = column.info.get("blind_index_of")
            if source:
                yield table, column, table.c[source], column.info.get("normalise", str)


def _kept_as_they_are(table: sa.Table) -> dict[str, Any]:
    """Columns with an ``onupdate`` (``updated_at``) keep their value: re-sealing a value is
    not an edit of the record."""
    return {c.name: c for c in table.columns if c.onupdate is not None}


def rotate(session: Any, metadata: sa.MetaData, *, batch: int = 500) -> list[ColumnReport]:
    """Re-encrypt every value not sealed with the newest key. Idempotent: a second run
    changes nothing. Flushes; the caller commits."""
    keys = current_keys()
    _require_ring(keys)
    newest = keys.newest
    reports = []
    for table, column in encrypted_columns(metadata):
        context = column.type.context
        binary = isinstance(column.type, EncryptedBytes)
        raw_type = sa.LargeBinary() if binary else sa.String()
        key_of, unseal, seal = (
            (bytes_key_id, decrypt_bytes, encrypt_bytes)
            if binary
            else (key_id_of, decrypt, encrypt)
        )
        report = ColumnReport(table.name, column.name)
        pk = next(iter(table.primary_key.columns))
        rows = session.execute(
            sa.select(pk, sa.type_coerce(column, raw_type)).where(column.is_not(None)).order_by(pk)
        ).all()
        updates = []
        for key, stored in rows:
            if key_of(stored) == newest:
                report.unchanged += 1
                continue
            plain = unseal(stored, context, keys=keys)
            updates.append({"_pk": key, "_value": seal(plain, context, keys=keys)})
        stmt = (
            sa.update(table)
            .where(pk == sa.bindparam("_pk"))
            .values(
                {column.name: sa.bindparam("_value", type_=raw_type), **_kept_as_they_are(table)}
            )
        )
        for start in range(0, len(updates), batch):
            session.connection().execute(stmt, updates[start : start + batch])
        report.changed = len(updates)
        reports.append(report)
    return reports


def reindex(session: Any, metadata: sa.MetaData, *, batch: int = 500) -> list[ColumnReport]:
    """Recompute every blind index under the current BLIND_INDEX_KEY (after changing it, or
    to repair rows written around the model). Flushes; the caller commits."""
    reports = []
    for table, index_column, source, normalise in blind_index_columns(metadata):
        context = f"{table.name}.{source.name}"
        report = ColumnReport(table.name, index_column.name)
        pk = next(iter(table.primary_key.columns))
        updates = []
        for key, plain, current in session.execute(
            sa.select(pk, source, index_column).order_by(pk)
        ):
            wanted = blind_index(normalise(plain), context) if plain else None
            if wanted == current:
                report.unchanged += 1
            else:
                updates.append({"_pk": key, "_index": wanted})
        stmt = (
            sa.update(table)
            .where(pk == sa.bindparam("_pk"))
            .values({index_column.name: sa.bindparam("_index"), **_kept_as_they_are(table)})
        )
        for start in range(0, len(updates), batch):
            session.connection().execute(stmt, updates[start : start + batch])
        report.changed = len(updates)
        reports.append(report)
    return reports
