"""A small organisation counted by hand for the structure figures (tests/test_analytics_*.py).

Stated date 2026-06-15; age lines 乡科级 35, 县处级 40. Each cadre sits at a boundary:

Columns: section, sex, born, age at the date, band, rank / post, young, 学历 counted, 政治面貌.

- A 1 男 1991-06-15 35 (birthday that day) 31–35 一级科员 young 研究生 (在职) 中共党员
- B 1 女 1990-06-15 36 (birthday that day) 36–40 四级主任科员 no 大学本科 中共预备党员
- C 1 女 1990-06-16 35 (36 tomorrow) 31–35 四级主任科员 young 研究生 共青团员
- D 2 男 1995-06-16 30 (31 tomorrow) ≤30 二级科员 young 大学本科 (在职) 群众
- E 2 男 1986-06-15 40 (birthday that day) 36–40 四级调研员 (县处级) young 研究生 中共党员
- F 2 女 1985-06-15 41 (birthday that day) 41–45 县处级副职 no 大学本科 民盟 → 民主党派
- G 2 男 1970-06-15 56 (birthday that day) >55 县处级正职 no 未填 中共党员
- H1 1 女 1990.06, no ID: the 1st, 36 36–40 一级科员 no 大学本科 未填
- H2 1 男 1990.06, the ID's 20th: 35 31–35 乡科级副职 young 大学本科 中共党员
- I 2 女 1970-06-16 55 (56 tomorrow) 51–55 二级科员 no 高中 群众
"""

from __future__ import annotations

from datetime import date
from typing import Any

from cadre_app.extensions import db
from cadre_app.models import CycleState
from cadre_app.services.analytics.rules import CadreFacts
from cadre_app.services.core import idcard
from tests.factories import CadreFactory, EvaluationCycleFactory, EvaluationFactory

ON = date(2026, 6, 15)
LINES = {"乡科级": 35, "县处级": 40}

#: name -> (facts with section 1 or 2, birth date precision)
CADRES: dict[str, tuple[CadreFacts, str]] = {
    "A": (
        CadreFacts(1, "男", date(1991, 6, 15), "一级科员", None, "大学本科", "研究生", "中共党员"),
        "day",
    ),
    "B": (
        CadreFacts(
            1, "女", date(1990, 6, 15), "四级主任科员", None, "大学本科", None, "中共预备党员"
        ),
        "day",
    ),
    "C": (
        CadreFacts(1, "女", date(1990, 6, 16), "四级主任科员", None, "研究生", None, "共青团员"),
        "day",
    ),
    "D": (
        CadreFacts(2, "男", date(1995, 6, 16), "二级科员", None, "大学专科", "大学本科", "群众"),
        "day",
    ),
    "E": (
        CadreFacts(2, "男", date(1986, 6, 15), "四级调研员", None, "研究生", None, "中共党员"),
        "day",
    ),
    "F": (
        CadreFacts(
            2, "女", date(1985, 6, 15), "一级主任科员", "县处级副职", "大学本科", None, "民盟盟员"
        ),
        "day",
    ),
    "G": (
        CadreFacts(2, "男", date(1970, 6, 15), "二级调研员", "县处级正职", None, None, "中共党员"),
        "day",
    ),
    "H1": (
        CadreFacts(1, "女", date(1990, 6, 1), "一级科员", None, "大学本科", None, None),
        "month",
    ),
    "H2": (
        CadreFacts(
            1, "男", date(1990, 6, 20), "一级科员", "乡科级副职", "大学本科", None, "中共党员"
        ),
        "month",
    ),
    "I": (CadreFacts(2, "女", date(1970, 6, 16), "二级科员", None, "高中", None, "群众"), "day"),
}

#: The final grades of the decided years (None: 不定等次), cadre -> {year: grade}.
GRADES = {
    "A": {2024: "优秀", 2025: "称职"},
    "B": {2024: "称职", 2025: "优秀"},
    "C": {2024: "称职", 2025: "称职"},
    "D": {2025: "基本称职"},
    "E": {2024: "称职", 2025: "称职"},
    "F": {2024: None, 2025: "称职"},
}

EXPECTED_PYRAMID = [  # band, male, female
    ("≤30", 1, 0),
    ("31–35", 2, 1),
    ("36–40", 1, 2),
    ("41–45", 0, 1),
    ("46–50", 0, 0),
    ("51–55", 0, 1),
    (">55", 1, 0),
]
EXPECTED_EDUCATION = {
    "研究生": 3,
    "大学本科": 5,
    "大学专科": 0,
    "中专": 0,
    "高中": 1,
    "初中及以下": 0,
    "未填": 1,
}
EXPECTED_RANKS = {  # senior first; ranks nobody holds are 0
    "一级巡视员": 0,
    "二级巡视员": 0,
    "一级调研员": 0,
    "二级调研员": 1,
    "三级调研员": 0,
    "四级调研员": 1,
    "一级主任科员": 1,
    "二级主任科员": 0,
    "三级主任科员": 0,
    "四级主任科员": 2,
    "一级科员": 3,
    "二级科员": 2,
}
EXPECTED_LEADERSHIP = {
    "厅局级正职": 0,
    "厅局级副职": 0,
    "县处级正职": 1,
    "县处级副职": 1,
    "乡科级正职": 0,
    "乡科级副职": 1,
    "无领导职务": 7,
}
EXPECTED_PARTY = {
    "中共党员": 4,
    "中共预备党员": 1,
    "民主党派": 1,
    "共青团员": 1,
    "无党派人士": 0,
    "群众": 2,
    "未填": 1,
}
EXPECTED_YOUNG = {1: (3, 5), 2: (2, 5)}  # section -> (young, total)
EXPECTED_TREND = [
    {
        "year": 2024,
        "counts": {"优秀": 1, "称职": 3, "基本称职": 0, "不称职": 0, "不定等次": 1},
        "total": 5,
    },
    {
        "year": 2025,
        "counts": {"优秀": 1, "称职": 4, "基本称职": 1, "不称职": 0, "不定等次": 0},
        "total": 6,
    },
]


def make_pool(app: Any, org: dict[str, int]) -> dict[str, int]:
    """The hand-counted cadres in the ``org`` fixture's 预算处 (section 1) and 国库处 (2), and
    their decided grades (a 2026 cycle still collecting is not counted)."""

    with app.app_context():
        section = {1: org["budget"], 2: org["treasury"]}
        made = {}
        for name, (f, precision) in CADRES.items():
            id_number = None
            if name != "H1":  # H1: month-only, no ID; H2: month-only, the ID gives the 20th
                id_number = idcard.make(
                    "310101", f.birth_date, 100 + len(made) * 2 + (f.gender == "男")
                )
            made[name] = CadreFactory(
                name=f"结构{name}",
                gender=f.gender,
                birth_date=f.birth_date,
                birth_date_precision=precision,
                id_number=id_number,
                department_id=section[f.department_id],
                rank=f.rank,
                leadership_level=f.leadership_level,
                ft_education=f.ft_education,
                pt_education=f.pt_education,
                political_status=f.political_status,
            )
        cycles = {
            year: EvaluationCycleFactory(year=year, state=CycleState.DECIDED)
            for year in (2024, 2025)
        }
        collecting = EvaluationCycleFactory(year=2026, state=CycleState.COLLECTING)
        for name, by_year in GRADES.items():
            for year, grade in by_year.items():
                EvaluationFactory(
                    cycle=cycles[year],
                    cadre=made[name],
                    final_grade=grade,
                    no_grade=grade is None,
                )
            EvaluationFactory(cycle=collecting, cadre=made[name], final_grade="优秀")
        db.session.commit()
    return org
