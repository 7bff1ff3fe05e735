"""The admin's and the auditor's first look: accounts and who is locked out, whether the
background worker runs, how the queued jobs fare, whether the newest part of the audit
chain holds and agrees with its checkpoints outside the database. Figures only: no
personnel data, no log contents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import AuditEvent, ExportJob, LrmxImportJob, User
from cadre_app.models.records import JobState
from cadre_app.services.core import audit, audit_anchors, queue

#: Jobs are summed over this many days.
JOB_DAYS = 7
#: A job running without a sign of life for this long is shown as stalled.
STALLED_AFTER = timedelta(minutes=10)
#: Events whose chain links the dashboards check on each look.
TAIL = 500


@dataclass(frozen=True)
class Worker:
    running: bool
    seconds_ago: float | None
    host: str | None
    storage: str
    error: str | None = None


def worker(app: Flask) -> Worker:
    """Whether a ``flask worker`` was heard from within ``queue.WORKER_SEEN_WITHIN``."""
    storage = queue.describe(app)
    try:
        seen = queue.last_beat(app)
    except Exception as error:  # noqa: BLE001 - the queue's storage cannot be reached
        return Worker(False, None, None, storage, f"{type(error).__name__}: {error}")
    if seen is None:
        return Worker(False, None, None, storage)
    return Worker(seen[0] <= queue.WORKER_SEEN_WITHIN, seen[0], seen[1], storage)


def jobs(now: datetime | None = None) -> dict[str, Any]:
    """Batch exports and .lrmx imports of the last ``JOB_DAYS`` days: counts by state, the
    failed ones (newest first, at most 5 of each kind) and those stalled."""
    now = now or utcnow()
    since = now - timedelta(days=JOB_DAYS)
    counts: dict[str, int] = {"queued": 0, "running": 0, "done": 0, "failed": 0}
    for state, n in db.session.execute(
        sa.select(ExportJob.state, sa.func.count())
        .where(ExportJob.created_at >= since)
        .group_by(ExportJob.state)
    ):
        counts[JobState(state).value] += n
    for state, n in db.session.execute(
        sa.select(LrmxImportJob.state, sa.func.count())
        .where(LrmxImportJob.created_at >= since)
        .group_by(LrmxImportJob.state)
    ):
        key = state if state in counts else "running"  # checking / writing
        counts[key] += n
    failed = [
        {"kind": "export", "id": job_id, "at": at, "message": message}
        for job_id, at, message in db.session.execute(
            sa.select(ExportJob.id, ExportJob.created_at, ExportJob.message)
            .where(ExportJob.created_at >= since, ExportJob.state == JobState.FAILED)
            .order_by(ExportJob.created_at.desc())
            .limit(5)
        )
    ] + [
        {"kind": "lrmx", "id": job_id, "at": at, "message": message}
        for job_id, at, message in db.session.execute(
            sa.select(LrmxImportJob.id, LrmxImportJob.created_at, LrmxImportJob.message)
            .where(LrmxImportJob.created_at >= since, LrmxImportJob.state == "failed")
            .order_by(LrmxImportJob.created_at.desc())
            .limit(5)
        )
    ]
    stalled = (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(ExportJob)
            .where(
                ExportJob.state.in_((JobState.QUEUED, JobState.RUNNING)),
                ExportJob.heartbeat_at < now - STALLED_AFTER,
            )
        )
        or 0
    )
    return {"days": JOB_DAYS, "counts": counts, "failed": failed, "stalled": stalled}


def locked_users(now: datetime | None = None) -> list[dict[str, Any]]:
    """Accounts locked out now (too many failed sign-ins), with when the lock ends."""
    now = now or utcnow()
    return [
        {"id": uid, "username": name, "real_name": real, "until": until}
        for uid, name, real, until in db.session.execute(
            sa.select(User.id, User.username, User.real_name, User.locked_until)
            .where(User.locked_until > now)
            .order_by(User.locked_until)
        )
    ]


def failed_logins(hours: int = 24, now: datetime | None = None) -> int:
    """Failed sign-ins in the last ``hours`` (the log's count, not its contents)."""
    now = now or utcnow()
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == "login_failed",
                AuditEvent.occurred_at >= now - timedelta(hours=hours),
            )
        )
        or 0
    )


def chain() -> audit.ChainTail:
    return audit.verify_tail(TAIL)


def anchors() -> audit_anchors.AnchorState:
    """The newest checkpoint of the chain kept outside the database, and whether the log
    still agrees with every checkpoint (events cut off or rewritten since)."""
    return audit_anchors.state()
