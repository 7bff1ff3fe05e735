"""Eligibility for a position (DOMAIN.md "Selection", "People and ranks"), pure: no database,
no Flask. ``evaluate(facts, conditions, on, settings)`` returns every rule with pass, fail or
"需人工核对" (``None``) and a sentence saying why, in Chinese; ``sentence`` renders it in the
reader's language (the messages are catalogue msgids with named parameters).

Rules chosen where the texts leave a choice (each unit-tested at its boundary):

- **Periods** are counted the way 民法典 arts. 201–202 count them: the decision day is not
  counted, and a period of N months ends on the same day number N months later (the last day
  of that month when it has no such day). 诫勉 decided 2026-03-14 with 6 months: the effect
  period ends on 2026-09-14; the cadre is **excluded on that last day and eligible the day
  after** (2026-09-15). A record decided after the stated date is not counted.
- **Years in rank** are full on the anniversary: 任现职级 2024-03-15, 2 years, full on
  2026-03-15. Each 优秀 of a decided year after the year the rank began shortens the wait by
  ``excellent_shortening_months`` (6).
- **Age** on the stated date (the position's ``age_on``, else the date asked for): a cadre is
  N on their N-th birthday (born 29 February: on 1 March in other years). ``max_age`` 35
  keeps a cadre who is 35 and excludes one who turns 36 that very day.
- **Month-only dates** (``*_precision == "month"``) are compared conservatively and the
  sentence says so: the birth date as the month's first day (the oldest the cadre can be), the
  rank and work start dates as the month's last day (the shortest time served).
- **Previous year's grade**: the decided grade of the year before the stated date's year;
  基本称职 or 不称职 exclude; no decided grade (or 不定等次) is "需人工核对".
- **Grassroots years**: there is no field; the days of secondments to 基层单位 up to the
  stated date are summed. When they do not reach the position's minimum the rule is
  "需人工核对" (the 简历 may show more), never a plain fail.
- Anything else (the position's free-text conditions, 副职→正职 years when no date of the
  leading post is recorded) is listed as "需人工核对".

A cadre is eligible when no rule fails; "需人工核对" items do not exclude but are listed.
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any, NamedTuple

from cadre_app.models.enums import (
    EDUCATION_LEVELS,
    LEADERSHIP_LEVELS,
    PARTY_MEMBER_STATUSES,
    RANK_LADDER,
)


def _(message: str) -> str:
    """Marks a sentence for the catalogue; ``sentence`` translates it when shown."""
    return message


SETTINGS_KEY = "selection"
#: The defaults (DOMAIN.md); an administrator may change them (settings key ``selection``).
DEFAULT_SETTINGS: dict[str, Any] = {
    # Months a 诫勉 or a 处分 excludes a candidate, from the decision date.
    "effect_months": {"诫勉": 6, "警告": 6, "记过": 12, "记大过": 18, "降级": 24, "撤职": 24},
    # Years in the lower 职级 before the step up to each 职级 (公务员职务与职级并行规定).
    "rank_wait_years": {
        **{rank: 2 for rank in RANK_LADDER[1:9]},  # 一级科员 … 二级调研员
        "一级调研员": 3,
        "二级巡视员": 4,
        "一级巡视员": 4,
    },
    # Each 优秀 year in the current 职级 shortens the wait by this many months.
    "excellent_shortening_months": 6,
    # Grades of the previous year that exclude.
    "excluding_grades": ["基本称职", "不称职"],
    # 提任县处级: years of work and at grassroots, the lowest 学历 (when the position says none).
    "county_level": {"min_years_work": 5, "min_years_grassroots": 2, "min_education": "大学专科"},
}

#: A 诫勉谈话 held (the talks domain): a 诫勉 from the day held, worded as a talk.
ADMONITION_TALK = "诫勉谈话"

#: Rule keys, in the order they are listed.
RULES = (
    "grade",
    "discipline",
    "political",
    "rank",
    "years_in_rank",
    "leading_post",
    "years_work",
    "years_grassroots",
    "education",
    "party",
    "age",
    "other",
)
#: Parameters whose values are stored terms, translated when shown (``sentence``).
TERM_PARAMS = frozenset({"grade", "kind"})
#: Parameters that are a number of months, shown as ``1 年 7 个月`` (``span``).
SPAN_PARAMS = frozenset({"served", "needed"})


class CadreFacts(NamedTuple):
    """What the rules read of one cadre, gathered beforehand (services.selection.eligibility)."""

    cadre_id: int
    birth_date: date | None
    birth_precision: str = "day"
    rank: str | None = None
    rank_since: date | None = None
    rank_since_precision: str = "day"
    leadership_level: str | None = None
    work_start: date | None = None
    work_start_precision: str = "day"
    education: str | None = None  # the higher of 全日制 and 在职 (EDUCATION_LEVELS)
    political_status: str | None = None
    #: Decided final grades by year (``None``: 不定等次).
    grades: Mapping[int, str | None] = {}
    #: (kind, decision date) of each 诫勉 and 处分, and (ADMONITION_TALK, the day held) of
    #: each 诫勉谈话 held.
    discipline: tuple[tuple[str, date], ...] = ()
    #: The 不合格 conclusion that vetoes, as (title, concluded on), else None.
    political_veto: tuple[str, date] | None = None
    #: Days at 基层单位 (secondments) up to the stated date.
    grassroots_days: int = 0


class Conditions(NamedTuple):
    """The position's conditions (models.selection.Position); None: no condition."""

    post_kind: str = "职级"
    target_level: str = ""
    min_rank: str | None = None
    min_years_in_rank: int | None = None
    min_years_work: int | None = None
    min_years_grassroots: int | None = None
    min_education: str | None = None
    party_member: bool = False
    max_age: int | None = None
    age_on: date | None = None
    other_conditions: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "post_kind": self.post_kind,
            "target_level": self.target_level,
            "min_rank": self.min_rank,
            "min_years_in_rank": self.min_years_in_rank,
            "min_years_work": self.min_years_work,
            "min_years_grassroots": self.min_years_grassroots,
            "min_education": self.min_education,
            "party_member": self.party_member,
            "max_age": self.max_age,
            "age_on": self.age_on.isoformat() if self.age_on else None,
            "other_conditions": self.other_conditions,
        }


class Check(NamedTuple):
    """One rule: ``passed`` True, False, or None for "需人工核对"; ``message`` a catalogue
    msgid with ``%(name)s`` parameters."""

    rule: str
    passed: bool | None
    message: str
    params: Mapping[str, Any] = {}

    @property
    def text(self) -> str:
        """The sentence in Chinese (the msgids are Chinese)."""
        return self.message % _shown_params(self.params, _, lambda value: value)


class Verdict(NamedTuple):
    cadre_id: int
    checks: tuple[Check, ...]
    #: No rule failed ("需人工核对" items do not exclude).
    eligible: bool

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.passed is False)

    @property
    def manual(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.passed is None)


# --- dates ----------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day number ``months`` later; the month's last day when it has no such day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def age_on(birth: date, on: date) -> int:
    """Full years on ``on``: N on the N-th birthday (29 February: 1 March in other years)."""
    years = on.year - birth.year
    if (on.month, on.day) < (birth.month, birth.day):
        years -= 1
    return years


def months_between(start: date, end: date) -> int:
    """Full months from ``start`` to ``end`` (0 when ``end`` is before): the largest m with
    ``add_months(start, m) <= end``."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if (
        start.day > end.day
        and min(start.day, calendar.monthrange(end.year, end.month)[1]) > end.day
    ):
        months -= 1
    return max(months, 0)


@functools.lru_cache(maxsize=256)
def latest_start(on: date, months: int) -> date:
    """The latest start from which ``months`` months are full on ``on``
    (``add_months(start, months) <= on`` exactly for the starts up to it)."""
    cutoff = add_months(on, -months)
    while add_months(cutoff + timedelta(days=1), months) <= on:
        cutoff += timedelta(days=1)
    return cutoff


def span(months: int, gettext: Callable[[str], str] = _) -> str:
    """``1 年 7 个月`` / ``7 个月`` / ``2 年`` (in the reader's language with ``gettext``)."""
    years, rest = divmod(max(int(months), 0), 12)
    if years and rest:
        return gettext("%(years)s 年 %(months)s 个月") % {"years": years, "months": rest}
    if years:
        return gettext("%(years)s 年") % {"years": years}
    return gettext("%(months)s 个月") % {"months": rest}


def _shown_params(
    params: Mapping[str, Any], gettext: Callable[[str], str], term: Callable[[Any], Any]
) -> dict[str, Any]:
    shown = {}
    for key, value in (params or {}).items():
        if key in TERM_PARAMS:
            value = term(value)
        elif key in SPAN_PARAMS:
            value = span(value, gettext)
        shown[key] = value
    return shown


def _shown(day: date, precision: str) -> str:
    return f"{day:%Y.%m}" if precision == "month" else day.isoformat()


def _settings(settings: Mapping[str, Any] | None) -> dict[str, Any]:
    """The defaults under ``settings``, dict values merged one level down."""
    merged = dict(DEFAULT_SETTINGS)
    for key, value in (settings or {}).items():
        default = DEFAULT_SETTINGS.get(key)
        merged[key] = {**default, **value} if isinstance(default, dict) else value
    return merged


RANK_INDEX = {rank: i for i, rank in enumerate(RANK_LADDER)}
EDUCATION_INDEX = {level: i for i, level in enumerate(EDUCATION_LEVELS)}  # 0: the highest


def is_county_level(conditions: Conditions) -> bool:
    """A position at 县处级 (a leading post 县处级副职/正职 or a 职级 from 四级调研员 up to
    一级调研员)."""
    level = conditions.target_level
    if level in LEADERSHIP_LEVELS:
        return level.startswith("县处级")
    return level in RANK_LADDER[6:10]


def effective_conditions(conditions: Conditions, settings: Mapping[str, Any] | None) -> Conditions:
    """The position's conditions with the 县处级 defaults filled in where it states none."""
    if not is_county_level(conditions):
        return conditions
    county = _settings(settings)["county_level"]
    return conditions._replace(
        min_years_work=conditions.min_years_work
        if conditions.min_years_work is not None
        else county.get("min_years_work"),
        min_years_grassroots=conditions.min_years_grassroots
        if conditions.min_years_grassroots is not None
        else county.get("min_years_grassroots"),
        min_education=conditions.min_education or county.get("min_education"),
    )


def discipline_end(kind: str, decided_on: date, settings: Mapping[str, Any] | None) -> date:
    """The last day of the effect period of a 诫勉 or 处分 (see the module docstring)."""
    months = int(_settings(settings)["effect_months"].get(kind, 0))
    return add_months(decided_on, months)


# --- the rules ------------------------------------------------------------------------------


_MISSING = object()
NO_DISCIPLINE = Check("discipline", True, _("无影响期内的诫勉或处分"))
NO_VETO = Check("political", True, _("无政治素质考察不合格结论"))


class Evaluator:
    """The rules for one position on one date, with what does not depend on the cadre worked
    out once (the roster is evaluated with one Evaluator): ``evaluator(facts) -> Verdict``."""

    def __init__(
        self,
        conditions: Conditions,
        on: date,
        settings: Mapping[str, Any] | None = None,
        *,
        keep_passed: bool = True,
    ):
        #: False: a verdict lists only the checks that failed or are checked by hand (the
        #: roster's run stores no more), and a passed check is not even worded.
        self.keep_passed = keep_passed
        self.conf = conf = _settings(settings)
        self.on = on
        self.conditions = c = effective_conditions(conditions, conf)
        self.previous_year = on.year - 1
        self.excluding = frozenset(conf["excluding_grades"])
        self.effect_months = {k: int(v) for k, v in conf["effect_months"].items()}
        self.shortening = int(conf["excellent_shortening_months"])
        self.wait_years = {k: int(v) for k, v in conf["rank_wait_years"].items()}
        self.min_rank_index = RANK_INDEX.get(c.min_rank) if c.min_rank else None
        self.target_rank_index = RANK_INDEX.get(c.target_level) if c.post_kind == "职级" else None
        self.min_education_index = EDUCATION_INDEX.get(c.min_education) if c.min_education else None
        self.age_on = c.age_on or on
        self.other = (
            Check("other", None, _("其他条件：%(text)s，需人工核对"), {"text": other})
            if (other := (c.other_conditions or "").strip())
            else None
        )
        # The rules that read one fact give one Check per value of it, made once: the
        # roster shares a handful of ranks, grades, 学历 and 政治面貌 (and storing the run
        # keeps each distinct check once).
        self._memo: dict[tuple[str, Any], tuple[Check, ...]] = {}
        # The rules read per cadre between 职级 and 学历, leaving out those the position
        # does not ask for.
        self._per_cadre = [self._years_in_rank]
        if c.post_kind == "领导职务" and c.target_level in LEADERSHIP_LEVELS:
            self._per_cadre.append(self._leading_post)
        if c.min_years_work:
            self._per_cadre.append(self._years_work)
        if c.min_years_grassroots:
            self._per_cadre.append(self._years_grassroots)

    def _once(
        self, rule: Callable[[CadreFacts], Any], name: str, value: Any, facts: CadreFacts
    ) -> tuple[Check, ...]:
        """The checks of ``rule`` for a cadre whose fact ``name`` is ``value`` (those kept)."""
        key = (name, value)
        found = self._memo.get(key)
        if found is None:
            made = rule(facts)
            made = made if isinstance(made, list) else [made] if made is not None else []
            found = self._memo[key] = tuple(
                c for c in made if self.keep_passed or c.passed is not True
            )
        return found

    def __call__(self, facts: CadreFacts) -> Verdict:
        # Written for the roster's 20,000 cadres: the memoised checks looked up in place (an
        # empty tuple is a hit: every check of that value passed and is not kept).
        memo, keep = self._memo, self.keep_passed
        grade = facts.grades.get(self.previous_year, _MISSING)
        found = memo.get(("grade", grade))
        checks = list(
            found if found is not None else self._once(self._grade, "grade", grade, facts)
        )
        if facts.discipline:
            check = self._discipline(facts)
            if keep or check.passed is not True:
                checks.append(check)
        elif keep:
            checks.append(NO_DISCIPLINE)
        if facts.political_veto is not None:
            checks.append(self._political(facts))
        elif keep:
            checks.append(NO_VETO)
        found = memo.get(("rank", facts.rank))
        checks += found if found is not None else self._once(self._rank, "rank", facts.rank, facts)
        for rule in self._per_cadre:
            check = rule(facts)
            if check is not None and (keep or check.passed is not True):
                checks.append(check)
        education, status = facts.education, facts.political_status
        found = memo.get(("education", education))
        checks += (
            found
            if found is not None
            else self._once(self._education, "education", education, facts)
        )
        found = memo.get(("party", status))
        checks += found if found is not None else self._once(self._party, "party", status, facts)
        check = self._age(facts)
        if check is not None and (keep or check.passed is not True):
            checks.append(check)
        if self.other is not None:
            checks.append(self.other)
        return Verdict(facts.cadre_id, tuple(checks), all(c.passed is not False for c in checks))

    def _grade(self, facts: CadreFacts) -> Check:
        year = self.previous_year
        if year not in facts.grades:
            return Check(
                "grade", None, _("无 %(year)s 年度已确定的考核等次，需人工核对"), {"year": year}
            )
        grade = facts.grades[year]
        if grade is None:
            return Check("grade", None, _("%(year)s 年度考核不定等次，需人工核对"), {"year": year})
        return Check(
            "grade",
            grade not in self.excluding,
            _("上年度（%(year)s）考核为%(grade)s"),
            {"year": year, "grade": grade},
        )

    def _discipline(self, facts: CadreFacts) -> Check:
        if not facts.discipline:
            return NO_DISCIPLINE
        on = self.on
        running = []
        for kind, decided in facts.discipline:
            if decided <= on:
                months = self.effect_months.get("诫勉" if kind == ADMONITION_TALK else kind, 0)
                end = add_months(decided, months)
                if on <= end:
                    running.append((end, kind, decided))
        if running:
            end, kind, decided = max(running)
            return Check(
                "discipline",
                False,
                _("%(kind)s影响期至 %(end)s（%(decided)s 谈话）")
                if kind == ADMONITION_TALK
                else _("%(kind)s影响期至 %(end)s（%(decided)s 决定）"),
                {"kind": kind, "end": end.isoformat(), "decided": decided.isoformat()},
            )
        return NO_DISCIPLINE

    def _political(self, facts: CadreFacts) -> Check:
        if facts.political_veto is not None:
            title, concluded = facts.political_veto
            return Check(
                "political",
                False,
                _("政治素质考察结论为不合格（%(title)s，%(on)s）"),
                {"title": title, "on": concluded.isoformat()},
            )
        return NO_VETO

    def _rank(self, facts: CadreFacts) -> list[Check]:
        checks = []
        current = RANK_INDEX.get(facts.rank, -1) if facts.rank else -1
        needed = self.min_rank_index
        if needed is not None:
            minimum = self.conditions.min_rank
            if current < 0:
                checks.append(
                    Check("rank", False, _("无职级记录，需为%(min)s及以上"), {"min": minimum})
                )
            elif current < needed:
                checks.append(
                    Check(
                        "rank",
                        False,
                        _("现任%(rank)s，需为%(min)s及以上"),
                        {"rank": facts.rank, "min": minimum},
                    )
                )
            else:
                checks.append(Check("rank", True, _("现任%(rank)s"), {"rank": facts.rank}))
        target = self.target_rank_index
        if target is not None and current >= target:
            checks.append(
                Check(
                    "rank",
                    False,
                    _("现任%(rank)s，已不低于拟任职级%(target)s"),
                    {"rank": facts.rank, "target": self.conditions.target_level},
                )
            )
        return checks

    def _years_in_rank(self, facts: CadreFacts) -> Check | None:
        on = self.on
        if self.conditions.min_years_in_rank is not None:
            years = self.conditions.min_years_in_rank
        else:
            current = RANK_INDEX.get(facts.rank, -1) if facts.rank else -1
            if current < 0 or current + 1 >= len(RANK_LADDER):
                return None  # no rank (the rank rule says so) or the top of the ladder
            years = self.wait_years.get(RANK_LADDER[current + 1], 2)
        if years <= 0:
            return None
        if facts.rank_since is None:
            return Check(
                "years_in_rank",
                False,
                _("无任现职级时间记录，需满 %(years)s 年"),
                {"years": years},
            )
        month_only = facts.rank_since_precision == "month"
        start = month_end(facts.rank_since) if month_only else facts.rank_since
        excellent = (
            sorted(y for y, g in facts.grades.items() if g == "优秀" and start.year < y < on.year)
            if "优秀" in facts.grades.values()
            else ()
        )
        needed = max(years * 12 - len(excellent) * self.shortening, 0)
        passed = start <= latest_start(on, needed)
        if passed and not self.keep_passed:
            return None
        params: dict[str, Any] = {
            "served": months_between(start, on),
            "needed": needed,
            "since": _shown(facts.rank_since, facts.rank_since_precision),
        }
        if excellent:
            params["excellent"] = "、".join(str(y) for y in excellent)
            message = (
                _(
                    "任现职级 %(served)s（自 %(since)s，按该月最后一天计），"
                    "%(excellent)s 年度优秀缩短后需满 %(needed)s"
                )
                if month_only
                else _(
                    "任现职级 %(served)s（自 %(since)s），"
                    "%(excellent)s 年度优秀缩短后需满 %(needed)s"
                )
            )
        else:
            message = (
                _("任现职级 %(served)s（自 %(since)s，按该月最后一天计），需满 %(needed)s")
                if month_only
                else _("任现职级 %(served)s（自 %(since)s），需满 %(needed)s")
            )
        return Check("years_in_rank", passed, message, params)

    def _leading_post(self, facts: CadreFacts) -> Check | None:
        """副职→正职 ≥2 years, lower 正职 → higher 副职 ≥3 years: no date of the leading post
        is recorded, so this is checked by hand when it applies."""
        c = self.conditions
        if c.post_kind != "领导职务" or c.target_level not in LEADERSHIP_LEVELS:
            return None
        if facts.leadership_level not in LEADERSHIP_LEVELS:
            return None
        target = LEADERSHIP_LEVELS.index(c.target_level)
        current = LEADERSHIP_LEVELS.index(facts.leadership_level)
        if target != current + 1:
            return None
        years = 2 if target % 2 == 1 else 3  # 副职 → 正职; lower 正职 → higher 副职
        return Check(
            "leading_post",
            None,
            _("任%(post)s需满 %(years)s 年（无任职时间记录），需人工核对"),
            {"post": facts.leadership_level, "years": years},
        )

    def _years_work(self, facts: CadreFacts) -> Check | None:
        years = self.conditions.min_years_work
        if not years:
            return None
        if facts.work_start is None:
            return Check(
                "years_work", False, _("无参加工作时间记录，需满 %(years)s 年"), {"years": years}
            )
        month_only = facts.work_start_precision == "month"
        start = month_end(facts.work_start) if month_only else facts.work_start
        passed = start <= latest_start(self.on, years * 12)
        if passed and not self.keep_passed:
            return None
        params = {
            "served": months_between(start, self.on),
            "years": years,
            "since": _shown(facts.work_start, facts.work_start_precision),
        }
        message = (
            _("工作 %(served)s（%(since)s 参加工作，按该月最后一天计），需满 %(years)s 年")
            if month_only
            else _("工作 %(served)s（%(since)s 参加工作），需满 %(years)s 年")
        )
        return Check("years_work", passed, message, params)

    def _years_grassroots(self, facts: CadreFacts) -> Check | None:
        years = self.conditions.min_years_grassroots
        if not years:
            return None
        if facts.grassroots_days >= years * 365:
            if not self.keep_passed:
                return None
            return Check(
                "years_grassroots",
                True,
                _("基层工作经历按派往基层单位的挂职锻炼累计 %(served)s，需满 %(years)s 年"),
                self._grassroots_params(facts, years),
            )
        return Check(
            "years_grassroots",
            None,
            _(
                "基层工作经历按派往基层单位的挂职锻炼累计 %(served)s，"
                "未达 %(years)s 年，需人工核对（简历）"
            ),
            self._grassroots_params(facts, years),
        )

    @staticmethod
    def _grassroots_params(facts: CadreFacts, years: int) -> dict[str, int]:
        return {"served": facts.grassroots_days * 12 // 365, "years": years}

    def _education(self, facts: CadreFacts) -> Check | None:
        needed = self.min_education_index
        if needed is None:
            return None
        minimum = self.conditions.min_education
        have = EDUCATION_INDEX.get(facts.education) if facts.education else None
        if have is None:
            return Check("education", False, _("无学历记录，需为%(min)s及以上"), {"min": minimum})
        return Check(
            "education",
            have <= needed,  # EDUCATION_LEVELS runs from the highest (研究生) down
            _("学历为%(education)s，需为%(min)s及以上"),
            {"education": facts.education, "min": minimum},
        )

    def _party(self, facts: CadreFacts) -> Check | None:
        if not self.conditions.party_member:
            return None
        status = facts.political_status or ""
        if status == PARTY_MEMBER_STATUSES[0]:
            return Check("party", True, _("政治面貌为%(status)s"), {"status": status})
        if status in PARTY_MEMBER_STATUSES:
            return Check("party", None, _("政治面貌为%(status)s，需人工核对"), {"status": status})
        if not status:
            return Check("party", False, _("无政治面貌记录，需为中共党员"))
        return Check("party", False, _("政治面貌为%(status)s，需为中共党员"), {"status": status})

    def _age(self, facts: CadreFacts) -> Check | None:
        limit = self.conditions.max_age
        if limit is None:
            return None
        if facts.birth_date is None:
            return Check("age", False, _("无出生日期记录"))
        stated = self.age_on
        month_only = facts.birth_precision == "month"
        birth = facts.birth_date.replace(day=1) if month_only else facts.birth_date
        age = age_on(birth, stated)
        if age <= limit and not self.keep_passed:
            return None
        params = {"age": age, "on": stated.isoformat(), "max": limit}
        message = (
            _("%(on)s 时 %(age)s 周岁（出生日期仅知到月，按该月第一天计），需不超过 %(max)s 周岁")
            if month_only
            else _("%(on)s 时 %(age)s 周岁，需不超过 %(max)s 周岁")
        )
        return Check("age", age <= limit, message, params)


def evaluate(
    facts: CadreFacts,
    conditions: Conditions,
    on: date,
    settings: Mapping[str, Any] | None = None,
) -> Verdict:
    """Every rule for ``facts`` against ``conditions`` on ``on``, in the order of ``RULES``
    (see the module docstring for the boundaries chosen)."""
    return Evaluator(conditions, on, settings)(facts)


def sentence(check: Check, gettext: Callable[[str], str], term: Callable[[Any], Any]) -> str:
    """A check in the reader's language: the msgid through ``gettext``, the term parameters
    (grades, kinds) through ``term``, the spans of months in words."""
    return gettext(check.message) % _shown_params(check.params, gettext, term)
