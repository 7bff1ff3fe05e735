"""The structure of the cadre pool as pure functions: no database, no Flask.

Choices where DOMAIN.md leaves one (each unit-tested, tests/test_analytics_rules.py):

- **Age** is taken at the stated date (计算年龄时间), never today silently: a cadre is N on
  their N-th birthday (``roster.rules.age_on``; born 29 February: on 1 March in other years).
  Bands: ≤30, 31–35, 36–40, 41–45, 46–50, 51–55, >55.
- **Month-only birth dates** (``1990.03``) use the day the roster stores: the ID number's day
  when an agreeing ID supplied it (DOMAIN.md: "the ID then supplies the day"), else the first
  of the month, i.e. the oldest the cadre can be (as selection's eligibility reads them). So a
  cadre born ``1990.03`` without an ID number is counted 36 from 1 March 2026.
- **Young cadres (年轻干部)**: the roster's rule and its setting ``young_cadre_age_lines``
  (default ≤35 at the stated date for 乡科级 and below, ≤40 for 县处级 posts and 职级 from
  四级调研员 up; DOMAIN.md, People and ranks), so the share here and the roster's 年轻干部
  filter count the same people.
- **Education**: the higher of 全日制 and 在职 学历 (``enums.EDUCATION_LEVELS``, highest first);
  neither recorded: 未填.
- **Party membership**: 中共党员 and 中共预备党员 each; the eight democratic parties as 民主党派;
  共青团员, 无党派人士, 群众; nothing recorded: 未填. "Party members" counts 党员 + 预备党员.
- **Sections, ranks, posts and education** are the roster as it stands (it keeps no history of
  moves): the stated date fixes ages, young cadres and the years of the grade trend.
- **Grade trend**: the final grades of the five newest decided (决定 or 归档) evaluation years up
  to the stated date's year, counted in the section each cadre was evaluated in; 不定等次 is
  its own column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from cadre_app.models import enums
from cadre_app.services.roster.rules import add_years, age_on, is_young_cadre

#: Age bands, youngest first, and the age each band after the first starts at.
AGE_BANDS = ("≤30", "31–35", "36–40", "41–45", "46–50", "51–55", ">55")
BAND_FLOORS = (31, 36, 41, 46, 51, 56)

MALE, FEMALE = enums.GENDERS
NOT_RECORDED = "未填"
NO_LEADING_POST = "无领导职务"
DEMOCRATIC_PARTIES = "民主党派"
PARTY_GROUPS = (
    "中共党员",
    "中共预备党员",
    DEMOCRATIC_PARTIES,
    "共青团员",
    "无党派人士",
    "群众",
    NOT_RECORDED,
)
_DEMOCRATIC = frozenset(enums.POLITICAL_STATUSES[3:11])  # 民革党员 … 台盟盟员
NO_GRADE = "不定等次"
GRADES = ("优秀", "称职", "基本称职", "不称职", NO_GRADE)
TREND_YEARS = 5


def band_index(age: int) -> int:
    """The age band (index into AGE_BANDS) of a cadre ``age`` full years old."""
    return sum(age >= floor for floor in BAND_FLOORS)


def band_of(birth: date, on: date) -> int:
    """The age band at ``on`` of a cadre born on ``birth`` (the stored day; see above)."""
    return band_index(age_on(birth, on))


def band_cutoffs(on: date) -> tuple[date, ...]:
    """For each band floor N, the last birth date of a cadre at least N at ``on``: the band
    is the number of cutoffs the birth date is on or before (the SQL form of ``band_of``)."""
    return tuple(add_years(on, -floor) for floor in BAND_FLOORS)


def band_from_cutoffs(birth: date, cutoffs: Sequence[date]) -> int:
    return sum(birth <= cutoff for cutoff in cutoffs)


def highest_education(full_time: str | None, in_service: str | None) -> str:
    """The higher of the 全日制 and 在职 学历; 未填 when neither is a known level."""
    known = [e for e in (full_time, in_service) if e in enums.EDUCATION_LEVELS]
    return min(known, key=enums.EDUCATION_LEVELS.index) if known else NOT_RECORDED


def party_group(status: str | None) -> str:
    if not status:
        return NOT_RECORDED
    if status in _DEMOCRATIC:
        return DEMOCRATIC_PARTIES
    return status if status in PARTY_GROUPS else NOT_RECORDED


def share(part: int, whole: int) -> str:
    """``12.5%``; ``–`` of nothing."""
    return f"{part / whole:.1%}" if whole else "–"


# --- rows -----------------------------------------------------------------------------------


class CadreFacts(NamedTuple):
    """One cadre as the figures read them."""

    department_id: int
    gender: str
    birth_date: date
    rank: str | None = None
    leadership_level: str | None = None
    ft_education: str | None = None
    pt_education: str | None = None
    political_status: str | None = None


class AgeGroup(NamedTuple):
    """``count`` cadres of one section, gender, age band and young-cadre status."""

    department_id: int
    gender: str
    band: int
    young: bool
    count: int


class ProfileGroup(NamedTuple):
    """``count`` cadres with one combination of 学历, 职级, 领导职务 and 政治面貌."""

    ft_education: str | None
    pt_education: str | None
    rank: str | None
    leadership_level: str | None
    political_status: str | None
    count: int


def group_facts(
    facts: Iterable[CadreFacts], *, on: date, lines: Mapping[str, int]
) -> tuple[list[AgeGroup], list[ProfileGroup]]:
    """The groups of ``facts`` (one per cadre), as queries.py reads them from the database in
    GROUP BY queries: the figures are computed from either the same way."""
    ages: list[AgeGroup] = []
    profiles: list[ProfileGroup] = []
    for f in facts:
        young = is_young_cadre(f.birth_date, f.rank, f.leadership_level, on=on, lines=dict(lines))
        ages.append(AgeGroup(f.department_id, f.gender, band_of(f.birth_date, on), young, 1))
        profiles.append(
            ProfileGroup(
                f.ft_education,
                f.pt_education,
                f.rank,
                f.leadership_level,
                f.political_status,
                1,
            )
        )
    return ages, profiles


# --- the figures ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    id: int
    name: str


@dataclass
class Structure:
    """Every figure of the structure report at ``on``."""

    on: date
    lines: dict[str, int]
    total: int = 0
    #: per band, youngest first: {"band", "male", "female", "total"}
    pyramid: list[dict[str, Any]] = field(default_factory=list)
    education: dict[str, int] = field(default_factory=dict)
    ranks: dict[str, int] = field(default_factory=dict)  # senior first
    leadership: dict[str, int] = field(default_factory=dict)  # senior first, then none
    party: dict[str, int] = field(default_factory=dict)
    party_members: int = 0
    male: int = 0
    female: int = 0
    young: int = 0
    #: per section with cadres: {"id", "name", "young", "total", "share"}
    young_by_section: list[dict[str, Any]] = field(default_factory=list)
    #: per year, oldest first: {"year", "counts": {grade: n}, "total"}
    trend: list[dict[str, Any]] = field(default_factory=list)

    @property
    def young_share(self) -> str:
        return share(self.young, self.total)

    @property
    def party_share(self) -> str:
        return share(self.party_members, self.total)

    @property
    def female_share(self) -> str:
        return share(self.female, self.total)


def _drop_empty_unrecorded(counts: dict[str, int]) -> dict[str, int]:
    if not counts.get(NOT_RECORDED):
        counts.pop(NOT_RECORDED, None)
    return counts


def structure(
    ages: Iterable[AgeGroup],
    profiles: Iterable[ProfileGroup],
    *,
    sections: Sequence[Section],
    grades: Mapping[int, Mapping[str | None, int]],
    on: date,
    lines: Mapping[str, int],
) -> Structure:
    """The figures from the groups; ``sections`` in display order (those without cadres are
    left out of the young-cadre shares); ``grades``: year -> final grade (None: 不定等次) ->
    count, for the trend's years."""
    out = Structure(on=on, lines=dict(lines))
    by_band = [{"band": label, "male": 0, "female": 0, "total": 0} for label in AGE_BANDS]
    per_section: dict[int, list[int]] = {}
    for g in ages:
        row = by_band[g.band]
        key = "male" if g.gender == MALE else "female"
        row[key] += g.count
        row["total"] += g.count
        out.total += g.count
        out.young += g.count if g.young else 0
        counts = per_section.setdefault(g.department_id, [0, 0])
        counts[0] += g.count if g.young else 0
        counts[1] += g.count
    out.pyramid = by_band
    out.male = sum(r["male"] for r in by_band)
    out.female = sum(r["female"] for r in by_band)
    out.young_by_section = [
        {
            "id": s.id,
            "name": s.name,
            "young": per_section[s.id][0],
            "total": per_section[s.id][1],
            "share": share(*per_section[s.id]),
        }
        for s in sections
        if s.id in per_section
    ]

    education = dict.fromkeys((*enums.EDUCATION_LEVELS, NOT_RECORDED), 0)
    ranks = dict.fromkeys((*reversed(enums.RANK_LADDER), NOT_RECORDED), 0)
    leadership = dict.fromkeys((*reversed(enums.LEADERSHIP_LEVELS), NO_LEADING_POST), 0)
    party = dict.fromkeys(PARTY_GROUPS, 0)
    for p in profiles:
        education[highest_education(p.ft_education, p.pt_education)] += p.count
        ranks[p.rank if p.rank in ranks else NOT_RECORDED] += p.count
        post = p.leadership_level if p.leadership_level in leadership else NO_LEADING_POST
        leadership[post] += p.count
        party[party_group(p.political_status)] += p.count
    out.education = _drop_empty_unrecorded(education)
    out.ranks = _drop_empty_unrecorded(ranks)
    out.leadership = leadership
    out.party = _drop_empty_unrecorded(party)
    out.party_members = party["中共党员"] + party["中共预备党员"]

    for year in sorted(grades):
        counts = dict.fromkeys(GRADES, 0)
        for grade, n in grades[year].items():
            counts[grade if grade in counts else NO_GRADE] += n
        out.trend.append({"year": year, "counts": counts, "total": sum(counts.values())})
    return out
