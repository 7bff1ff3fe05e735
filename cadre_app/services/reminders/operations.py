"""Notifications: made from the warnings once per person and warning, read marks, e-mail.

``notify`` inserts with "on conflict do nothing" on the unique (user, key): a run repeated,
or two workers running at once, add nothing twice. ``send_mail`` claims each unsent
notification (``mailed_at`` set by an UPDATE that only one process can win) before handing it
to the SMTP server, so each is mailed once; a failed send gives the claim back.
Services flush; the caller commits (the daily task commits itself).
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from datetime import date, datetime
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context
from sqlalchemy.dialects import postgresql, sqlite

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import Notification, Role, User
from cadre_app.models.reminders import LINK_LENGTH, TITLE_LENGTH
from cadre_app.services.core import audit, queue
from cadre_app.services.reminders import warnings as gather

log = logging.getLogger(__name__)

RECIPIENT_ROLES = (Role.HR, Role.MANAGER, Role.CADRE)
PER_PAGE = 50


def _insert() -> Any:
    dialect = db.engine.dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(Notification)


def recipients() -> list[User]:
    """Enabled accounts that are told of warnings (HR, managers, cadres)."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.is_enabled.is_(True), User.role.in_(RECIPIENT_ROLES))
            .order_by(User.id)
        )
    )


def notify(warnings: Iterable[gather.Warning], users: Iterable[User], *, now: datetime) -> int:
    """One notification per warning and user it concerns, unless that user already has one
    with the warning's key. Returns how many were added now."""
    found = list(warnings)
    rows = []
    for user in users:
        for w in gather.for_user(user, found):
            rows.append(
                {
                    "user_id": user.id,
                    "kind": w.kind,
                    "key": w.key,
                    "title": w.title[:TITLE_LENGTH],
                    "link": w.url(user)[:LINK_LENGTH],
                    "created_at": now,
                }
            )
    added = 0
    for start in range(0, len(rows), 500):
        stmt = (
            _insert()
            .values(rows[start : start + 500])
            .on_conflict_do_nothing(index_elements=["user_id", "key"])
            .returning(Notification.id)  # the rows this statement added, on both engines
        )
        added += len(db.session.execute(stmt).all())
    db.session.flush()
    return added


def run(today: date | None = None, *, now: datetime | None = None, actor: str = "system") -> int:
    """Gather today's warnings and notify everyone concerned (in the caller's transaction);
    audited as one event. Returns the notifications added."""
    today = today or clock.today()
    now = now or clock.utcnow()
    if has_request_context():
        added = notify(gather.collect(today), recipients(), now=now)
    else:  # links need a request: the app's own root (the task and the CLI)
        with current_app.test_request_context("/"):
            added = notify(gather.collect(today), recipients(), now=now)
    audit.record(
        "remind",
        object_type="notification",
        summary=f"提醒：{today.isoformat()} 新增 {added} 条",
        after={"date": today.isoformat(), "added": added},
        actor_name=actor,
    )
    return added


def unread_count_column(user_id: Any) -> Any:
    """The unread count as a scalar subquery of ``user_id`` (a value or a column): read with
    the session on every signed-in page (the registry's session columns), a COUNT on the
    (user, read_at) index."""
    return (
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .scalar_subquery()
    )


def unread_count(user_id: int) -> int:
    """The unread count of one user: one COUNT on the (user, read_at) index."""
    return int(db.session.scalar(sa.select(unread_count_column(user_id))) or 0)


def page_of(user_id: int, page: int) -> tuple[list[Notification], int]:
    """A page of the user's notifications, unread first then newest; and the total."""
    total = int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id)
        )
        or 0
    )
    rows = db.session.scalars(
        sa.select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(
            Notification.read_at.is_not(None), Notification.created_at.desc(), Notification.id
        )
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    )
    return list(rows), total


def mark_read(user_id: int, notification_id: int, *, now: datetime) -> bool:
    """Mark one of the user's notifications read; False when it is not theirs (404) —
    marking one already read again changes nothing."""
    owned = db.session.scalar(
        sa.select(Notification.id).where(
            Notification.id == notification_id, Notification.user_id == user_id
        )
    )
    if owned is None:
        return False
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.id == notification_id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
    if result.rowcount:
        audit.record("read", object_type="notification", object_id=notification_id)
    return True


def mark_all_read(user_id: int, *, now: datetime) -> int:
    """Mark every unread notification of the user read; how many were unread."""
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
    count = int(result.rowcount or 0)
    if count:
        audit.record("read", object_type="notification", summary=f"全部标记为已读（{count} 条）")
    return count


# --- e-mail ---------------------------------------------------------------------------------


def mail_enabled() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def _message(notification: Notification, address: str, base_url: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"[{current_app.config['ORGANISATION_NAME']}] {notification.title}"
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = address
    link = f"{base_url.rstrip('/')}{notification.link}" if notification.link else ""
    message.set_content(f"{notification.title}\n\n{link}\n")
    return message


def send_mail(*, now: datetime, base_url: str = "") -> int:
    """Mail every notification not mailed yet to its recipient's address (users without an
    address are skipped, and their notifications stay unmailed). Each is claimed and
    committed before sending, so two workers never mail one twice. Returns how many were
    sent. Does nothing while no server is configured."""
    if not mail_enabled():
        return 0
    config = current_app.config
    base_url = base_url or str(config.get("PUBLIC_URL") or "")
    pending = db.session.execute(
        sa.select(Notification.id, User.email)
        .join(User, User.id == Notification.user_id)
        .where(Notification.mailed_at.is_(None), User.email.is_not(None), User.email != "")
        .order_by(Notification.id)
    ).all()
    db.session.commit()
    if not pending:
        return 0
    sent = 0
    with smtplib.SMTP(
        config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=float(config["MAIL_TIMEOUT"])
    ) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        for notification_id, address in pending:
            claimed = db.session.execute(
                sa.update(Notification)
                .where(Notification.id == notification_id, Notification.mailed_at.is_(None))
                .values(mailed_at=now)
            ).rowcount
            db.session.commit()
            if not claimed:
                continue  # another worker has it
            notification = db.session.get(Notification, notification_id)
            assert notification is not None
            try:
                smtp.send_message(_message(notification, address, base_url))
            except smtplib.SMTPException:
                log.exception("reminder %s could not be mailed", notification_id)
                db.session.execute(
                    sa.update(Notification)
                    .where(Notification.id == notification_id)
                    .values(mailed_at=None)
                )
                db.session.commit()
                continue
            sent += 1
    return sent


# --- the daily task -------------------------------------------------------------------------


def run_and_mail(today: date | None = None, *, actor: str = "system") -> tuple[int, int]:
    """The day's run, committed, then the e-mails: (notifications added, mails sent)."""
    now = clock.utcnow()
    added = run(today, now=now, actor=actor)
    db.session.commit()
    sent = 0
    try:
        sent = send_mail(now=now)
    except (OSError, smtplib.SMTPException):
        db.session.rollback()
        log.exception("reminder e-mails could not be sent; they are tried again next run")
    return added, sent


@queue.periodic(hour="7", minute="5")
def daily_reminders() -> None:
    """Every day at 07:05 (UTC): the warnings become notifications, each sent once."""
    run_and_mail()
