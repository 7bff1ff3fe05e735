"""Records: what HR fills in before printing a 干部任免审批表, and background export jobs."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models.evaluations import _enum


class AppointmentDraft(db.Model):
    """The parts of a 干部任免审批表 that are not in the record: proposed and removed posts,
    the reason, the reporting unit and dates. One per cadre, the last one filled in."""

    cadre_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("cadre.id", ondelete="CASCADE"), primary_key=True
    )
    proposed_post: so.Mapped[str | None] = so.mapped_column(sa.String(200))  # 拟任职务
    post_to_remove: so.Mapped[str | None] = so.mapped_column(sa.String(200))  # 拟免职务
    reason: so.Mapped[str | None] = so.mapped_column(sa.Text)  # 任免理由
    reporting_unit: so.Mapped[str | None] = so.mapped_column(sa.String(100))  # 呈报单位
    age_date: so.Mapped[date | None] = so.mapped_column()  # 计算年龄时间
    filled_by: so.Mapped[str | None] = so.mapped_column(sa.String(50))  # 填表人
    fill_date: so.Mapped[date | None] = so.mapped_column()  # 填表时间
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: so.Mapped[str | None] = so.mapped_column(sa.String(64))


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ExportJob(db.Model):
    """A batch of PDFs made in the background by the task queue. Progress lives in the
    database, so any web host can report it and the user may leave the page; the file is
    stored in the database too (``ExportChunk``), so any web host can serve it; both are
    kept for 24 hours. The forms are laid out in parts (``ExportPart``) that any worker may
    take; the last part done queues the join."""

    id: so.Mapped[str] = so.mapped_column(sa.String(32), primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(32))
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    params: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON)
    state: so.Mapped[JobState] = so.mapped_column(
        _enum(JobState, "job_state"), default=JobState.QUEUED
    )
    total: so.Mapped[int] = so.mapped_column(default=0)
    done: so.Mapped[int] = so.mapped_column(default=0)
    message: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    result_name: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    result_size: so.Mapped[int | None] = so.mapped_column()
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
    #: The last sign of life: creation, a part taken, progress, the join.
    heartbeat_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    finished_at: so.Mapped[datetime | None] = so.mapped_column()

    parts: so.Mapped[list[ExportPart]] = so.relationship(
        back_populates="job",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ExportPart.index",
    )


class ExportPart(db.Model):
    """A contiguous run of a job's forms, laid out by one task on any worker. ``worker`` is
    ``host:pid`` of the process that took it; a part whose worker died (its heartbeat stops)
    is queued again, at most ``MAX_ATTEMPTS`` times in all (services.records.batch_jobs)."""

    job_id: so.Mapped[str] = so.mapped_column(
        sa.ForeignKey("export_job.id", ondelete="CASCADE"), primary_key=True
    )
    index: so.Mapped[int] = so.mapped_column(primary_key=True, autoincrement=False)
    start: so.Mapped[int] = so.mapped_column()  # positions in the job's cadre list
    stop: so.Mapped[int] = so.mapped_column()
    state: so.Mapped[JobState] = so.mapped_column(
        _enum(JobState, "job_state"), default=JobState.QUEUED
    )
    done: so.Mapped[int] = so.mapped_column(default=0)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    worker: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    heartbeat_at: so.Mapped[datetime | None] = so.mapped_column()

    job: so.Mapped[ExportJob] = so.relationship(back_populates="parts")


class ExportChunk(db.Model):
    """Files of export jobs, in pieces of at most 1 MiB: each part's output (``p0``, ``p1``
    ...) until the join, then the result (``result``). In the database, so every web host
    can serve the file and nothing is left on one host's disk."""

    job_id: so.Mapped[str] = so.mapped_column(
        sa.ForeignKey("export_job.id", ondelete="CASCADE"), primary_key=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(16), primary_key=True)
    seq: so.Mapped[int] = so.mapped_column(primary_key=True, autoincrement=False)
    data: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
