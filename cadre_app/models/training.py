"""Training (教育培训): courses and their participants, external records, 业务微讲座, 策论 essays,
the named programme with its cohorts, and each young cadre's development plan (个人培养计划).

学时 are stored with one decimal. What a record *earns* is decided by services.training.rules
(the 1/7 leave rule, credits, the online cap on the yearly total) with the settings version in
force, which the record keeps (``settings_version``).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models.evaluations import _enum
from cadre_app.models.roster import Cadre

HOURS = sa.Numeric(7, 1)

#: 培训类别 (the training workbook's vocabulary, DESIGN.md).
TRAINING_CATEGORIES = ("专题培训班", "网络培训", "业务微讲座", "策论", "导师帮带", "其他")
#: 培训形式. 网络 counts toward the online cap of the yearly requirement.
TRAINING_MODES = ("脱产", "在职", "网络")
#: 策论 grades, best first; 合格 or better earns 学时.
ESSAY_GRADES = ("优秀", "良好", "合格", "不合格")


class PlanState(enum.StrEnum):
    DRAFT = "draft"  # 草拟
    ACTIVE = "active"  # 生效
    DONE = "done"  # 完成
    STOPPED = "stopped"  # 中止

    @property
    def label(self) -> str:
        return PlanState.labels()[self]

    @staticmethod
    def labels() -> dict[PlanState, str]:
        from flask_babel import gettext as _

        return {
            PlanState.DRAFT: _("草拟"),
            PlanState.ACTIVE: _("生效"),
            PlanState.DONE: _("完成"),
            PlanState.STOPPED: _("中止"),
        }


class MilestoneState(enum.StrEnum):
    PENDING = "pending"  # 未开始
    IN_PROGRESS = "in_progress"  # 进行中
    DONE = "done"  # 已完成
    DROPPED = "dropped"  # 已取消

    @property
    def label(self) -> str:
        return MilestoneState.labels()[self]

    @staticmethod
    def labels() -> dict[MilestoneState, str]:
        from flask_babel import gettext as _

        return {
            MilestoneState.PENDING: _("未开始"),
            MilestoneState.IN_PROGRESS: _("进行中"),
            MilestoneState.DONE: _("已完成"),
            MilestoneState.DROPPED: _("已取消"),
        }


class Programme(db.Model):
    """The organisation's named programme (the seed's 五航工程)."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100), unique=True)
    description: so.Mapped[str | None] = so.mapped_column(sa.Text)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    cohorts: so.Mapped[list[Cohort]] = so.relationship(
        back_populates="programme", order_by="Cohort.year.desc()"
    )


cohort_member = sa.Table(
    "cohort_member",
    db.metadata,
    sa.Column("cohort_id", sa.ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("cadre_id", sa.ForeignKey("cadre.id", ondelete="CASCADE"), primary_key=True),
)


class Cohort(db.Model):
    """One year's intake of the programme (期/批次)."""

    __table_args__ = (sa.UniqueConstraint("programme_id", "name"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    programme_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("programme.id", ondelete="CASCADE"), index=True
    )
    year: so.Mapped[int] = so.mapped_column()
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    programme: so.Mapped[Programme] = so.relationship(back_populates="cohorts")
    members: so.Mapped[list[Cadre]] = so.relationship(secondary=cohort_member)


class TrainingCourse(db.Model):
    """A course (专题培训班, 网络培训, ...). ``external`` marks training a cadre attended
    elsewhere, recorded as a course of one participant."""

    __table_args__ = (
        sa.CheckConstraint("end_date >= start_date", name="course_dates"),
        sa.CheckConstraint("hours > 0", name="course_hours_positive"),
        sa.Index("ix_training_course_start", "start_date"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    category: so.Mapped[str] = so.mapped_column(sa.String(16))  # TRAINING_CATEGORIES
    mode: so.Mapped[str] = so.mapped_column(sa.String(8))  # TRAINING_MODES
    organiser: so.Mapped[str | None] = so.mapped_column(sa.String(200))  # 主办单位
    start_date: so.Mapped[date] = so.mapped_column()
    end_date: so.Mapped[date] = so.mapped_column()
    hours: so.Mapped[Decimal] = so.mapped_column(HOURS)  # 学时
    capacity: so.Mapped[int | None] = so.mapped_column()
    programme_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("programme.id", ondelete="SET NULL"), index=True
    )
    external: so.Mapped[bool] = so.mapped_column(default=False)
    notes: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    created_by: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    version: so.Mapped[int] = so.mapped_column(default=1)

    programme: so.Mapped[Programme | None] = so.relationship()
    enrolments: so.Mapped[list[Enrolment]] = so.relationship(
        back_populates="course", cascade="all, delete-orphan", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": version}


class Enrolment(db.Model):
    """A cadre on a course. ``attended_hours`` is None until attendance is recorded; then
    ``passed`` (结业) and ``hours_earned`` follow from the rules unless 是否结业 was given."""

    __table_args__ = (
        sa.UniqueConstraint("course_id", "cadre_id"),
        sa.CheckConstraint("leave_hours >= 0", name="leave_non_negative"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    course_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("training_course.id", ondelete="CASCADE"), index=True
    )
    cadre_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("cadre.id", ondelete="CASCADE"), index=True
    )
    attended_hours: so.Mapped[Decimal | None] = so.mapped_column(HOURS)
    leave_hours: so.Mapped[Decimal] = so.mapped_column(HOURS, default=Decimal(0))
    passed: so.Mapped[bool | None] = so.mapped_column()  # 结业
    #: 是否结业 was stated (import or HR), not derived from the leave rule.
    passed_given: so.Mapped[bool] = so.mapped_column(default=False)
    hours_earned: so.Mapped[Decimal] = so.mapped_column(HOURS, default=Decimal(0))
    certificate_no: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    #: enrol (by HR), import (workbook) or external (a single record of outside training).
    source: so.Mapped[str] = so.mapped_column(sa.String(16), default="enrol")
    settings_version: so.Mapped[int | None] = so.mapped_column()
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    created_by: so.Mapped[str | None] = so.mapped_column(sa.String(64))

    course: so.Mapped[TrainingCourse] = so.relationship(back_populates="enrolments")
    cadre: so.Mapped[Cadre] = so.relationship()


class Lecture(db.Model):
    """业务微讲座 given by a cadre; speaker and attendees earn the configured 学时."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    speaker_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("cadre.id", ondelete="CASCADE"), index=True
    )
    topic: so.Mapped[str] = so.mapped_column(sa.String(200))
    held_on: so.Mapped[date] = so.mapped_column(index=True)
    duration_hours: so.Mapped[Decimal] = so.mapped_column(HOURS)
    place: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    programme_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("programme.id", ondelete="SET NULL")
    )
    notes: so.Mapped[str | None] = so.mapped_column(sa.Text)
    settings_version: so.Mapped[int | None] = so.mapped_column()
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    created_by: so.Mapped[str | None] = so.mapped_column(sa.String(64))

    speaker: so.Mapped[Cadre] = so.relationship()
    attendees: so.Mapped[list[LectureAttendee]] = so.relationship(
        back_populates="lecture", cascade="all, delete-orphan", passive_deletes=True
    )


class LectureAttendee(db.Model):
    __table_args__ = (sa.CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),)

    lecture_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("lecture.id", ondelete="CASCADE"), primary_key=True
    )
    cadre_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("cadre.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    rating: so.Mapped[int | None] = so.mapped_column()  # 1–5
    comment: so.Mapped[str | None] = so.mapped_column(sa.Text)
    rated_at: so.Mapped[datetime | None] = so.mapped_column()

    lecture: so.Mapped[Lecture] = so.relationship(back_populates="attendees")
    cadre: so.Mapped[Cadre] = so.relationship()


class Essay(db.Model):
    """策论: the file is kept in the database (PDF or DOCX, ≤ 10 MB) so a backup holds it."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    author_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("cadre.id", ondelete="CASCADE"), index=True
    )
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    topic: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    submitted_on: so.Mapped[date] = so.mapped_column(index=True)
    file_name: so.Mapped[str] = so.mapped_column(sa.String(200))
    file_type: so.Mapped[str] = so.mapped_column(sa.String(8))  # pdf / docx
    file_size: so.Mapped[int] = so.mapped_column()
    final_grade: so.Mapped[str | None] = so.mapped_column(sa.String(8))  # ESSAY_GRADES
    graded_at: so.Mapped[datetime | None] = so.mapped_column()
    adopted: so.Mapped[bool] = so.mapped_column(default=False)  # 采纳
    adopted_on: so.Mapped[date | None] = so.mapped_column()
    adopted_note: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    programme_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("programme.id", ondelete="SET NULL")
    )
    settings_version: so.Mapped[int | None] = so.mapped_column()
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    created_by: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    #: Last in the row: on SQLite a column after a large value is read through its
    #: overflow pages (2,000 essays of 200 KB: 174 ms against 13 ms for the list).
    file_data: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary, deferred=True)

    author: so.Mapped[Cadre] = so.relationship()
    reviews: so.Mapped[list[EssayReview]] = so.relationship(
        back_populates="essay", cascade="all, delete-orphan", passive_deletes=True
    )


class EssayReview(db.Model):
    """One reviewer's grade. A reviewer sees no other grade before giving theirs."""

    __table_args__ = (sa.UniqueConstraint("essay_id", "reviewer_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    essay_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("essay.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    grade: so.Mapped[str | None] = so.mapped_column(sa.String(8))
    comment: so.Mapped[str | None] = so.mapped_column(sa.Text)
    assigned_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    graded_at: so.Mapped[datetime | None] = so.mapped_column()

    essay: so.Mapped[Essay] = so.relationship(back_populates="reviews")


class DevelopmentPlan(db.Model):
    """个人培养计划: 草拟 → 生效 → 完成 | 中止. The mentor (导师) is a cadre of the roster, a user
    account, or both; a mentor with an account sees and reviews their mentees' plans only."""

    __table_args__ = (sa.CheckConstraint("period_end >= period_start", name="plan_period"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    cadre_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("cadre.id", ondelete="CASCADE"), index=True
    )
    period_start: so.Mapped[date] = so.mapped_column()
    period_end: so.Mapped[date] = so.mapped_column()
    goals: so.Mapped[str | None] = so.mapped_column(sa.Text)
    state: so.Mapped[PlanState] = so.mapped_column(
        _enum(PlanState, "plan_state"), default=PlanState.DRAFT
    )
    mentor_cadre_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("cadre.id", ondelete="SET NULL"), index=True
    )
    mentor_user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    planned_secondment: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    review_interval_months: so.Mapped[int] = so.mapped_column(default=3)
    cohort_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("cohort.id", ondelete="SET NULL"), index=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    created_by: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)
    version: so.Mapped[int] = so.mapped_column(default=1)

    cadre: so.Mapped[Cadre] = so.relationship(foreign_keys=[cadre_id])
    mentor_cadre: so.Mapped[Cadre | None] = so.relationship(foreign_keys=[mentor_cadre_id])
    cohort: so.Mapped[Cohort | None] = so.relationship()
    milestones: so.Mapped[list[PlanMilestone]] = so.relationship(
        back_populates="plan",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="PlanMilestone.due_date",
    )
    courses: so.Mapped[list[PlanCourse]] = so.relationship(
        back_populates="plan", cascade="all, delete-orphan", passive_deletes=True
    )
    reviews: so.Mapped[list[PlanReview]] = so.relationship(
        back_populates="plan",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="PlanReview.reviewed_on.desc()",
    )
    comments: so.Mapped[list[PlanComment]] = so.relationship(
        back_populates="plan",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="PlanComment.created_at",
    )

    __mapper_args__ = {"version_id_col": version}


class PlanMilestone(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    plan_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("development_plan.id", ondelete="CASCADE"), index=True
    )
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    due_date: so.Mapped[date] = so.mapped_column(index=True)
    state: so.Mapped[MilestoneState] = so.mapped_column(
        _enum(MilestoneState, "milestone_state"), default=MilestoneState.PENDING
    )
    done_on: so.Mapped[date | None] = so.mapped_column()
    note: so.Mapped[str | None] = so.mapped_column(sa.String(500))

    plan: so.Mapped[DevelopmentPlan] = so.relationship(back_populates="milestones")


class PlanCourse(db.Model):
    """A course the plan intends: one of the catalogue, or a title not yet scheduled."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    plan_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("development_plan.id", ondelete="CASCADE"), index=True
    )
    course_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("training_course.id", ondelete="SET NULL")
    )
    title: so.Mapped[str] = so.mapped_column(sa.String(200))

    plan: so.Mapped[DevelopmentPlan] = so.relationship(back_populates="courses")
    course: so.Mapped[TrainingCourse | None] = so.relationship()


class PlanReview(db.Model):
    """A periodic review by the mentor or HR (quarterly by default)."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    plan_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("development_plan.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    reviewer_name: so.Mapped[str] = so.mapped_column(sa.String(50))
    reviewed_on: so.Mapped[date] = so.mapped_column()
    content: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    plan: so.Mapped[DevelopmentPlan] = so.relationship(back_populates="reviews")


class PlanComment(db.Model):
    """The cadre's own comments on the plan (and replies)."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    plan_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("development_plan.id", ondelete="CASCADE"), index=True
    )
    author_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    author_name: so.Mapped[str] = so.mapped_column(sa.String(50))
    content: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    plan: so.Mapped[DevelopmentPlan] = so.relationship(back_populates="comments")


#: The summary's column per ledger kind (``TRAINING_CATEGORIES``, same order).
HOURS_YEAR_COLUMNS = ("special", "network", "lecture", "essay", "mentoring", "other")


class TrainingHoursYear(db.Model):
    """学时 earned by one cadre, by kind, and the part of it from 网络 courses (before the
    cap), over ``span`` calendar years ending with ``year``: span 1 is the year alone (the
    requirement of 乡科级 and below), span N the senior window of the settings in force
    (``senior_window_years``), so that the ledger reads ONE row per cadre. The hours are
    integers in TENTHS of a 学时 (245 = 24.5 学时): exact sums, nothing to convert.

    What the ledger sums instead of every record; kept by the training write functions
    themselves (``services.training.ledger.refresh_years``, in the writer's transaction) and
    rebuilt when the window's length changes. No row means nothing earned."""

    __tablename__ = "training_hours_year"
    #: SQLite: the rows in the primary key's b-tree, one lookup per cadre instead of two.
    __table_args__ = {"sqlite_with_rowid": False}

    cadre_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("cadre.id", ondelete="CASCADE"), primary_key=True
    )
    year: so.Mapped[int] = so.mapped_column(primary_key=True)
    span: so.Mapped[int] = so.mapped_column(primary_key=True)
    special: so.Mapped[int] = so.mapped_column(default=0)  # 专题培训班
    network: so.Mapped[int] = so.mapped_column(default=0)  # 网络培训
    lecture: so.Mapped[int] = so.mapped_column(default=0)  # 业务微讲座
    essay: so.Mapped[int] = so.mapped_column(default=0)  # 策论
    mentoring: so.Mapped[int] = so.mapped_column(default=0)  # 导师帮带
    other: so.Mapped[int] = so.mapped_column(default=0)  # 其他
    online: so.Mapped[int] = so.mapped_column(default=0)  # courses of 培训形式 网络
