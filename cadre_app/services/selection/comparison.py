"""赛道相马: 2 to 6 cadres side by side on their record (issue 14, point 4).

What is compared, section by section (``SECTIONS``, each a function of a ``Gathering``):
basics (section, post, 职级, age, education, party), years in rank, the last three annual
grades with totals and ranks and the three-year trend, this year's training hours against
the requirement, secondments with their appraisal grades, the 政治素质考察 conclusions,
honours, talks, and essays (策论) and 业务微讲座. Every other domain is read through its
queries, each once for all the cadres (one query or a few per domain, never one per cadre).

Honours: the published individual honours of the 光荣榜, read through
``services.honours.queries.of_cadres`` in ``honours_section``.

Marks (pure, ``mark_best`` and ``differs``): a row whose values rank candidates ("better"
high or low) marks the best cell(s) when at least two candidates have a value and not all
values are equal; a row whose shown texts are not all the same is marked as differing (the
page shades it). Rows without a "better" (age, section, party) only shade.

Labels come in the reader's language (``flask_babel``); the PDF builds its data under the
Chinese locale (``pdf_data``), as the official records print.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import sqlalchemy as sa
from flask_babel import force_locale, get_translations
from flask_babel import gettext as babel_gettext

from cadre_app.extensions import db
from cadre_app.models import Cadre, Department, SecondmentState, TalkState, enums
from cadre_app.models.selection import RoundCandidate, SelectionRound
from cadre_app.services.assessments import results as assessment_results
from cadre_app.services.evaluations import queries as evaluation_queries
from cadre_app.services.honours import queries as honour_queries
from cadre_app.services.roster import operations as roster
from cadre_app.services.secondments import queries as secondment_queries
from cadre_app.services.talks import queries as talk_queries
from cadre_app.services.training import ledger
from cadre_app.services.training import queries as training_queries

MIN_CADRES = 2
MAX_CADRES = 6
PDF_TEMPLATE = "selection_compare.html"
TITLE = "干部赛道相马比较表"

Better = Literal["high", "low"] | None

#: Orders that make a grade comparable (higher is better).
EVALUATION_ORDER = {"优秀": 4, "称职": 3, "基本称职": 2, "不称职": 1}
APPRAISAL_ORDER = EVALUATION_ORDER
CONCLUSION_ORDER = {"合格": 3, "基本合格": 2, "不合格": 1}
#: Talks that follow a problem (fewer is better); 任职谈话 and 谈心谈话 are neutral.
CORRECTIVE_TALKS = ("提醒谈话", "函询", "诫勉谈话")


#: The catalogue's lookup while a comparison is built: looked up once per build instead of on
#: each of its ~300 strings (Flask-Babel resolves the locale and catalogue on every call).
_lookup: ContextVar[Callable[[str], str] | None] = ContextVar("compare_lookup", default=None)


def _(string: str, **variables: Any) -> str:
    """gettext, with the catalogue of the build in progress when there is one."""
    lookup = _lookup.get()
    if lookup is None:
        return babel_gettext(string, **variables)
    text = lookup(string)
    return text % variables if variables else text


def term(value: Any) -> Any:
    """A stored Chinese term in the reader's language (as ``cadre_app.i18n.term``)."""
    return _(value) if isinstance(value, str) and value else value


class CompareError(ValueError):
    """The cadres asked for cannot be compared (the view answers 400 with the message)."""


# --- pure rules -----------------------------------------------------------------------------


def parse_ids(raw: Iterable[str]) -> list[int]:
    """The cadre ids of ``?cadre=…`` in the order given, repeats dropped. Raises CompareError
    for a value that is not an id, or fewer than MIN_CADRES or more than MAX_CADRES."""
    ids: list[int] = []
    for value in raw:
        text = (value or "").strip()
        if not text:
            continue
        if not text.isdigit() or len(text) > 12:
            raise CompareError(_("“%(value)s”不是干部编号。", value=text[:20]))
        if int(text) not in ids:
            ids.append(int(text))
    check_count(len(ids))
    return ids


def check_count(count: int) -> None:
    if count < MIN_CADRES or count > MAX_CADRES:
        raise CompareError(
            _(
                "请选择 %(low)d 至 %(high)d 名干部进行比较（现选 %(count)d 名）。",
                low=MIN_CADRES,
                high=MAX_CADRES,
                count=count,
            )
        )


def mark_best(values: Sequence[float | None], better: Better) -> list[bool]:
    """Which cells hold the best value: none when the row does not rank (``better`` None),
    when fewer than two candidates have a value, or when every value is the same (nobody
    stands out). Ties for the best are all marked."""
    present = [v for v in values if v is not None]
    if better is None or len(present) < 2 or len(set(present)) == 1:
        return [False] * len(values)
    best = max(present) if better == "high" else min(present)
    return [v is not None and v == best for v in values]


def differs(texts: Sequence[str]) -> bool:
    """Whether the candidates' shown texts are not all the same."""
    return len(set(texts)) > 1


def trend(totals: Sequence[float | None]) -> tuple[str, float | None]:
    """The trend of the totals, oldest first: ("up" | "down" | "flat" | "mixed" | "unknown",
    the change from the first to the last known total). Up or down only when every step
    goes that way; fewer than two totals: unknown."""
    known = [t for t in totals if t is not None]
    if len(known) < 2:
        return "unknown", None
    steps = [b - a for a, b in zip(known, known[1:], strict=False)]
    change = round(known[-1] - known[0], 1)
    if all(s > 0 for s in steps):
        return "up", change
    if all(s < 0 for s in steps):
        return "down", change
    if all(s == 0 for s in steps):
        return "flat", change
    return "mixed", change


def months_between(start: date, on: date) -> int:
    """Whole months from ``start`` to ``on`` (0 when ``on`` is before ``start``)."""
    months = (on.year - start.year) * 12 + on.month - start.month
    if on.day < start.day:
        months -= 1
    return max(0, months)


def education_level(*levels: str | None) -> int | None:
    """The higher of a cadre's 学历 as a number (higher is better), None when unknown."""
    ladder = enums.EDUCATION_LEVELS  # highest first
    found = [len(ladder) - ladder.index(x) for x in levels if x in ladder]
    return max(found) if found else None


# --- the comparison's shape -----------------------------------------------------------------


@dataclass
class Cell:
    text: str = ""
    lines: list[str] = field(default_factory=list)  # shown under the text, one per line
    value: float | None = None  # what ``mark_best`` compares
    best: bool = False

    @property
    def shown(self) -> str:
        return " / ".join([self.text, *self.lines])


@dataclass
class Row:
    label: str
    cells: list[Cell]
    better: Better = None
    differs: bool = False


@dataclass
class Section:
    key: str
    title: str
    rows: list[Row] = field(default_factory=list)
    #: Shown instead of the rows when the domain has no data at all.
    missing: str | None = None


@dataclass
class Candidate:
    id: int
    staff_no: str
    name: str
    department: str


@dataclass
class Comparison:
    on: date
    candidates: list[Candidate]
    sections: list[Section]
    round_id: int | None = None
    round_title: str | None = None


@dataclass
class Gathering:
    """What every section reads: the cadres (in the order asked) and the day."""

    on: date
    cadres: list[Cadre]

    @property
    def ids(self) -> list[int]:
        return [c.id for c in self.cadres]


def _row(label: str, cells: list[Cell], better: Better = None) -> Row:
    for cell, best in zip(cells, mark_best([c.value for c in cells], better), strict=True):
        cell.best = best
    return Row(label, cells, better, differs([c.shown for c in cells]))


def _years_months(months: int) -> str:
    years, rest = divmod(months, 12)
    if years and rest:
        return _("%(y)d 年 %(m)d 个月", y=years, m=rest)
    if years:
        return _("%(y)d 年", y=years)
    return _("%(m)d 个月", m=rest)


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def _month(value: date | None) -> str:
    return f"{value.year}.{value.month:02d}" if value else ""


def _score(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


# --- sections -------------------------------------------------------------------------------


def basics_section(g: Gathering) -> Section:
    cadres = g.cadres
    rows = [
        _row(_("部门"), [Cell(c.department.name if c.department else "") for c in cadres]),
        _row(_("现任职务"), [Cell(c.position_title or "") for c in cadres]),
        _row(
            _("职级"),
            [
                Cell(
                    c.rank or "",
                    [c.leadership_level] if c.leadership_level else [],
                    value=enums.rank_index(c.rank) if c.rank in enums.RANK_LADDER else None,
                )
                for c in cadres
            ],
            "high",
        ),
        _row(
            _("任现职级时间"),
            [
                Cell(
                    _years_months(months_between(c.rank_since, g.on)) if c.rank_since else "",
                    [_("自 %(day)s", day=_month(c.rank_since))] if c.rank_since else [],
                    value=months_between(c.rank_since, g.on) if c.rank_since else None,
                )
                for c in cadres
            ],
            "high",
        ),
        _row(
            _("年龄"),
            [
                Cell(
                    _("%(age)d 岁", age=roster.age_on(c.birth_date, g.on)),
                    [_("生于 %(month)s", month=_month(c.birth_date))],
                )
                for c in cadres
            ],
        ),
        _row(
            _("学历学位"),
            [
                Cell(
                    " ".join(x for x in (c.ft_education, c.ft_degree) if x),
                    [
                        _(
                            "在职：%(what)s",
                            what=" ".join(x for x in (c.pt_education, c.pt_degree) if x),
                        )
                    ]
                    if c.pt_education or c.pt_degree
                    else [],
                    value=education_level(c.ft_education, c.pt_education),
                )
                for c in cadres
            ],
            "high",
        ),
        _row(
            _("政治面貌"),
            [
                Cell(
                    c.political_status or "",
                    [_("入党 %(month)s", month=_month(c.party_join_date))]
                    if c.party_join_date
                    else [],
                )
                for c in cadres
            ],
        ),
        _row(
            _("参加工作时间"),
            [
                Cell(
                    _month(c.work_start_date),
                    value=months_between(c.work_start_date, g.on) if c.work_start_date else None,
                )
                for c in cadres
            ],
            "high",
        ),
    ]
    return Section("basics", _("基本情况"), rows)


def evaluations_section(g: Gathering) -> Section:
    years = sorted(evaluation_queries.recent_years())  # oldest first
    if not years:
        return Section("evaluations", _("年度考核"), missing=_("尚无年度考核数据"))
    results = evaluation_queries.results_of(g.ids, years)
    rows = []
    for year in years:
        grades, scores = [], []
        for c in g.cadres:
            r = results.get(c.id, {}).get(year)
            if r is None:
                grades.append(Cell(_("未参加考核")))
                scores.append(Cell(""))
                continue
            grade = r["grade"]
            grades.append(
                Cell(
                    term(grade) if grade else _("未定等次"),
                    [] if r["final"] or not grade else [_("拟定")],
                    value=EVALUATION_ORDER.get(grade or ""),
                )
            )
            ranks = []
            if r["section_rank"] is not None:
                ranks.append(
                    _(
                        "处内第 %(rank)d/%(size)d",
                        rank=r["section_rank"],
                        size=r["section_size"] or 0,
                    )
                )
            if r["overall_rank"] is not None:
                ranks.append(_("全局第 %(rank)d", rank=r["overall_rank"]))
            scores.append(Cell(_score(r["total"]), ranks, value=r["total"]))
        rows.append(_row(_("%(year)d 年度等次", year=year), grades, "high"))
        rows.append(_row(_("%(year)d 年度总分与排名", year=year), scores, "high"))
    labels = {
        "up": _("连续上升"),
        "down": _("连续下降"),
        "flat": _("持平"),
        "mixed": _("有升有降"),
        "unknown": _("数据不足"),
    }
    cells = []
    for c in g.cadres:
        totals = [results.get(c.id, {}).get(y, {}).get("total") for y in years]
        key, change = trend(totals)
        arrow = {"up": "↑", "down": "↓", "flat": "→", "mixed": "↕"}.get(key, "")
        text = f"{arrow} {labels[key]}".strip()
        lines = [f"{change:+.1f}"] if change is not None else []
        cells.append(Cell(text, lines, value=change))
    rows.append(_row(_("近三年总分趋势"), cells, "high"))
    return Section("evaluations", _("年度考核"), rows)


def training_section(g: Gathering) -> Section:
    year = g.on.year
    hours = ledger.cadres_hours(g.ids, year)
    cells = []
    for c in g.cadres:
        h = hours.get(c.id)
        if h is None:
            cells.append(Cell(""))
            continue
        lines = [_("差 %(short)s 学时", short=h.short)] if h.behind else [_("已达标")]
        if h.multi_year:
            lines.append(_("%(first)d–%(last)d 年累计", first=h.window[0], last=h.window[1]))
        cells.append(
            Cell(
                _(
                    "%(counted)s / %(required)s 学时（%(percent)d%%）",
                    counted=h.counted,
                    required=h.required,
                    percent=h.percent,
                ),
                lines,
                value=h.percent,
            )
        )
    return Section(
        "training",
        _("教育培训"),
        [_row(_("%(year)d 年学时 / 要求", year=year), cells, "high")],
    )


def secondments_section(g: Gathering) -> Section:
    found = secondment_queries.of_cadres(g.ids)
    states = SecondmentState.labels()
    spells, grades = [], []
    for c in g.cadres:
        items = found.get(c.id, [])
        lines = []
        for s in items:
            where = " ".join(x for x in (term(s["kind"]), s["host_unit"], s["post"] or "") if x)
            grade = (
                _("鉴定：%(grade)s", grade=term(s["grade"])) if s["grade"] else states[s["state"]]
            )
            lines.append(
                _(
                    "%(start)s–%(end)s %(where)s（%(note)s）",
                    start=_month(s["start"]),
                    end=_month(s["end"]),
                    where=where,
                    note=grade,
                )
            )
        spells.append(
            Cell(
                _("%(count)d 次", count=len(items)) if items else _("无"),
                lines,
                value=len(items),
            )
        )
        known = [APPRAISAL_ORDER[s["grade"]] for s in items if s["grade"] in APPRAISAL_ORDER]
        best = max(known) if known else None
        label = next((k for k, v in APPRAISAL_ORDER.items() if v == best), None)
        grades.append(Cell(term(label) if label else "—", value=best))
    return Section(
        "secondments",
        _("实践锻炼"),
        [_row(_("挂职与实践锻炼"), spells, "high"), _row(_("最好鉴定等次"), grades, "high")],
    )


def political_section(g: Gathering) -> Section:
    dossiers = assessment_results.conclusions_of(g.ids)
    cells = []
    for c in g.cadres:
        entries = dossiers.get(c.id, [])
        if not entries:
            cells.append(Cell(_("尚无考察结论")))
            continue
        latest = entries[0]
        lines = [
            _(
                "%(day)s %(title)s：%(conclusion)s",
                day=_day(e.concluded_on),
                title=e.title,
                conclusion=term(e.conclusion),
            )
            for e in entries[:3]
        ]
        if latest.conclusion == assessment_results.VETO:
            lines.insert(0, _("政治上不合格：一票否决"))
        cells.append(
            Cell(term(latest.conclusion), lines, value=CONCLUSION_ORDER.get(latest.conclusion))
        )
    return Section("political", _("政治素质考察"), [_row(_("最近考察结论"), cells, "high")])


def honours_section(g: Gathering) -> Section:
    """Honours (光荣榜): each cadre's published individual honours, newest first; more is
    better."""
    found = honour_queries.of_cadres(g.ids)
    cells = []
    for c in g.cadres:
        lines = found.get(c.id, [])
        cells.append(
            Cell(
                _("%(count)d 次", count=len(lines)) if lines else _("无"),
                [
                    _("%(quarter)s %(title)s", quarter=line.label, title=line.title)
                    for line in lines
                ],
                value=len(lines),
            )
        )
    return Section("honours", _("表彰奖励"), [_row(_("光荣榜"), cells, "high")])


def talks_section(g: Gathering) -> Section:
    found = talk_queries.of_subjects(g.ids)
    states = TalkState.labels()
    cells = []
    for c in g.cadres:
        talks = found.get(c.id, [])
        corrective = sum(1 for t in talks if t["kind"] in CORRECTIVE_TALKS)
        lines = [
            _(
                "%(month)s %(kind)s（%(source)s）：%(state)s",
                month=_month(t["opened"]),
                kind=term(t["kind"]),
                source=term(t["source"]),
                state=states[t["state"]],
            )
            for t in talks
        ]
        text = (
            _(
                "%(count)d 次，其中提醒、函询、诫勉 %(corrective)d 次",
                count=len(talks),
                corrective=corrective,
            )
            if talks
            else _("无")
        )
        cells.append(Cell(text, lines, value=corrective))
    return Section("talks", _("谈话"), [_row(_("谈话记录"), cells, "low")])


def essays_lectures_section(g: Gathering) -> Section:
    found = training_queries.essays_and_lectures(g.ids)
    essays, lectures = [], []
    for c in g.cadres:
        f = found[c.id]
        grades = _("、").join(f"{term(k)} {n}" for k, n in f["essay_grades"].items())
        lines = [grades] if grades else []
        if f["adopted"]:
            lines.append(_("采纳 %(n)d 篇", n=f["adopted"]))
        essays.append(Cell(_("%(n)d 篇", n=f["essays"]), lines, value=f["essays"]))
        lines = []
        if f["lecture_rating"] is not None:
            lines.append(_("平均评分 %(rating).1f", rating=f["lecture_rating"]))
        lines.append(_("听讲 %(n)d 次", n=f["lectures_attended"]))
        lectures.append(
            Cell(_("主讲 %(n)d 次", n=f["lectures_given"]), lines, value=f["lectures_given"])
        )
    return Section(
        "essays",
        _("策论与微讲座"),
        [_row(_("策论"), essays, "high"), _row(_("业务微讲座"), lectures, "high")],
    )


#: The comparison's sections in order; a new source is one entry here.
SECTIONS: tuple[Callable[[Gathering], Section], ...] = (
    basics_section,
    evaluations_section,
    training_section,
    secondments_section,
    political_section,
    honours_section,
    talks_section,
    essays_lectures_section,
)


# --- loading and building -------------------------------------------------------------------


def load_cadres(ids: Sequence[int]) -> list[Cadre]:
    """The cadres of ``ids`` in that order, with their sections (one query). Raises
    CompareError naming an id that is no cadre."""
    found = {
        c.id: c
        for c in db.session.scalars(
            sa.select(Cadre)
            .join(Department, Department.id == Cadre.department_id)
            .options(sa.orm.contains_eager(Cadre.department))
            .where(Cadre.id.in_(list(ids)))
        )
    }
    unknown = [str(i) for i in ids if i not in found]
    if unknown:
        raise CompareError(_("没有编号为 %(ids)s 的干部。", ids="、".join(unknown)))
    return [found[i] for i in ids]


def known_cadres(ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The cadres among ``ids`` that exist (id, staff_no, name, department), for the picker
    to keep a choice that cannot be compared yet."""
    rows = db.session.execute(
        sa.select(Cadre.id, Cadre.staff_no, Cadre.name, Department.name.label("department"))
        .join(Department, Department.id == Cadre.department_id)
        .where(Cadre.id.in_(list(ids)))
    )
    return {row.id: row._asdict() for row in rows}


def round_allows(round_: SelectionRound | None, user_id: int, cadre_ids: Sequence[int]) -> bool:
    """Whether a manager may compare ``cadre_ids`` under ``round_``: the manager is one of
    the round's assigned reviewers and every cadre is a (not removed) candidate of it."""
    if round_ is None or user_id not in {u.id for u in round_.reviewers}:
        return False
    listed = set(
        db.session.scalars(
            sa.select(RoundCandidate.cadre_id).where(
                RoundCandidate.round_id == round_.id, RoundCandidate.removed_at.is_(None)
            )
        )
    )
    return set(cadre_ids) <= listed


def round_candidates(round_: SelectionRound) -> list[dict[str, Any]]:
    """The (not removed) candidates of a round (id, staff_no, name, department) for the
    picker."""
    rows = db.session.execute(
        sa.select(Cadre.id, Cadre.staff_no, Cadre.name, Department.name.label("department"))
        .join(RoundCandidate, RoundCandidate.cadre_id == Cadre.id)
        .join(Department, Department.id == Cadre.department_id)
        .where(RoundCandidate.round_id == round_.id, RoundCandidate.removed_at.is_(None))
        .order_by(RoundCandidate.id)
    )
    return [row._asdict() for row in rows]


def build(cadres: list[Cadre], *, on: date, round_: SelectionRound | None = None) -> Comparison:
    """The comparison of ``cadres`` (2–6, in the order asked) on ``on``."""
    check_count(len(cadres))
    gathering = Gathering(on, cadres)
    token = _lookup.set(get_translations().ugettext)
    try:
        return _build(gathering, cadres, on, round_)
    finally:
        _lookup.reset(token)


def _build(
    gathering: Gathering, cadres: list[Cadre], on: date, round_: SelectionRound | None
) -> Comparison:
    return Comparison(
        on=on,
        candidates=[
            Candidate(c.id, c.staff_no, c.name, c.department.name if c.department else "")
            for c in cadres
        ],
        sections=[section(gathering) for section in SECTIONS],
        round_id=round_.id if round_ else None,
        round_title=round_.title if round_ else None,
    )


def pdf_data(
    cadres: list[Cadre], *, on: date, organisation: str, round_: SelectionRound | None = None
) -> dict[str, Any]:
    """The PDF's plain data, built in Chinese whatever the reader's language."""
    with force_locale("zh_Hans_CN"):
        comparison = build(cadres, on=on, round_=round_)
    columns = len(comparison.candidates)
    return {
        "title": TITLE,
        "organisation": organisation,
        "on": on.isoformat(),
        "round": comparison.round_title or "",
        "candidates": [
            {"name": c.name, "staff_no": c.staff_no, "department": c.department}
            for c in comparison.candidates
        ],
        "columns": columns,
        "sections": [
            {
                "title": s.title,
                "missing": s.missing,
                "rows": [
                    {
                        "label": r.label,
                        "differs": r.differs,
                        "cells": [
                            {"text": c.text, "lines": list(c.lines), "best": c.best}
                            for c in r.cells
                        ],
                    }
                    for r in s.rows
                ],
            }
            for s in comparison.sections
        ],
    }
