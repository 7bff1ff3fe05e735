"""Annual-evaluation ranking, quota and bottom-ranked rules as pure functions on a DataFrame.

**Total**: the weighted sum of 平时考核, 民主测评 and 领导评价 with the cycle's weights (percent,
summing to 100), rounded half up to 2 decimals. It is computed in integer hundredths, so
85.125 becomes 85.13 on every machine (no binary floating-point surprises).

**Tie rule** (written on the ranking page too): equal totals share a rank and the next rank
skips (competition ranking: 1, 2, 2, 4), within each section and across the organisation. Tied
cadres are listed by 工号, which does not change their rank.

**Who is ranked**: cadres with all three component scores and not marked 不定等次. A cadre
with a missing component is listed as "成绩不全" and not ranked; the cycle cannot be confirmed
until the score is entered or the cadre is marked 不定等次.

**Bottom-ranked (排名末位)**, default rule: in each section with at least ``min_section_size``
ranked cadres, everyone at the section's last rank (all of them when tied there); plus
everyone whose grade is one of ``grades`` (基本称职, 不称职).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

COMPONENTS = ("ordinary", "democratic", "leader")  # 平时考核, 民主测评, 领导评价
COMPONENT_LABELS = {"ordinary": "平时考核", "democratic": "民主测评", "leader": "领导评价"}
#: Labels of the audit snapshots of an evaluation, a cycle's settings and quarterly grades
#: (msgids: the audit page translates them).
EVALUATION_AUDIT_LABELS = {
    **COMPONENT_LABELS,
    "proposed_grade": "拟定等次",
    "no_grade": "不定等次",
}
CYCLE_AUDIT_LABELS = {
    "weights": "权重（平时考核、民主测评、领导评价）",
    "excellent_quota_pct": "优秀比例（%）",
    "bottom_min_section_size": "末位认定的最少人数",
    "bottom_grades": "末位所在等次",
    "settings_version": "设置版本",
}
QUARTER_AUDIT_LABELS = {"Q1": "第一季度", "Q2": "第二季度", "Q3": "第三季度", "Q4": "第四季度"}
GRADES = ("优秀", "称职", "基本称职", "不称职")
NO_GRADE = "不定等次"
TIE_RULE = "总分相同者名次并列，其后名次顺延（如 1、2、2、4）；并列者按工号排列，不影响名次。"


@dataclass(frozen=True)
class Weights:
    ordinary: int = 40
    democratic: int = 30
    leader: int = 30

    def __post_init__(self) -> None:
        values = (self.ordinary, self.democratic, self.leader)
        if any(v < 0 for v in values) or sum(values) != 100:
            raise ValueError("权重须为非负整数，且三项之和为 100。")


@dataclass(frozen=True)
class BottomRule:
    min_section_size: int = 5
    grades: tuple[str, ...] = ("基本称职", "不称职")


def _cents(series: pd.Series) -> pd.Series:
    """Scores as integer hundredths (85.5 -> 8550), exact for inputs with <= 2 decimals."""
    return (series.astype("float64") * 100).round().astype("Int64")


def rank(
    frame: pd.DataFrame,
    weights: Weights = Weights(),
    bottom: BottomRule = BottomRule(),
) -> pd.DataFrame:
    """Rank the cadres of one cycle.

    ``frame`` columns: ``cadre_id``, ``staff_no``, ``department_id``, ``ordinary``,
    ``democratic``, ``leader`` (NaN where missing), ``grade`` (proposed or final, may be None),
    ``no_grade`` (bool, 不定等次). Returns a copy with ``total`` (float, 2 decimals),
    ``complete``, ``ranked``, ``section_rank``, ``overall_rank`` (nullable ints), ``bottom``
    (bool) and ``bottom_reason`` (text), sorted by overall rank then 工号. Same input, same
    output: nothing depends on row order.
    """
    out = frame.copy()
    if "no_grade" not in out:
        out["no_grade"] = False
    if "grade" not in out:
        out["grade"] = None
    out["no_grade"] = out["no_grade"].fillna(False).astype(bool)
    complete = out[list(COMPONENTS)].notna().all(axis=1)
    weighted = (
        _cents(out["ordinary"]) * weights.ordinary
        + _cents(out["democratic"]) * weights.democratic
        + _cents(out["leader"]) * weights.leader
    )  # in 1/10000 of a point
    total_cents = (weighted + 50) // 100  # half up; scores are never negative
    out["total"] = (total_cents.astype("Float64") / 100).where(complete)
    out["complete"] = complete
    out["ranked"] = complete & ~out["no_grade"]
    ranked = out[out["ranked"]]
    out["overall_rank"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    out["section_rank"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    if not ranked.empty:
        # rank on integer cents: equal totals tie exactly
        keys = total_cents[ranked.index]
        out.loc[ranked.index, "overall_rank"] = keys.rank(method="min", ascending=False).astype(
            "int64"
        )
        out.loc[ranked.index, "section_rank"] = (
            keys.groupby(ranked["department_id"])
            .rank(method="min", ascending=False)
            .astype("int64")
        )
    out["bottom"] = False
    out["bottom_reason"] = ""
    if not ranked.empty:
        sizes = ranked.groupby("department_id")["cadre_id"].transform("size")
        last = (
            out.loc[ranked.index, "section_rank"].groupby(ranked["department_id"]).transform("max")
        )
        by_rank = (sizes >= bottom.min_section_size) & (
            out.loc[ranked.index, "section_rank"] == last
        )
        idx = by_rank[by_rank].index
        out.loc[idx, "bottom"] = True
        out.loc[idx, "bottom_reason"] = "科室排名末位"
    by_grade = out["grade"].isin(bottom.grades) & ~out["no_grade"]
    out.loc[by_grade, "bottom_reason"] = np.where(
        out.loc[by_grade, "bottom"],
        out.loc[by_grade, "bottom_reason"] + "；等次为" + out.loc[by_grade, "grade"].astype(str),
        "等次为" + out.loc[by_grade, "grade"].astype(str),
    )
    out.loc[by_grade, "bottom"] = True
    return out.sort_values(
        ["overall_rank", "staff_no"], na_position="last", kind="mergesort"
    ).reset_index(drop=True)


@dataclass(frozen=True)
class QuotaCheck:
    """The 优秀 quota: at most ``percent``% of those evaluated (rounded down)."""

    evaluated: int
    excellent: int
    percent: int
    allowed: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "allowed", math.floor(self.evaluated * self.percent / 100))

    @property
    def ok(self) -> bool:
        return self.excellent <= self.allowed

    @property
    def excess(self) -> int:
        return max(0, self.excellent - self.allowed)

    def message(self, *, translated: bool = False) -> str:
        """The check in words: Chinese for documents and the log; ``translated`` in the
        language of the page (flask_babel; Chinese outside a request)."""
        if translated:
            from flask_babel import gettext
        else:
            gettext = _untranslated
        values = {
            "e": self.excellent,
            "p": self.percent,
            "n": self.evaluated,
            "a": self.allowed,
            "x": self.excess,
        }
        if self.ok:
            return gettext(
                "优秀 %(e)d 人，未超过 %(p)d%% 的比例（%(n)d 人中最多 %(a)d 人）。", **values
            )
        return gettext(
            "优秀比例超限：参加考核 %(n)d 人，按 %(p)d%% 最多 %(a)d 人为优秀，"
            "现有 %(e)d 人，须调整 %(x)d 人。",
            **values,
        )


def _untranslated(message: str, **values: int) -> str:
    return message % values


def quota(evaluated: int, excellent: int, percent: int) -> QuotaCheck:
    return QuotaCheck(evaluated=evaluated, excellent=excellent, percent=percent)


# --- the HR steps of the procedure --------------------------------------------------------------


@dataclass(frozen=True)
class CycleStep:
    """One HR step of the year's procedure as the ranking page offers it and the route accepts
    it: ``name`` (rank, confirm, publicity, decide, archive, the route's name too), whether it
    can be taken now, whether it cannot be undone (the page then asks for an explicit
    confirmation, the route refuses it without one), and while it cannot be taken yet, the
    day it waits for (the end of the 公示)."""

    name: str
    available: bool = True
    irreversible: bool = False
    wait_until: date | None = None


def cycle_steps(state: str, *, publicity_end: date | None, today: date) -> tuple[CycleStep, ...]:
    """The steps a cycle in ``state`` (a CycleState value) offers on ``today``, in order.
    Ranking may be repeated while scores come in; 审核确认, 公示, 决定 and 归档 cannot be
    undone; 决定 waits until the day after the 公示 ends (``publicity_end``)."""
    if state in ("collecting", "ranked"):
        return (CycleStep("rank"), CycleStep("confirm", irreversible=True))
    if state == "confirmed":
        return (CycleStep("publicity", irreversible=True),)
    if state == "publicised":
        waiting = publicity_end is not None and today <= publicity_end
        return (
            CycleStep(
                "decide",
                available=not waiting,
                irreversible=True,
                wait_until=publicity_end if waiting else None,
            ),
        )
    if state == "decided":
        return (CycleStep("archive", irreversible=True),)
    return ()


def cycle_step(
    name: str, state: str, *, publicity_end: date | None, today: date
) -> CycleStep | None:
    """The step ``name`` if a cycle in ``state`` offers it (available or waiting), else None."""
    for step in cycle_steps(state, publicity_end=publicity_end, today=today):
        if step.name == name:
            return step
    return None
