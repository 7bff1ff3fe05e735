"""Generated demo data: an organisation, sections, cadres and one login per role.

Every person is generated from a fixed seed; none is real. Never run against production.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import Cadre, Department, Organisation, Role, User
from cadre_app.services import accounts

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
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建红晨宇浩然思雨欣怡子涵博文"
_RANKS = ("一级科员", "四级主任科员", "三级主任科员", "二级主任科员", "一级主任科员", "四级调研员")
_POSTS = ("科员", "主任科员", "副处长", "处长")


class DemoError(RuntimeError):
    """The database holds real data; demo data would mix with it."""


@dataclass(frozen=True)
class SeedResult:
    created: bool
    cadres: int


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
    cadres = []
    for i in range(cadre_count):
        birth = date(rng.randint(1968, 2000), rng.randint(1, 12), rng.randint(1, 28))
        cadres.append(
            Cadre(
                staff_no=f"D{i + 1:04d}",
                name=rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=rng.randint(1, 2))),
                gender=rng.choice("男女"),
                birth_date=birth,
                department=sections[i % len(sections)],
                rank=rng.choice(_RANKS),
                position_title=rng.choice(_POSTS),
            )
        )
    # The demo cadre login belongs to a young cadre of 预算处, the section the demo manager leads.
    young = cadres[1]
    young.birth_date = date(1996, 5, 12)
    young.department = sections[1]
    db.session.add_all(cadres)
    db.session.flush()
    for username, role, _description in DEMO_LOGINS:
        user = accounts.create_user(
            username,
            role,
            DEMO_PASSWORD,
            cadre_staff_no=young.staff_no if role is Role.CADRE else None,
            must_change_password=False,
            is_demo=True,
        )
        if role is Role.MANAGER:
            user.led_departments.append(sections[1])
    db.session.flush()
    return SeedResult(created=True, cadres=len(cadres))
