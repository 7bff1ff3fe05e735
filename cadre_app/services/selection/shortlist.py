"""The shortlist score (issue 14, point 3): transparent and configurable, every part shown.

Pure part (no database): ``score(facts, settings)`` turns a cadre's facts into parts, each
worth 0–100 before its weight:

- 年度考核: the grades of the last ``years`` decided years (优秀 100, 称职 80, 基本称职 40,
  不称职 0, 不定等次 0 by default), averaged over the years found; the ranks are named in the
  note; no decided year: 0, with a note;
- 教育培训: the 学时 counted against the requirement of the last full year, in percent (at
  most 100);
- 实践锻炼: the best finished secondment: its appraisal grade's points (优秀 100, 称职 80 …);
  one under way or without an appraisal yet counts ``secondment_unappraised`` (default 50);
  none: 0;
- 政治素质: the latest conclusion of the 政治素质档案 (合格 100, 基本合格 60, 不合格 0, a veto
  named in the note); none yet: 0, with a note;
- 荣誉表彰: the cadre's published 光荣榜 honours of the last ``honour_years`` years (3), each
  worth ``honour_points`` (50), at most 100; none: 0.

The total is the sum of ``points × weight / 100`` over the parts, with weights summing to
100 by default (settings key ``selection_shortlist``), rounded to one decimal. Ties in the
order (``ordered``) are broken by 工号, so the list never moves between two readings.

Gathering (``gather``) reads the other domains only through their queries:
evaluations.queries.history_for, training.ledger.cadres_hours, secondments.queries.of_cadre,
assessments.results.dossier, honours.queries.of_cadres.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

SETTINGS_KEY = "selection_shortlist"
DEFAULT_SETTINGS: dict[str, Any] = {
    "weights": {"grades": 40, "training": 20, "secondment": 15, "political": 15, "honours": 10},
    "years": 3,
    "grade_points": {"优秀": 100, "称职": 80, "基本称职": 40, "不称职": 0},
    "appraisal_points": {"优秀": 100, "称职": 80, "基本称职": 40, "不称职": 0},
    "secondment_unappraised": 50,
    "conclusion_points": {"合格": 100, "基本合格": 60, "不合格": 0},
    "honour_years": 3,
    "honour_points": 50,
}
#: The parts in the order they are shown, with their msgids.
PARTS: tuple[tuple[str, str], ...] = (
    ("grades", "年度考核"),
    ("training", "教育培训"),
    ("secondment", "实践锻炼"),
    ("political", "政治素质"),
    ("honours", "荣誉表彰"),
)


@dataclass(frozen=True)
class YearGrade:
    year: int
    grade: str | None  # final grade; None: 不定等次
    section_rank: int | None = None


@dataclass(frozen=True)
class SecondmentFact:
    kind: str
    host_unit: str
    finished: bool  # 期满鉴定 or 归档
    grade: str | None  # the appraisal grade once given


@dataclass(frozen=True)
class CandidateFacts:
    """What the score reads about one cadre, as plain data."""

    grades: Sequence[YearGrade] = ()  # decided years, newest first
    training_year: int | None = None
    training_counted: float | None = None  # None: no ledger row
    training_required: float | None = None
    secondments: Sequence[SecondmentFact] = ()
    conclusion: str | None = None  # the latest 政治素质 conclusion
    conclusion_title: str | None = None
    #: Published 光荣榜 honours: (year, quarter, title), newest first.
    honours: Sequence[tuple[int, int, str]] = ()
    #: The year the score is read in (honours count over the years before and this one).
    year: int | None = None


@dataclass(frozen=True)
class Part:
    key: str
    points: float  # 0–100 before the weight
    weight: float
    note: str  # what the points were read from, in words (Chinese; shown as is)

    @property
    def weighted(self) -> float:
        return round(self.points * self.weight / 100, 1)


@dataclass(frozen=True)
class Score:
    parts: tuple[Part, ...]
    settings_version: int | None = None
    total: float = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total", round(sum(p.weighted for p in self.parts), 1))

    def as_json(self) -> dict[str, Any]:
        """Plain data for ``RoundCandidate.score``."""
        return {
            "total": self.total,
            "settings_version": self.settings_version,
            "parts": [
                {"key": p.key, "points": p.points, "weight": p.weight, "note": p.note}
                for p in self.parts
            ],
        }


def merged_settings(value: Mapping[str, Any] | None) -> dict[str, Any]:
    """The stored settings over the defaults (a key missing from the stored value keeps its
    default)."""
    merged = {k: (dict(v) if isinstance(v, dict) else v) for k, v in DEFAULT_SETTINGS.items()}
    for key, stored in (value or {}).items():
        if isinstance(stored, Mapping) and isinstance(merged.get(key), dict):
            merged[key].update(stored)
        else:
            merged[key] = stored
    return merged


def _grades_part(facts: CandidateFacts, s: Mapping[str, Any]) -> tuple[float, str]:
    years = int(s["years"])
    recent = list(facts.grades)[:years]
    if not recent:
        return 0.0, "无已确定的年度考核等次"
    points = [float(s["grade_points"].get(g.grade or "", 0)) for g in recent]
    words = []
    for g in sorted(recent, key=lambda g: g.year):
        text = f"{g.year}年{g.grade or '不定等次'}"
        if g.section_rank is not None:
            text += f"（处内第{g.section_rank}名）"
        words.append(text)
    return round(sum(points) / len(points), 1), "；".join(words)


def _training_part(facts: CandidateFacts) -> tuple[float, str]:
    if facts.training_counted is None or facts.training_required is None:
        return 0.0, "无学时记录"
    counted, required = facts.training_counted, facts.training_required
    percent = 100.0 if required <= 0 else min(100.0, counted * 100 / required)
    return (
        round(percent, 1),
        f"{facts.training_year}年已获{counted:g}学时，要求{required:g}学时",
    )


def _secondment_part(facts: CandidateFacts, s: Mapping[str, Any]) -> tuple[float, str]:
    if not facts.secondments:
        return 0.0, "无挂职锻炼经历"
    best: tuple[float, str] | None = None
    for item in facts.secondments:
        if item.finished and item.grade:
            value = float(s["appraisal_points"].get(item.grade, 0))
            text = f"{item.kind}（{item.host_unit}），鉴定{item.grade}"
        else:
            value = float(s["secondment_unappraised"])
            text = f"{item.kind}（{item.host_unit}），{'尚未鉴定' if item.finished else '在岗'}"
        if best is None or value > best[0]:
            best = (value, text)
    assert best is not None
    return best


def _political_part(facts: CandidateFacts, s: Mapping[str, Any]) -> tuple[float, str]:
    if not facts.conclusion:
        return 0.0, "无政治素质考察结论"
    value = float(s["conclusion_points"].get(facts.conclusion, 0))
    note = f"{facts.conclusion_title or '政治素质考察'}：{facts.conclusion}"
    if facts.conclusion == "不合格":
        note += "（政治上不合格，一票否决）"
    return value, note


def _honours_part(facts: CandidateFacts, s: Mapping[str, Any]) -> tuple[float, str]:
    years = int(s["honour_years"])
    first = (facts.year or 0) - years + 1
    recent = [h for h in facts.honours if facts.year is None or h[0] >= first]
    if not recent:
        return 0.0, f"近{years}年无光荣榜表彰"
    points = min(100.0, float(s["honour_points"]) * len(recent))
    return points, "；".join(f"{y}年第{q}季度{title}" for y, q, title in recent)


def score(
    facts: CandidateFacts, settings: Mapping[str, Any], *, version: int | None = None
) -> Score:
    """The score of one cadre under ``settings`` (merged with the defaults)."""
    s = merged_settings(settings)
    weights = s["weights"]
    computed = {
        "grades": _grades_part(facts, s),
        "training": _training_part(facts),
        "secondment": _secondment_part(facts, s),
        "political": _political_part(facts, s),
        "honours": _honours_part(facts, s),
    }
    parts = tuple(
        Part(key, computed[key][0], float(weights.get(key, 0)), computed[key][1])
        for key, _label in PARTS
    )
    return Score(parts, version)


def ordered(rows: Iterable[Any]) -> list[Any]:
    """Rows with ``score`` (a stored score dict or None) and ``staff_no``: highest total
    first, no score last, ties by 工号 (stable between readings)."""

    def key(row: Any) -> tuple[int, float, str]:
        total = (row.score or {}).get("total")
        return (total is None, -(total or 0.0), row.staff_no)

    return sorted(rows, key=key)


def part_labels() -> dict[str, str]:
    """key -> label, translated."""
    from flask_babel import gettext as _

    return {key: _(label) for key, label in PARTS}


# --- gathering (reads the other domains through their queries) ------------------------------


def gather(cadre_ids: Sequence[int], *, today: date) -> dict[int, CandidateFacts]:
    """Each cadre's facts as of ``today``: decided annual grades (newest first), the last full
    year's training hours, secondments, the latest political-quality conclusion."""
    from cadre_app.services.assessments import results as assessments
    from cadre_app.services.evaluations import queries as evaluations
    from cadre_app.services.honours import queries as honours
    from cadre_app.services.secondments import queries as secondments
    from cadre_app.services.training import ledger

    training_year = today.year - 1
    hours = ledger.cadres_hours(list(cadre_ids), training_year)
    honoured = honours.of_cadres(list(cadre_ids))
    facts = {}
    for cadre_id in cadre_ids:
        grades = [
            YearGrade(row["year"], row["final_grade"], row["section_rank"])
            for row in evaluations.history_for(cadre_id)
            if row["state"] in evaluations.DECIDED_STATES
            and (row["final_grade"] or row["no_grade"])
        ]
        row = hours.get(cadre_id)
        seconded = [
            SecondmentFact(
                kind=s.kind,
                host_unit=s.host_unit,
                finished=s.state.value in ("recalled", "appraisal", "archived"),
                grade=s.grade,
            )
            for s in secondments.of_cadre(cadre_id)
            if s.state.value not in ("proposed", "approved", "cancelled")
        ]
        dossier = assessments.dossier(cadre_id, on=today)
        facts[cadre_id] = CandidateFacts(
            grades=grades,
            training_year=training_year,
            training_counted=float(row.counted) if row else None,
            training_required=float(row.required) if row else None,
            secondments=seconded,
            conclusion=dossier[0].conclusion if dossier else None,
            conclusion_title=dossier[0].title if dossier else None,
            honours=[(h.year, h.quarter, h.title) for h in honoured.get(cadre_id, ())],
            year=today.year,
        )
    return facts


def settings_in_force() -> tuple[int | None, dict[str, Any]]:
    """(version, settings merged with the defaults)."""
    from cadre_app.services.core import settings as store

    version, value = store.current(SETTINGS_KEY)
    return version, merged_settings(value)


def scores_for(cadre_ids: Sequence[int], *, today: date) -> dict[int, Score]:
    """The scores of some cadres under the settings in force."""
    version, s = settings_in_force()
    return {cid: score(f, s, version=version) for cid, f in gather(cadre_ids, today=today).items()}
