"""Political-quality assessments (政治素质正反向测评), DOMAIN.md "Political-quality assessment".

- ``Checklist``: a versioned checklist (正向 items under the five aspects, rated 好/较好/一般/差
  with configurable points; 反向 items in categories, ticked 存在 or not; an overall judgement).
  ``family`` ties the versions of one checklist; a version used by an assessment that has opened
  is frozen (``frozen_at``), and editing it makes the next version.
- ``Assessment``: title, purpose (年度, 考察, 专项), the checklist version, its subjects, and a
  ``BallotBox`` (models.ballots) holding the window, the rater groups and the ballots.
  States 草拟 → 进行中 → 已关闭 → 已归档; subjects, groups and checklist freeze on opening.
- ``AssessmentSubject``: a cadre assessed, with HR's conclusion (合格 / 基本合格 / 不合格, a
  reason) once the assessment has closed: the entry of the cadre's 政治素质档案. ``result`` keeps
  the subject's figures as they were when concluded, so the dossier never recomputes.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models.ballots import BallotBox
from cadre_app.models.evaluations import _enum
from cadre_app.models.roster import Cadre

#: The five positive aspects (DOMAIN.md), in order.
ASPECTS = ("政治忠诚", "政治定力", "政治担当", "政治能力", "政治自律")
#: Ratings of a positive item and of the overall judgement, best first.
RATINGS = ("好", "较好", "一般", "差")
#: Default points per rating (a checklist may set its own).
DEFAULT_POINTS = {"好": 100, "较好": 80, "一般": 60, "差": 0}
#: 测评目的.
PURPOSES = ("年度", "考察", "专项")
#: HR's conclusion per subject; 不合格 is the veto that selection reads.
CONCLUSIONS = ("合格", "基本合格", "不合格")


class Polarity(enum.StrEnum):
    POSITIVE = "positive"  # 正向: rated 好/较好/一般/差
    NEGATIVE = "negative"  # 反向: ticked 存在 or not


class Checklist(db.Model):
    __table_args__ = (sa.UniqueConstraint("family", "version", name="uq_checklist_family_version"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    family: so.Mapped[str] = so.mapped_column(sa.String(32))  # ties the versions together
    version: so.Mapped[int] = so.mapped_column(default=1)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    #: Points per rating, e.g. {"好": 100, "较好": 80, "一般": 60, "差": 0}.
    points: so.Mapped[dict[str, Any]] = so.mapped_column(
        sa.JSON, default=lambda: dict(DEFAULT_POINTS)
    )
    note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    frozen_at: so.Mapped[datetime | None] = so.mapped_column()  # set when first used
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    created_by: so.Mapped[str | None] = so.mapped_column(sa.String(64))

    items: so.Mapped[list[ChecklistItem]] = so.relationship(
        back_populates="checklist",
        cascade="all, delete-orphan",
        order_by="(ChecklistItem.polarity.desc(), ChecklistItem.position)",
    )

    @property
    def positive(self) -> list[ChecklistItem]:
        return [i for i in self.items if i.polarity == Polarity.POSITIVE]

    @property
    def negative(self) -> list[ChecklistItem]:
        return [i for i in self.items if i.polarity == Polarity.NEGATIVE]


class ChecklistItem(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    checklist_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("checklist.id", ondelete="CASCADE"), index=True
    )
    polarity: so.Mapped[Polarity] = so.mapped_column(_enum(Polarity, "checklist_polarity"))
    #: An aspect of ASPECTS for a positive item; a category (free text) for a negative one.
    category: so.Mapped[str] = so.mapped_column(sa.String(32))
    text: so.Mapped[str] = so.mapped_column(sa.String(200))
    position: so.Mapped[int] = so.mapped_column(default=0)  # order within its polarity

    checklist: so.Mapped[Checklist] = so.relationship(back_populates="items")


class AssessmentState(enum.StrEnum):
    DRAFT = "draft"  # 草拟
    OPEN = "open"  # 进行中
    CLOSED = "closed"  # 已关闭
    ARCHIVED = "archived"  # 已归档

    @property
    def label(self) -> str:
        return AssessmentState.labels()[self]

    @staticmethod
    def labels() -> dict[AssessmentState, str]:
        from flask_babel import gettext as _

        return {
            AssessmentState.DRAFT: _("草拟"),
            AssessmentState.OPEN: _("进行中"),
            AssessmentState.CLOSED: _("已关闭"),
            AssessmentState.ARCHIVED: _("已归档"),
        }


class Assessment(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    purpose: so.Mapped[str] = so.mapped_column(sa.String(8))  # PURPOSES
    state: so.Mapped[AssessmentState] = so.mapped_column(
        _enum(AssessmentState, "assessment_state"), default=AssessmentState.DRAFT
    )
    checklist_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("checklist.id"), index=True)
    box_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("ballot_box.id"), unique=True
    )  # window, rater groups, codes and ballots
    #: A group's figures are shown apart only with at least this many ballots (DOMAIN.md: 3).
    min_group_ballots: so.Mapped[int] = so.mapped_column(default=3)
    #: A negative item ticked by at least this share of ballots opens a 提醒谈话: a fraction
    #: as text ("1/3", DOMAIN.md's local practice), read with ``fractions.Fraction``.
    talk_threshold: so.Mapped[str] = so.mapped_column(sa.String(16), default="1/3")
    note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    opened_at: so.Mapped[datetime | None] = so.mapped_column()
    closed_at: so.Mapped[datetime | None] = so.mapped_column()
    archived_at: so.Mapped[datetime | None] = so.mapped_column()
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    created_by: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    version: so.Mapped[int] = so.mapped_column(default=1)

    checklist: so.Mapped[Checklist] = so.relationship()
    box: so.Mapped[BallotBox] = so.relationship()
    subjects: so.Mapped[list[AssessmentSubject]] = so.relationship(
        back_populates="assessment",
        cascade="all, delete-orphan",
        order_by="AssessmentSubject.position",
    )

    __mapper_args__ = {"version_id_col": version}


class AssessmentSubject(db.Model):
    """A cadre assessed; with HR's conclusion, an entry of their 政治素质档案."""

    __table_args__ = (
        sa.UniqueConstraint("assessment_id", "cadre_id", name="uq_assessment_subject_cadre"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    assessment_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("assessment.id", ondelete="CASCADE"), index=True
    )
    cadre_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("cadre.id", ondelete="CASCADE"), index=True
    )
    position: so.Mapped[int] = so.mapped_column(default=0)
    conclusion: so.Mapped[str | None] = so.mapped_column(sa.String(8))  # CONCLUSIONS
    conclusion_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    concluded_on: so.Mapped[date | None] = so.mapped_column()
    concluded_by: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    #: The subject's figures when concluded (services.assessments.tally, as plain data).
    result: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    #: The 提醒谈话 opened by a negative item at or above the threshold (talks domain).
    talk_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("talk.id", ondelete="SET NULL"))
    version: so.Mapped[int] = so.mapped_column(default=1)

    assessment: so.Mapped[Assessment] = so.relationship(back_populates="subjects")
    cadre: so.Mapped[Cadre] = so.relationship()

    __mapper_args__ = {"version_id_col": version}
