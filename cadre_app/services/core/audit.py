"""The audit trail: append-only events chained by HMAC-SHA256.

Each event's ``hash`` covers its own content and the previous event's hash, so editing a row
changes its hash and deleting one breaks the link of the next (``verify``). The hash is keyed
with ``AUDIT_CHAIN_KEY``, a secret kept outside the database (instance/config.py or
``CADRE_AUDIT_CHAIN_KEY``): someone who can write to the database but does not hold the key
cannot recompute the hashes of rows they rewrite. Cutting the newest rows breaks no link; the
checkpoints written outside the database (``audit_anchors``) show that. The database itself
refuses UPDATE and DELETE on the table (triggers, migration 0022). README, "审计日志的防篡改",
says what an insider can and cannot hide. Values that are personal identifiers are masked
before they are written.

``record`` flushes and never commits: the event lands in the same transaction as the change it
describes, so a rolled-back change leaves no event and a kept change always has one. Events that
must survive a failed request (a failed login) are committed by the caller on purpose.

Appends are serialised on every database (``_lock_chain``): reading the chain head and inserting
the next event must happen under one lock held to the end of the transaction, or two processes
read the same head and fork the chain, and ``verify`` then reports tampering that never happened.
PostgreSQL takes a transaction-level advisory lock. SQLite has only its database write lock, and
pysqlite begins a transaction only before an INSERT, UPDATE or DELETE, so a head read as the
transaction's first statement would run outside any lock: when the connection is not yet in a
transaction, the append begins one with ``BEGIN IMMEDIATE``, which takes the write lock (waiting
up to ``busy_timeout``) before the read. A transaction that is already open began with a write
and holds that lock. Other transactions stay deferred, so reads remain concurrent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context, request

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import AuditEvent
from cadre_app.services.core import idcard

GENESIS = "0" * 64
#: Actions that change no data (sign-ins, downloads, exports, reveals): caches keyed on the
#: newest write (``last_write_id``) ignore them.
READ_ONLY_ACTIONS = ("login", "logout", "login_failed", "export", "download", "reveal")
#: Keys whose values are masked in before/after snapshots: the log must not keep in plain
#: text what the roster keeps encrypted (services.core.crypto).
MASKED_KEYS = frozenset({"id_number", "phone"})
_CHAIN_LOCK = 720_2026  # pg_advisory_xact_lock key: one writer extends the chain at a time

#: Action codes and their Chinese names (for the audit page and its export).
ACTIONS = {
    "login": "登录成功",
    "login_failed": "登录失败",
    "logout": "退出",
    "create": "新增",
    "update": "修改",
    "delete": "删除",
    "reveal": "查看身份证号",
    "import": "导入",
    "export": "导出",
    "download": "下载",
}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def mask_snapshot(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """A JSON-ready copy of ``values`` with identifiers masked."""
    if values is None:
        return None
    return {
        key: (_masked(key, str(value)) if key in MASKED_KEYS and value else _plain(value))
        for key, value in values.items()
    }


def _masked(key: str, value: str) -> str:
    """身份证号 ``110105********0023``; 手机号 ``139****5678``."""
    if key == "phone":
        return (
            value[:3] + "*" * (len(value) - 7) + value[-4:] if len(value) > 7 else "*" * len(value)
        )
    return idcard.mask(value)


def chain_key() -> bytes:
    """The current app's ``AUDIT_CHAIN_KEY`` (start-up refuses a missing one in production)."""
    key = current_app.config.get("AUDIT_CHAIN_KEY")
    if not key:
        raise RuntimeError(
            "AUDIT_CHAIN_KEY 未设置：在 instance/config.py 写入随机 AUDIT_CHAIN_KEY"
            "（make setup 会自动生成），或设置环境变量 CADRE_AUDIT_CHAIN_KEY。"
        )
    return key if isinstance(key, bytes) else str(key).encode("utf-8")


def canonical(event: AuditEvent) -> bytes:
    """The event's content and the previous hash as canonical JSON (what the hash covers)."""
    content = {
        "occurred_at": event.occurred_at.isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "actor_role": event.actor_role,
        "ip": event.ip,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "summary": event.summary,
        "before": event.before,
        "after": event.after,
        "result": event.result,
        "prev_hash": event.prev_hash,
    }
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8")


def digest(event: AuditEvent, key: bytes | None = None) -> str:
    """HMAC-SHA256 over ``canonical(event)`` with ``key`` (default: ``chain_key()``)."""
    return hmac.new(key or chain_key(), canonical(event), hashlib.sha256).hexdigest()


def _request_actor() -> tuple[int | None, str | None, str | None, str | None]:
    if not has_request_context():
        return None, None, None, None
    from flask_login import current_user

    ip = request.remote_addr
    if current_user and current_user.is_authenticated:
        return current_user.id, current_user.username, current_user.role.value, ip
    return None, None, None, ip


def _lock_chain() -> None:
    """Hold the lock that lets one transaction at a time extend the chain, until this
    transaction ends (see the module docstring)."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_CHAIN_LOCK)))
    elif (
        connection.dialect.name == "sqlite"
        and not connection.connection.driver_connection.in_transaction
    ):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def record(
    action: str,
    *,
    object_type: str | None = None,
    object_id: object = None,
    summary: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    result: str = "ok",
    actor_name: str | None = None,
    actor_id: int | None = None,
    actor_role: str | None = None,
) -> AuditEvent:
    """Append one event. Who and from where come from the request unless given (the CLI
    passes ``actor_name``)."""
    req_id, req_name, req_role, ip = _request_actor()
    _lock_chain()
    prev = db.session.scalar(sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    event = AuditEvent(
        occurred_at=utcnow(),
        actor_id=actor_id if actor_id is not None else req_id,
        actor_name=actor_name or req_name,
        actor_role=actor_role or req_role,
        ip=ip,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        summary=(summary or "")[:500] or None,
        before=mask_snapshot(before),
        after=mask_snapshot(after),
        result=result,
        prev_hash=prev or GENESIS,
    )
    event.hash = digest(event)
    db.session.add(event)
    db.session.flush()
    return event


def record_many(events: list[dict[str, Any]], *, actor_name: str | None = None) -> int:
    """Append many events at once (an import of thousands of rows): the chain is extended in
    memory and written with one bulk INSERT. Each dict takes the keyword arguments of
    ``record``. Returns how many were written."""
    if not events:
        return 0
    req_id, req_name, req_role, ip = _request_actor()
    _lock_chain()
    prev = db.session.scalar(sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    prev = prev or GENESIS
    key = chain_key()
    rows = []
    now = utcnow()
    for spec in events:
        event = AuditEvent(
            occurred_at=now,
            actor_id=req_id,
            actor_name=spec.get("actor_name") or actor_name or req_name,
            actor_role=req_role,
            ip=ip,
            action=spec["action"],
            object_type=spec.get("object_type"),
            object_id=None if spec.get("object_id") is None else str(spec["object_id"]),
            summary=(spec.get("summary") or "")[:500] or None,
            before=mask_snapshot(spec.get("before")),
            after=mask_snapshot(spec.get("after")),
            result=spec.get("result", "ok"),
            prev_hash=prev,
        )
        event.hash = prev = digest(event, key)
        rows.append({column: getattr(event, column) for column in _COLUMNS})
    db.session.execute(sa.insert(AuditEvent), rows)
    return len(rows)


_COLUMNS = (
    "occurred_at",
    "actor_id",
    "actor_name",
    "actor_role",
    "ip",
    "action",
    "object_type",
    "object_id",
    "summary",
    "before",
    "after",
    "result",
    "prev_hash",
    "hash",
)


@dataclass(frozen=True)
class ChainProblem:
    event_id: int
    message: str


def verify(batch: int = 1000) -> Iterator[ChainProblem]:
    """Walk the chain in id order and report every row whose content or link is wrong (the
    newest rows cut off break no link: ``audit_anchors.problems`` checks that)."""
    prev = GENESIS
    key = chain_key()
    stmt = sa.select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=batch)
    for event in db.session.scalars(stmt):
        if event.prev_hash != prev:
            yield ChainProblem(event.id, "与前一条记录的链接断开（其前的记录被删除或改动）")
        if not hmac.compare_digest(digest(event, key), event.hash or ""):
            yield ChainProblem(event.id, "内容与哈希不符（记录被改动）")
        prev = event.hash


@dataclass(frozen=True)
class ChainTail:
    """The newest ``checked`` events' links and hashes (the dashboards' quick look; the whole
    chain is ``verify``'s: ``flask audit verify``)."""

    total: int
    checked: int
    newest_at: datetime | None
    problems: list[ChainProblem]


def verify_tail(count: int = 500) -> ChainTail:
    """Check the newest ``count`` events: each one's hash, and its link to the one before
    (the oldest checked is linked to the event before it, read too)."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) or 0
    events = list(
        reversed(
            db.session.scalars(
                sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(count + 1)
            ).all()
        )
    )
    problems = []
    key = chain_key()
    # the first read only lends its hash (unless it is the very first event of the chain)
    prev = events[0].hash if len(events) > count else GENESIS
    for event in events[1:] if len(events) > count else events:
        if event.prev_hash != prev:
            problems.append(
                ChainProblem(event.id, "与前一条记录的链接断开（其前的记录被删除或改动）")
            )
        if not hmac.compare_digest(digest(event, key), event.hash or ""):
            problems.append(ChainProblem(event.id, "内容与哈希不符（记录被改动）"))
        prev = event.hash
    return ChainTail(
        total=total,
        checked=min(len(events), count),
        newest_at=events[-1].occurred_at if events else None,
        problems=problems,
    )


#: The name of the newest write among the registry's session columns (read with the session).
NEWEST_WRITE = "newest_write_id"


def _newest_write() -> Any:
    return (
        sa.select(AuditEvent.id)
        .where(AuditEvent.action.not_in(READ_ONLY_ACTIONS))
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )


def newest_write_column(_user_id: Any) -> Any:
    """``last_write_id`` as a scalar subquery, read with the session on every signed-in
    request (the registry's session columns): services.core.kept then needs no statement of
    its own to know that nothing was written."""
    return _newest_write().scalar_subquery()


def last_write_id() -> int | None:
    """The id of the newest audit event of a write (not one of ``READ_ONLY_ACTIONS``): every
    write through the app, in any process, is audited, so a cache keyed on it sees them all.
    An index lookup, newest first."""
    return db.session.scalar(_newest_write())
