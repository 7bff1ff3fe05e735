"""Checkpoints of the audit chain's head, kept outside the database.

Deleting the newest audit events breaks no link of the chain: what is left verifies. So the
head (newest id, its hash, how many events, when) is written, as one JSON line, to an
append-only file outside the database, ``AUDIT_ANCHOR_PATH`` (``<instance>/audit-anchors.jsonl``
unless set; an operator points it at another disk or a WORM share). Each line carries an
HMAC with the chain's key, so a line cannot be forged without it. A checkpoint is written
every hour by the task queue (``checkpoint_hourly``) and on demand (``flask audit checkpoint``).

``problems`` compares the database with every anchor: each anchored event must still be
there with the anchored hash, and the log may not hold fewer events than at the newest
anchor. Events cut off after the newest anchor go unnoticed until the next checkpoint would
have seen them; that is the window (README, "审计日志的防篡改").
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import AuditEvent
from cadre_app.services.core import audit, queue

FILENAME = "audit-anchors.jsonl"


@dataclass(frozen=True)
class Anchor:
    """One checkpoint: the newest event (``event_id`` None for an empty log) and the count."""

    event_id: int | None
    hash: str
    count: int
    at: datetime
    line: int = 0  # its line in the file, 1-based


@dataclass(frozen=True)
class AnchorProblem:
    line: int
    message: str


@dataclass(frozen=True)
class AnchorState:
    """What the dashboards show: the newest anchor and whether the log still agrees."""

    newest: Anchor | None
    count: int
    problems: list[AnchorProblem]
    path: str


def anchor_path(app: Flask | None = None) -> Path:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    configured = app.config.get("AUDIT_ANCHOR_PATH")
    return Path(configured) if configured else Path(app.instance_path) / FILENAME


def _mac(fields: dict[str, Any]) -> str:
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hmac.new(audit.chain_key(), text.encode("utf-8"), hashlib.sha256).hexdigest()


def head() -> Anchor:
    """The chain's head now (not written anywhere)."""
    newest = db.session.execute(
        sa.select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    count = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) or 0
    return Anchor(
        event_id=newest.id if newest else None,
        hash=newest.hash if newest else audit.GENESIS,
        count=count,
        at=utcnow(),
    )


def checkpoint() -> Anchor:
    """Append the chain's head to the anchor file (created with its folder when missing),
    flushed to disk before returning."""
    anchor = head()
    fields = {
        "id": anchor.event_id,
        "hash": anchor.hash,
        "count": anchor.count,
        "at": anchor.at.isoformat(timespec="seconds") + "Z",
    }
    line = json.dumps({**fields, "mac": _mac(fields)}, sort_keys=True) + "\n"
    path = anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return anchor


def read() -> tuple[list[Anchor], list[AnchorProblem]]:
    """Every anchor in the file, oldest first, and the lines that are not valid anchors (a
    wrong HMAC: edited, or written with another key). No file: no anchors. A file that
    cannot be read is one problem on line 0."""
    path = anchor_path()
    if not path.exists():
        return [], []
    try:
        with path.open(encoding="utf-8") as lines:
            return _parse(lines)
    except (OSError, UnicodeDecodeError) as error:
        return [], [AnchorProblem(0, f"锚点文件 {path} 无法读取（{type(error).__name__}）")]


def _parse(lines: Any) -> tuple[list[Anchor], list[AnchorProblem]]:
    anchors: list[Anchor] = []
    bad: list[AnchorProblem] = []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            record = json.loads(text)
            fields = {k: record[k] for k in ("id", "hash", "count", "at")}
            valid = hmac.compare_digest(_mac(fields), str(record.get("mac", "")))
        except (ValueError, KeyError, TypeError):
            valid = False
        if not valid:
            bad.append(AnchorProblem(number, "锚点校验失败：该行被改动或不是用本系统的密钥写入"))
            continue
        anchors.append(
            Anchor(
                event_id=fields["id"],
                hash=fields["hash"],
                count=int(fields["count"]),
                at=datetime.fromisoformat(fields["at"].removesuffix("Z")),
                line=number,
            )
        )
    return anchors, bad


def problems(anchors: list[Anchor] | None = None) -> list[AnchorProblem]:
    """Where the log disagrees with the anchors (and the anchor lines that are not valid)."""
    bad: list[AnchorProblem] = []
    if anchors is None:
        anchors, bad = read()
    found: list[AnchorProblem] = list(bad)
    wanted = {a.event_id for a in anchors if a.event_id is not None}
    stored: dict[int, str] = {}
    ids = sorted(wanted)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        stored.update(
            db.session.execute(
                sa.select(AuditEvent.id, AuditEvent.hash).where(AuditEvent.id.in_(chunk))
            ).all()
        )
    for anchor in anchors:
        if anchor.event_id is None:
            continue
        if anchor.event_id not in stored:
            found.append(
                AnchorProblem(anchor.line, f"锚定的记录 {anchor.event_id} 已不存在（记录被删除）")
            )
        elif not hmac.compare_digest(stored[anchor.event_id], anchor.hash):
            found.append(
                AnchorProblem(anchor.line, f"记录 {anchor.event_id} 的哈希与锚点不同（记录被改写）")
            )
    if anchors:
        newest = anchors[-1]
        count = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) or 0
        if count < newest.count:
            found.append(
                AnchorProblem(
                    newest.line,
                    f"现有 {count} 条记录，少于最新锚点时的 {newest.count} 条（记录被删除）",
                )
            )
    return found


def state() -> AnchorState:
    anchors, bad = read()
    return AnchorState(
        newest=anchors[-1] if anchors else None,
        count=len(anchors),
        problems=problems(anchors) + bad,
        path=str(anchor_path()),
    )


@queue.periodic(minute="17")
def checkpoint_hourly() -> None:
    """Every hour: anchor the chain's head outside the database."""
    checkpoint()
