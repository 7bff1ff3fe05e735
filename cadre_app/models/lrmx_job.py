"""A batch import of many ``.lrmx`` files run on the task queue (services.records.lrmx_batch):
its state and progress, for the page HR watches."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from cadre_app.clock import utcnow
from cadre_app.extensions import db


class LrmxImportJob(db.Model):
    """``queued`` -> ``checking`` (``checked`` of ``total`` files read and checked, each step
    committed) -> ``writing`` (one transaction for every file) -> ``done`` or ``failed``
    (``message`` and ``result`` say why; nothing was written)."""

    id: so.Mapped[str] = so.mapped_column(sa.String(32), primary_key=True)
    upload_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("import_upload.id", ondelete="CASCADE"), index=True
    )
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    state: so.Mapped[str] = so.mapped_column(sa.String(10), default="queued")
    total: so.Mapped[int] = so.mapped_column(default=0)
    checked: so.Mapped[int] = so.mapped_column(default=0)
    #: The confirmation's choices: {"default": [department_id, rank], "files": {index: [..]}}.
    placements: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    #: Per file: {"file", "name", "status", "staff_no", "errors"}; set when done or failed.
    result: so.Mapped[list[Any] | None] = so.mapped_column(sa.JSON)
    message: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)
