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
    """A batch of PDFs made in the background. Progress lives in the database, so any worker
    can report it and the user may leave the page; the file is kept for 24 hours."""

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
    result_path: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    result_name: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
    finished_at: so.Mapped[datetime | None] = so.mapped_column()
