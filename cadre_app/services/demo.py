"""Generated demo data: an organisation, sections, cadres and one login per role.

Every person is generated from a fixed seed; none is real. Never run against production.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime

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
from cadre_app.services.core import holiday_sync, idcard
from cadre_app.services.roster import operations as roster

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
_SCHOOLS = (
    "某财经大学财政学专业",
    "某大学会计学专业",
    "某大学经济学专业",
    "某财经大学税收学专业",
    "某大学法学专业",
    "某大学计算机科学与技术专业",
)
_EMPLOYERS = ("某中学教师", "某医院医生", "某公司职员", "退休", "某区税务局干部", "某银行职员")


def _demo_cadre(rng: random.Random, i: int, section: Department) -> Cadre:
    """A generated, internally consistent cadre: ID number agrees with birth date and sex,
    dates in order, résumé and family filled."""
    gender = rng.choice(GENDERS)
    birth = date(rng.randint(1968, 2000), rng.randint(1, 12), rng.randint(1, 28))
    sequence = rng.randrange(1, 999, 2) if gender == "男" else rng.randrange(2, 999, 2)
    graduated = date(birth.year + rng.randint(22, 25), 7, 1)
    age_now = 2026 - birth.year
    rank = _RANKS[min(len(_RANKS) - 1, max(0, (age_now - 24) // 4 + rng.randint(-1, 1)))]
    leadership = None
    post = "科员" if rank_index(rank) < rank_index("三级主任科员") else "主任科员"
    if rank == "四级调研员":
        leadership, post = "县处级正职", "处长"
    elif rank == "一级主任科员" and rng.random() < 0.5:
        leadership, post = "县处级副职", "副处长"
    party = rng.random() < 0.8
    rank_since = date(rng.randint(max(graduated.year + 1, 2026 - 6), 2025), rng.randint(1, 12), 1)
    school = rng.choice(_SCHOOLS)
    staff_no = roster.format_staff_no(i + 1)  # the configured scheme, as for every new cadre
    cadre = Cadre(
        staff_no=staff_no,
        name=rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=rng.randint(1, 2))),
        gender=gender,
        ethnicity="汉族" if rng.random() < 0.9 else rng.choice(("回族", "满族", "蒙古族")),
        birth_date=birth,
        native_place=rng.choice(("河北保定", "山东济南", "天津", "江苏南京", "湖北武汉")),
        birthplace=rng.choice(("天津", "河北唐山", "山东青岛")),
        political_status="中共党员" if party else rng.choice(("共青团员", "群众", "九三学社社员")),
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
        position_title=f"{section.name}{post}",
        rank=rank,
        rank_since=rank_since,
        leadership_level=leadership,
        phone=f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
        updated_by="seed-demo",
    )
    cadre.ft_degree = "硕士" if cadre.ft_education == "研究生" else "学士"
    cadre.ft_degree_level = roster.degree_level(cadre.ft_degree)
    if cadre.party_join_date and cadre.party_join_date > date(2026, 1, 1):
        cadre.party_join_date = date(2025, 7, 1)
    study_start = date(graduated.year - (3 if cadre.ft_education == "研究生" else 4), 9, 1)
    cadre.resume = [
        ResumeEntry(start=study_start, end=date(graduated.year, 6, 1), description=f"{school}学习"),
        ResumeEntry(
            start=graduated,
            end=rank_since,
            description=f"示例市财政局{rng.choice(DEMO_SECTIONS)}科员",
        ),
        ResumeEntry(start=rank_since, end=None, description=f"示例市财政局{section.name}{post}"),
    ]
    family = []
    if age_now > 28:
        family.append(
            FamilyMember(
                relation="妻子" if gender == "男" else "丈夫",
                name=rng.choice(_SURNAMES) + rng.choice(_GIVEN),
                birth_date=date(birth.year + rng.randint(-2, 2), rng.randint(1, 12), 1),
                political_status=rng.choice(("中共党员", "群众")),
                employer_and_post=rng.choice(_EMPLOYERS),
                sort_order=0,
            )
        )
    family.append(
        FamilyMember(
            relation="父亲",
            name=cadre.name[0] + rng.choice(_GIVEN) + rng.choice(_GIVEN),
            birth_date=date(birth.year - rng.randint(24, 32), rng.randint(1, 12), 1),
            political_status=rng.choice(("中共党员", "群众")),
            employer_and_post=rng.choice(_EMPLOYERS),
            sort_order=len(family),
        )
    )
    cadre.family = family
    return cadre


class DemoError(RuntimeError):
    """The database holds real data; demo data would mix with it."""


@dataclass(frozen=True)
class SeedResult:
    created: bool
    cadres: int
    #: The years whose holidays were synced (this year and next, when the package knows them).
    holiday_years: tuple[int, ...] = ()


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
    with db.session.no_autoflush:  # the 工号 scheme is read while the cadres are being built
        cadres = [_demo_cadre(rng, i, sections[i % len(sections)]) for i in range(cadre_count)]
    # The demo cadre login belongs to a young cadre of 预算处, the section the demo manager leads.
    young = cadres[1]
    young.birth_date = date(1996, 5, 12)
    young.id_number = idcard.make("110105", young.birth_date, 23 if young.gender == "男" else 24)
    young.work_start_date = date(2019, 7, 1)
    young.party_join_date = date(2018, 6, 1) if young.political_status == "中共党员" else None
    young.rank, young.rank_since, young.leadership_level = "一级科员", date(2021, 8, 1), None
    young.position_title = "科员"
    young.resume = [
        ResumeEntry(
            start=date(2015, 9, 1), end=date(2019, 6, 1), description="某大学财政学专业学习"
        ),
        ResumeEntry(start=date(2019, 7, 1), end=None, description="示例市财政局预算处科员"),
    ]
    young.department = sections[1]
    db.session.add_all(cadres)
    db.session.flush()
    for section in sections:  # the most senior cadre of each section is its head
        members = [c for c in cadres if c.department is section]
        section.head = max(members, key=lambda c: rank_index(c.rank))
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
    return SeedResult(created=True, cadres=len(cadres), holiday_years=holiday_years)


def _demo_calendar() -> tuple[int, ...]:
    """This year's and next year's public holidays, as far as the chinese_calendar package
    knows them (next year's arrives with the package's release after the year-end notice)."""
    this_year = clock.today().year
    years = tuple(y for y in (this_year, this_year + 1) if y in holiday_sync.known_years())
    for year in years:
        holiday_sync.sync(year, actor="seed-demo")
    return years


DEMO_YEARS = (2023, 2024, 2025)


def _demo_evaluations(rng: random.Random, cadres: list[Cadre]) -> None:
    """Three years of scores: 2023 and 2024 decided (their reminder talks closed), 2025 ranked
    and waiting for HR to confirm. Each cadre keeps a stable level plus yearly noise."""
    from cadre_app.models import Talk, TalkState
    from cadre_app.services.evaluations import operations as evaluation

    level = {c.id: rng.uniform(78, 92) for c in cadres}
    for year in DEMO_YEARS:
        cycle, _created = evaluation.ensure_cycle(year, actor="seed-demo")
        rows = []
        for cadre in cadres:
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
        evaluation.confirm_cycle(cycle, actor="seed-demo", today=date(year + 1, 1, 10))
        evaluation.start_publicity(cycle, start=date(year + 1, 1, 12), actor="seed-demo")
        evaluation.decide_cycle(cycle, actor="seed-demo", today=date(year + 1, 2, 1))
        for talk in db.session.scalars(sa.select(Talk).where(Talk.state == TalkState.TRIGGERED)):
            talk.state = TalkState.CLOSED
            talk.held_at = datetime(year + 1, 2, 10, 9, 30)
            talk.place = "局机关小会议室"
            talk.content = "指出考核中反映的不足，提出改进要求，本人表示接受。"
            talk.follow_up_result = "已按要求整改。"
    db.session.flush()
