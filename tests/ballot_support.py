"""Helpers of the ballot tests (tests/test_ballot_*.py, the browser test, the bench): an open
assessment built as B's operations would (a checklist from the default items, a box with
rater groups through services.ballots.operations, subjects, the box opened), codes issued,
and a complete ballot form."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import (
    Assessment,
    AssessmentState,
    AssessmentSubject,
    BallotGroup,
    Checklist,
    ChecklistItem,
    Polarity,
)
from cadre_app.services.assessments import rules
from cadre_app.services.ballots import operations
from tests.factories import CadreFactory

GROUPS = (("领导", 30, 3), ("同事", 40, 5), ("下属", 30, 4))


def make_checklist(n_positive: int | None = None, n_negative: int | None = None) -> Checklist:
    """The default checklist (15 + 22 items), or its first items when counts are given."""
    positive = list(rules.DEFAULT_POSITIVE)[:n_positive]
    negative = list(rules.DEFAULT_NEGATIVE)[:n_negative]
    checklist = Checklist(family=f"test-{secrets.token_hex(4)}", name=rules.DEFAULT_NAME)
    checklist.items = [
        ChecklistItem(polarity=Polarity.POSITIVE, category=i.category, text=i.text, position=n)
        for n, i in enumerate(positive)
    ] + [
        ChecklistItem(polarity=Polarity.NEGATIVE, category=i.category, text=i.text, position=n)
        for n, i in enumerate(negative)
    ]
    db.session.add(checklist)
    db.session.flush()
    return checklist


def make_assessment(
    *,
    title: str = "2026年度政治素质测评",
    subjects: int = 2,
    groups: Sequence[tuple[str, int, int]] = GROUPS,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    opened: bool = True,
    n_positive: int | None = None,
    n_negative: int | None = None,
) -> Assessment:
    """An assessment (opened unless told otherwise) with ``subjects`` new cadres; flushed."""
    now = utcnow()
    opens_at = opens_at or now - timedelta(hours=1)
    closes_at = closes_at or now + timedelta(days=3)
    checklist = make_checklist(n_positive, n_negative)
    box = operations.create_box("assessment", title, opens_at, closes_at)
    operations.set_groups(box, [operations.GroupSpec(n, w, p) for n, w, p in groups])
    assessment = Assessment(title=title, purpose="年度", checklist=checklist, box=box)
    cadres = CadreFactory.create_batch(subjects)
    assessment.subjects = [
        AssessmentSubject(cadre_id=c.id, position=n) for n, c in enumerate(cadres)
    ]
    db.session.add(assessment)
    db.session.flush()
    if opened:
        operations.open_box(box)
        assessment.state = AssessmentState.OPEN
        assessment.opened_at = now
        db.session.flush()
    return assessment


def group(assessment: Assessment, name: str) -> BallotGroup:
    return next(g for g in assessment.box.groups if g.name == name)


def issue(assessment: Assessment, name: str, count: int) -> list[str]:
    return operations.issue_codes(group(assessment, name), count, actor="test")


def ballot_form(
    assessment: Assessment, *, rating: int = 1, ticked: Sequence[int] = (), overall: int = 1
) -> dict[str, Any]:
    """A complete ballot: every positive item rated ``rating`` (1 好 … 4 差), the negative
    items ``ticked`` (indexes) ticked, the overall judgement ``overall``; every subject."""
    checklist = assessment.checklist
    form: dict[str, Any] = {}
    for subject in assessment.subjects:
        for n in range(len(checklist.positive)):
            form[f"p-{subject.id}-{n}"] = str(rating)
        for n in ticked:
            form[f"n-{subject.id}-{n}"] = "1"
        form[f"o-{subject.id}"] = str(overall)
    return form
