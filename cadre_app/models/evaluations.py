"""Annual evaluation (年度考核): one cycle per year, one evaluation per cadre in it, quarterly
平时考核 grades. Rules live in services.evaluations.rules and services.evaluations.operations."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models.organisation import Department
from cadre_app.models.roster import Cadre

SCORE = sa.Numeric(5, 2, asdecimal=False)


def _enum(cls: type[enum.Enum], name: str) -> sa.Enum:
    return sa.Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class CycleState(enum.StrEnum):
    """The procedure of DOMAIN.md, condensed to the steps the system records."""

    COLLECTING = "collecting"  # 采集成绩: 述职, 民主测评, 领导评价 and proposed grades come in
    RANKED = "ranked"  # 已排名 (may be re-run while scores change)
    CONFIRMED = "confirmed"  # 考核委员会审核: ranking and grades fixed, quota checked, talks opened
    PUBLICISED = "publicised"  # 公示 of the proposed 优秀
    DECIDED = "decided"  # 决定: final grades and their consequences
    ARCHIVED = "archived"  # 归档

    @property
    def label(self) -> str:
        from flask_babel import gettext as _

        return {
            CycleState.COLLECTING: _("采集成绩"),
            CycleState.RANKED: _("已排名"),
            CycleState.CONFIRMED: _("已审核确认"),
            CycleState.PUBLICISED: _("公示中"),
            CycleState.DECIDED: _("已决定"),
            CycleState.ARCHIVED: _("已归档"),
        }[self]


class EvaluationCycle(db.Model):
    """One year's evaluation with the settings in force. ``settings_version`` goes up with
    every settings change; each computed result stores the version it was computed with."""

    __table_args__ = (
        sa.CheckConstraint(
            "weight_ordinary + weight_democratic + weight_leader = 100", name="weights_sum"
        ),
        sa.CheckConstraint("excellent_quota_pct BETWEEN 0 AND 25", name="quota_range"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    year: so.Mapped[int] = so.mapped_column(unique=True)
    weight_ordinary: so.Mapped[int] = so.mapped_column(default=40)  # 平时考核 %
    weight_democratic: so.Mapped[int] = so.mapped_column(default=30)  # 民主测评 %
    weight_leader: so.Mapped[int] = so.mapped_column(default=30)  # 领导评价 %
    excellent_quota_pct: so.Mapped[int] = so.mapped_column(default=20)
    #: Raised quota (up to 25%) needs an approval with a reason.
    quota_approval_reason: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    quota_approved_by: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    quota_approved_at: so.Mapped[datetime | None] = so.mapped_column()
    bottom_min_section_size: so.Mapped[int] = so.mapped_column(default=5)
    bottom_grades: so.Mapped[list[str]] = so.mapped_column(
        sa.JSON, default=lambda: ["基本称职", "不称职"]
    )
    settings_version: so.Mapped[int] = so.mapped_column(default=1)
    state: so.Mapped[CycleState] = so.mapped_column(
        _enum(CycleState, "cycle_state"), default=CycleState.COLLECTING
    )
    ranked_at: so.Mapped[datetime | None] = so.mapped_column()
    confirmed_at: so.Mapped[datetime | None] = so.mapped_column()
    confirmed_by: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    publicity_start: so.Mapped[date | None] = so.mapped_column()
    publicity_end: so.Mapped[date | None] = so.mapped_column()
    decided_at: so.Mapped[datetime | None] = so.mapped_column()
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    version: so.Mapped[int] = so.mapped_column(default=1)

    evaluations: so.WriteOnlyMapped[Evaluation] = so.relationship(
        back_populates="cycle", cascade="all, delete-orphan", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": version}

    def settings(self) -> dict[str, Any]:
        return {
            "weights": [self.weight_ordinary, self.weight_democratic, self.weight_leader],
            "excellent_quota_pct": self.excellent_quota_pct,
            "bottom_min_section_size": self.bottom_min_section_size,
            "bottom_grades": list(self.bottom_grades),
            "settings_version": self.settings_version,
        }


class Evaluation(db.Model):
    """One cadre in one cycle. Only cadres with a row here are evaluated and ranked."""

    __table_args__ = (
        sa.UniqueConstraint("cycle_id", "cadre_id", name="uq_evaluation_cycle_cadre"),
        sa.Index("ix_evaluation_cycle_department", "cycle_id", "department_id"),
        sa.Index("ix_evaluation_cycle_overall_rank", "cycle_id", "overall_rank"),
        # The grade trend (services.evaluations.queries.grade_counts) counted from the index.
        sa.Index(
            "ix_evaluation_cycle_grade", "cycle_id", "final_grade", "no_grade", "department_id"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    cycle_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("evaluation_cycle.id", ondelete="CASCADE"), index=True
    )
    cadre_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("cadre.id", ondelete="CASCADE"), index=True
    )
    #: The section the cadre was evaluated in (kept when they later move).
    department_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("department.id", ondelete="RESTRICT")
    )
    ordinary: so.Mapped[float | None] = so.mapped_column(SCORE)  # 平时考核
    democratic: so.Mapped[float | None] = so.mapped_column(SCORE)  # 民主测评
    leader: so.Mapped[float | None] = so.mapped_column(SCORE)  # 领导评价
    total: so.Mapped[float | None] = so.mapped_column(SCORE)
    proposed_grade: so.Mapped[str | None] = so.mapped_column(sa.String(8))  # 拟定等次
    final_grade: so.Mapped[str | None] = so.mapped_column(sa.String(8))  # 确定等次
    no_grade: so.Mapped[bool] = so.mapped_column(default=False)  # 不定等次
    no_grade_reason: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    section_rank: so.Mapped[int | None] = so.mapped_column()
    overall_rank: so.Mapped[int | None] = so.mapped_column()
    bottom: so.Mapped[bool] = so.mapped_column(default=False)
    bottom_reason: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    settings_version: so.Mapped[int | None] = so.mapped_column()
    consequences: so.Mapped[list[str] | None] = so.mapped_column(sa.JSON)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    cycle: so.Mapped[EvaluationCycle] = so.relationship(back_populates="evaluations")
    cadre: so.Mapped[Cadre] = so.relationship()
    department: so.Mapped[Department] = so.relationship()


class QuarterlyGrade(db.Model):
    """平时考核: a grade per quarter (好/较好/一般/较差)."""

    __table_args__ = (
        sa.UniqueConstraint("cadre_id", "year", "quarter", name="uq_quarterly_grade_cadre_period"),
        sa.CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter_range"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    cadre_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("cadre.id", ondelete="CASCADE"), index=True
    )
    year: so.Mapped[int] = so.mapped_column()
    quarter: so.Mapped[int] = so.mapped_column()
    grade: so.Mapped[str] = so.mapped_column(sa.String(4))
    note: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    updated_by: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)
