"""Talks (谈话): 提醒谈话, 函询, 诫勉谈话, 任职谈话, 谈心谈话, with the record DOMAIN.md asks
for and a state that follows the procedure. Deadlines are working days (services.core.workdays)."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models.evaluations import _enum
from cadre_app.models.roster import Cadre

TALK_KINDS = ("提醒谈话", "函询", "诫勉谈话", "任职谈话", "谈心谈话")
TALK_SOURCES = ("考核排名", "政治素质考察", "信访举报", "巡视巡察", "日常监督", "其他")


class TalkState(enum.StrEnum):
    TRIGGERED = "triggered"  # 待安排 (opened, nothing arranged yet)
    PLANNED = "planned"  # 已约谈 (拟办: time and place set)
    APPROVED = "approved"  # 已审批 (the plan approved)
    HELD = "held"  # 已谈话
    AWAITING_REPLY = "awaiting_reply"  # 待回复
    FOLLOW_UP = "follow_up"  # 整改中 (跟踪整改)
    CLOSED = "closed"  # 已办结
    ESCALATED = "escalated"  # 已升级处理

    @property
    def label(self) -> str:
        return TalkState.labels()[self]

    @staticmethod
    def labels() -> dict[TalkState, str]:
        """Every state's name in the reader's language (a table of many rows asks once)."""
        from flask_babel import gettext as _

        return {
            TalkState.TRIGGERED: _("待安排"),
            TalkState.PLANNED: _("已约谈"),
            TalkState.APPROVED: _("已审批"),
            TalkState.HELD: _("已谈话"),
            TalkState.AWAITING_REPLY: _("待回复"),
            TalkState.FOLLOW_UP: _("整改中"),
            TalkState.CLOSED: _("已办结"),
            TalkState.ESCALATED: _("已升级处理"),
        }

    @property
    def is_open(self) -> bool:
        return self not in (TalkState.CLOSED, TalkState.ESCALATED)


class Talk(db.Model):
    __table_args__ = (
        sa.Index("ix_talk_state_due", "state", "due_date"),
        sa.UniqueConstraint("evaluation_id", "kind", name="uq_talk_evaluation_kind"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(8))
    source: so.Mapped[str] = so.mapped_column(sa.String(16))  # 触发来源
    subject_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("cadre.id", ondelete="CASCADE"), index=True
    )
    #: 谈话人: a cadre of the roster when known (the section head for bottom-ranked talks).
    conductor_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("cadre.id", ondelete="SET NULL"), index=True
    )
    conductor_name: so.Mapped[str | None] = so.mapped_column(sa.String(50))
    conductor_unit: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    conductor_post: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    recorder_name: so.Mapped[str | None] = so.mapped_column(sa.String(50))  # 记录人
    recorder_unit: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    recorder_post: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    reason: so.Mapped[str | None] = so.mapped_column(sa.Text)  # 事由
    scheduled_at: so.Mapped[datetime | None] = so.mapped_column()
    held_at: so.Mapped[datetime | None] = so.mapped_column()
    place: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    content: so.Mapped[str | None] = so.mapped_column(sa.Text)
    measures: so.Mapped[str | None] = so.mapped_column(sa.Text)  # 整改措施
    response: so.Mapped[str | None] = so.mapped_column(sa.Text)  # 本人回复/书面检查
    response_date: so.Mapped[date | None] = so.mapped_column()
    follow_up_result: so.Mapped[str | None] = so.mapped_column(sa.Text)
    due_date: so.Mapped[date | None] = so.mapped_column(index=True)  # the talk is due by
    reply_due_date: so.Mapped[date | None] = so.mapped_column()  # 函询 reply / 诫勉 self-exam
    follow_up_due_date: so.Mapped[date | None] = so.mapped_column()  # 诫勉: after 6 months
    state: so.Mapped[TalkState] = so.mapped_column(
        _enum(TalkState, "talk_state"), default=TalkState.TRIGGERED
    )
    evaluation_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("evaluation.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    created_by: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)
    version: so.Mapped[int] = so.mapped_column(default=1)

    subject: so.Mapped[Cadre] = so.relationship(foreign_keys=[subject_id])
    conductor: so.Mapped[Cadre | None] = so.relationship(foreign_keys=[conductor_id])

    __mapper_args__ = {"version_id_col": version}
