"""The printed training records (issue 11, item 9): plain data for the PDF engine.

- ``record_data``: the 干部教育培训档案 of one cadre: the personal header, then every record
  by year (courses with 学时, 请假, 结业, what they earned and the certificate; 业务微讲座
  given and attended; 策论 with grade and credit), each year's totals by kind, the
  requirement (``rules.requirement``: one year, or the 5-year window of the seniors) with the
  online cap applied, and what is short. Registered as the batch PDF kind ``TRAINING_RECORD``
  so HR can print many (``/records/batch``, ``flask records batch``).
- ``cohort_data``: the report of a cohort: each member's 学时 this year against the
  requirement, plan state and milestones, essays and lectures.

Which year a record counts in (as in the ledger): a course in the year it ends, a lecture
in the year it is held, an essay in the year it is submitted. 学时 a course earned are the stored
``Enrolment.hours_earned`` (decided by ``rules.course_outcome`` with the settings version the
record keeps); 微讲座 and 策论 credits are those of the settings version each record keeps (the
built-in defaults when it keeps none). Requirement, window and online cap are the current
settings'.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from cadre_app.extensions import db
from cadre_app.models import Cadre, Department, Setting
from cadre_app.models.training import (
    Cohort,
    DevelopmentPlan,
    Enrolment,
    Essay,
    Lecture,
    LectureAttendee,
    MilestoneState,
    PlanState,
    TrainingCourse,
    cohort_member,
)
from cadre_app.services.core import settings as settings_service
from cadre_app.services.records.data import CadreRecord
from cadre_app.services.training import rules

RECORD_TITLE = "干部教育培训档案"
RECORD_TEMPLATE = "training_record.html"
COHORT_TITLE = "培养对象情况报告"
COHORT_TEMPLATE = "training_cohort.html"

#: The kinds of 学时 a year is totalled by, in the order the forms print them.
KINDS = ("面授培训", "网络培训", "业务微讲座", "策论")
#: Plan and milestone states as the printed forms write them (never translated).
PLAN_STATES = {
    PlanState.DRAFT: "草拟",
    PlanState.ACTIVE: "生效",
    PlanState.DONE: "完成",
    PlanState.STOPPED: "中止",
}
ZERO = Decimal("0.0")


# --- small formatting helpers -------------------------------------------------------------


def month(day: date | None) -> str:
    """``1990.01``; empty for none."""
    return f"{day:%Y.%m}" if day else ""


def dotted(day: date | None) -> str:
    """``2025.03.10``; empty for none."""
    return f"{day:%Y.%m.%d}" if day else ""


def long_date(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def num(value: Decimal | int | None) -> str:
    """学时 as printed: one place, no trailing ``.0`` (``12``, ``12.5``); ``—`` for none."""
    if value is None:
        return "—"
    text = f"{rules.hours(value):f}"
    return text[:-2] if text.endswith(".0") else text


def organisation_name(cadre: Cadre) -> str:
    department = cadre.department
    if department is not None and department.organisation is not None:
        return department.organisation.name
    return str(current_app.config["ORGANISATION_NAME"])


def requirement_rank(cadre: Cadre) -> str | None:
    """What ``rules.requirement`` is asked with: a 县处级 leading post counts as senior
    whatever the 职级, otherwise the 职级 decides."""
    if rules.is_senior(cadre.leadership_level):
        return cadre.leadership_level
    return cadre.rank


# --- settings by version ------------------------------------------------------------------


class SettingsBook:
    """The training settings in force now and those of each version records keep."""

    def __init__(self) -> None:
        version, value = settings_service.current(rules.SETTINGS_KEY)
        self.current_version = version
        self.current: dict[str, Any] = {**rules.DEFAULT_SETTINGS, **value}
        self._by_version: dict[int, dict[str, Any]] = {}

    def at(self, version: int | None) -> Mapping[str, Any]:
        """The settings of ``version``; None: the built-in defaults (in force when a record
        was made before any change was saved), as the ledger and the lecture pages read it."""
        if version is None:
            return rules.DEFAULT_SETTINGS
        if version == self.current_version:
            return self.current
        if version not in self._by_version:
            row = db.session.get(Setting, version)
            value = row.value if row is not None and row.key == rules.SETTINGS_KEY else {}
            self._by_version[version] = {**rules.DEFAULT_SETTINGS, **(value or {})}
        return self._by_version[version]


# --- 学时 by cadre, year and kind -----------------------------------------------------------


@dataclass
class Tally:
    """Earned 学时 of one cadre, by year and kind."""

    by_year: dict[int, dict[str, Decimal]] = field(
        default_factory=lambda: defaultdict(lambda: dict.fromkeys(KINDS, ZERO))
    )

    def add(self, year: int, kind: str, value: Decimal) -> None:
        self.by_year[year][kind] += Decimal(value)

    def window(self, first: int, last: int) -> tuple[Decimal, Decimal]:
        """(online, everything else) earned in the years ``first``..``last``."""
        online = other = ZERO
        for year in range(first, last + 1):
            kinds = self.by_year.get(year)
            if kinds is None:
                continue
            for kind, value in kinds.items():
                if kind == "网络培训":
                    online += value
                else:
                    other += value
        return online, other


def tallies(cadre_ids: Iterable[int], book: SettingsBook) -> dict[int, Tally]:
    """Earned 学时 of each cadre, by year and kind, in four grouped queries."""
    ids = list(cadre_ids)
    found: dict[int, Tally] = {cadre_id: Tally() for cadre_id in ids}
    if not ids:
        return found
    year = sa.extract("year", TrainingCourse.end_date)
    courses = (
        sa.select(
            Enrolment.cadre_id, year, TrainingCourse.mode, sa.func.sum(Enrolment.hours_earned)
        )
        .join(TrainingCourse, TrainingCourse.id == Enrolment.course_id)
        .where(Enrolment.cadre_id.in_(ids))
        .group_by(Enrolment.cadre_id, year, TrainingCourse.mode)
    )
    for cadre_id, when, mode, total in db.session.execute(courses):
        kind = "网络培训" if mode == "网络" else "面授培训"
        found[cadre_id].add(int(when), kind, Decimal(total or 0))
    held = sa.extract("year", Lecture.held_on)
    given = (
        sa.select(Lecture.speaker_id, held, Lecture.settings_version, sa.func.count())
        .where(Lecture.speaker_id.in_(ids))
        .group_by(Lecture.speaker_id, held, Lecture.settings_version)
    )
    for cadre_id, when, version, count in db.session.execute(given):
        credit = rules.lecture_credit(True, book.at(version))
        found[cadre_id].add(int(when), "业务微讲座", credit * count)
    heard = (
        sa.select(LectureAttendee.cadre_id, held, Lecture.settings_version, sa.func.count())
        .join(Lecture, Lecture.id == LectureAttendee.lecture_id)
        .where(LectureAttendee.cadre_id.in_(ids))
        .group_by(LectureAttendee.cadre_id, held, Lecture.settings_version)
    )
    for cadre_id, when, version, count in db.session.execute(heard):
        credit = rules.lecture_credit(False, book.at(version))
        found[cadre_id].add(int(when), "业务微讲座", credit * count)
    submitted = sa.extract("year", Essay.submitted_on)
    essays = (
        sa.select(Essay.author_id, submitted, Essay.settings_version, Essay.final_grade)
        .where(Essay.author_id.in_(ids), Essay.final_grade.is_not(None))
        .order_by(Essay.id)
    )
    for cadre_id, when, version, grade in db.session.execute(essays):
        found[cadre_id].add(int(when), "策论", rules.essay_credit(grade, book.at(version)))
    return found


@dataclass(frozen=True)
class Standing:
    """How a cadre stands against the requirement that ``year`` falls in."""

    required: Decimal
    window: tuple[int, int]
    online_earned: Decimal
    online_counted: Decimal
    other: Decimal
    counted: Decimal
    short: Decimal

    @property
    def percent(self) -> int:
        if not self.required:
            return 100
        return min(100, int(self.counted * 100 / self.required))

    @property
    def window_text(self) -> str:
        first, last = self.window
        return f"{last}年" if first == last else f"{first}—{last}年"


def standing(tally: Tally, rank: str | None, year: int, settings: Mapping[str, Any]) -> Standing:
    req = rules.requirement(rank, year, settings)
    online, other = tally.window(*req.window)
    cap = rules.online_cap(req, settings)
    counted = rules.counted_total(online, other, cap)
    return Standing(
        required=req.hours,
        window=req.window,
        online_earned=rules.hours(online),
        online_counted=rules.hours(min(online, cap)),
        other=rules.hours(other),
        counted=counted,
        short=rules.shortfall(req.hours, counted),
    )


# --- 干部教育培训档案 -------------------------------------------------------------------------


def _course_rows(cadre_id: int) -> dict[int, list[dict[str, Any]]]:
    stmt = (
        sa.select(Enrolment, TrainingCourse)
        .join(TrainingCourse, TrainingCourse.id == Enrolment.course_id)
        .where(Enrolment.cadre_id == cadre_id)
        .order_by(TrainingCourse.start_date, TrainingCourse.id)
    )
    rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for enrolment, course in db.session.execute(stmt):
        recorded = enrolment.attended_hours is not None
        result = "待登记" if not recorded else "结业" if enrolment.passed else "未结业"
        rows[course.end_date.year].append(
            {
                "名称": course.name + ("（外单位）" if course.external else ""),
                "类别": course.category,
                "形式": course.mode,
                "主办单位": course.organiser or "",
                "开始": dotted(course.start_date),
                "结束": dotted(course.end_date),
                "学时": num(course.hours),
                "请假": num(enrolment.leave_hours) if recorded else "—",
                "结业": result,
                "计入": num(enrolment.hours_earned) if recorded else "—",
                "证书编号": enrolment.certificate_no or "",
                "未结业": recorded and not enrolment.passed,
            }
        )
    return rows


def _lecture_rows(cadre_id: int, book: SettingsBook) -> dict[int, list[dict[str, Any]]]:
    rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    given = sa.select(Lecture).where(Lecture.speaker_id == cadre_id)
    for lecture in db.session.scalars(given):
        ratings = [a.rating for a in lecture.attendees if a.rating is not None]
        rows[lecture.held_on.year].append(
            {
                "日期": dotted(lecture.held_on),
                "主题": lecture.topic,
                "身份": "主讲",
                "时长": num(lecture.duration_hours),
                "评分": f"{sum(ratings) / len(ratings):.1f}" if ratings else "—",
                "计入": num(rules.lecture_credit(True, book.at(lecture.settings_version))),
                "sort": (lecture.held_on, lecture.id),
            }
        )
    heard = (
        sa.select(Lecture, LectureAttendee.rating)
        .join(LectureAttendee, LectureAttendee.lecture_id == Lecture.id)
        .where(LectureAttendee.cadre_id == cadre_id)
        .options(so.joinedload(Lecture.speaker))
    )
    for lecture, rating in db.session.execute(heard):
        rows[lecture.held_on.year].append(
            {
                "日期": dotted(lecture.held_on),
                "主题": f"{lecture.topic}（主讲：{lecture.speaker.name}）",
                "身份": "听讲",
                "时长": num(lecture.duration_hours),
                "评分": str(rating) if rating else "—",
                "计入": num(rules.lecture_credit(False, book.at(lecture.settings_version))),
                "sort": (lecture.held_on, lecture.id),
            }
        )
    for year_rows in rows.values():
        year_rows.sort(key=lambda row: row.pop("sort"))
    return rows


def _essay_rows(cadre_id: int, book: SettingsBook) -> dict[int, list[dict[str, Any]]]:
    rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    stmt = (
        sa.select(Essay).where(Essay.author_id == cadre_id).order_by(Essay.submitted_on, Essay.id)
    )
    for essay in db.session.scalars(stmt):
        credit = rules.essay_credit(essay.final_grade, book.at(essay.settings_version))
        rows[essay.submitted_on.year].append(
            {
                "日期": dotted(essay.submitted_on),
                "题目": essay.title,
                "等次": essay.final_grade or "评审中",
                "采纳": "采纳" if essay.adopted else "",
                "计入": num(credit) if essay.final_grade else "—",
            }
        )
    return rows


def record_data(cadre: Cadre, *, today: date, filled_by: str | None = None) -> dict[str, Any]:
    """The 干部教育培训档案 of ``cadre``: every year with a record (and this year), oldest
    first; ``today`` dates the form."""
    book = SettingsBook()
    settings = book.current
    courses = _course_rows(cadre.id)
    lectures = _lecture_rows(cadre.id, book)
    essays = _essay_rows(cadre.id, book)
    tally = tallies([cadre.id], book)[cadre.id]
    rank = requirement_rank(cadre)
    years = sorted({*courses, *lectures, *essays, today.year})
    senior = rules.is_senior(rank)
    annual = num(rules.hours(settings["annual_hours"]))
    out_years = []
    for year in years:
        kinds = tally.by_year.get(year, dict.fromkeys(KINDS, ZERO))
        stand = standing(tally, rank, year, settings)
        earned = sum(kinds.values(), ZERO)
        out_years.append(
            {
                "年度": year,
                "courses": courses.get(year, []),
                "lectures": lectures.get(year, []),
                "essays": essays.get(year, []),
                "分类": [{"类别": kind, "学时": num(kinds[kind])} for kind in KINDS],
                "本年合计": num(earned),
                "要求": num(stand.required),
                "要求期间": stand.window_text,
                "网络上限": num(
                    rules.online_cap(rules.requirement(rank, year, settings), settings)
                ),
                "网络获得": num(stand.online_earned),
                "网络计入": num(stand.online_counted),
                "计入合计": num(stand.counted),
                "尚差": num(stand.short),
                "完成": stand.short == 0,
                "进行中": year == today.year and stand.short > 0,
            }
        )
    department = cadre.department
    return {
        "单位": organisation_name(cadre),
        "姓名": cadre.name,
        "工号": cadre.staff_no,
        "性别": cadre.gender or "",
        "出生年月": month(cadre.birth_date),
        "民族": cadre.ethnicity or "",
        "政治面貌": cadre.political_status or "",
        "部门": department.name if department else "",
        "职务": cadre.position_title or "",
        "职级": cadre.rank or "",
        "学历": "，".join(p for p in (cadre.ft_education, cadre.ft_degree) if p),
        "参加工作时间": month(cadre.work_start_date),
        "要求说明": (
            f"县处级及四级调研员以上：每{settings['senior_window_years']}年累计不少于"
            f"{num(rules.hours(settings['senior_hours']))}学时"
            if senior
            else f"乡科级及一级主任科员以下：每年不少于{annual}学时"
        ),
        "网络说明": f"网络培训学时计入不超过要求的{settings['online_share_pct']}%",
        "请假说明": "请假超过课程学时{}/{}者不予结业，不计学时".format(*settings["leave_limit"]),
        "years": out_years,
        "总计": num(sum((sum(k.values(), ZERO) for k in tally.by_year.values()), ZERO)),
        "设置版本": book.current_version or "默认",
        "填表人": filled_by or "",
        "填表时间": long_date(today),
    }


def has_records(cadre_id: int) -> bool:
    """Whether the cadre has any course, lecture (given or heard) or essay."""
    found = sa.or_(
        sa.exists().where(Enrolment.cadre_id == cadre_id),
        sa.exists().where(Lecture.speaker_id == cadre_id),
        sa.exists().where(LectureAttendee.cadre_id == cadre_id),
        sa.exists().where(Essay.author_id == cadre_id),
    )
    return bool(db.session.scalar(sa.select(found)))


def _record_for_batch(cadre: Cadre, params: dict[str, Any]) -> dict[str, Any]:
    today = date.fromisoformat(params["today"])
    return record_data(cadre, today=today, filled_by=params.get("filled_by"))


#: The 干部教育培训档案 as a batch PDF kind; the training blueprint registers it.
TRAINING_RECORD = CadreRecord(
    code="training_record",
    label=RECORD_TITLE,
    template=RECORD_TEMPLATE,
    build=_record_for_batch,
    options=(so.joinedload(Cadre.department).joinedload(Department.organisation),),
)


# --- the cohort report ----------------------------------------------------------------------


def cohort_data(
    cohort: Cohort, *, year: int, today: date, generated_at: datetime
) -> dict[str, Any]:
    """The report of ``cohort``: each member (in 工号 order) with 学时 ``year`` against the
    requirement, the plan (of this cohort, else the member's latest) with milestones done,
    overdue on ``today``, essays and lectures of ``year``."""
    book = SettingsBook()
    settings = book.current
    members = list(
        db.session.scalars(
            sa.select(Cadre)
            .join(cohort_member, cohort_member.c.cadre_id == Cadre.id)
            .where(cohort_member.c.cohort_id == cohort.id)
            .options(so.joinedload(Cadre.department))
            .order_by(Cadre.staff_no)
        ).unique()
    )
    ids = [c.id for c in members]
    tally = tallies(ids, book)
    plans: dict[int, DevelopmentPlan] = {}
    if ids:
        stmt = (
            sa.select(DevelopmentPlan)
            .where(DevelopmentPlan.cadre_id.in_(ids))
            .options(so.selectinload(DevelopmentPlan.milestones))
            .order_by(DevelopmentPlan.period_start, DevelopmentPlan.id)
        )
        for plan in db.session.scalars(stmt):
            current = plans.get(plan.cadre_id)
            if current is None or current.cohort_id != cohort.id or plan.cohort_id == cohort.id:
                plans[plan.cadre_id] = plan
    essays = _essays_by_author(ids, year)
    given, heard = _lectures_by_cadre(ids, year)
    rows = []
    for cadre in members:
        stand = standing(tally[cadre.id], requirement_rank(cadre), year, settings)
        plan = plans.get(cadre.id)
        milestones = (
            [m for m in plan.milestones if m.state != MilestoneState.DROPPED] if plan else []
        )
        done = sum(1 for m in milestones if m.state == MilestoneState.DONE)
        active = plan is not None and plan.state == PlanState.ACTIVE
        overdue = sum(
            1 for m in milestones if m.state != MilestoneState.DONE and m.due_date < today
        )
        overdue = overdue if active else 0
        grades = essays.get(cadre.id, [])
        rows.append(
            {
                "工号": cadre.staff_no,
                "姓名": cadre.name,
                "部门": cadre.department.name if cadre.department else "",
                "职级": cadre.rank or "",
                "计入": num(stand.counted),
                "要求": num(stand.required),
                "期间": stand.window_text,
                "尚差": num(stand.short),
                "完成率": stand.percent,
                "达标": stand.short == 0,
                "计划": PLAN_STATES[plan.state] if plan else "未制定",
                "里程碑": f"{done}/{len(milestones)}" if plan else "—",
                "逾期": overdue,
                "策论": _essay_summary(grades),
                "主讲": given.get(cadre.id, 0),
                "听讲": heard.get(cadre.id, 0),
            }
        )
    programme = cohort.programme
    return {
        "项目": programme.name,
        "批次": cohort.name,
        "批次年度": cohort.year,
        "年度": year,
        "单位": organisation_name(members[0])
        if members
        else str(current_app.config["ORGANISATION_NAME"]),
        "rows": rows,
        "人数": len(rows),
        "达标人数": sum(1 for r in rows if r["达标"]),
        "未达标人数": sum(1 for r in rows if not r["达标"]),
        "计划生效": sum(1 for r in rows if r["计划"] == "生效"),
        "逾期里程碑": sum(r["逾期"] for r in rows),
        "策论篇数": sum(len(v) for v in essays.values()),
        "主讲次数": sum(given.values()),
        "生成时间": f"{generated_at:%Y-%m-%d %H:%M}",
        "日期": long_date(today),
    }


def _essays_by_author(ids: list[int], year: int) -> dict[int, list[tuple[str | None, bool]]]:
    found: dict[int, list[tuple[str | None, bool]]] = defaultdict(list)
    if not ids:
        return found
    stmt = (
        sa.select(Essay.author_id, Essay.final_grade, Essay.adopted)
        .where(Essay.author_id.in_(ids), sa.extract("year", Essay.submitted_on) == year)
        .order_by(Essay.submitted_on, Essay.id)
    )
    for author_id, grade, adopted in db.session.execute(stmt):
        found[author_id].append((grade, adopted))
    return found


def _essay_summary(grades: list[tuple[str | None, bool]]) -> str:
    """``2篇：优秀、评审中；采纳1``; ``—`` for none."""
    if not grades:
        return "—"
    text = f"{len(grades)}篇：" + "、".join(grade or "评审中" for grade, _a in grades)
    adopted = sum(1 for _g, a in grades if a)
    return text + (f"；采纳{adopted}" if adopted else "")


def _lectures_by_cadre(ids: list[int], year: int) -> tuple[dict[int, int], dict[int, int]]:
    if not ids:
        return {}, {}
    in_year = sa.extract("year", Lecture.held_on) == year
    given = dict(
        db.session.execute(
            sa.select(Lecture.speaker_id, sa.func.count())
            .where(Lecture.speaker_id.in_(ids), in_year)
            .group_by(Lecture.speaker_id)
        ).all()
    )
    heard = dict(
        db.session.execute(
            sa.select(LectureAttendee.cadre_id, sa.func.count())
            .join(Lecture, Lecture.id == LectureAttendee.lecture_id)
            .where(LectureAttendee.cadre_id.in_(ids), in_year)
            .group_by(LectureAttendee.cadre_id)
        ).all()
    )
    return given, heard


def cohort_title(cohort: Cohort) -> str:
    return f"{cohort.programme.name}{cohort.name}{COHORT_TITLE}"
