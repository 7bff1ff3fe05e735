"""Generated demo data: an organisation, sections, cadres and one login per role.

Every person is generated from a fixed seed; none is real. Never run against production.
The data is meant to look right to a personnel officer (tests/test_demo.py checks it): one
处长 per section (the 办公室 has a 主任), deputies below them and everyone else's post written
as their 职级; 共青团员 only under 28; parents 20-40 years older, children younger, spouses
near in age, each with an occupation that fits the age; degrees with their discipline; and
every date something happened in the office a working day (Monday to Friday, no holiday).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import (
    Cadre,
    Department,
    FamilyMember,
    Organisation,
    ResumeEntry,
    Role,
    User,
)
from cadre_app.models.enums import GENDERS, rank_index
from cadre_app.services.accounts import operations as accounts
from cadre_app.services.core import holiday_sync, idcard, workdays
from cadre_app.services.roster import operations as roster
from cadre_app.services.roster.rules import age_on

DEMO_PASSWORD = "Demo@2026"  # noqa: S105 - documented demo logins, never production
DEMO_ORGANISATION = "示例市财政局（演示数据）"
DEMO_SECTIONS = (
    "办公室",
    "预算处",
    "国库处",
    "绩效管理处",
    "政府采购处",
    "会计处",
    "财会监督处",
    "组织人事处",
)
DEMO_LOGINS = (
    ("admin", Role.ADMIN, "系统管理员：账户与设置"),
    ("hr", Role.HR, "组织人事处：干部名册、考核、培训"),
    ("manager", Role.MANAGER, "领导：分管预算处"),
    ("cadre", Role.CADRE, "干部：预算处的一名年轻干部"),
    ("auditor", Role.AUDITOR, "安全审计员：只读审计日志"),
)
#: Real names of the demo logins that are not cadres of the roster (generated, not real people).
DEMO_STAFF_NAMES = {Role.ADMIN: "周信安", Role.HR: "郑人和", Role.AUDITOR: "钱审之"}
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建红晨宇浩然思雨欣怡子涵博文"
_RANKS = ("一级科员", "四级主任科员", "三级主任科员", "二级主任科员", "一级主任科员", "四级调研员")
_REGIONS = ("110105", "120101", "130102", "310104", "320106", "370102", "420106", "510107")
#: School and major -> the discipline its degrees are written with (经济学学士, 管理学硕士 …).
_SCHOOLS = {
    "某财经大学财政学专业": "经济学",
    "某大学会计学专业": "管理学",
    "某大学经济学专业": "经济学",
    "某财经大学税收学专业": "经济学",
    "某大学法学专业": "法学",
    "某大学计算机科学与技术专业": "工学",
}
#: Where working relatives work; the retired and the young are written differently.
_WORKING = (
    "某中学教师",
    "某医院医生",
    "某公司职员",
    "某区税务局干部",
    "某银行职员",
    "某街道办事处干部",
    "某国有企业工程师",
)
_RETIRED = ("退休", "某中学退休教师", "某国有企业退休职工", "某医院退休医生")
#: Age at which the demo's relatives have retired (60 for men, 55 for women, simplified).
_RETIRED_AT = {"男": 60, "女": 55}
#: The head and deputy posts of a section; the 办公室 is headed by a 主任.
HEAD_POSTS = {"办公室": ("主任", "副主任")}
DEFAULT_HEAD_POSTS = ("处长", "副处长")
#: The 共青团 age limit: members leave at 28.
LEAGUE_AGE = 28


def degree_text(school: str, level: str) -> str:
    """The degree as the form writes it, with its discipline: 经济学学士, 管理学硕士."""
    return f"{_SCHOOLS.get(school, '')}{level}"


def occupation(rng: random.Random, age: int, gender: str) -> str:
    """What a relative of ``age`` does, plausibly: 学龄前, a pupil or student, at work, or
    retired."""
    if age < 3:
        return "学龄前"
    if age < 6:
        return "某幼儿园"
    if age < 12:
        return "某小学学生"
    if age < 18:
        return "某中学学生"
    if age < 22:
        return "某大学学生"
    if age >= _RETIRED_AT.get(gender, 60):
        return rng.choice(_RETIRED)
    return rng.choice(_WORKING)


def _relative_status(rng: random.Random, age: int) -> str:
    if age < 14:
        return "群众"
    if age < LEAGUE_AGE and rng.random() < 0.6:
        return "共青团员"
    if age >= 18 and rng.random() < 0.4:
        return "中共党员"
    return "群众"


def _relative(
    rng: random.Random, relation: str, name: str, birth: date, gender: str, today: date
) -> FamilyMember:
    age = age_on(birth, today)
    return FamilyMember(
        relation=relation,
        name=name,
        birth_date=birth,
        political_status=_relative_status(rng, age),
        employer_and_post=occupation(rng, age, gender),
    )


def _demo_cadre(rng: random.Random, i: int, section: Department, today: date) -> Cadre:
    """A generated, internally consistent cadre: ID number agrees with birth date and sex,
    dates in order, résumé and family filled. The post is set by ``_assign_posts``."""
    gender = rng.choice(GENDERS)
    birth = date(rng.randint(1968, 2000), rng.randint(1, 12), rng.randint(1, 28))
    sequence = rng.randrange(1, 999, 2) if gender == "男" else rng.randrange(2, 999, 2)
    graduated = date(birth.year + rng.randint(22, 25), 7, 1)
    age_now = age_on(birth, today)
    rank = _RANKS[min(len(_RANKS) - 1, max(0, (age_now - 24) // 4 + rng.randint(-1, 1)))]
    party = rng.random() < 0.8
    others = ("共青团员", "群众") if age_now < LEAGUE_AGE else ("群众", "九三学社社员")
    rank_since = date(rng.randint(max(graduated.year + 1, 2026 - 6), 2025), rng.randint(1, 12), 1)
    school = rng.choice(list(_SCHOOLS))
    staff_no = roster.format_staff_no(i + 1)  # the configured scheme, as for every new cadre
    cadre = Cadre(
        staff_no=staff_no,
        name=rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=rng.randint(1, 2))),
        gender=gender,
        ethnicity="汉族" if rng.random() < 0.9 else rng.choice(("回族", "满族", "蒙古族")),
        birth_date=birth,
        native_place=rng.choice(("河北保定", "山东济南", "天津", "江苏南京", "湖北武汉")),
        birthplace=rng.choice(("天津", "河北唐山", "山东青岛")),
        political_status="中共党员" if party else rng.choice(others),
        party_join_date=date(birth.year + rng.randint(20, 26), rng.randint(1, 12), 1)
        if party
        else None,
        work_start_date=graduated,
        health="健康",
        id_number=idcard.make(rng.choice(_REGIONS), birth, sequence),
        ft_education=rng.choice(("大学本科", "大学本科", "研究生")),
        ft_degree=None,
        ft_school=school,
        department=section,
        rank=rank,
        rank_since=rank_since,
        phone=f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
        updated_by="seed-demo",
    )
    cadre.ft_degree = "硕士" if cadre.ft_education == "研究生" else "学士"
    level = "硕士" if cadre.ft_education == "研究生" else "学士"
    cadre.ft_degree = degree_text(school, level)  # written with its discipline: 经济学学士
    cadre.ft_degree_level = roster.degree_level(cadre.ft_degree)
    if cadre.party_join_date and cadre.party_join_date > date(2026, 1, 1):
        cadre.party_join_date = date(2025, 7, 1)
    study_start = date(graduated.year - (3 if cadre.ft_education == "研究生" else 4), 9, 1)
    cadre.resume = [
        ResumeEntry(start=study_start, end=date(graduated.year, 6, 1), description=f"{school}学习"),
        *_career(rng, graduated, rank_since, section.name),
        ResumeEntry(start=rank_since, end=None, description=""),  # the post: _assign_posts
    ]
    cadre.family = _family(rng, cadre, today)
    return cadre


#: The posts a career passes through before the present one (before 2019 these were posts;
#: the demo keeps the words the résumés of the time used).
_CAREER = ("科员", "副主任科员", "主任科员")


def _career(rng: random.Random, start: date, until: date, section: str) -> list[ResumeEntry]:
    """Résumé lines from ``start`` to ``until``, a new line every four to seven years: up the
    ladder first (the first years in another section, then in the cadre's own), then, at
    its top, moves between sections (交流) ending in the cadre's own."""
    lines = []
    unit = rng.choice(DEMO_SECTIONS)
    step = 0
    while True:
        end = date(start.year + rng.randint(4, 7), rng.randint(1, 12), 1)
        if end.year >= until.year - 1:
            end = until
        post = _CAREER[min(step, len(_CAREER) - 1)]
        if step < len(_CAREER):
            unit = section if step or end == until else unit
        elif end == until and unit != section:
            unit = section  # moved back to the section of the present post
        else:  # a move at the ladder's top: never the same line twice
            unit = rng.choice([name for name in DEMO_SECTIONS if name not in (unit, section)])
        lines.append(ResumeEntry(start=start, end=end, description=f"示例市财政局{unit}{post}"))
        if end == until:
            return lines
        start, step = end, step + 1


def _family(rng: random.Random, cadre: Cadre, today: date) -> list[FamilyMember]:
    """Spouse (within three years of the cadre's age) and a child for most over 30, then
    the parents, 22-35 years older: the order of the form."""
    birth, surname = cadre.birth_date, cadre.name[0]
    age = age_on(birth, today)
    family = []
    if age > 28 and rng.random() < 0.9:
        spouse_gender = "女" if cadre.gender == "男" else "男"
        spouse_surname = rng.choice(_SURNAMES)
        spouse_birth = date(birth.year + rng.randint(-3, 3), rng.randint(1, 12), rng.randint(1, 28))
        family.append(
            _relative(
                rng,
                "妻子" if spouse_gender == "女" else "丈夫",
                spouse_surname + "".join(rng.choices(_GIVEN, k=rng.randint(1, 2))),
                spouse_birth,
                spouse_gender,
                today,
            )
        )
        child_birth = date(birth.year + rng.randint(25, 33), rng.randint(1, 12), rng.randint(1, 28))
        if age > 30 and child_birth < today and rng.random() < 0.85:
            son = rng.random() < 0.5
            family.append(
                _relative(
                    rng,
                    "儿子" if son else "女儿",
                    (surname if cadre.gender == "男" else spouse_surname)
                    + "".join(rng.choices(_GIVEN, k=rng.randint(1, 2))),
                    child_birth,
                    "男" if son else "女",
                    today,
                )
            )
    father_birth = date(birth.year - rng.randint(24, 35), rng.randint(1, 12), rng.randint(1, 28))
    mother_birth = date(
        max(father_birth.year - 3, min(birth.year - 22, father_birth.year + rng.randint(-3, 3))),
        rng.randint(1, 12),
        rng.randint(1, 28),
    )
    family.append(
        _relative(
            rng,
            "父亲",
            surname + rng.choice(_GIVEN) + rng.choice(_GIVEN),
            father_birth,
            "男",
            today,
        )
    )
    family.append(
        _relative(
            rng,
            "母亲",
            rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN),
            mother_birth,
            "女",
            today,
        )
    )
    for order, member in enumerate(family):
        member.sort_order = order
    return family


def _deputy_before(cadre: Cadre, deputy_post: str) -> None:
    """A head was a deputy first: the second half of the line before the head's post."""
    previous = cadre.resume[-2]
    if previous.end is None or previous.end.year - previous.start.year < 2:
        return
    middle = date((previous.start.year + previous.end.year + 1) // 2, previous.start.month, 1)
    cadre.resume.insert(
        len(cadre.resume) - 1, ResumeEntry(start=middle, end=previous.end, description=deputy_post)
    )
    previous.end = middle


def _assign_posts(sections: list[Department], cadres: list[Cadre]) -> None:
    """One head per section (its most senior cadre, a 县处级正职 of at least 四级调研员),
    one or two deputies (the next ones of at least 一级主任科员), everyone else's post
    written as their 职级; each cadre's last résumé line is the post."""
    for section in sections:
        head, deputy = HEAD_POSTS.get(section.name, DEFAULT_HEAD_POSTS)
        members = sorted(
            (c for c in cadres if c.department is section),
            key=lambda c: (-rank_index(c.rank), c.birth_date, c.staff_no),
        )
        deputies = 2 if len(members) >= 15 else 1
        for n, cadre in enumerate(members):
            if n == 0:
                if rank_index(cadre.rank) < rank_index("四级调研员"):
                    cadre.rank = "四级调研员"
                cadre.leadership_level, post = "县处级正职", head
                section.head = cadre
                _deputy_before(cadre, f"示例市财政局{section.name}{deputy}")
            elif n <= deputies and rank_index(cadre.rank) >= rank_index("一级主任科员"):
                cadre.leadership_level, post = "县处级副职", deputy
            else:
                cadre.leadership_level, post = None, cadre.rank
            cadre.position_title = f"{section.name}{post}"
            cadre.resume[-1].description = f"示例市财政局{section.name}{post}"


class DemoError(RuntimeError):
    """The database holds real data; demo data would mix with it."""


@dataclass(frozen=True)
class SeedResult:
    created: bool
    cadres: int
    #: The years whose holidays were synced (this year and next, when the package knows them).
    holiday_years: tuple[int, ...] = ()
    #: Three unused ballot codes of the demo's open assessment (codes are shown only once).
    ballot_codes: tuple[str, ...] = ()


def has_real_accounts() -> bool:
    """True when any account was not made by ``seed`` (a production database)."""
    return bool(
        db.session.scalar(
            sa.select(sa.func.count()).select_from(User).where(User.is_demo.is_(False))
        )
    )


def seed(cadre_count: int = 120) -> SeedResult:
    """Create the demo organisation once; a second call changes nothing."""
    if db.session.scalar(sa.select(Organisation).where(Organisation.name == DEMO_ORGANISATION)):
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Cadre)) or 0
        return SeedResult(created=False, cadres=count)
    if has_real_accounts():
        raise DemoError(
            "数据库中已有非演示账户，拒绝写入演示数据（切勿在生产数据库上运行 seed-demo）。"
        )
    rng = random.Random(2026)
    organisation = Organisation(name=DEMO_ORGANISATION)
    db.session.add(organisation)
    sections = [
        Department(organisation=organisation, name=name, sort_order=i)
        for i, name in enumerate(DEMO_SECTIONS)
    ]
    db.session.add_all(sections)
    today = clock.today()
    with db.session.no_autoflush:  # the 工号 scheme is read while the cadres are being built
        cadres = [
            _demo_cadre(rng, i, sections[i % len(sections)], today) for i in range(cadre_count)
        ]
    # The demo cadre login belongs to a young cadre of 预算处, the section the demo manager leads.
    young = cadres[1]
    young.birth_date = date(1996, 5, 12)
    young.id_number = idcard.make("110105", young.birth_date, 23 if young.gender == "男" else 24)
    young.work_start_date = date(2019, 7, 1)
    young.party_join_date = date(2018, 6, 1) if young.political_status == "中共党员" else None
    if young.political_status == "共青团员":  # 30 years old: past the League's age
        young.political_status = "群众"
    young.rank, young.rank_since, young.leadership_level = "一级科员", date(2021, 8, 1), None
    young.ft_school = "某财经大学财政学专业"
    young.resume = [
        ResumeEntry(
            start=date(2015, 9, 1), end=date(2019, 6, 1), description="某财经大学财政学专业学习"
        ),
        ResumeEntry(start=date(2019, 7, 1), end=None, description=""),
    ]
    young.department = sections[1]
    young.family = _family(rng, young, today)
    _assign_posts(sections, cadres)
    db.session.add_all(cadres)
    db.session.flush()
    linked = {Role.CADRE: young, Role.MANAGER: sections[1].head}
    for username, role, _description in DEMO_LOGINS:
        cadre = linked.get(role)
        user = accounts.create_user(
            username,
            role,
            DEMO_PASSWORD,
            real_name=cadre.name if cadre else DEMO_STAFF_NAMES.get(role, ""),
            cadre_staff_no=cadre.staff_no if cadre else None,
            must_change_password=False,
            is_demo=True,
        )
        if role is Role.MANAGER:  # the head of 预算处 is its 处长
            db.session.flush()
            accounts.set_sections(user, head_of=sections[1].id, oversees=[])
    db.session.flush()
    holiday_years = _demo_calendar()
    _demo_evaluations(rng, cadres)
    from cadre_app.services.training import demo as training_demo  # issue 11: training

    training_demo.seed(cadres, today=today)
    from cadre_app.services.secondments import demo as secondments_demo  # issue 12

    secondments_demo.seed(cadres, own=young, today=today)
    from cadre_app.services.assessments import demo as assessments_demo  # issue 13

    assessed = assessments_demo.seed(_young_cadres(cadres, today), own=young, today=today)
    from cadre_app.services.selection import demo as selection_demo  # issue 14

    selection_demo.seed(_young_cadres(cadres, today), own=young, today=today)
    _demo_open_talks(sections[1], own=young, today=today)
    from cadre_app.services.honours import demo as honours_demo  # issue 15: the honour roll

    honours_demo.seed(cadres, own=young, today=today)
    from cadre_app.services.reminders import demo as reminders_demo  # issue 15: reminders

    reminders_demo.seed(young, today=today)
    return SeedResult(
        created=True,
        cadres=len(cadres),
        holiday_years=holiday_years,
        ballot_codes=tuple(assessed.codes),
    )


def _young_cadres(cadres: list[Cadre], today: date) -> list[Cadre]:
    """The young cadres (年轻干部) among ``cadres`` under the age lines in force."""
    from cadre_app.services.core import settings
    from cadre_app.services.roster.rules import is_young_cadre

    lines = settings.value("young_cadre_age_lines")
    return [
        c
        for c in cadres
        if is_young_cadre(c.birth_date, c.rank, c.leadership_level, on=today, lines=lines)
    ]


def _demo_calendar() -> tuple[int, ...]:
    """This year's and next year's public holidays, as far as the chinese_calendar package
    knows them (next year's arrives with the package's release after the year-end notice)."""
    this_year = clock.today().year
    years = tuple(y for y in (this_year, this_year + 1) if y in holiday_sync.known_years())
    for year in years:
        holiday_sync.sync(year, actor="seed-demo")
    return years


#: Six years of scores: five decided (the structure report's five-year grade trend, the
#: reminders' three-year decline) and the newest ranked, waiting for HR to confirm.
DEMO_YEARS = (2020, 2021, 2022, 2023, 2024, 2025)


def national_calendar(year: int) -> dict[date, bool]:
    """The year's holidays and 调休 days as ``workdays`` overrides, from the national notice
    (the chinese_calendar package); empty for a year it does not know."""
    if year not in holiday_sync.known_years():
        return {}
    return {day: is_work for day, (_name, is_work) in holiday_sync.national_days(year).items()}


def working_day(day: date, calendar: dict[date, bool]) -> date:
    """``day`` or the next day the office is open that is not a weekend: a talk or a
    decision is never dated on a holiday, nor on a 调休 Saturday or Sunday either."""
    while day.weekday() >= 5 or not workdays.is_workday(day, calendar):
        day += timedelta(days=1)
    return day


def _demo_open_talks(section: Department, *, own: Cadre, today: date) -> None:
    """Two talks the demo manager (the 预算处 head) is to conduct: a 谈心谈话 opened ten days
    ago (its due date already past) and a 提醒谈话 from 日常监督 opened today, through the talks
    domain's door (the dashboard's 我主谈的谈话)."""
    from cadre_app.services.talks import operations as talks

    head = section.head
    others = db.session.scalars(
        sa.select(Cadre)
        .where(Cadre.department_id == section.id, Cadre.id.not_in([own.id, getattr(head, "id", 0)]))
        .order_by(Cadre.staff_no)
    ).all()
    if head is None or len(others) < 2:
        return
    for subject, kind, source, reason, opened in (
        (
            others[0],
            "谈心谈话",
            "其他",
            "新任岗位后的思想和工作情况交流",
            today - timedelta(days=40),
        ),
        (others[1], "提醒谈话", "日常监督", "近期工作中出现的苗头性问题", today),
    ):
        talks.open_talks(
            [talks.TalkOpening(kind, source, subject.id, reason, conductor=head)],
            actor="seed-demo",
            today=opened,
        )


def _demo_evaluations(rng: random.Random, cadres: list[Cadre]) -> None:
    """Six years of scores: 2020 to 2024 decided (their reminder talks closed), 2025 ranked
    and waiting for HR to confirm; a cadre is evaluated from the year they started work. Each
    cadre keeps a stable level plus yearly noise."""
    from cadre_app.models import Talk, TalkState
    from cadre_app.services.evaluations import operations as evaluation

    level = {c.id: rng.uniform(78, 92) for c in cadres}
    for year in DEMO_YEARS:
        cycle, _created = evaluation.ensure_cycle(year, actor="seed-demo")
        rows = []
        for cadre in cadres:
            if cadre.work_start_date is not None and cadre.work_start_date.year > year:
                continue  # not yet at work that year: not in its evaluation
            base = level[cadre.id] + rng.uniform(-3, 3)
            rows.append(
                (
                    cadre,
                    round(min(100, base + rng.uniform(-2, 2)), 1),
                    round(min(100, base + rng.uniform(-4, 4)), 1),
                    round(min(100, base + rng.uniform(-3, 3)), 1),
                )
            )
        ordered = sorted(rows, key=lambda r: -(r[1] * 0.4 + r[2] * 0.3 + r[3] * 0.3))
        excellent = {r[0].id for r in ordered[: len(ordered) * 15 // 100]}
        basic = {r[0].id for r in ordered[-2:]}
        for cadre, o, d, l_ in rows:
            grade = "优秀" if cadre.id in excellent else "基本称职" if cadre.id in basic else "称职"
            evaluation.set_scores(
                cycle,
                cadre,
                ordinary=o,
                democratic=d,
                leader=l_,
                proposed_grade=grade,
                actor="seed-demo",
            )
        if year == DEMO_YEARS[-1]:
            evaluation.rank_cycle(cycle, actor="seed-demo")
            continue
        calendar = national_calendar(year + 1)
        confirmed = working_day(date(year + 1, 1, 10), calendar)
        publicity = working_day(confirmed + timedelta(days=1), calendar)
        decided = working_day(date(year + 1, 2, 1), calendar)
        evaluation.confirm_cycle(cycle, actor="seed-demo", today=confirmed)
        evaluation.start_publicity(cycle, start=publicity, actor="seed-demo")
        evaluation.decide_cycle(cycle, actor="seed-demo", today=decided)
        triggered = sa.select(Talk).where(Talk.state == TalkState.TRIGGERED).order_by(Talk.id)
        for n, talk in enumerate(db.session.scalars(triggered)):
            held = decided
            for _day in range(1 + n % 6):  # spread over the next working days
                held = working_day(held + timedelta(days=1), calendar)
            hour, minute = ((9, 0), (10, 30), (14, 30), (16, 0))[n % 4]
            talk.state = TalkState.CLOSED
            talk.held_at = datetime.combine(held, datetime.min.time()).replace(
                hour=hour, minute=minute
            )
            # opened when the year was decided, closed a month after it was held (naive UTC,
            # as stored): the monthly statistics count them then, not on the seeding day
            talk.created_at = datetime.combine(decided, datetime.min.time()).replace(hour=1)
            talk.updated_at = talk.held_at + timedelta(days=30)
            talk.place = "局机关小会议室"
            talk.content = "指出考核中反映的不足，提出改进要求，本人表示接受。"
            talk.follow_up_result = "已按要求整改。"
    db.session.flush()
