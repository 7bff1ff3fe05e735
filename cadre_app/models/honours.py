"""The honour roll (光荣榜): per quarter, entries for a section (先进处室) or an individual
cadre (先进个人), each with its deeds (事迹), an optional photo kept in the database, and the
state of DOMAIN.md (Honour roll): 已提名 → 已通过 → 已发布, or 已退回 with a reason.

A quarter holds at most one entry per section (section entries) and one per cadre
(individual entries): the partial unique indexes hold that in the database, so a form
posted twice, or two people nominating at once, cannot make two.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models.evaluations import _enum
from cadre_app.models.organisation import Department
from cadre_app.models.roster import Cadre


class HonourKind(enum.StrEnum):
    SECTION = "section"  # 先进处室
    INDIVIDUAL = "individual"  # 先进个人

    @property
    def label(self) -> str:
        from flask_babel import gettext as _

        return _("处室") if self is HonourKind.SECTION else _("个人")


class HonourState(enum.StrEnum):
    NOMINATED = "nominated"  # 草拟 / 已提名
    APPROVED = "approved"  # 已通过
    PUBLISHED = "published"  # 已发布
    RETURNED = "returned"  # 已退回 (with a reason; the nominator edits and submits again)

    @property
    def label(self) -> str:
        return HonourState.labels()[self]

    @staticmethod
    def labels() -> dict[HonourState, str]:
        """Every state's name in the reader's language."""
        from flask_babel import gettext as _

        return {
            HonourState.NOMINATED: _("已提名"),
            HonourState.APPROVED: _("已通过"),
            HonourState.PUBLISHED: _("已发布"),
            HonourState.RETURNED: _("已退回"),
        }


class HonourEntry(db.Model):
    __table_args__ = (
        sa.Index(
            "uq_honour_entry_section",
            "year",
            "quarter",
            "department_id",
            unique=True,
            sqlite_where=sa.text("kind = 'section'"),
            postgresql_where=sa.text("kind = 'section'"),
        ),
        sa.Index(
            "uq_honour_entry_cadre",
            "year",
            "quarter",
            "cadre_id",
            unique=True,
            sqlite_where=sa.text("cadre_id IS NOT NULL"),
            postgresql_where=sa.text("cadre_id IS NOT NULL"),
        ),
        sa.Index("ix_honour_entry_quarter", "year", "quarter", "state"),
        sa.CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter_1_to_4"),
        sa.CheckConstraint(
            "(kind = 'individual') = (cadre_id IS NOT NULL)", name="cadre_iff_individual"
        ),
        sa.CheckConstraint("(photo IS NULL) = (photo_type IS NULL)", name="photo_with_its_type"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    year: so.Mapped[int] = so.mapped_column()
    quarter: so.Mapped[int] = so.mapped_column()  # 1–4
    kind: so.Mapped[HonourKind] = so.mapped_column(_enum(HonourKind, "honour_kind"))
    #: The section honoured, or the individual's section when nominated (whose manager may
    #: nominate and read the entry before it is published).
    department_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("department.id", ondelete="RESTRICT"), index=True
    )
    cadre_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("cadre.id", ondelete="CASCADE"), index=True
    )
    title: so.Mapped[str] = so.mapped_column(sa.String(50))  # 荣誉称号
    deeds: so.Mapped[str] = so.mapped_column(sa.Text)  # 事迹
    photo: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary, deferred=True)
    photo_type: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    #: Printed in the cadre's 奖惩情况 (干部任免审批表) once published: the organisation's choice.
    in_rewards: so.Mapped[bool] = so.mapped_column(default=False)
    state: so.Mapped[HonourState] = so.mapped_column(
        _enum(HonourState, "honour_state"), default=HonourState.NOMINATED
    )
    return_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    nominated_by: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    nominated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    approved_by: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    approved_at: so.Mapped[datetime | None] = so.mapped_column()
    published_by: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    published_at: so.Mapped[datetime | None] = so.mapped_column()
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)
    version: so.Mapped[int] = so.mapped_column(default=1)

    department: so.Mapped[Department] = so.relationship()
    cadre: so.Mapped[Cadre | None] = so.relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def honoured_name(self) -> str:
        """Who is honoured: the cadre's name, or the section's."""
        return self.cadre.name if self.cadre is not None else self.department.name
