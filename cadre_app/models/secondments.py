"""Secondments (挂职锻炼 / 实践锻炼): a cadre sent to a host unit for a period, with the state
of DOMAIN.md (拟派 → 审批 → 在岗 → 延期 | 提前召回 → 期满鉴定 → 归档), every transition logged,
and the 期满鉴定 (appraisal) on the same row.

A cadre has at most one *active* secondment (拟派, 审批, 在岗, 延期): the partial unique index
``uq_secondment_one_active`` holds that in the database, so two HR staff saving at the same
moment cannot both succeed. Overlapping periods are checked by services.secondments.operations
under a lock on the cadre's row.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models.evaluations import _enum
from cadre_app.models.roster import Cadre, ResumeEntry

#: 类别 (DOMAIN.md, Secondment; the 挂职锻炼 workbook's vocabulary).
SECONDMENT_KINDS = ("上挂", "下派", "外派", "岗位实践锻炼", "跟班学习", "驻村")
#: 单位类型.
HOST_TYPES = ("基层单位", "高校", "国有金融企业", "上级机关", "其他")
#: 期满鉴定 grades, best first.
APPRAISAL_GRADES = ("优秀", "称职", "基本称职", "不称职")


class SecondmentState(enum.StrEnum):
    PROPOSED = "proposed"  # 拟派
    APPROVED = "approved"  # 审批 (approved, not yet left)
    ON_POST = "on_post"  # 在岗
    EXTENDED = "extended"  # 延期 (on post, past the first planned end)
    RECALLED = "recalled"  # 提前召回 (back before the planned end)
    APPRAISAL = "appraisal"  # 期满鉴定
    ARCHIVED = "archived"  # 归档
    CANCELLED = "cancelled"  # 撤销 (a proposal not carried out)

    @property
    def label(self) -> str:
        return SecondmentState.labels()[self]

    @staticmethod
    def labels() -> dict[SecondmentState, str]:
        """Every state's name in the reader's language (a table of many rows asks once)."""
        from flask_babel import gettext as _

        return {
            SecondmentState.PROPOSED: _("拟派"),
            SecondmentState.APPROVED: _("已审批"),
            SecondmentState.ON_POST: _("在岗"),
            SecondmentState.EXTENDED: _("延期"),
            SecondmentState.RECALLED: _("提前召回"),
            SecondmentState.APPRAISAL: _("期满鉴定"),
            SecondmentState.ARCHIVED: _("归档"),
            SecondmentState.CANCELLED: _("已撤销"),
        }


#: States in which the cadre is sent or about to be sent: at most one per cadre.
ACTIVE_STATES = (
    SecondmentState.PROPOSED,
    SecondmentState.APPROVED,
    SecondmentState.ON_POST,
    SecondmentState.EXTENDED,
)
_ACTIVE_SQL = "state IN ('proposed', 'approved', 'on_post', 'extended')"


class Secondment(db.Model):
    __table_args__ = (
        sa.Index(
            "uq_secondment_one_active",
            "cadre_id",
            unique=True,
            sqlite_where=sa.text(_ACTIVE_SQL),
            postgresql_where=sa.text(_ACTIVE_SQL),
        ),
        sa.Index("ix_secondment_state_end", "state", "planned_end"),
        sa.Index("ix_secondment_start", "start_date"),
        sa.CheckConstraint("planned_end >= start_date", name="planned_end_after_start"),
        sa.CheckConstraint(
            "actual_end IS NULL OR actual_end >= start_date", name="actual_end_after_start"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    cadre_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("cadre.id", ondelete="CASCADE"), index=True
    )
    kind: so.Mapped[str] = so.mapped_column(sa.String(8))  # 类别
    host_unit: so.Mapped[str] = so.mapped_column(sa.String(100))  # 派往单位
    host_type: so.Mapped[str] = so.mapped_column(sa.String(8))  # 单位类型
    post: so.Mapped[str | None] = so.mapped_column(sa.String(100))  # 挂任职务
    start_date: so.Mapped[date] = so.mapped_column()  # 开始日期
    planned_end: so.Mapped[date] = so.mapped_column()  # 计划结束日期 (moved by 延期)
    actual_end: so.Mapped[date | None] = so.mapped_column()  # 实际结束日期
    purpose: so.Mapped[str | None] = so.mapped_column(sa.Text)  # 派出事由 / 锻炼目标
    state: so.Mapped[SecondmentState] = so.mapped_column(
        _enum(SecondmentState, "secondment_state"), default=SecondmentState.PROPOSED
    )
    # 期满鉴定
    host_opinion: so.Mapped[str | None] = so.mapped_column(sa.Text)  # 派驻单位鉴定意见
    grade: so.Mapped[str | None] = so.mapped_column(sa.String(8))  # 鉴定等次
    cadre_summary: so.Mapped[str | None] = so.mapped_column(sa.Text)  # 本人总结
    summary_at: so.Mapped[datetime | None] = so.mapped_column()
    hr_conclusion: so.Mapped[str | None] = so.mapped_column(sa.Text)  # 组织人事部门意见
    appraised_at: so.Mapped[date | None] = so.mapped_column()
    #: The 简历 line written on 归档 (once; unique so a second archive cannot add another).
    resume_entry_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("resume_entry.id", ondelete="SET NULL"), unique=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    created_by: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)
    version: so.Mapped[int] = so.mapped_column(default=1)

    cadre: so.Mapped[Cadre] = so.relationship()
    resume_entry: so.Mapped[ResumeEntry | None] = so.relationship()
    events: so.Mapped[list[SecondmentEvent]] = so.relationship(
        back_populates="secondment",
        cascade="all, delete-orphan",
        order_by="SecondmentEvent.id",
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def end_date(self) -> date:
        """The period's end: the actual end once known, else the planned end."""
        return self.actual_end or self.planned_end

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES


class SecondmentEvent(db.Model):
    """One transition: who, when, why; an extension keeps the old and new end date."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    secondment_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("secondment.id", ondelete="CASCADE"), index=True
    )
    from_state: so.Mapped[SecondmentState | None] = so.mapped_column(
        _enum(SecondmentState, "secondment_from_state")
    )
    to_state: so.Mapped[SecondmentState] = so.mapped_column(
        _enum(SecondmentState, "secondment_to_state")
    )
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    actor: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    old_end: so.Mapped[date | None] = so.mapped_column()
    new_end: so.Mapped[date | None] = so.mapped_column()

    secondment: so.Mapped[Secondment] = so.relationship(back_populates="events")
