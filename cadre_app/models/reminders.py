"""Reminders (提醒): one notification per warning and recipient.

The pair (recipient, key) is unique (``uq_notification_user_key``): the daily run inserts with
"on conflict do nothing", so two workers racing, or a run repeated the same day, still leave
each warning sent once to each person. ``key`` names the warning and the fact it is about
(``talk_overdue:12:2026-05-01``): a new deadline is a new warning.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from cadre_app.clock import utcnow
from cadre_app.extensions import db

KEY_LENGTH = 200
TITLE_LENGTH = 300
LINK_LENGTH = 500


class Notification(db.Model):
    """An in-app notification (and, where mail is configured, one e-mail)."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(32))
    key: so.Mapped[str] = so.mapped_column(sa.String(KEY_LENGTH))
    title: so.Mapped[str] = so.mapped_column(sa.String(TITLE_LENGTH))
    link: so.Mapped[str] = so.mapped_column(sa.String(LINK_LENGTH), default="")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    read_at: so.Mapped[datetime | None] = so.mapped_column()
    #: When the e-mail was handed to the server (claimed just before sending: mailed once).
    mailed_at: so.Mapped[datetime | None] = so.mapped_column()

    __table_args__ = (
        sa.UniqueConstraint("user_id", "key", name="uq_notification_user_key"),
        # the unread count in the menu and the list, newest first
        sa.Index("ix_notification_user_read", "user_id", "read_at"),
    )
