"""Versioned settings. A change adds a row; results store the id of the row they used."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from cadre_app.clock import utcnow
from cadre_app.extensions import db


class Setting(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)  # the settings version
    organisation_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    key: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    value: so.Mapped[Any] = so.mapped_column(sa.JSON)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    created_by: so.Mapped[str | None] = so.mapped_column(sa.String(64))
