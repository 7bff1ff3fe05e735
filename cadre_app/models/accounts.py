"""Accounts, roles and server-side login sessions."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models.organisation import Department, department_manager
from cadre_app.models.roster import Cadre
from cadre_app.services.core.crypto import EncryptedText


class Role(enum.StrEnum):
    """The five roles of DESIGN.md (三员分立: admin, hr and auditor are kept apart)."""

    ADMIN = "admin"
    HR = "hr"
    MANAGER = "manager"
    CADRE = "cadre"
    AUDITOR = "auditor"

    @property
    def label(self) -> str:
        from flask_babel import gettext as _

        # one look-up, not five (every page shows the user's role)
        if self is Role.ADMIN:
            return _("系统管理员")
        if self is Role.HR:
            return _("组织人事处")
        if self is Role.MANAGER:
            return _("领导")
        if self is Role.CADRE:
            return _("干部")
        return _("安全审计员")


class User(UserMixin, db.Model):
    """A login. ``get_id`` returns the current server-side session token, not the user id,
    so that logging out (which deletes the UserSession row) makes the old cookie useless."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    #: The person's name (姓名), shown in the menu and printed as 填表人; empty on accounts
    #: made before names were kept, which then show the login name.
    real_name: so.Mapped[str] = so.mapped_column(sa.String(50), default="", server_default="")
    #: Where reminders are mailed when the organisation configures a mail server (optional).
    email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    role: so.Mapped[Role] = so.mapped_column(
        sa.Enum(
            Role,
            name="role",
            native_enum=False,
            create_constraint=True,
            length=16,
            values_callable=lambda roles: [r.value for r in roles],
            validate_strings=True,
        )
    )
    cadre_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("cadre.id", ondelete="SET NULL"), unique=True
    )
    is_enabled: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())
    is_demo: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    must_change_password: so.Mapped[bool] = so.mapped_column(
        default=False, server_default=sa.false()
    )
    failed_logins: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    locked_until: so.Mapped[datetime | None] = so.mapped_column()
    last_login_at: so.Mapped[datetime | None] = so.mapped_column()
    password_changed_at: so.Mapped[datetime | None] = so.mapped_column()
    #: Two-factor sign-in (TOTP, RFC 6238). The base32 secret of the authenticator app: read
    #: and written only through ``services.accounts.two_factor`` (``totp_secret`` and
    #: ``set_totp_secret``), stored encrypted like 身份证号 (services.core.crypto): a copy of
    #: the database does not let anyone make codes. Set and not yet confirmed while the user
    #: enrols; in use once ``totp_enabled_at`` is set.
    totp_secret: so.Mapped[str | None] = so.mapped_column(EncryptedText(context="user.totp_secret"))
    totp_enabled_at: so.Mapped[datetime | None] = so.mapped_column()
    #: The time step (Unix time // 30) of the last code accepted: a code of that step or an
    #: earlier one is refused, so a code seen over a shoulder cannot be used again.
    totp_last_step: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    cadre: so.Mapped[Cadre | None] = so.relationship()
    led_departments: so.Mapped[list[Department]] = so.relationship(
        secondary=department_manager, back_populates="managers"
    )

    #: Set on the instance by the session loader and at login; never stored on this row.
    session_token = None  # type: str | None  (not a column)
    #: The registry's session columns read with the session (``{"unread_notifications": 3}``).
    session_extras: dict[str, Any] = {}  # noqa: RUF012 - replaced per instance, never mutated

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def display_name(self) -> str:
        """The name people read: the real name, else the linked cadre's, else the login."""
        if self.real_name:
            return self.real_name
        return self.cadre.name if self.cadre is not None else self.username

    @property
    def is_active(self) -> bool:
        return self.is_enabled

    @property
    def has_two_factor(self) -> bool:
        """Whether sign-in asks this user for a code after the password."""
        return self.totp_enabled_at is not None

    def is_locked(self, now: datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or utcnow())

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app (a lost phone): given once at
    enrolment, stored as its SHA-256 (the codes are random, 50 bits each), used at most once."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    code_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    used_at: so.Mapped[datetime | None] = so.mapped_column()


class UserSession(db.Model):
    """One signed-in browser. The cookie holds a random token; this row holds its SHA-256,
    so a copy of the database does not give working sessions."""

    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_seen_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    ip: so.Mapped[str | None] = so.mapped_column(sa.String(45))
    user_agent: so.Mapped[str | None] = so.mapped_column(sa.String(200))

    user: so.Mapped[User] = so.relationship()


class SectionHead(db.Model):
    """The 处长 of a 处室: the manager account that heads it. One head per section and one
    section per head; the section is also among the account's ``led_departments`` (its scope),
    beside the sections it oversees as 分管领导."""

    department_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("department.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), unique=True
    )

    department: so.Mapped[Department] = so.relationship()
    user: so.Mapped[User] = so.relationship()
