"""The controlled vocabularies of a cadre record (DOMAIN.md, People and ranks).

Values are stored as these Chinese strings; the order of a tuple is meaningful where it says so.
"""

from __future__ import annotations

GENDERS = ("男", "女")

POLITICAL_STATUSES = (
    "中共党员",
    "中共预备党员",
    "共青团员",
    "民革党员",
    "民盟盟员",
    "民建会员",
    "民进会员",
    "农工党党员",
    "致公党党员",
    "九三学社社员",
    "台盟盟员",
    "无党派人士",
    "群众",
)
#: Statuses that have a 入党时间 (party entry date).
PARTY_MEMBER_STATUSES = ("中共党员", "中共预备党员")

#: 学历, highest first.
EDUCATION_LEVELS = ("研究生", "大学本科", "大学专科", "中专", "高中", "初中及以下")
#: 学历 at or above 大专, the floor for 县处级 posts.
EDUCATION_AT_LEAST_COLLEGE = ("研究生", "大学本科", "大学专科")

DEGREES = ("博士", "硕士", "学士", "无")

#: 职级 of 综合管理类, lowest to highest (公务员职务与职级并行规定).
RANK_LADDER = (
    "二级科员",
    "一级科员",
    "四级主任科员",
    "三级主任科员",
    "二级主任科员",
    "一级主任科员",
    "四级调研员",
    "三级调研员",
    "二级调研员",
    "一级调研员",
    "二级巡视员",
    "一级巡视员",
)
#: 职级 from which a cadre counts at 县处级 level (for the young-cadre age line).
COUNTY_RANK_FLOOR = "四级调研员"

#: 领导职务, lowest to highest.
LEADERSHIP_LEVELS = (
    "乡科级副职",
    "乡科级正职",
    "县处级副职",
    "县处级正职",
    "厅局级副职",
    "厅局级正职",
)

HEALTH_STATUSES = ("健康", "良好", "一般", "较差")

FAMILY_RELATIONS = (
    "配偶",
    "儿子",
    "女儿",
    "父亲",
    "母亲",
    "岳父",
    "岳母",
    "公公",
    "婆婆",
    "兄弟",
    "姐妹",
    "其他",
)


def rank_index(rank: str | None) -> int:
    """Position on the ladder (0 = 二级科员), -1 when unknown."""
    return RANK_LADDER.index(rank) if rank in RANK_LADDER else -1
