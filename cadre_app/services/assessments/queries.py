"""Reading assessments: the list with its filters and turnout, one assessment as a reader may
see it, and the subjects a pasted list or a section names.

Who sees what (written down here, routes.py applies it): HR sees every assessment. A manager
sees the assessments with at least one subject in the sections they lead, and on such an
assessment only those subjects (read-only: no steps); another assessment answers 404.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import (
    Assessment,
    AssessmentState,
    AssessmentSubject,
    Ballot,
    BallotBox,
    BallotGroup,
    Cadre,
    Department,
)

S = AssessmentState
#: What separates the 工号 or names of a pasted list.
_SPLIT = re.compile(r"[\s,，、;；]+")
TOKEN_LIMIT = 500


@dataclass(frozen=True)
class AssessmentFilters:
    state: AssessmentState | None = None
    year: int | None = None
    purpose: str | None = None


@dataclass(frozen=True)
class Row:
    id: int
    title: str
    purpose: str
    state: AssessmentState
    opens_at: datetime
    closes_at: datetime
    subjects: int
    cast: int | None  # ballots cast, while open (and after)
    planned: int


def _visible(query: sa.Select[Any], visible_departments: list[int] | None) -> sa.Select[Any]:
    if visible_departments is None:
        return query
    return query.where(
        sa.exists()
        .where(
            AssessmentSubject.assessment_id == Assessment.id,
            AssessmentSubject.cadre_id == Cadre.id,
            Cadre.department_id.in_(visible_departments or [-1]),
        )
        .correlate(Assessment)
    )


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1), datetime(year + 1, 1, 1)


def list_assessments(
    filters: AssessmentFilters, *, visible_departments: list[int] | None
) -> list[Row]:
    """The assessments the reader may see, newest window first, with their subject counts
    and, once open, the ballots cast against the codes planned (counts only). ``year`` is
    the year the window opens in (UTC start of year; a window opening on New Year's night
    in the office counts by its UTC time)."""
    subjects = (
        sa.select(sa.func.count())
        .where(AssessmentSubject.assessment_id == Assessment.id)
        .correlate(Assessment)
        .scalar_subquery()
    )
    planned = (
        sa.select(sa.func.coalesce(sa.func.sum(BallotGroup.planned), 0))
        .where(BallotGroup.box_id == Assessment.box_id)
        .correlate(Assessment)
        .scalar_subquery()
    )
    query = sa.select(
        Assessment.id,
        Assessment.title,
        Assessment.purpose,
        Assessment.state,
        Assessment.box_id,
        BallotBox.opens_at,
        BallotBox.closes_at,
        subjects.label("subjects"),
        planned.label("planned"),
    ).join(BallotBox, BallotBox.id == Assessment.box_id)
    query = _visible(query, visible_departments)
    if filters.state is not None:
        query = query.where(Assessment.state == filters.state)
    if filters.purpose:
        query = query.where(Assessment.purpose == filters.purpose)
    if filters.year is not None:
        start, end = _year_bounds(filters.year)
        query = query.where(BallotBox.opens_at >= start, BallotBox.opens_at < end)
    rows = db.session.execute(query.order_by(BallotBox.opens_at.desc(), Assessment.id.desc()))
    rows = list(rows)
    counted = [r.box_id for r in rows if r.state is not S.DRAFT]
    cast: dict[int, int] = {}
    if counted:
        cast = dict(
            db.session.execute(  # type: ignore[arg-type]
                sa.select(Ballot.box_id, sa.func.count())
                .where(Ballot.box_id.in_(counted))
                .group_by(Ballot.box_id)
            ).all()
        )
    return [
        Row(
            id=r.id,
            title=r.title,
            purpose=r.purpose,
            state=S(r.state),
            opens_at=r.opens_at,
            closes_at=r.closes_at,
            subjects=r.subjects,
            cast=None if r.state is S.DRAFT else cast.get(r.box_id, 0),
            planned=int(r.planned or 0),
        )
        for r in rows
    ]


def years(*, visible_departments: list[int] | None) -> list[int]:
    """The years windows open in, newest first (the list's year filter)."""
    query = _visible(
        sa.select(BallotBox.opens_at).join(Assessment, Assessment.box_id == BallotBox.id),
        visible_departments,
    )
    found = {moment.year for moment in db.session.scalars(query)}
    found.add(clock.today().year)
    return sorted(found, reverse=True)


def assessment_visible(
    assessment_id: int, visible_departments: list[int] | None
) -> Assessment | None:
    """The assessment when the reader may see it (see the module's docstring)."""
    query = _visible(
        sa.select(Assessment).where(Assessment.id == assessment_id), visible_departments
    )
    return db.session.scalar(query)


@dataclass(frozen=True)
class Step:
    at: datetime
    actor: str | None
    what: str


def history(assessment: Assessment) -> list[Step]:
    """The assessment's steps as the audit log keeps them (who, when, what, a closing's
    reason), oldest first, each summary as stored (it is data: shown as written)."""
    from cadre_app.models import AuditEvent

    rows = db.session.execute(
        sa.select(AuditEvent.occurred_at, AuditEvent.actor_name, AuditEvent.summary)
        .where(
            AuditEvent.object_type == "assessment",
            AuditEvent.object_id == str(assessment.id),
        )
        .order_by(AuditEvent.id)
    )
    return [Step(at, actor, summary or "") for at, actor, summary in rows]


def was_deleted(assessment_id: int) -> bool:
    """True when the audit log records the deletion of this assessment (a draft deleted by
    a form now posted again)."""
    from cadre_app.models import AuditEvent

    return (
        db.session.scalar(
            sa.select(AuditEvent.id)
            .where(
                AuditEvent.object_type == "assessment",
                AuditEvent.object_id == str(assessment_id),
                AuditEvent.action == "delete",
            )
            .limit(1)
        )
        is not None
    )


def visible_subjects(
    assessment: Assessment, visible_departments: list[int] | None
) -> list[AssessmentSubject]:
    """The subjects the reader may see, in their order, with cadre and section loaded in one
    query (a page of 300 subjects would otherwise ask 600 times)."""
    query = (
        sa.select(AssessmentSubject)
        .join(Cadre, Cadre.id == AssessmentSubject.cadre_id)
        .where(AssessmentSubject.assessment_id == assessment.id)
        .options(so.contains_eager(AssessmentSubject.cadre).joinedload(Cadre.department))
        .order_by(AssessmentSubject.position)
    )
    if visible_departments is not None:
        query = query.where(Cadre.department_id.in_(visible_departments or [-1]))
    return list(db.session.scalars(query).unique())


def turnout_by_group(assessment: Assessment) -> list[dict[str, Any]]:
    """Per rater group: name, weight, codes planned / issued / voided, ballots cast."""
    from cadre_app.services.ballots import operations as ballots

    counts = ballots.turnout(assessment.box) if assessment.state is not S.DRAFT else {}
    return [
        {
            "name": g.name,
            "weight": g.weight,
            "planned": g.planned,
            "issued": g.issued,
            "voided": g.voided,
            "cast": counts.get(g.id, 0),
        }
        for g in assessment.box.groups
    ]


# --- subjects from a pasted list or a section -----------------------------------------------


@dataclass
class Resolution:
    """The cadres a pasted list (and a section) named, in the order given, and what could
    not be matched: ``not_found`` (no such 工号 or name) and ``ambiguous`` (a name that several
    cadres share, with how many)."""

    cadres: list[Cadre] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    ambiguous: list[tuple[str, int]] = field(default_factory=list)
    too_many: bool = False

    @property
    def ok(self) -> bool:
        return not (self.not_found or self.ambiguous or self.too_many)


def tokens(text: str | None) -> list[str]:
    """The 工号 or names of a pasted list: split on spaces, new lines, commas and 、；."""
    return [t for t in _SPLIT.split(text or "") if t]


def resolve_subjects(text: str | None, department_id: int | None = None) -> Resolution:
    """Each token is a 工号 (exact, any case) or else a name (exact); then every cadre of the
    section ``department_id``, when given. Duplicates are kept once."""
    result = Resolution()
    wanted = list(dict.fromkeys(tokens(text)))
    if len(wanted) > TOKEN_LIMIT:
        result.too_many = True
        return result
    seen: set[int] = set()
    if wanted:
        upper = [t.upper() for t in wanted]
        found = db.session.scalars(
            sa.select(Cadre).where(
                sa.or_(sa.func.upper(Cadre.staff_no).in_(upper), Cadre.name.in_(wanted))
            )
        ).all()
        by_no = {c.staff_no.upper(): c for c in found}
        by_name: dict[str, list[Cadre]] = {}
        for cadre in found:
            by_name.setdefault(cadre.name, []).append(cadre)
        for token in wanted:
            cadre = by_no.get(token.upper())
            if cadre is None:
                named = by_name.get(token, [])
                if len(named) > 1:
                    result.ambiguous.append((token, len(named)))
                    continue
                cadre = named[0] if named else None
            if cadre is None:
                result.not_found.append(token)
            elif cadre.id not in seen:
                seen.add(cadre.id)
                result.cadres.append(cadre)
    if department_id is not None:
        for cadre in db.session.scalars(
            sa.select(Cadre)
            .where(Cadre.department_id == department_id)
            .order_by(Cadre.name_sort, Cadre.staff_no)
        ):
            if cadre.id not in seen:
                seen.add(cadre.id)
                result.cadres.append(cadre)
    return result


def sections() -> list[tuple[int, str]]:
    """Every section, for the "whole section" choice."""
    return [
        (d.id, d.name)
        for d in db.session.scalars(
            sa.select(Department).order_by(Department.sort_order, Department.name)
        )
    ]


def closing_between(start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Open assessments whose ballot box closes between ``start`` and ``end`` (both
    included), for the reminders: id, title and the closing time (UTC), soonest first."""
    rows = db.session.execute(
        sa.select(Assessment.id, Assessment.title, BallotBox.closes_at)
        .join(BallotBox, BallotBox.id == Assessment.box_id)
        .where(Assessment.state == S.OPEN, BallotBox.closes_at.between(start, end))
        .order_by(BallotBox.closes_at, Assessment.id)
    )
    return [{"id": r.id, "title": r.title, "closes_at": r.closes_at} for r in rows]
