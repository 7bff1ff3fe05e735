"""Selection (选拔任用), DOMAIN.md "Selection": the posts to fill and what excludes a candidate.

- ``Position``: a post to fill (title, section, a leading post or a 职级, places) with its
  conditions: minimum current 职级 and years in it (with the 优秀 shortening), years of work
  and at grassroots, education, party membership, maximum age at a stated date, and anything
  else as free text checked by hand.
- ``DisciplineRecord``: 诫勉 and 党纪政务处分 (警告, 记过, 记大过, 降级, 撤职) with the decision
  date; each excludes a candidate during its effect period (DOMAIN.md; configurable).
- ``EligibilityRun``: one computation of eligibility for a position at a date, with the rule
  set in force (the settings' values) and the result per cadre, so that a result can always be
  read with the rules it was computed under.

- ``SelectionRound`` with its ``RoundEvent`` steps (动议 → 民主推荐 → 确定考察对象 → 考察 → 讨论决定
  → 任前公示 → 任职 → 试用期 → 转正), its shortlist (``RoundCandidate``), the managers assigned to
  review it (``round_reviewer``) and their views (``ReviewerView``), and the objections
  received during 任前公示 (``PublicityObjection``).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models.accounts import User
from cadre_app.models.evaluations import _enum
from cadre_app.models.organisation import Department
from cadre_app.models.roster import Cadre

#: Kinds of 诫勉 and 处分 with their default effect period in months (DOMAIN.md).
DISCIPLINE_KINDS = {"诫勉": 6, "警告": 6, "记过": 12, "记大过": 18, "降级": 24, "撤职": 24}
#: What a position fills: a leading post (领导职务) or a 职级.
POST_KINDS = ("领导职务", "职级")


class Position(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(100))  # e.g. 预算处副处长
    department_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("department.id", ondelete="SET NULL"), index=True
    )
    post_kind: so.Mapped[str] = so.mapped_column(sa.String(8))  # POST_KINDS
    #: The level filled: a LEADERSHIP_LEVELS entry (县处级副职) or a RANK_LADDER entry.
    target_level: so.Mapped[str] = so.mapped_column(sa.String(20))
    places: so.Mapped[int] = so.mapped_column(default=1)
    # Conditions (None: no condition)
    min_rank: so.Mapped[str | None] = so.mapped_column(sa.String(20))  # current 职级 at least
    min_years_in_rank: so.Mapped[int | None] = so.mapped_column()  # in the current 职级
    min_years_work: so.Mapped[int | None] = so.mapped_column()
    min_years_grassroots: so.Mapped[int | None] = so.mapped_column()
    min_education: so.Mapped[str | None] = so.mapped_column(sa.String(20))  # EDUCATION_LEVELS
    party_member: so.Mapped[bool] = so.mapped_column(default=False)
    max_age: so.Mapped[int | None] = so.mapped_column()
    age_on: so.Mapped[date | None] = so.mapped_column()  # the stated date for age and years
    other_conditions: so.Mapped[str | None] = so.mapped_column(sa.Text)  # checked by hand
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    created_by: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    version: so.Mapped[int] = so.mapped_column(default=1)

    department: so.Mapped[Department | None] = so.relationship()

    __mapper_args__ = {"version_id_col": version}


class DisciplineRecord(db.Model):
    """A 诫勉 or a 处分 of a cadre: excludes them from selection during its effect period."""

    __table_args__ = (sa.Index("ix_discipline_cadre_decided", "cadre_id", "decided_on"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    cadre_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cadre.id", ondelete="CASCADE"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(8))  # DISCIPLINE_KINDS
    decided_on: so.Mapped[date] = so.mapped_column()  # 决定日期: the effect period runs from it
    reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    document_no: so.Mapped[str | None] = so.mapped_column(sa.String(64))  # 文号
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    created_by: so.Mapped[str | None] = so.mapped_column(sa.String(64))

    cadre: so.Mapped[Cadre] = so.relationship()


class EligibilityRun(db.Model):
    """Eligibility for a position at a date, kept with the rules in force when computed."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    position_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("position.id", ondelete="CASCADE"), index=True
    )
    on_date: so.Mapped[date] = so.mapped_column()
    #: The rule set in force: the settings and the position's conditions, as plain data.
    rules: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON)
    #: The cadres grouped by verdict: services.selection.eligibility's docstring.
    results: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON)
    eligible_count: so.Mapped[int] = so.mapped_column(default=0)
    computed_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    computed_by: so.Mapped[str | None] = so.mapped_column(sa.String(64))

    position: so.Mapped[Position] = so.relationship()


class Stage(enum.StrEnum):
    """The stages of a selection round (DOMAIN.md), in order; none may be skipped."""

    MOTION = "motion"  # 动议
    RECOMMENDATION = "recommendation"  # 民主推荐
    CANDIDATES = "candidates"  # 确定考察对象
    INSPECTION = "inspection"  # 考察
    DECISION = "decision"  # 讨论决定
    PUBLICITY = "publicity"  # 任前公示
    APPOINTMENT = "appointment"  # 任职
    PROBATION = "probation"  # 试用期
    CONFIRMED = "confirmed"  # 转正 (or 免去试任职务: see ``probation_outcome``)

    @property
    def label(self) -> str:
        return Stage.labels()[self]

    @staticmethod
    def labels() -> dict[Stage, str]:
        from flask_babel import gettext as _

        return {
            Stage.MOTION: _("动议"),
            Stage.RECOMMENDATION: _("民主推荐"),
            Stage.CANDIDATES: _("确定考察对象"),
            Stage.INSPECTION: _("考察"),
            Stage.DECISION: _("讨论决定"),
            Stage.PUBLICITY: _("任前公示"),
            Stage.APPOINTMENT: _("任职"),
            Stage.PROBATION: _("试用期"),
            Stage.CONFIRMED: _("转正"),
        }


class SelectionRound(db.Model):
    """A round filling a position: its stage, the shortlist, the managers who review it, the
    民主推荐 ballot box, the 讨论决定 meeting, the 任前公示 and the appointment."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    position_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("position.id", ondelete="CASCADE"), index=True
    )
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    reason: so.Mapped[str] = so.mapped_column(sa.Text)  # 动议理由
    stage: so.Mapped[Stage] = so.mapped_column(
        _enum(Stage, "selection_stage"), default=Stage.MOTION
    )
    #: 民主推荐's ballots (models.ballots, kind "recommendation"), when held by ballot.
    box_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("ballot_box.id", ondelete="SET NULL"), unique=True
    )
    #: The candidates (RoundCandidate ids) listed on that ballot when it opened: the tally
    #: counts exactly them, whoever is added or removed afterwards.
    ballot_candidates: so.Mapped[list[int] | None] = so.mapped_column(sa.JSON)
    # 讨论决定
    meeting_on: so.Mapped[date | None] = so.mapped_column()
    members_entitled: so.Mapped[int | None] = so.mapped_column()  # 应到会成员
    members_present: so.Mapped[int | None] = so.mapped_column()  # 实到会成员
    # 任前公示
    publicity_start: so.Mapped[date | None] = so.mapped_column()
    publicity_end: so.Mapped[date | None] = so.mapped_column()
    # 任职 and after
    appointed_on: so.Mapped[date | None] = so.mapped_column()
    probation_end: so.Mapped[date | None] = so.mapped_column()
    probation_outcome: so.Mapped[str | None] = so.mapped_column(
        sa.String(16)
    )  # 转正 / 免去试任职务
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    created_by: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    version: so.Mapped[int] = so.mapped_column(default=1)

    position: so.Mapped[Position] = so.relationship()
    candidates: so.Mapped[list[RoundCandidate]] = so.relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="RoundCandidate.id"
    )
    events: so.Mapped[list[RoundEvent]] = so.relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="RoundEvent.id"
    )
    reviewers: so.Mapped[list[User]] = so.relationship(secondary="round_reviewer")

    __mapper_args__ = {"version_id_col": version}


round_reviewer = sa.Table(
    "round_reviewer",
    db.metadata,
    sa.Column(
        "round_id", sa.ForeignKey("selection_round.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)


class RoundEvent(db.Model):
    """A stage step of a round: who, when, the documents, the outcome; going back says why."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    round_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("selection_round.id", ondelete="CASCADE"), index=True
    )
    from_stage: so.Mapped[Stage | None] = so.mapped_column(_enum(Stage, "round_from_stage"))
    to_stage: so.Mapped[Stage] = so.mapped_column(_enum(Stage, "round_to_stage"))
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    actor: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    documents: so.Mapped[str | None] = so.mapped_column(sa.Text)  # 文件 (names, 文号)
    outcome: so.Mapped[str | None] = so.mapped_column(sa.Text)
    reason: so.Mapped[str | None] = so.mapped_column(sa.Text)  # required when going back

    round: so.Mapped[SelectionRound] = so.relationship(back_populates="events")


class RoundCandidate(db.Model):
    """A cadre on a round's shortlist (added and removed with reasons), with what each later
    stage records about them."""

    __table_args__ = (sa.UniqueConstraint("round_id", "cadre_id", name="uq_round_candidate"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    round_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("selection_round.id", ondelete="CASCADE"), index=True
    )
    cadre_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("cadre.id", ondelete="CASCADE"), index=True
    )
    added_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)  # by hand (else: eligible)
    removed_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    removed_at: so.Mapped[datetime | None] = so.mapped_column()
    #: The shortlist score's parts when listed (plain data, shown part by part).
    score: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    inspected: so.Mapped[bool] = so.mapped_column(default=False)  # 确定为考察对象
    inspection_notes: so.Mapped[str | None] = so.mapped_column(sa.Text)  # 考察组意见
    integrity_received: so.Mapped[bool] = so.mapped_column(default=False)  # 廉政意见已回复
    votes_for: so.Mapped[int | None] = so.mapped_column()  # 讨论决定: 赞成票
    appointed: so.Mapped[bool] = so.mapped_column(default=False)
    version: so.Mapped[int] = so.mapped_column(default=1)

    round: so.Mapped[SelectionRound] = so.relationship(back_populates="candidates")
    cadre: so.Mapped[Cadre] = so.relationship()
    views: so.Mapped[list[ReviewerView]] = so.relationship(
        back_populates="candidate", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}


class ReviewerView(db.Model):
    """An assigned manager's view of a candidate, with its reason (one per manager and
    candidate; changed in place, the audit log keeps the history)."""

    __table_args__ = (sa.UniqueConstraint("candidate_id", "user_id", name="uq_reviewer_view"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    candidate_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("round_candidate.id", ondelete="CASCADE"), index=True
    )
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    view: so.Mapped[str] = so.mapped_column(sa.String(8))  # 同意 / 不同意 / 暂缓
    reason: so.Mapped[str] = so.mapped_column(sa.Text)
    recommended: so.Mapped[bool] = so.mapped_column(default=False)  # the manager's recommendation
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    candidate: so.Mapped[RoundCandidate] = so.relationship(back_populates="views")


class PublicityObjection(db.Model):
    """An objection received during 任前公示 and how it was handled."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    round_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("selection_round.id", ondelete="CASCADE"), index=True
    )
    candidate_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("round_candidate.id", ondelete="CASCADE")
    )
    received_on: so.Mapped[date] = so.mapped_column()
    content: so.Mapped[str] = so.mapped_column(sa.Text)
    handling: so.Mapped[str | None] = so.mapped_column(sa.Text)  # 处理情况
    handled_on: so.Mapped[date | None] = so.mapped_column()
