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

Selection rounds (民主推荐 → … → 转正), shortlists and reviews come later (issue 14).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from cadre_app.clock import utcnow
from cadre_app.extensions import db
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
    #: Per cadre id: {"eligible": bool, "checks": [[rule, passed, sentence], ...]}.
    results: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON)
    eligible_count: so.Mapped[int] = so.mapped_column(default=0)
    computed_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    computed_by: so.Mapped[str | None] = so.mapped_column(sa.String(64))

    position: so.Mapped[Position] = so.relationship()
