"""Courses and their participants: operations (flush, never commit) and queries.

- A course (培训班, 网络培训, ...) has a name, 培训类别, 培训形式, organiser, dates, 学时, an
  optional capacity and programme. It can be deleted only while no attendance is recorded.
- Enrolment by hand or by section refuses what would exceed the capacity; a cadre already on
  the course is skipped (a form posted twice adds nobody twice).
- Attendance is the 请假学时 of one participant: attended = 学时 − 请假, and 结业 and the 学时
  earned follow ``rules.course_outcome`` with the settings in force, whose version is kept.
- External training (attended elsewhere) is one course with ``external=True`` and one
  enrolment with its attendance.

Managers read the courses that have a participant of a section they lead, and only those
participants; HR reads and writes everything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from math import ceil
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from cadre_app.extensions import db
from cadre_app.models import Cadre, Department
from cadre_app.models.training import (
    TRAINING_CATEGORIES,
    TRAINING_MODES,
    Enrolment,
    Programme,
    TrainingCourse,
)
from cadre_app.services.core import audit, conflicts
from cadre_app.services.training import ledger, rules, settings_ops

#: Course fields that the form edits, with their labels (audit and conflicts).
COURSE_FIELDS: dict[str, str] = {
    "name": "培训名称",
    "category": "培训类别",
    "mode": "培训形式",
    "organiser": "主办单位",
    "start_date": "开始日期",
    "end_date": "结束日期",
    "hours": "学时",
    "capacity": "人数上限",
    "programme_id": "培养项目",
    "notes": "备注",
}
ENROLMENT_FIELDS: dict[str, str] = {
    "leave_hours": "请假学时",
    "attended_hours": "实到学时",
    "passed": "是否结业",
    "hours_earned": "获得学时",
    "certificate_no": "结业证书编号",
}
PER_PAGE = 50
#: Enrolment by section adds at most this many cadres at once.
MAX_ENROL_AT_ONCE = 2000


class CourseError(Exception):
    """Refused input: ``errors`` are (field or None, message in Chinese)."""

    def __init__(self, errors: list[tuple[str | None, str]]):
        super().__init__("; ".join(message for _f, message in errors))
        self.errors = errors


VersionConflict = conflicts.VersionConflict


# --- checks -----------------------------------------------------------------------------------


def parse_hours(raw: Any, label: str, *, allow_zero: bool = False) -> Decimal:
    """学时 from a form or a cell: a number with at most one decimal; raises ValueError."""
    text = str(raw).strip() if raw is not None else ""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(
            _("%(label)s须为数字，现为“%(value)s”。", label=label, value=text)
        ) from None
    if not value.is_finite() or value < 0 or (value == 0 and not allow_zero):
        if allow_zero:
            raise ValueError(_("%(label)s不能为负数。", label=label))
        raise ValueError(_("%(label)s须为正数，现为“%(value)s”。", label=label, value=text))
    if value != value.quantize(rules.ONE_PLACE):
        raise ValueError(_("%(label)s最多保留一位小数，现为 %(value)s。", label=label, value=text))
    if value >= Decimal("100000"):
        raise ValueError(_("%(label)s过大：%(value)s。", label=label, value=text))
    return rules.hours(value)


def course_problems(
    values: Mapping[str, Any], course_settings: Mapping[str, Any]
) -> list[tuple[str | None, str]]:
    """What is wrong with a course's values (empty when nothing)."""
    errors: list[tuple[str | None, str]] = []
    if not (values.get("name") or "").strip():
        errors.append(("name", _("请填写培训名称。")))
    if values.get("category") not in TRAINING_CATEGORIES:
        errors.append(
            ("category", _("培训类别须为 %(v)s 之一。", v="、".join(TRAINING_CATEGORIES)))
        )
    if values.get("mode") not in TRAINING_MODES:
        errors.append(("mode", _("培训形式须为 %(v)s 之一。", v="、".join(TRAINING_MODES))))
    start, end = values.get("start_date"), values.get("end_date")
    if start is None:
        errors.append(("start_date", _("请填写开始日期。")))
    if end is None:
        errors.append(("end_date", _("请填写结束日期。")))
    if start is not None and end is not None and end < start:
        errors.append(("end_date", _("结束日期早于开始日期。")))
    hours = values.get("hours")
    if hours is None or hours <= 0:
        errors.append(("hours", _("学时须为正数。")))
    elif start is not None and end is not None and end >= start:
        limit = rules.max_hours_for(start, end, course_settings)
        if hours > limit:
            errors.append(
                (
                    "hours",
                    _(
                        "学时 %(hours)s 超过了培训天数所能容纳的 %(limit)s 学时"
                        "（每天不超过 %(per_day)s 学时）。",
                        hours=hours,
                        limit=limit,
                        per_day=course_settings["max_hours_per_day"],
                    ),
                )
            )
    capacity = values.get("capacity")
    if capacity is not None and capacity < 1:
        errors.append(("capacity", _("人数上限须为正整数，或留空表示不限。")))
    programme_id = values.get("programme_id")
    if programme_id is not None and db.session.get(Programme, programme_id) is None:
        errors.append(("programme_id", _("所选培养项目不存在。")))
    return errors


def _snapshot(course: TrainingCourse) -> dict[str, Any]:
    values = {attr: getattr(course, attr) for attr in COURSE_FIELDS}
    values["hours"] = str(course.hours) if course.hours is not None else None
    return values | {"version": course.version, "external": course.external}


def _enrolment_snapshot(enrolment: Enrolment) -> dict[str, Any]:
    return {
        "course_id": enrolment.course_id,
        "cadre_id": enrolment.cadre_id,
        "leave_hours": None if enrolment.leave_hours is None else str(enrolment.leave_hours),
        "attended_hours": (
            None if enrolment.attended_hours is None else str(enrolment.attended_hours)
        ),
        "passed": enrolment.passed,
        "passed_given": enrolment.passed_given,
        "hours_earned": None if enrolment.hours_earned is None else str(enrolment.hours_earned),
        "certificate_no": enrolment.certificate_no,
        "settings_version": enrolment.settings_version,
    }


def _course_label(course: TrainingCourse) -> str:
    return f"{course.name}（{course.start_date.isoformat()}—{course.end_date.isoformat()}）"


# --- courses ----------------------------------------------------------------------------------


def create_course(values: Mapping[str, Any], *, actor: str | None) -> TrainingCourse:
    _version, course_settings = settings_ops.current()
    errors = course_problems(values, course_settings)
    if errors:
        raise CourseError(errors)
    course = TrainingCourse(
        **{attr: values.get(attr) for attr in COURSE_FIELDS},
        external=bool(values.get("external", False)),
        created_by=actor,
    )
    course.name = course.name.strip()
    db.session.add(course)
    db.session.flush()
    audit.record(
        "create",
        object_type="course",
        object_id=course.id,
        summary=f"新建培训课程 {_course_label(course)}",
        after=_snapshot(course),
        actor_name=actor,
    )
    return course


def changes_since(course_id: int, version: int) -> list[dict[str, Any]]:
    return conflicts.changes_since("course", course_id, version, labels=COURSE_FIELDS)


def update_course(
    course: TrainingCourse,
    values: Mapping[str, Any],
    *,
    expected_version: int,
    actor: str | None,
) -> bool:
    """Save the form's values; False when nothing changed. With attendance recorded, a new
    学时 recomputes each participant's outcome (leave above the new 学时 is refused)."""
    conflicts.check_version(
        course, expected_version, lambda: changes_since(course.id, expected_version)
    )
    version, course_settings = settings_ops.current()
    errors = course_problems(values, course_settings)
    new_hours = values.get("hours")
    if not errors and new_hours is not None and new_hours != course.hours:
        over = [
            e
            for e in course.enrolments
            if e.attended_hours is not None and e.leave_hours > new_hours
        ]
        if over:
            errors.append(
                (
                    "hours",
                    _(
                        "已有 %(n)d 人的请假学时超过了新的学时 %(hours)s，不能改小到这个数。",
                        n=len(over),
                        hours=new_hours,
                    ),
                )
            )
    capacity = values.get("capacity")
    if not errors and capacity is not None and capacity < len(course.enrolments):
        errors.append(
            (
                "capacity",
                _(
                    "已报名 %(n)d 人，人数上限不能小于已报名人数。",
                    n=len(course.enrolments),
                ),
            )
        )
    if errors:
        raise CourseError(errors)
    before = _snapshot(course)
    old_year = course.end_date.year
    changed = False
    for attr in COURSE_FIELDS:
        new = values.get(attr)
        if attr == "name":
            new = (new or "").strip()
        if getattr(course, attr) != new:
            setattr(course, attr, new)
            changed = True
    if not changed:
        return False
    if before["hours"] != str(course.hours):
        for enrolment in course.enrolments:
            if enrolment.attended_hours is not None:
                _apply_outcome(enrolment, course, version, course_settings)
    db.session.flush()
    ledger.refresh_course(course.id, [old_year, course.end_date.year])
    after = _snapshot(course)
    audit.record(
        "update",
        object_type="course",
        object_id=course.id,
        summary=f"修改培训课程 {_course_label(course)}",
        before={k: v for k, v in before.items() if after.get(k) != v or k == "version"},
        after={k: v for k, v in after.items() if before.get(k) != v or k == "version"},
        actor_name=actor,
    )
    return True


def has_attendance(course: TrainingCourse) -> bool:
    return any(e.attended_hours is not None for e in course.enrolments)


def delete_course(course: TrainingCourse, *, actor: str | None) -> None:
    """Delete a course and its enrolments; refused once attendance is recorded."""
    if has_attendance(course):
        raise CourseError([(None, _("该课程已登记考勤，不能删除。"))])
    snapshot = _snapshot(course) | {"participants": len(course.enrolments)}
    label = _course_label(course)
    course_id = course.id
    cadre_ids, year = list(_enrolled_ids(course)), course.end_date.year
    db.session.delete(course)
    db.session.flush()
    ledger.refresh_years(cadre_ids, [year])
    audit.record(
        "delete",
        object_type="course",
        object_id=course_id,
        summary=f"删除培训课程 {label}",
        before=snapshot,
        actor_name=actor,
    )


# --- enrolment --------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnrolResult:
    added: list[str]  # names
    already: int


def _enrolled_ids(course: TrainingCourse) -> set[int]:
    return set(
        db.session.scalars(sa.select(Enrolment.cadre_id).where(Enrolment.course_id == course.id))
    )


def enrol(
    course: TrainingCourse, cadre_ids: Sequence[int], *, actor: str | None, how: str = "手工"
) -> EnrolResult:
    """Put cadres on the course; those already on it are skipped. Refused as a whole (nobody
    added) when the capacity would be exceeded or a cadre does not exist."""
    if course.external:
        raise CourseError([(None, _("外部培训记录只有一名学员，不能再报名。"))])
    present = _enrolled_ids(course)
    wanted = list(dict.fromkeys(i for i in cadre_ids if i not in present))
    if len(wanted) > MAX_ENROL_AT_ONCE:
        raise CourseError([(None, _("一次最多报名 %(n)d 人。", n=MAX_ENROL_AT_ONCE))])
    cadres = {
        c.id: c for c in db.session.scalars(sa.select(Cadre).where(Cadre.id.in_(wanted or [-1])))
    }
    if len(cadres) != len(wanted):
        raise CourseError([(None, _("所选干部不在干部名册中。"))])
    if course.capacity is not None and len(present) + len(wanted) > course.capacity:
        raise CourseError(
            [
                (
                    None,
                    _(
                        "人数上限为 %(capacity)d 人，已报名 %(present)d 人，"
                        "再报名 %(n)d 人将超出上限，未报名任何人。",
                        capacity=course.capacity,
                        present=len(present),
                        n=len(wanted),
                    ),
                )
            ]
        )
    if not wanted:
        return EnrolResult([], len(cadre_ids))
    db.session.execute(
        sa.insert(Enrolment),
        [
            {
                "course_id": course.id,
                "cadre_id": cadre_id,
                "leave_hours": Decimal(0),
                "hours_earned": Decimal(0),
                "passed_given": False,
                "source": "enrol",
                "created_by": actor,
            }
            for cadre_id in wanted
        ],
    )
    names = [cadres[i].name for i in wanted]
    shown = "、".join(names[:20]) + (f" 等 {len(names)} 人" if len(names) > 20 else "")
    audit.record(  # on the course: the enrolments get their ids in the bulk insert
        "update",
        object_type="course",
        object_id=course.id,
        summary=f"{_course_label(course)} {how}报名 {len(names)} 人：{shown}",
        after={"course_id": course.id, "cadre_ids": wanted},
        actor_name=actor,
    )
    db.session.expire(course, ["enrolments"])
    return EnrolResult(names, len(cadre_ids) - len(wanted))


def enrol_section(course: TrainingCourse, department_id: int, *, actor: str | None) -> EnrolResult:
    """Every cadre of the section (处室) on the course."""
    department = db.session.get(Department, department_id)
    if department is None:
        raise CourseError([("department_id", _("所选处室不存在。"))])
    ids = list(
        db.session.scalars(
            sa.select(Cadre.id).where(Cadre.department_id == department_id).order_by(Cadre.id)
        )
    )
    if not ids:
        raise CourseError([("department_id", _("该处室没有干部。"))])
    return enrol(course, ids, actor=actor, how=f"按处室（{department.name}）")


def remove_enrolment(enrolment: Enrolment, *, actor: str | None) -> None:
    course = enrolment.course
    snapshot = _enrolment_snapshot(enrolment)
    label = f"{_course_label(course)} {enrolment.cadre.staff_no} {enrolment.cadre.name}"
    enrolment_id = enrolment.id
    cadre_id, year = enrolment.cadre_id, course.end_date.year
    db.session.delete(enrolment)
    db.session.flush()
    ledger.refresh_years([cadre_id], [year])
    audit.record(
        "delete",
        object_type="enrolment",
        object_id=enrolment_id,
        summary=f"移出学员 {label}",
        before=snapshot,
        actor_name=actor,
    )


# --- attendance -------------------------------------------------------------------------------


def _apply_outcome(
    enrolment: Enrolment,
    course: TrainingCourse,
    version: int | None,
    course_settings: Mapping[str, Any],
) -> rules.Outcome:
    given = enrolment.passed if enrolment.passed_given else None
    outcome = rules.course_outcome(course.hours, enrolment.leave_hours, course_settings, given)
    enrolment.attended_hours = outcome.attended
    enrolment.passed = outcome.passed
    enrolment.hours_earned = outcome.earned
    enrolment.settings_version = version
    return outcome


def leave_problem(
    course_hours: Decimal,
    leave: Decimal,
    passed_given: bool | None,
    course_settings: Mapping[str, Any],
) -> str | None:
    """Why this attendance is refused (None when it is fine)."""
    if leave > course_hours:
        return _("请假学时 %(leave)s 超过了课程学时 %(hours)s。", leave=leave, hours=course_hours)
    if passed_given is True and not rules.passes(course_hours, leave, course_settings):
        return _(
            "请假学时 %(leave)s 超过课程学时的 %(limit)s，按规定不能结业。",
            leave=leave,
            limit=limit_text(course_settings),
        )
    return None


def limit_text(course_settings: Mapping[str, Any]) -> str:
    num, den = course_settings["leave_limit"]
    return f"{num}/{den}"


def not_passed_reason(enrolment: Enrolment, course_settings: Mapping[str, Any]) -> str | None:
    """Why a participant did not pass (shown beside 未结业)."""
    if enrolment.attended_hours is None or enrolment.passed:
        return None
    course_hours = enrolment.course.hours
    if not rules.passes(course_hours, enrolment.leave_hours, course_settings):
        return _(
            "请假 %(leave)s 学时，超过课程 %(hours)s 学时的 %(limit)s，不予结业，不计学时。",
            leave=enrolment.leave_hours,
            hours=course_hours,
            limit=limit_text(course_settings),
        )
    return _("登记为未结业，不计学时。")


def record_attendance(
    enrolment: Enrolment,
    *,
    leave_hours: Decimal,
    certificate_no: str | None,
    passed_given: bool | None,
    actor: str | None,
) -> bool:
    """Record one participant's attendance; False when it was already exactly this (a form
    posted twice changes nothing). ``passed_given`` None derives 结业 from the leave rule;
    False records 未结业 whatever the leave; True is refused over the leave limit."""
    course = enrolment.course
    version, course_settings = settings_ops.current()
    problem = leave_problem(course.hours, leave_hours, passed_given, course_settings)
    if problem:
        raise CourseError([("leave_hours", problem)])
    certificate_no = (certificate_no or "").strip() or None
    before = _enrolment_snapshot(enrolment)
    enrolment.leave_hours = rules.hours(leave_hours)
    enrolment.passed_given = passed_given is not None
    if passed_given is not None:
        enrolment.passed = passed_given
    enrolment.certificate_no = certificate_no
    _apply_outcome(enrolment, course, version, course_settings)
    after = _enrolment_snapshot(enrolment)
    if {k: v for k, v in before.items() if k != "settings_version"} == {
        k: v for k, v in after.items() if k != "settings_version"
    }:
        return False
    db.session.flush()
    ledger.refresh_years([enrolment.cadre_id], [course.end_date.year])
    audit.record(
        "update",
        object_type="enrolment",
        object_id=enrolment.id,
        summary=f"登记考勤 {_course_label(course)} {enrolment.cadre.staff_no} "
        f"{enrolment.cadre.name}：请假 {enrolment.leave_hours} 学时，"
        f"{'结业' if enrolment.passed else '未结业'}，获得 {enrolment.hours_earned} 学时",
        before=before,
        after=after,
        actor_name=actor,
    )
    return True


def record_external(cadre: Cadre, values: Mapping[str, Any], *, actor: str | None) -> Enrolment:
    """Training a cadre attended elsewhere: one external course and one enrolment with its
    attendance, in one go (refused as a whole)."""
    version, course_settings = settings_ops.current()
    errors = course_problems({**values, "capacity": None, "programme_id": None}, course_settings)
    leave = values.get("leave_hours") or Decimal(0)
    passed_given = values.get("passed_given")
    if not errors:
        problem = leave_problem(values["hours"], leave, passed_given, course_settings)
        if problem:
            errors.append(("leave_hours", problem))
    if errors:
        raise CourseError(errors)
    course = TrainingCourse(
        **{
            attr: values.get(attr)
            for attr in COURSE_FIELDS
            if attr not in ("capacity", "programme_id")
        },
        external=True,
        created_by=actor,
    )
    course.name = course.name.strip()
    db.session.add(course)
    db.session.flush()
    enrolment = Enrolment(
        course=course,
        cadre=cadre,
        leave_hours=rules.hours(leave),
        passed_given=passed_given is not None,
        passed=passed_given,
        certificate_no=(values.get("certificate_no") or "").strip() or None,
        source="external",
        created_by=actor,
    )
    db.session.add(enrolment)
    _apply_outcome(enrolment, course, version, course_settings)
    db.session.flush()
    ledger.refresh_years([cadre.id], [course.end_date.year])
    audit.record(
        "create",
        object_type="enrolment",
        object_id=enrolment.id,
        summary=f"登记外部培训 {cadre.staff_no} {cadre.name} {_course_label(course)}："
        f"获得 {enrolment.hours_earned} 学时",
        after=_snapshot(course) | _enrolment_snapshot(enrolment),
        actor_name=actor,
    )
    return enrolment


# --- queries ----------------------------------------------------------------------------------


@dataclass
class CourseFilters:
    year: int | None = None
    category: str | None = None
    mode: str | None = None
    q: str | None = None
    external: bool | None = None
    page: int = 1
    per_page: int = PER_PAGE


@dataclass(frozen=True)
class CoursePage:
    rows: list[Any]
    total: int
    page: int
    per_page: int
    years: list[int] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))


def _visible_course_ids(visible_departments: list[int]) -> sa.Select[Any]:
    return (
        sa.select(Enrolment.course_id)
        .join(Cadre, Cadre.id == Enrolment.cadre_id)
        .where(Cadre.department_id.in_(visible_departments or [-1]))
    )


def _course_conditions(filters: CourseFilters, visible_departments: list[int] | None) -> list[Any]:
    conditions: list[Any] = []
    if visible_departments is not None:
        conditions.append(TrainingCourse.id.in_(_visible_course_ids(visible_departments)))
    if filters.year:
        conditions.append(
            TrainingCourse.start_date.between(date(filters.year, 1, 1), date(filters.year, 12, 31))
        )
    if filters.category:
        conditions.append(TrainingCourse.category == filters.category)
    if filters.mode:
        conditions.append(TrainingCourse.mode == filters.mode)
    if filters.external is not None:
        conditions.append(TrainingCourse.external.is_(filters.external))
    if filters.q:
        term = filters.q.strip().replace("%", "").replace("_", "")
        conditions.append(
            sa.or_(
                TrainingCourse.name.like(f"%{term}%"), TrainingCourse.organiser.like(f"%{term}%")
            )
        )
    return conditions


def list_courses(filters: CourseFilters, *, visible_departments: list[int] | None) -> CoursePage:
    """One page of courses, newest first, each with its participant count (the visible
    participants for a manager)."""
    conditions = _course_conditions(filters, visible_departments)
    total = (
        db.session.scalar(sa.select(sa.func.count()).select_from(TrainingCourse).where(*conditions))
        or 0
    )
    count = sa.select(sa.func.count(Enrolment.id)).where(Enrolment.course_id == TrainingCourse.id)
    if visible_departments is not None:
        count = count.join(Cadre, Cadre.id == Enrolment.cadre_id).where(
            Cadre.department_id.in_(visible_departments or [-1])
        )
    stmt = (
        sa.select(
            TrainingCourse.id,
            TrainingCourse.name,
            TrainingCourse.category,
            TrainingCourse.mode,
            TrainingCourse.organiser,
            TrainingCourse.start_date,
            TrainingCourse.end_date,
            TrainingCourse.hours,
            TrainingCourse.capacity,
            TrainingCourse.external,
            count.scalar_subquery().label("participants"),
        )
        .where(*conditions)
        .order_by(TrainingCourse.start_date.desc(), TrainingCourse.id.desc())
        .limit(filters.per_page)
        .offset((max(filters.page, 1) - 1) * filters.per_page)
    )
    rows = list(db.session.execute(stmt))
    years_stmt = sa.select(
        sa.func.min(TrainingCourse.start_date), sa.func.max(TrainingCourse.start_date)
    )
    low, high = db.session.execute(years_stmt).one()
    years = list(range(high.year, low.year - 1, -1)) if low and high else []
    return CoursePage(rows, total, max(filters.page, 1), filters.per_page, years)


def course_visible(course_id: int, visible_departments: list[int] | None) -> TrainingCourse | None:
    """The course if it exists and has a participant the reader may see (HR: any course)."""
    course = db.session.get(TrainingCourse, course_id)
    if course is None or visible_departments is None:
        return course
    shown = db.session.scalar(
        _visible_course_ids(visible_departments).where(Enrolment.course_id == course_id).limit(1)
    )
    return course if shown is not None else None


def participants(course: TrainingCourse, visible_departments: list[int] | None) -> list[Enrolment]:
    """The participants the reader may see, by section then 工号."""
    stmt = (
        sa.select(Enrolment)
        .join(Cadre, Cadre.id == Enrolment.cadre_id)
        .join(Department, Department.id == Cadre.department_id)
        .where(Enrolment.course_id == course.id)
        .options(so.contains_eager(Enrolment.cadre).contains_eager(Cadre.department))
        .order_by(Department.sort_order, Department.name, Cadre.staff_no)
    )
    if visible_departments is not None:
        stmt = stmt.where(Cadre.department_id.in_(visible_departments or [-1]))
    return list(db.session.scalars(stmt).unique())


def cadre_by_staff_no(staff_no: str) -> Cadre | None:
    return db.session.scalar(sa.select(Cadre).where(Cadre.staff_no == staff_no.strip()))


def enrolment_in_course(course: TrainingCourse, enrolment_id: int) -> Enrolment | None:
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.course_id != course.id:
        return None
    return enrolment


def programme_choices() -> list[tuple[int, str]]:
    """(id, name) of the active programmes, for the course form's select."""
    stmt = sa.select(Programme.id, Programme.name).where(Programme.active.is_(True))
    return [(r.id, r.name) for r in db.session.execute(stmt.order_by(Programme.name))]


def section_choices() -> list[tuple[int, str]]:
    stmt = sa.select(Department.id, Department.name).order_by(
        Department.sort_order, Department.name
    )
    return [(r.id, r.name) for r in db.session.execute(stmt)]
