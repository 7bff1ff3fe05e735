"""Demo training data (``flask seed-demo``), seeded once with the demo organisation.

The programme 五航工程 with a cohort of this year's young cadres (the demo ``cadre`` login's
cadre among them), a dozen courses over the last three years with enrolments and attendance
(some cadres behind this year, one over the 1/7 leave limit and so 未结业, a course still to
come), a few external records, 业务微讲座 with ratings, 策论 graded by the demo ``hr`` and
``manager`` users (two awaiting the manager's grade, one 采纳), and a development plan for each
cohort member with milestones (some overdue), mentors (the demo ``manager`` mentors the demo
cadre), reviews and a comment by the cadre.

Outcomes obey the rules: ``hours_earned`` and ``passed`` come from ``rules.course_outcome``
and ``Essay.final_grade`` from ``rules.essay_grade``, with the settings version in force.
Years are counted back from today's, so the demo always has a "this year". Everything is
made in memory and flushed once (``tests/test_demo.py`` times the whole seed).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import Cadre, User
from cadre_app.models.training import (
    Cohort,
    DevelopmentPlan,
    Enrolment,
    Essay,
    EssayReview,
    Lecture,
    LectureAttendee,
    MilestoneState,
    PlanComment,
    PlanCourse,
    PlanMilestone,
    PlanReview,
    PlanState,
    Programme,
    TrainingCourse,
)
from cadre_app.services.core import settings as settings_service
from cadre_app.services.training import ledger, rules

PROGRAMME_NAME = "五航工程"
PROGRAMME_DESCRIPTION = (
    "本局年轻干部培养工程：以专题培训、业务微讲座、策论写作、导师帮带和实践锻炼"
    "为主要方式，分批次培养35岁以下优秀年轻干部。"
)
COHORT_SIZE = 15
ACTOR = "seed-demo"

#: (years back from this one, name, category, mode, organiser, month, day, days, 学时, capacity)
COURSES = (
    (2, "新录用公务员初任培训", "专题培训班", "脱产", "市委党校", 4, 8, 5, 40, 40),
    (2, "财政业务网络专题学习", "网络培训", "网络", "干部网络学院", 3, 1, 120, 50, None),
    (2, "预算编制与执行实务", "专题培训班", "在职", "局预算处", 9, 10, 2, 16, 60),
    (1, "青年干部履职能力提升班", "专题培训班", "脱产", "市委党校", 5, 12, 5, 40, 40),
    (1, "政府会计准则专题辅导", "专题培训班", "在职", "局会计处", 6, 17, 3, 24, 60),
    (1, "年度网络专题学习", "网络培训", "网络", "干部网络学院", 2, 20, 200, 60, None),
    (1, "公文写作与信息报送", "专题培训班", "在职", "局办公室", 10, 21, 2, 12, 80),
    (0, "五航工程青年干部专题培训班", "专题培训班", "脱产", "市委党校", 3, 9, 5, 40, 40),
    (0, "数字财政与数据分析", "专题培训班", "在职", "局国库处", 4, 21, 2, 16, 60),
    (0, "年度网络专题学习", "网络培训", "网络", "干部网络学院", 2, 16, 240, 60, None),
    (0, "财会监督业务培训", "专题培训班", "在职", "局财会监督处", 9, 15, 3, 24, 60),
    (0, "预算绩效管理专题研讨班", "专题培训班", "脱产", "省财政厅", 11, 9, 4, 32, 30),
    (0, "年终业务知识更新培训", "专题培训班", "在职", "局组织人事处", 12, 21, 2, 16, 80),
)
#: The index in COURSES of this year's programme class (the cohort attends it).
PROGRAMME_COURSE = 7
EXTERNAL = (
    (1, "全省财政系统业务骨干培训班", "专题培训班", "脱产", "省财政厅", 7, 7, 5, 40),
    (0, "高校财税政策研修班", "其他", "脱产", "某大学继续教育学院", 7, 13, 4, 32),
    (0, "政府采购法规培训", "专题培训班", "在职", "市财政局", 8, 18, 2, 12),
)
LECTURE_TOPICS = (
    "部门预算编制中的常见问题",
    "国库集中支付流程梳理",
    "政府采购意向公开实务",
    "预算绩效目标的设定方法",
    "行政事业单位内部控制要点",
    "财政数据可视化入门",
    "会计信息质量检查案例",
    "公文写作中的常见错误",
)
RATING_COMMENTS = (
    "内容实用，案例贴近工作。",
    "讲解清楚，收获很大。",
    "建议增加互动环节。",
    "结合实际，条理清晰。",
    "时间稍紧，部分内容未展开。",
)
ESSAY_TITLES = (
    ("关于提升部门预算编制精准度的思考", "预算管理"),
    ("深化政府采购制度改革的几点建议", "政府采购"),
    ("加强财会监督与其他监督贯通协调的路径", "财会监督"),
    ("以绩效评价结果促进预算安排的实践与建议", "绩效管理"),
    ("数字化背景下国库资金动态监控的探索", "国库管理"),
    ("基层财政所能力建设调研报告", "基层财政"),
)
#: Essays' reviews: (hr grade, manager grade); None = not yet graded (awaiting the manager).
ESSAY_GRADES = (
    ("优秀", "优秀"),
    ("良好", "优秀"),
    ("合格", "良好"),
    ("良好", "不合格"),
    ("良好", None),
    ("优秀", None),
)
MILESTONES = (
    ("完成五航工程专题培训班学习并结业", 3, 31),
    ("撰写并提交一篇策论", 6, 30),
    ("主讲一次业务微讲座", 9, 30),
    ("完成年度学时要求", 12, 31),
)


@dataclass(frozen=True)
class TrainingSeed:
    courses: int
    enrolments: int
    lectures: int
    essays: int
    plans: int


def _workday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0))


def _minimal_pdf(title: str) -> bytes:
    """A small valid one-page PDF standing in for the essay's file (ASCII text only)."""
    text = f"BT /F1 14 Tf 72 760 Td (Demo essay {title}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def seed(cadres: list[Cadre], *, today: date, rng: random.Random | None = None) -> TrainingSeed:
    """Seed the training demo for ``cadres`` (the demo roster). A second call changes
    nothing (the programme exists)."""
    if db.session.scalar(sa.select(Programme.id).where(Programme.name == PROGRAMME_NAME)):
        return TrainingSeed(0, 0, 0, 0, 0)
    rng = rng or random.Random(1107)
    version, value = settings_service.current(rules.SETTINGS_KEY)
    settings = {**rules.DEFAULT_SETTINGS, **value}
    users = {u.username: u for u in db.session.scalars(sa.select(User).where(User.is_demo))}
    hr, manager = users.get("hr"), users.get("manager")
    cadre_user = users.get("cadre")
    demo_cadre = next((c for c in cadres if cadre_user and c.id == cadre_user.cadre_id), None)
    year = today.year

    programme = Programme(name=PROGRAMME_NAME, description=PROGRAMME_DESCRIPTION)
    cohort = Cohort(programme=programme, year=year, name=f"{year}级")
    members = _cohort_members(cadres, demo_cadre, today)
    cohort.members = members
    db.session.add_all([programme, cohort])
    db.session.flush()  # lectures and essays name the programme by id

    courses = _courses(programme, year)
    enrolments = _enrolments(rng, courses, cadres, members, demo_cadre, settings, version, today)
    enrolments += _external(rng, cadres, year, settings, version)
    lectures = _lectures(rng, cadres, members, demo_cadre, programme, year, version, today)
    essays = _essays(members, demo_cadre, hr, manager, programme, year, version, today)
    plans = _plans(
        rng, members, demo_cadre, cadres, (manager, hr, cadre_user), cohort, courses, today
    )
    db.session.add_all([*courses, *enrolments, *lectures, *essays, *plans])
    db.session.flush()
    years = {c.end_date.year for c in courses} | {e.course.end_date.year for e in enrolments}
    years |= {lecture.held_on.year for lecture in lectures}
    years |= {essay.submitted_on.year for essay in essays}
    ids = {c.id for c in cadres} | {e.cadre_id for e in enrolments}
    ids |= {lecture.speaker_id for lecture in lectures}
    ids |= {a.cadre_id for lecture in lectures for a in lecture.attendees}
    ids |= {essay.author_id for essay in essays}
    ledger.refresh_years(ids, years)
    return TrainingSeed(len(courses), len(enrolments), len(lectures), len(essays), len(plans))


def _cohort_members(cadres: list[Cadre], demo_cadre: Cadre | None, today: date) -> list[Cadre]:
    """The demo cadre and the youngest cadres below 县处级 up to COHORT_SIZE."""
    young = sorted(
        (c for c in cadres if not c.leadership_level and not rules.is_senior(c.rank)),
        key=lambda c: (c.birth_date, c.staff_no),
        reverse=True,
    )
    chosen = [demo_cadre] if demo_cadre is not None else []
    for cadre in young:
        if len(chosen) >= COHORT_SIZE:
            break
        if cadre is not demo_cadre:
            chosen.append(cadre)
    return sorted(chosen, key=lambda c: c.staff_no)


def _online_name(year: int, name: str) -> str:
    """``2025年度网络专题学习``, ``2024年财政业务网络专题学习``."""
    return f"{year}{name}" if name.startswith("年") else f"{year}年{name}"


def _courses(programme: Programme, year: int) -> list[TrainingCourse]:
    found = []
    for index, (back, name, category, mode, organiser, m, d, days, hours, cap) in enumerate(
        COURSES
    ):
        start = _workday(date(year - back, m, d))
        end = start + timedelta(days=days - 1)
        if mode != "网络":
            while end.weekday() >= 5:
                end += timedelta(days=1)
        end = min(end, date(year - back, 12, 31))
        found.append(
            TrainingCourse(
                name=_online_name(year - back, name) if mode == "网络" else name,
                category=category,
                mode=mode,
                organiser=organiser,
                start_date=start,
                end_date=end,
                hours=rules.hours(hours),
                capacity=cap,
                programme=programme if index == PROGRAMME_COURSE else None,
                created_by=ACTOR,
            )
        )
    return found


def _attendance(
    enrolment: Enrolment,
    course: TrainingCourse,
    leave: Decimal,
    settings: dict,
    version: int | None,
) -> None:
    outcome = rules.course_outcome(course.hours, leave, settings)
    enrolment.leave_hours = rules.hours(leave)
    enrolment.attended_hours = outcome.attended
    enrolment.passed = outcome.passed
    enrolment.hours_earned = outcome.earned
    enrolment.settings_version = version


def _enrolments(
    rng: random.Random,
    courses: list[TrainingCourse],
    cadres: list[Cadre],
    members: list[Cadre],
    demo_cadre: Cadre | None,
    settings: dict,
    version: int | None,
    today: date,
) -> list[Enrolment]:
    """Most cadres on some courses; the cohort on this year's programme class. Leave mostly
    nil, sometimes within 1/7, and for one cohort member this year above it (未结业)."""
    over_limit = next((c for c in members if c is not demo_cadre), None)
    found = []
    serial = 0
    for index, course in enumerate(courses):
        if index == PROGRAMME_COURSE:
            people = list(members)
        elif course.mode == "网络":
            people = rng.sample(cadres, k=int(len(cadres) * 0.6))
        else:
            size = min(course.capacity or 40, len(cadres))
            people = rng.sample(cadres, k=rng.randint(size // 2, size))
        if demo_cadre is not None and course.start_date.year == today.year:
            # the demo cadre: only on the programme class this year, so behind
            wanted = index == PROGRAMME_COURSE
            people = [p for p in people if p is not demo_cadre] + ([demo_cadre] if wanted else [])
        for cadre in sorted(people, key=lambda c: c.staff_no):
            enrolment = Enrolment(
                course=course, cadre_id=cadre.id, source="enrol", created_by=ACTOR
            )
            found.append(enrolment)
            if course.end_date >= today:
                continue  # still to come: enrolled, attendance not recorded
            limit = course.hours / 7
            roll = rng.random()
            if course.mode == "网络" or roll < 0.8:
                leave = Decimal(0)
            elif roll < 0.95:
                leave = rules.hours(rng.uniform(1, float(limit)))
            else:
                leave = rules.hours(float(limit) + rng.uniform(1, 4))
            if cadre is demo_cadre:
                leave = Decimal(0)
            if cadre is over_limit and index == PROGRAMME_COURSE:
                leave = rules.hours(float(limit) + 2)  # over 1/7: 未结业, no 学时
            _attendance(enrolment, course, min(leave, course.hours), settings, version)
            if enrolment.passed and course.mode == "脱产":
                serial += 1
                enrolment.certificate_no = f"JY{course.start_date.year}{serial:04d}"
    return found


def _external(
    rng: random.Random, cadres: list[Cadre], year: int, settings: dict, version: int | None
) -> list[Enrolment]:
    """Training attended elsewhere: one course of one participant each."""
    found = []
    people = rng.sample(cadres[10:], k=len(EXTERNAL))
    for (back, name, category, mode, organiser, m, d, days, hours), cadre in zip(
        EXTERNAL, people, strict=True
    ):
        start = _workday(date(year - back, m, d))
        course = TrainingCourse(
            name=name,
            category=category,
            mode=mode,
            organiser=organiser,
            start_date=start,
            end_date=start + timedelta(days=days - 1),
            hours=rules.hours(hours),
            external=True,
            created_by=ACTOR,
        )
        enrolment = Enrolment(course=course, cadre_id=cadre.id, source="external", created_by=ACTOR)
        _attendance(enrolment, course, Decimal(0), settings, version)
        enrolment.certificate_no = f"WX{start.year}{rng.randint(100, 999)}"
        found.append(enrolment)
    return found


def _lectures(
    rng: random.Random,
    cadres: list[Cadre],
    members: list[Cadre],
    demo_cadre: Cadre | None,
    programme: Programme,
    year: int,
    version: int | None,
    today: date,
) -> list[Lecture]:
    """Eight lectures over last year and this one, given by cohort members (the demo cadre
    gives one), each heard by 6-12 colleagues who mostly rated it."""
    speakers = [demo_cadre] if demo_cadre is not None else []
    speakers += [c for c in members if c is not demo_cadre]
    found = []
    for n, topic in enumerate(LECTURE_TOPICS):
        held = _workday(date(year - (1 if n < 3 else 0), 3 + n % 8, 12 + n))
        if held >= today:
            held = _workday(today - timedelta(days=20 + n))
        speaker = speakers[(n * 3 + 1) % len(speakers)] if n else speakers[0]
        lecture = Lecture(
            speaker_id=speaker.id,
            topic=topic,
            held_on=held,
            duration_hours=rules.hours(rng.choice((1, 1.5, 2))),
            place="局机关三楼会议室",
            programme_id=programme.id,
            settings_version=version,
            created_by=ACTOR,
        )
        pool = [c for c in cadres if c is not speaker]
        audience = rng.sample(pool, k=rng.randint(6, 12))
        if (
            demo_cadre is not None
            and speaker is not demo_cadre
            and n % 2
            and demo_cadre not in audience
        ):
            audience.append(demo_cadre)
        for cadre in audience:
            rated = rng.random() < 0.85
            lecture.attendees.append(
                LectureAttendee(
                    cadre_id=cadre.id,
                    rating=rng.choice((3, 4, 4, 5, 5, 5)) if rated else None,
                    comment=rng.choice(RATING_COMMENTS) if rated and rng.random() < 0.5 else None,
                    rated_at=_at(held, 16) if rated else None,
                )
            )
        found.append(lecture)
    return found


def _essays(
    members: list[Cadre],
    demo_cadre: Cadre | None,
    hr: User | None,
    manager: User | None,
    programme: Programme,
    year: int,
    version: int | None,
    today: date,
) -> list[Essay]:
    """Six essays by cohort members, each reviewed by the demo hr and manager users; the last
    two still wait for the manager's grade; the best one is 采纳."""
    authors = [demo_cadre] if demo_cadre is not None else []
    authors += [c for c in members if c is not demo_cadre]
    reviewers = [u for u in (hr, manager) if u is not None]
    found = []
    for n, ((title, topic), grades) in enumerate(zip(ESSAY_TITLES, ESSAY_GRADES, strict=True)):
        submitted = _workday(date(year, 4 + n, 8))
        if submitted >= today:
            submitted = _workday(today - timedelta(days=30 - n))
        author = authors[(n * 2) % len(authors)]
        content = _minimal_pdf(f"{n + 1}")
        essay = Essay(
            author_id=author.id,
            title=title,
            topic=topic,
            submitted_on=submitted,
            file_name=f"{title}.pdf",
            file_type="pdf",
            file_size=len(content),
            file_data=content,
            programme_id=programme.id,
            settings_version=version,
            created_by=ACTOR,
        )
        given = []
        for reviewer, grade in zip(reviewers, grades, strict=False):
            graded_at = _at(submitted + timedelta(days=10 + n), 15) if grade else None
            essay.reviews.append(
                EssayReview(
                    reviewer_id=reviewer.id,
                    grade=grade,
                    comment=f"{grade}。论点明确，建议进一步细化措施。" if grade else None,
                    assigned_at=_at(submitted + timedelta(days=1)),
                    graded_at=graded_at,
                )
            )
            if grade:
                given.append(grade)
        essay.final_grade = rules.essay_grade(given) if len(given) == len(reviewers) else None
        if essay.final_grade:
            essay.graded_at = _at(submitted + timedelta(days=10 + n), 16)
        if n == 0 and essay.final_grade == "优秀":
            essay.adopted = True
            essay.adopted_on = _workday(submitted + timedelta(days=30))
            essay.adopted_note = "局党组会议研究采纳，相关建议纳入下年度预算编制通知。"
        found.append(essay)
    return found


def _plans(
    rng: random.Random,
    members: list[Cadre],
    demo_cadre: Cadre | None,
    cadres: list[Cadre],
    accounts: tuple[User | None, User | None, User | None],
    cohort: Cohort,
    courses: list[TrainingCourse],
    today: date,
) -> list[DevelopmentPlan]:
    """A two-year plan for each cohort member: active (one still a draft, one stopped),
    mentored by their section's head (the demo manager, with his account, for the demo
    cadre), milestones due through the year (past ones mostly done, some overdue), quarterly
    reviews so far and, for the demo cadre, a comment of their own."""
    manager, hr, cadre_user = accounts
    year = today.year
    heads = {c.department_id: c for c in cadres if c.leadership_level == "县处级正职"}
    manager_cadre = next((c for c in cadres if manager and c.id == manager.cadre_id), None)
    found = []
    for n, cadre in enumerate(members):
        is_demo = cadre is demo_cadre
        if is_demo:
            state = PlanState.ACTIVE
        elif n == len(members) - 1:
            state = PlanState.DRAFT
        elif n == len(members) - 2:
            state = PlanState.STOPPED
        else:
            state = PlanState.ACTIVE
        mentor = manager_cadre if is_demo else heads.get(cadre.department_id)
        plan = DevelopmentPlan(
            cadre_id=cadre.id,
            period_start=date(year, 1, 1),
            period_end=date(year + 1, 12, 31),
            goals=(
                "提升预算编制与政策研究能力；完成年度学时要求；"
                "至少主讲一次业务微讲座、提交一篇策论；争取到基层一线实践锻炼。"
            ),
            state=state,
            mentor_cadre_id=mentor.id if mentor else None,
            mentor_user_id=manager.id if is_demo and manager else None,
            planned_secondment=(f"拟于{year + 1}年下派基层财政所锻炼6个月" if n % 3 == 0 else None),
            cohort=cohort,
            created_by=ACTOR,
        )
        for k, (title, m, d) in enumerate(MILESTONES):
            due = date(year, m, d)
            if due >= today or state is PlanState.DRAFT:
                milestone_state = MilestoneState.IN_PROGRESS if k == 3 else MilestoneState.PENDING
            elif is_demo:
                # the demo cadre: done on time except the lecture milestone, overdue
                milestone_state = MilestoneState.IN_PROGRESS if k == 2 else MilestoneState.DONE
            else:
                milestone_state = (
                    MilestoneState.DONE if rng.random() < 0.7 else MilestoneState.IN_PROGRESS
                )
            plan.milestones.append(
                PlanMilestone(
                    title=title,
                    due_date=due,
                    state=milestone_state,
                    done_on=due - timedelta(days=rng.randint(1, 20))
                    if milestone_state == MilestoneState.DONE
                    else None,
                )
            )
        plan.courses.append(
            PlanCourse(course=courses[PROGRAMME_COURSE], title=courses[PROGRAMME_COURSE].name)
        )
        plan.courses.append(PlanCourse(title="党性教育专题培训（待安排）"))
        if state is not PlanState.DRAFT:
            reviewer = manager if is_demo else hr
            for quarter in (3, 6, 9):
                reviewed = _workday(date(year, quarter, 25))
                if reviewed >= today:
                    break
                plan.reviews.append(
                    PlanReview(
                        reviewer_id=reviewer.id if reviewer else None,
                        reviewer_name=(reviewer.display_name if reviewer else "组织人事处"),
                        reviewed_on=reviewed,
                        content=rng.choice(
                            (
                                "本季度按计划完成培训任务，学习态度端正。",
                                "业务能力有进步，建议加强政策研究和文字综合。",
                                "里程碑推进偏慢，需抓紧完成微讲座准备。",
                            )
                        ),
                    )
                )
        if is_demo:
            plan.comments.append(
                PlanComment(
                    author_id=cadre_user.id if cadre_user else None,
                    author_name=cadre.name,
                    content="感谢导师指导。微讲座拟讲“部门预算编制中的常见问题”，争取年底前完成。",
                    created_at=_at(min(_workday(date(year, 10, 9)), today), 9),
                )
            )
        found.append(plan)
    return found
