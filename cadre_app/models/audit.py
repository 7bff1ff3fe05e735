"""The append-only audit log. Each row carries the hash of the one before it, so that an edited
or deleted row breaks the chain (``flask audit verify``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from cadre_app.clock import utcnow
from cadre_app.extensions import db


class AuditEvent(db.Model):
    __table_args__ = (sa.Index("ix_audit_event_object", "object_type", "object_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    occurred_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
    actor_id: so.Mapped[int | None] = so.mapped_column(index=True)  # no FK: the log outlives users
    actor_name: so.Mapped[str | None] = so.mapped_column(sa.String(64), index=True)
    actor_role: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    ip: so.Mapped[str | None] = so.mapped_column(sa.String(45))
    action: so.Mapped[str] = so.mapped_column(sa.String(32), index=True)
    object_type: so.Mapped[str | None] = so.mapped_column(sa.String(32), index=True)
    object_id: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    summary: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    before: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    after: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    result: so.Mapped[str] = so.mapped_column(sa.String(16), default="ok")
    prev_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)


@sa.event.listens_for(AuditEvent, "before_update")
@sa.event.listens_for(AuditEvent, "before_delete")
def _refuse_changes(mapper: Any, connection: Any, target: AuditEvent) -> None:
    raise PermissionError("审计日志只能追加，不能修改或删除。")


@sa.event.listens_for(so.Session, "do_orm_execute")
def _refuse_bulk_changes(state: so.ORMExecuteState) -> None:
    """Bulk UPDATE or DELETE statements on the log are refused too, not only object changes."""
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is AuditEvent for mapper in state.all_mappers
    ):
        raise PermissionError("审计日志只能追加，不能修改或删除。")
