"""业务微讲座: a lecture given by a cadre, its attendees and their ratings (1–5, with a
comment), the yearly list with the average rating, and the best-rated.

Services flush and never commit; the view owns the transaction, so a refused change writes
nothing. Every change is audited (object type ``lecture``).

Rules kept here (the 学时 a lecture earns are ``rules.lecture_credit``; the ledger adds them up
by ``held_on`` year):
- a lecture is recorded after it was held: ``held_on`` is not later than today;
- its duration is more than 0 and at most a training day's 学时 (``max_hours_per_day``);
- the speaker is never an attendee of their own lecture, and a cadre attends a lecture once;
- a rating is a whole number 1–5. HR enters the paper slips (and may correct them); an
  attendee with an account rates a lecture once, themselves, and cannot change it after;
- the same speaker, topic and date twice is the same lecture (a form posted twice).

The credit shown is computed with the settings version the lecture recorded when it was
created (``settings_version``; None: the built-in defaults were in force).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import Cadre, Department, Lecture, LectureAttendee
from cadre_app.models.training import Programme
from cadre_app.services.core import audit, settings
from cadre_app.services.training import ledger, rules, settings_ops

#: A lecture is in the best-rated block only with at least this many ratings.
BEST_MIN_RATINGS = 3
BEST_COUNT = 3
TOPIC_MAX = 200
PLACE_MAX = 100
NOTES_MAX = 2000
COMMENT_MAX = 500
RATINGS = (1, 2, 3, 4, 5)


class LectureError(ValueError):
    """A rule was broken; ``errors`` are (field or None, Chinese message) pairs."""

    def __init__(self, errors: list[tuple[str | None, str]]):
        super().__init__(" ".join(message for _field, message in errors))
        self.errors = errors


class DuplicateLecture(Exception):
    """The same speaker, topic and date are already recorded (a form posted twice)."""

    def __init__(self, lecture: Lecture):
        super().__init__(f"duplicate of lecture {lecture.id}")
        self.lecture = lecture


class AlreadyRated(Exception):
    """The attendee already rated this lecture (ratings by attendees are given once)."""


# --- settings and credits --------------------------------------------------------------------


def credits(lecture: Lecture) -> tuple[Decimal, Decimal]:
    """(speaker's 学时, each attendee's 学时) the lecture earns."""
    values = settings_ops.values_of(lecture.settings_version)
    return rules.lecture_credit(True, values), rules.lecture_credit(False, values)


# --- checks ------------------------------------------------------------------------------------


def parse_hours(raw: Any) -> Decimal | None:
    """学时 typed in a form (``1.5``); None when it is not a number."""
    text = str(raw if raw is not None else "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _check(values: dict[str, Any], *, today: date, lecture_id: int | None) -> Cadre | None:
    errors: list[tuple[str | None, str]] = []
    speaker = None
    if values.get("speaker_id") is None:
        errors.append(("speaker_id", _("请选择主讲人。")))
    else:
        speaker = db.session.get(Cadre, values["speaker_id"])
        if speaker is None:
            errors.append(("speaker_id", _("名册中没有这名主讲人。")))
    topic = values.get("topic")
    if not topic:
        errors.append(("topic", _("请填写讲座题目。")))
    elif len(topic) > TOPIC_MAX:
        errors.append(("topic", _("讲座题目不能超过 %(n)d 字。", n=TOPIC_MAX)))
    held_on = values.get("held_on")
    if held_on is None:
        errors.append(("held_on", _("请填写讲座日期。")))
    elif held_on > today:
        errors.append(("held_on", _("讲座日期不能晚于今天（讲座举行后再登记）。")))
    duration = values.get("duration_hours")
    most = rules.hours(settings_ops.in_force()["max_hours_per_day"])
    if duration is None:
        errors.append(("duration_hours", _("请填写讲座学时（数字，如 2 或 1.5）。")))
    elif duration <= 0 or duration > most:
        errors.append(
            ("duration_hours", _("讲座学时须大于 0 且不超过 %(most)s。", most=format(most, "g")))
        )
    for attr, limit, label in (
        ("place", PLACE_MAX, _("地点")),
        ("notes", NOTES_MAX, _("备注")),
    ):
        if values.get(attr) and len(values[attr]) > limit:
            errors.append((attr, _("%(label)s不能超过 %(n)d 字。", label=label, n=limit)))
    if values.get("programme_id") is not None and (
        db.session.get(Programme, values["programme_id"]) is None
    ):
        errors.append(("programme_id", _("没有这个培养项目。")))
    if speaker is not None and lecture_id is not None:
        clash = db.session.scalar(
            sa.select(LectureAttendee.cadre_id).where(
                LectureAttendee.lecture_id == lecture_id,
                LectureAttendee.cadre_id == speaker.id,
            )
        )
        if clash is not None:
            errors.append(("speaker_id", _("主讲人已在听众名单中：请先从听众中移除。")))
    if errors:
        raise LectureError(errors)
    return speaker


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.strip() or None) if isinstance(v, str) else v for k, v in values.items()}


FIELDS = ("speaker_id", "topic", "held_on", "duration_hours", "place", "programme_id", "notes")


def snapshot(lecture: Lecture) -> dict[str, Any]:
    values = {attr: getattr(lecture, attr) for attr in FIELDS}
    values["duration_hours"] = str(lecture.duration_hours)
    return values


def _find_same(speaker_id: int, topic: str, held_on: date) -> Lecture | None:
    return db.session.scalar(
        sa.select(Lecture).where(
            Lecture.speaker_id == speaker_id, Lecture.topic == topic, Lecture.held_on == held_on
        )
    )


# --- lectures ---------------------------------------------------------------------------------


def create_lecture(values: dict[str, Any], *, actor: str | None, today: date) -> Lecture:
    """Record a lecture that was held. Raises LectureError, or DuplicateLecture when the
    same speaker, topic and date are already recorded."""
    values = _clean({k: values.get(k) for k in FIELDS})
    speaker = _check(values, today=today, lecture_id=None)
    assert speaker is not None
    same = _find_same(speaker.id, values["topic"], values["held_on"])
    if same is not None:
        raise DuplicateLecture(same)
    version, _value = settings.current(rules.SETTINGS_KEY)
    lecture = Lecture(**values, settings_version=version, created_by=actor)
    lecture.duration_hours = rules.hours(values["duration_hours"])
    db.session.add(lecture)
    db.session.flush()
    ledger.refresh_years([lecture.speaker_id], [lecture.held_on.year])
    audit.record(
        "create",
        object_type="lecture",
        object_id=lecture.id,
        summary=_(
            "登记业务微讲座：%(speaker)s《%(topic)s》", speaker=speaker.name, topic=lecture.topic
        ),
        after=snapshot(lecture),
        actor_name=actor,
    )
    return lecture


def update_lecture(
    lecture: Lecture, values: dict[str, Any], *, actor: str | None, today: date
) -> list[str]:
    """Change the record; returns the names of the fields changed (none: nothing written)."""
    values = _clean({k: values.get(k) for k in FIELDS})
    _check(values, today=today, lecture_id=lecture.id)
    values["duration_hours"] = rules.hours(values["duration_hours"])
    same = _find_same(values["speaker_id"], values["topic"], values["held_on"])
    if same is not None and same.id != lecture.id:
        raise LectureError([("topic", _("已登记同一主讲人、同一日期、同一题目的讲座。"))])
    before = snapshot(lecture)
    changed = [k for k in FIELDS if getattr(lecture, k) != values[k]]
    if not changed:
        return []
    old_speaker, old_year = lecture.speaker_id, lecture.held_on.year
    for key in changed:
        setattr(lecture, key, values[key])
    db.session.flush()
    ledger.refresh_lecture(lecture.id, [old_year, lecture.held_on.year], also=[old_speaker])
    audit.record(
        "update",
        object_type="lecture",
        object_id=lecture.id,
        summary=_("修改业务微讲座《%(topic)s》", topic=lecture.topic),
        before={k: before[k] for k in changed},
        after={k: snapshot(lecture)[k] for k in changed},
        actor_name=actor,
    )
    return changed


def delete_lecture(lecture: Lecture, *, actor: str | None) -> None:
    before = snapshot(lecture) | {"attendees": len(lecture.attendees)}
    audit.record(
        "delete",
        object_type="lecture",
        object_id=lecture.id,
        summary=_("删除业务微讲座《%(topic)s》", topic=lecture.topic),
        before=before,
        actor_name=actor,
    )
    cadre_ids = [lecture.speaker_id, *_attendee_ids(lecture)]
    year = lecture.held_on.year
    db.session.delete(lecture)
    db.session.flush()
    ledger.refresh_years(cadre_ids, [year])


# --- attendees --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Added:
    added: list[str]  # names of those added
    skipped: int  # already attendees, or the speaker


def _attendee_ids(lecture: Lecture) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(LectureAttendee.cadre_id).where(LectureAttendee.lecture_id == lecture.id)
        )
    )


def add_attendees(
    lecture: Lecture, cadre_ids: Iterable[int], *, actor: str | None, strict: bool = True
) -> Added:
    """Add cadres to the attendees. ``strict`` (one cadre picked by hand): the speaker or a
    cadre already listed is refused with a LectureError; otherwise (a whole section) they are
    skipped and counted."""
    wanted = list(dict.fromkeys(cadre_ids))
    present = _attendee_ids(lecture)
    cadres = {
        c.id: c for c in db.session.scalars(sa.select(Cadre).where(Cadre.id.in_(wanted or [-1])))
    }
    errors: list[tuple[str | None, str]] = []
    added, skipped = [], 0
    added_ids: list[int] = []
    for cadre_id in wanted:
        cadre = cadres.get(cadre_id)
        if cadre is None:
            errors.append((None, _("名册中没有这名干部。")))
        elif cadre_id == lecture.speaker_id:
            if strict:
                errors.append(
                    (None, _("%(name)s是本讲座的主讲人，不能同时作为听众。", name=cadre.name))
                )
            skipped += 1
        elif cadre_id in present:
            if strict:
                errors.append((None, _("%(name)s已在听众名单中。", name=cadre.name)))
            skipped += 1
        else:
            db.session.add(LectureAttendee(lecture_id=lecture.id, cadre_id=cadre_id))
            present.add(cadre_id)
            added.append(cadre.name)
            added_ids.append(cadre_id)
    if errors:
        raise LectureError(errors)
    if added:
        db.session.flush()
        db.session.expire(lecture, ["attendees"])
        ledger.refresh_years(added_ids, [lecture.held_on.year])
        audit.record(
            "update",
            object_type="lecture",
            object_id=lecture.id,
            summary=_("《%(topic)s》新增听众 %(n)d 人", topic=lecture.topic, n=len(added)),
            after={"attendees_added": added},
            actor_name=actor,
        )
    return Added(added, skipped)


def section_cadre_ids(department_id: int) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Cadre.id).where(Cadre.department_id == department_id).order_by(Cadre.id)
        )
    )


def remove_attendee(lecture: Lecture, cadre_id: int, *, actor: str | None) -> bool:
    """Take a cadre off the attendees (with their rating); False when not listed."""
    row = db.session.get(LectureAttendee, (lecture.id, cadre_id))
    if row is None:
        return False
    name = row.cadre.name
    before = {"attendee": name, "rating": row.rating, "comment": row.comment}
    db.session.delete(row)
    db.session.flush()
    db.session.expire(lecture, ["attendees"])
    ledger.refresh_years([cadre_id], [lecture.held_on.year])
    audit.record(
        "update",
        object_type="lecture",
        object_id=lecture.id,
        summary=_("《%(topic)s》移除听众 %(name)s", topic=lecture.topic, name=name),
        before=before,
        actor_name=actor,
    )
    return True


# --- ratings ----------------------------------------------------------------------------------


def parse_rating(raw: Any) -> int | None:
    """A rating from a form: None when empty; LectureError unless a whole number 1–5."""
    text = str(raw if raw is not None else "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) not in RATINGS:
        raise LectureError([("rating", _("评分须为 1 到 5 的整数。"))])
    return int(text)


def _check_rating(rating: int | None, comment: str | None) -> None:
    if rating is not None and rating not in RATINGS:
        raise LectureError([("rating", _("评分须为 1 到 5 的整数。"))])
    if comment and len(comment) > COMMENT_MAX:
        raise LectureError([("comment", _("评语不能超过 %(n)d 字。", n=COMMENT_MAX))])
    if comment and rating is None:
        raise LectureError([("rating", _("有评语时请同时填写评分。"))])


def record_ratings(
    lecture: Lecture,
    ratings: dict[int, tuple[int | None, str | None]],
    *,
    actor: str | None,
) -> int:
    """HR enters the paper slips: cadre id -> (rating or None, comment). Every attendee's row
    is checked before any is written; returns how many changed."""
    rows = {
        row.cadre_id: row
        for row in db.session.scalars(
            sa.select(LectureAttendee).where(LectureAttendee.lecture_id == lecture.id)
        )
    }
    for cadre_id, (rating, comment) in ratings.items():
        if cadre_id not in rows:
            raise LectureError([(None, _("只能为本讲座的听众登记评分。"))])
        _check_rating(rating, (comment or "").strip() or None)
    changed = []
    now = utcnow()
    for cadre_id, (rating, comment) in ratings.items():
        row = rows[cadre_id]
        comment = (comment or "").strip() or None
        if (row.rating, row.comment) == (rating, comment):
            continue
        changed.append({"cadre": row.cadre.name, "from": row.rating, "to": rating})
        row.rating, row.comment = rating, comment
        row.rated_at = now if rating is not None else None
    if changed:
        db.session.flush()
        audit.record(
            "update",
            object_type="lecture",
            object_id=lecture.id,
            summary=_("《%(topic)s》登记评分 %(n)d 条", topic=lecture.topic, n=len(changed)),
            after={"ratings": changed},
            actor_name=actor,
        )
    return len(changed)


def rate_own(
    lecture: Lecture, cadre_id: int, rating: int | None, comment: str | None, *, actor: str | None
) -> None:
    """An attendee rates the lecture themselves, once. Raises AlreadyRated after that."""
    row = db.session.get(LectureAttendee, (lecture.id, cadre_id))
    if row is None:
        raise LookupError(cadre_id)
    if row.rating is not None:
        raise AlreadyRated()
    comment = (comment or "").strip() or None
    if rating is None:
        raise LectureError([("rating", _("请选择评分。"))])
    _check_rating(rating, comment)
    row.rating, row.comment, row.rated_at = rating, comment, utcnow()
    db.session.flush()
    audit.record(
        "update",
        object_type="lecture",
        object_id=lecture.id,
        summary=_("听众为《%(topic)s》评分", topic=lecture.topic),
        after={"rating": rating},
        actor_name=actor,
    )


# --- reading ----------------------------------------------------------------------------------


def _visible(visible_departments: Sequence[int] | None) -> list[Any]:
    """Lectures a reader sees: all (None, HR); else those whose speaker or an attendee is in
    one of the sections."""
    if visible_departments is None:
        return []
    sections = list(visible_departments) or [-1]
    speaker, attendee = so.aliased(Cadre), so.aliased(Cadre)
    speaker_in = (
        sa.select(speaker.id)
        .where(speaker.id == Lecture.speaker_id, speaker.department_id.in_(sections))
        .correlate(Lecture)
    )
    attendee_in = (
        sa.select(LectureAttendee.lecture_id)
        .join(attendee, attendee.id == LectureAttendee.cadre_id)
        .where(LectureAttendee.lecture_id == Lecture.id, attendee.department_id.in_(sections))
        .correlate(Lecture)
    )
    return [sa.or_(speaker_in.exists(), attendee_in.exists())]


def _year(year: int) -> list[Any]:
    return [Lecture.held_on >= date(year, 1, 1), Lecture.held_on <= date(year, 12, 31)]


@dataclass(frozen=True)
class LectureRow:
    id: int
    held_on: date
    topic: str
    speaker_id: int
    speaker_name: str
    speaker_department: str
    duration_hours: Decimal
    attendees: int
    ratings: int
    average: float | None


def list_lectures(
    year: int, *, visible_departments: Sequence[int] | None, q: str | None = None
) -> list[LectureRow]:
    """The year's lectures, newest first, with attendee count and average rating."""
    stats = (
        sa.select(
            LectureAttendee.lecture_id.label("lecture_id"),
            sa.func.count().label("attendees"),
            sa.func.count(LectureAttendee.rating).label("ratings"),
            sa.func.avg(LectureAttendee.rating).label("average"),
        )
        .where(LectureAttendee.lecture_id.in_(sa.select(Lecture.id).where(*_year(year))))
        .group_by(LectureAttendee.lecture_id)
        .subquery()
    )
    conditions = [*_year(year), *_visible(visible_departments)]
    if q:
        like = f"%{q.replace('%', '').replace('_', '')}%"
        conditions.append(sa.or_(Lecture.topic.like(like), Cadre.name.like(like)))
    stmt = (
        sa.select(
            Lecture.id,
            Lecture.held_on,
            Lecture.topic,
            Lecture.speaker_id,
            Cadre.name,
            Department.name,
            Lecture.duration_hours,
            sa.func.coalesce(stats.c.attendees, 0),
            sa.func.coalesce(stats.c.ratings, 0),
            stats.c.average,
        )
        .join(Cadre, Cadre.id == Lecture.speaker_id)
        .join(Department, Department.id == Cadre.department_id)
        .outerjoin(stats, stats.c.lecture_id == Lecture.id)
        .where(*conditions)
        .order_by(Lecture.held_on.desc(), Lecture.id.desc())
    )
    return [
        LectureRow(*row[:9], float(row[9]) if row[9] is not None else None)
        for row in db.session.execute(stmt)
    ]


def best_rated(rows: Sequence[LectureRow], count: int = BEST_COUNT) -> list[LectureRow]:
    """The best-rated lectures of a list: at least BEST_MIN_RATINGS ratings; highest average
    first, then more ratings, then the later date."""
    rated = [r for r in rows if r.average is not None and r.ratings >= BEST_MIN_RATINGS]
    rated.sort(key=lambda r: (-round(r.average or 0, 6), -r.ratings, -r.held_on.toordinal()))
    return rated[:count]


def years() -> list[int]:
    found = db.session.scalars(
        sa.select(sa.func.distinct(sa.extract("year", Lecture.held_on)))
    ).all()
    return sorted({int(y) for y in found if y is not None}, reverse=True)


def load(lecture_id: int) -> Lecture | None:
    return db.session.get(
        Lecture,
        lecture_id,
        options=[
            so.joinedload(Lecture.speaker).joinedload(Cadre.department),
            so.selectinload(Lecture.attendees)
            .joinedload(LectureAttendee.cadre)
            .joinedload(Cadre.department),
        ],
    )


def may_read(lecture: Lecture, visible_departments: Sequence[int] | None) -> bool:
    if visible_departments is None:
        return True
    sections = set(visible_departments)
    return lecture.speaker.department_id in sections or any(
        a.cadre.department_id in sections for a in lecture.attendees
    )


def summary(lecture: Lecture) -> dict[str, Any]:
    ratings = [a.rating for a in lecture.attendees if a.rating is not None]
    speaker_credit, attendee_credit = credits(lecture)
    return {
        "ratings": len(ratings),
        "average": sum(ratings) / len(ratings) if ratings else None,
        "histogram": {n: ratings.count(n) for n in RATINGS},
        "speaker_credit": speaker_credit,
        "attendee_credit": attendee_credit,
    }


@dataclass(frozen=True)
class CadreLecture:
    id: int
    held_on: date
    topic: str
    role: str  # speaker / attendee
    speaker_name: str
    credit: Decimal
    rating: int | None  # the cadre's own rating (attendee)


def for_cadre(cadre_id: int) -> list[CadreLecture]:
    """Lectures the cadre gave or attended, newest first, with the 学时 each earns."""
    given = db.session.scalars(
        sa.select(Lecture)
        .where(Lecture.speaker_id == cadre_id)
        .options(so.joinedload(Lecture.speaker))
    ).all()
    attended = db.session.execute(
        sa.select(Lecture, LectureAttendee.rating)
        .join(LectureAttendee, LectureAttendee.lecture_id == Lecture.id)
        .where(LectureAttendee.cadre_id == cadre_id)
        .options(so.joinedload(Lecture.speaker))
    ).all()
    cache: dict[int | None, dict[str, Any]] = {}

    def credit(lecture: Lecture, speaker: bool) -> Decimal:
        if lecture.settings_version not in cache:
            cache[lecture.settings_version] = settings_ops.values_of(lecture.settings_version)
        return rules.lecture_credit(speaker, cache[lecture.settings_version])

    rows = [
        CadreLecture(
            lec.id, lec.held_on, lec.topic, "speaker", lec.speaker.name, credit(lec, True), None
        )
        for lec in given
    ] + [
        CadreLecture(
            lec.id, lec.held_on, lec.topic, "attendee", lec.speaker.name, credit(lec, False), rating
        )
        for lec, rating in attended
    ]
    rows.sort(key=lambda r: (r.held_on, r.id), reverse=True)
    return rows
