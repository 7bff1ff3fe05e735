"""The assessment's kind of ballot (services.ballots.kinds): its form on the ballot page and
how its answers are read.

The form asks, for every subject of the assessment (``AssessmentSubject``, in its order):
each positive item rated 好/较好/一般/差 (radio ``p-<subject>-<n>``, value 1–4), each negative
item ticked 存在 or not (checkbox ``n-<subject>-<n>``, value 1), and the overall judgement
(radio ``o-<subject>``, value 1–4). Every positive item and the overall judgement must be
answered. The answers of one subject become one ``BallotEntry`` whose text is
``rules.encode(Answers)`` (C's tally decodes it); ``BallotEntry.subject`` is the
``AssessmentSubject.id``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from cadre_app.extensions import db
from cadre_app.models import (
    Assessment,
    AssessmentSubject,
    BallotBox,
    Cadre,
    ChecklistItem,
    Department,
    Polarity,
)
from cadre_app.models.assessments import RATINGS
from cadre_app.services.assessments import rules

#: The ratings as the form offers them: (value posted, label), best first.
RATING_CHOICES = tuple(
    (str(n), label) for n, label in enumerate((_l("好"), _l("较好"), _l("一般"), _l("差")), start=1)
)
assert len(RATING_CHOICES) == len(RATINGS)


def positive_field(subject: int, n: int) -> str:
    return f"p-{subject}-{n}"


def negative_field(subject: int, n: int) -> str:
    return f"n-{subject}-{n}"


def overall_field(subject: int) -> str:
    return f"o-{subject}"


@dataclass(frozen=True)
class Shape:
    """What a ballot of one assessment asks: its subjects' ids and how many items."""

    subjects: Sequence[int]
    n_positive: int
    n_negative: int


def read_answers(shape: Shape, form: Mapping[str, Any]) -> tuple[dict[int, str], dict[str, str]]:
    """The posted ``form`` read against ``shape`` (pure): ``{subject: encoded answers}`` and
    the errors ``{field: message}`` (a missing or impossible rating). Nothing is returned as
    answers while there is an error."""
    entries: dict[int, str] = {}
    errors: dict[str, str] = {}
    valid = {value for value, _label in RATING_CHOICES}
    for subject in shape.subjects:
        positive: list[int] = []
        for n in range(shape.n_positive):
            value = form.get(positive_field(subject, n))
            if value not in valid:
                errors[positive_field(subject, n)] = str(_l("请选择一项评价。"))
                continue
            positive.append(int(value) - 1)
        negative = tuple(
            form.get(negative_field(subject, n)) == "1" for n in range(shape.n_negative)
        )
        overall = form.get(overall_field(subject))
        if overall not in valid:
            errors[overall_field(subject)] = str(_l("请选择总体评价。"))
        if errors:
            continue
        answers = rules.Answers(
            positive=tuple(positive), negative=negative, overall=int(overall) - 1
        )
        assert rules.check_answers(answers, shape.n_positive, shape.n_negative)
        entries[subject] = rules.encode(answers)
    return ({}, errors) if errors else (entries, {})


def _assessment(box: BallotBox) -> Assessment:
    assessment = db.session.scalar(sa.select(Assessment).where(Assessment.box_id == box.id))
    if assessment is None:
        raise LookupError(f"ballot box {box.id} belongs to no assessment")
    return assessment


def _subjects(assessment: Assessment) -> list[dict[str, Any]]:
    rows = db.session.execute(
        sa.select(AssessmentSubject.id, Cadre.name, Cadre.position_title, Department.name)
        .join(Cadre, Cadre.id == AssessmentSubject.cadre_id)
        .outerjoin(Department, Department.id == Cadre.department_id)
        .where(AssessmentSubject.assessment_id == assessment.id)
        .order_by(AssessmentSubject.position, AssessmentSubject.id)
    )
    return [
        {"id": sid, "name": name, "post": post or "", "department": dept or ""}
        for sid, name, post, dept in rows
    ]


def _grouped(items: Sequence[Any]) -> list[dict[str, Any]]:
    """Items in order, grouped under their category (aspect), each with its index."""
    groups: list[dict[str, Any]] = []
    for n, item in enumerate(items):
        if not groups or groups[-1]["category"] != item.category:
            groups.append({"category": item.category, "items": []})
        groups[-1]["items"].append({"n": n, "text": item.text})
    return groups


class AssessmentBallot:
    key = "assessment"
    template = "assessments/ballot_form.html"

    def shape(self, box: BallotBox) -> Shape:
        """What a ballot of ``box`` asks, in two small queries (read on every cast)."""
        counts = dict(
            db.session.execute(
                sa.select(ChecklistItem.polarity, sa.func.count())
                .join(Assessment, Assessment.checklist_id == ChecklistItem.checklist_id)
                .where(Assessment.box_id == box.id)
                .group_by(ChecklistItem.polarity)
            ).all()
        )
        subjects = db.session.scalars(
            sa.select(AssessmentSubject.id)
            .join(Assessment, Assessment.id == AssessmentSubject.assessment_id)
            .where(Assessment.box_id == box.id)
            .order_by(AssessmentSubject.position, AssessmentSubject.id)
        ).all()
        return Shape(
            subjects=subjects,
            n_positive=counts.get(Polarity.POSITIVE, 0),
            n_negative=counts.get(Polarity.NEGATIVE, 0),
        )

    def form_context(self, box: BallotBox) -> dict[str, Any]:
        assessment = _assessment(box)
        checklist = assessment.checklist
        return {
            "subjects": _subjects(assessment),
            "positive": _grouped(checklist.positive),
            "negative": _grouped(checklist.negative),
            "ratings": [(value, str(label)) for value, label in RATING_CHOICES],
            "positive_field": positive_field,
            "negative_field": negative_field,
            "overall_field": overall_field,
        }

    def read(
        self, box: BallotBox, form: Mapping[str, Any]
    ) -> tuple[dict[int, str], dict[str, str]]:
        return read_answers(self.shape(box), form)


KIND = AssessmentBallot()
