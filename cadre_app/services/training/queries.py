"""Reads of the training domain for other domains: counts and grades of essays (策论) and
业务微讲座 for some cadres at once (the selection comparison)."""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models.training import ESSAY_GRADES, Essay, Lecture, LectureAttendee


def essays_and_lectures(cadre_ids: list[int]) -> dict[int, dict[str, Any]]:
    """cadre id -> {"essays": n, "essay_grades": {grade: n} (final grades, in ESSAY_GRADES
    order), "adopted": n, "lectures_given": n, "lecture_rating": mean rating of the lectures
    given (1–5, None when unrated), "lectures_attended": n}. Three grouped queries."""
    out: dict[int, dict[str, Any]] = {
        i: {
            "essays": 0,
            "essay_grades": {},
            "adopted": 0,
            "lectures_given": 0,
            "lecture_rating": None,
            "lectures_attended": 0,
        }
        for i in cadre_ids
    }
    if not cadre_ids:
        return out
    essays, given, attended = _statements()
    connection = db.session.connection()
    bound = {"ids": list(cadre_ids)}
    for author, grade, adopted, n in connection.execute(essays, bound):
        row = out[author]
        row["essays"] += n
        if adopted:
            row["adopted"] += n
        if grade:
            row["essay_grades"][grade] = row["essay_grades"].get(grade, 0) + n
    for row in out.values():
        grades = row["essay_grades"]
        row["essay_grades"] = {g: grades[g] for g in ESSAY_GRADES if g in grades}
    for speaker, n, rating in connection.execute(given, bound):
        out[speaker]["lectures_given"] = n
        out[speaker]["lecture_rating"] = round(float(rating), 1) if rating is not None else None
    for cadre_id, n in connection.execute(attended, bound):
        out[cadre_id]["lectures_attended"] = n
    return out


@functools.cache
def _statements() -> tuple[sa.Select[Any], sa.Select[Any], sa.Select[Any]]:
    """The three statements, built once (expanding parameter ``ids``)."""
    ids = sa.bindparam("ids", expanding=True)
    essays = (
        sa.select(Essay.author_id, Essay.final_grade, Essay.adopted, sa.func.count())
        .where(Essay.author_id.in_(ids))
        .group_by(Essay.author_id, Essay.final_grade, Essay.adopted)
    )
    given = (
        sa.select(
            Lecture.speaker_id,
            sa.func.count(sa.distinct(Lecture.id)),
            sa.func.avg(LectureAttendee.rating),
        )
        .outerjoin(LectureAttendee, LectureAttendee.lecture_id == Lecture.id)
        .where(Lecture.speaker_id.in_(ids))
        .group_by(Lecture.speaker_id)
    )
    attended = (
        sa.select(LectureAttendee.cadre_id, sa.func.count())
        .where(LectureAttendee.cadre_id.in_(ids))
        .group_by(LectureAttendee.cadre_id)
    )
    return essays, given, attended


def monthly_counts(year: int) -> dict[str, dict[tuple[int | None, int], int]]:
    """业务微讲座 held and 策论 submitted in each month of ``year`` per section (the speaker's
    or the author's section now): {"lectures": {(section, month): n}, "essays": {...}}."""
    from cadre_app.models import Cadre

    counted: dict[str, dict[tuple[int | None, int], int]] = {}
    for key, model, day, person in (
        ("lectures", Lecture, Lecture.held_on, Lecture.speaker_id),
        ("essays", Essay, Essay.submitted_on, Essay.author_id),
    ):
        month = sa.cast(sa.extract("month", day), sa.Integer)
        rows = db.session.execute(
            sa.select(Cadre.department_id, month, sa.func.count(model.id))
            .join(Cadre, Cadre.id == person)
            .where(day.between(date(year, 1, 1), date(year, 12, 31)))
            .group_by(Cadre.department_id, month)
        )
        counted[key] = {(dept, int(m)): n for dept, m, n in rows}
    return counted
