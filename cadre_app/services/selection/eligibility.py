"""Eligibility of the roster for a position: each cadre's facts gathered in a few bulk queries
through the other domains' queries, the pure rules (services.selection.rules) applied, and the
result stored as an ``EligibilityRun`` with the rule set in force.

Queries, whatever the roster's size (one each): the cadres (roster), their 诫勉 and 处分
(this domain), the 诫勉谈话 held (``talks.queries.admonitions_held``), the decided grades of
the previous year and the 优秀 that may shorten a wait
(``evaluations.queries.decided_grades``), the 不合格 conclusions in force
(``assessments.results.political_vetoes``), and the days at 基层单位
(``secondments.queries.days_at_host_type``).

``EligibilityRun.results`` is compact: the cadres grouped by what they share,
``{"groups": [{"eligible": bool, "checks": [i, ...], "cadres": [id, ...]}, ...]}``, where each
``i`` indexes ``rules["checks"]``, the distinct checks of the run that did not pass, each
``[rule, passed, message, params]`` (failed: ``false``; to check by hand: ``null``); every
other rule of ``rules["checked"]`` passed. Most cadres share their failed checks (现任一级科员，
需为…及以上), so a run of 20,000 cadres keeps its 20,000 ids in a few thousand groups (about
half the JSON of one entry per cadre; migration 0015 rewrote the runs kept before).
``message`` indexes ``rules["messages"]``, the Chinese sentences with named parameters
(msgids: ``sentence`` renders them in the reader's language); ``checks_of`` reads a cadre's
checks back as ``rules.Check``. ``rules`` also keeps the settings' version and values and the
position's conditions (with the 县处级 defaults filled in) as they were.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from math import ceil
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from cadre_app.extensions import db
from cadre_app.i18n import term
from cadre_app.models import Cadre, Department, DisciplineRecord, EligibilityRun, Position
from cadre_app.models.enums import EDUCATION_LEVELS
from cadre_app.services.assessments import results as assessment_results
from cadre_app.services.core import settings
from cadre_app.services.evaluations import queries as evaluation_queries
from cadre_app.services.secondments import queries as secondment_queries
from cadre_app.services.selection import rules
from cadre_app.services.selection.rules import CadreFacts, Conditions, Verdict
from cadre_app.services.talks import queries as talk_queries

settings.register_defaults(rules.SETTINGS_KEY, rules.DEFAULT_SETTINGS)

#: The host type counted as grassroots (DOMAIN.md, Secondment hosts).
GRASSROOTS = "基层单位"
#: Kinds of 诫勉 and 处分, shown in the UI's language (listed for extraction).
DISCIPLINE_TERMS = (_l("诫勉"), _l("警告"), _l("记过"), _l("记大过"), _l("降级"), _l("撤职"))


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector while the roster's facts and verdicts are built:
    tens of thousands of small acyclic objects otherwise set off full collections that cost
    more than the rules themselves (measured: 20,000 cadres, 0.7 s → 0.33 s). Reference
    counting still frees everything; the collector runs again afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def current_settings() -> tuple[int | None, dict[str, Any]]:
    """(version, the selection settings in force with the defaults under them)."""
    version, stored = settings.current(rules.SETTINGS_KEY)
    return version, rules._settings(stored)  # noqa: SLF001 - the one merge rule


def conditions_of(position: Position) -> Conditions:
    return Conditions(
        post_kind=position.post_kind,
        target_level=position.target_level,
        min_rank=position.min_rank,
        min_years_in_rank=position.min_years_in_rank,
        min_years_work=position.min_years_work,
        min_years_grassroots=position.min_years_grassroots,
        min_education=position.min_education,
        party_member=bool(position.party_member),
        max_age=position.max_age,
        age_on=position.age_on,
        other_conditions=position.other_conditions,
    )


_NONE = object()


def _higher_education(first: str | None, second: str | None) -> str | None:
    known = [e for e in (first, second) if e in EDUCATION_LEVELS]
    return min(known, key=EDUCATION_LEVELS.index) if known else (first or second)


def gather_facts(
    on: date, conf: dict[str, Any], cadre_ids: Iterable[int] | None = None
) -> list[CadreFacts]:
    """The facts of every cadre of the roster (or of ``cadre_ids``) on ``on``."""
    wanted = None if cadre_ids is None else sorted(set(cadre_ids))
    stmt = sa.select(
        Cadre.id,
        Cadre.birth_date,
        Cadre.birth_date_precision,
        Cadre.rank,
        Cadre.rank_since,
        Cadre.rank_since_precision,
        Cadre.leadership_level,
        Cadre.work_start_date,
        Cadre.work_start_date_precision,
        Cadre.ft_education,
        Cadre.pt_education,
        Cadre.political_status,
    ).order_by(Cadre.id)
    if wanted is not None:
        stmt = stmt.where(Cadre.id.in_(wanted or [-1]))
    # Core rows through the connection: the ORM's row loading costs a third more here.
    cadres = db.session.connection().execute(stmt).all()
    longest_wait = max(int(y) for y in conf["rank_wait_years"].values())
    grades = evaluation_queries.decided_grades(
        (on.year - longest_wait - 2, on.year - 1), excellent_from=on.year - longest_wait - 2
    )
    longest_effect = max(int(m) for m in conf["effect_months"].values())
    discipline: dict[int, list[tuple[str, date]]] = {}
    for cadre_id, kind, decided in db.session.connection().execute(
        sa.select(
            DisciplineRecord.cadre_id, DisciplineRecord.kind, DisciplineRecord.decided_on
        ).where(
            DisciplineRecord.decided_on <= on,
            DisciplineRecord.decided_on >= rules.add_months(on, -longest_effect - 1),
        )
    ):
        discipline.setdefault(cadre_id, []).append((kind, decided))
    # A 诫勉谈话 held (talks) is a 诫勉 from the day it was held, whether or not HR also
    # entered it as a record here.
    for cadre_id, days in talk_queries.admonitions_held(
        rules.add_months(on, -longest_effect - 1), on
    ).items():
        discipline.setdefault(cadre_id, []).extend((rules.ADMONITION_TALK, day) for day in days)
    vetoes = assessment_results.political_vetoes(on)
    grassroots = secondment_queries.days_at_host_type(GRASSROOTS, on)
    no_grades: dict[int, str | None] = {}
    educations: dict[tuple[str | None, str | None], str | None] = {}
    facts = []
    for row in cadres:
        cadre_id = row[0]
        veto = vetoes.get(cadre_id)
        education = educations.get((row[9], row[10]), _NONE)
        if education is _NONE:
            education = educations[row[9], row[10]] = _higher_education(row[9], row[10])
        facts.append(
            CadreFacts(
                cadre_id,
                row[1],  # birth_date
                row[2],  # birth_precision
                row[3],  # rank
                row[4],  # rank_since
                row[5],  # rank_since_precision
                row[6],  # leadership_level
                row[7],  # work_start
                row[8],  # work_start_precision
                education,
                row[11],  # political_status
                grades.get(cadre_id, no_grades),
                tuple(discipline.get(cadre_id, ())),
                (veto.title, veto.concluded_on) if veto is not None else None,
                grassroots.get(cadre_id, 0),
            )
        )
    return facts


def evaluate_cadres(
    position: Position,
    on: date,
    cadre_ids: Iterable[int] | None = None,
    *,
    keep_passed: bool = False,
) -> tuple[dict[str, Any], list[Verdict]]:
    """(the rule set in force, a verdict per cadre) for ``position`` on ``on``; nothing is
    stored (``run`` stores). Each verdict lists only the checks that failed or are checked
    by hand unless ``keep_passed``: the others are not even worded (20,000 cadres)."""
    version, conf = current_settings()
    conditions = conditions_of(position)
    effective = rules.effective_conditions(conditions, conf)
    rule_set = {
        "settings_version": version,
        "settings": conf,
        "conditions": effective.as_dict(),
        "on": on.isoformat(),
        "checked": list(rules.RULES),
    }
    evaluator = rules.Evaluator(effective, on, conf, keep_passed=keep_passed)
    with _without_cycle_collection():
        verdicts = [evaluator(facts) for facts in gather_facts(on, conf, cadre_ids)]
    return rule_set, verdicts


def compact(verdicts: list[Verdict]) -> tuple[dict[str, Any], list[list[Any]], list[str]]:
    """(``EligibilityRun.results``, the distinct checks, the messages): the module docstring."""
    messages: dict[str, int] = {}
    distinct: dict[tuple[Any, ...], int] = {}
    same: dict[int, int] = {}  # id of a Check shared by many cadres (rules.Evaluator._once)
    table: list[list[Any]] = []
    groups: dict[tuple[bool, tuple[int, ...]], list[int]] = {}
    for verdict in verdicts:
        indexes = []
        for check in verdict.checks:
            if check.passed is True:
                continue
            index = same.get(id(check))  # the verdicts hold every check: ids stay unique
            if index is None:
                key = (check.rule, check.passed, check.message, *check.params.items())
                index = distinct.get(key)
                if index is None:
                    message = messages.setdefault(check.message, len(messages))
                    index = distinct[key] = len(table)
                    table.append([check.rule, check.passed, message, check.params])
                same[id(check)] = index
            indexes.append(index)
        group = (verdict.eligible, tuple(indexes))
        found = groups.get(group)
        if found is None:
            groups[group] = [verdict.cadre_id]
        else:
            found.append(verdict.cadre_id)
    results = {
        "groups": [
            {"eligible": eligible, "checks": list(indexes), "cadres": cadres}
            for (eligible, indexes), cadres in groups.items()
        ]
    }
    return results, table, list(messages)


def run(position: Position, on: date, *, actor: str | None) -> EligibilityRun:
    """Evaluate the roster for ``position`` on ``on`` and store the run (flushed)."""
    with _without_cycle_collection():  # until the verdicts are gone (the docstring there)
        rule_set, verdicts = evaluate_cadres(position, on)
        results, table, messages = compact(verdicts)
        stored = EligibilityRun(
            position_id=position.id,
            on_date=on,
            rules={**rule_set, "checks": table, "messages": messages},
            results=results,
            eligible_count=sum(1 for v in verdicts if v.eligible),
            computed_by=actor,
        )
        del verdicts
        db.session.add(stored)
        db.session.flush()
    return stored


def latest_run(position_id: int, on: date) -> EligibilityRun | None:
    """The newest stored run of ``position_id`` for the date ``on``."""
    return db.session.scalar(
        sa.select(EligibilityRun)
        .where(EligibilityRun.position_id == position_id, EligibilityRun.on_date == on)
        .order_by(EligibilityRun.id.desc())
        .limit(1)
    )


def by_cadre(stored: EligibilityRun) -> dict[int, tuple[bool, list[int]]]:
    """Per cadre of a stored run, (eligible, the indexes of its checks that did not pass);
    worked out once per loaded run."""
    found = stored.__dict__.get("_by_cadre")
    if found is None:
        found = {}
        for group in (stored.results or {}).get("groups", ()):
            entry = (bool(group["eligible"]), group["checks"])
            for cadre_id in group["cadres"]:
                found[cadre_id] = entry
        stored.__dict__["_by_cadre"] = found
    return found


def eligible_ids(stored: EligibilityRun) -> list[int]:
    """The eligible cadres of a stored run (the shortlist starts from them)."""
    return sorted(
        cadre_id
        for group in (stored.results or {}).get("groups", ())
        if group["eligible"]
        for cadre_id in group["cadres"]
    )


def is_eligible(stored: EligibilityRun, cadre_id: int) -> bool | None:
    """Whether ``cadre_id`` was eligible in a stored run (None: not in the run)."""
    entry = by_cadre(stored).get(cadre_id)
    return None if entry is None else entry[0]


def checks_of(stored: EligibilityRun, cadre_id: int) -> list[rules.Check]:
    """The checks of ``cadre_id`` that did not pass in a stored run ([] when none or absent)."""
    entry = by_cadre(stored).get(cadre_id)
    return read_checks(stored, entry[1]) if entry is not None else []


def read_checks(stored: EligibilityRun, raw: list[int]) -> list[rules.Check]:
    """A cadre's stored checks (indexes into ``rules["checks"]``) as ``rules.Check``."""
    kept = stored.rules or {}
    table, messages = kept.get("checks") or [], kept.get("messages") or []
    return [
        rules.Check(rule, passed, messages[m], params)
        for rule, passed, m, params in (table[i] for i in raw)
    ]


def sentence(check: rules.Check) -> str:
    """A check in the reader's language."""
    return rules.sentence(check, gettext, term)


def reasons(checks: list[rules.Check], *, manual: bool = False) -> str:
    """The failed checks' sentences (with ``manual``: and those to check by hand), ``；``."""
    return "；".join(
        sentence(c) for c in checks if c.passed is False or (manual and c.passed is None)
    )


# --- the page's rows --------------------------------------------------------------------------

PER_PAGE = 50


@dataclass(frozen=True)
class RunPage:
    rows: list[dict[str, Any]]
    total: int
    eligible: int
    page: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(ceil(self.total / self.per_page), 1)


def run_rows(
    stored: EligibilityRun,
    *,
    department_id: int | None = None,
    eligible_only: bool = False,
    page: int | None = 1,
) -> RunPage:
    """The run's cadres by section and 工号 (``page`` None: all), each with 符合 or not and
    the checks that did not pass; the counts are those of the filtered list."""
    stmt = (
        sa.select(Cadre.id, Cadre.staff_no, Cadre.name, Department.name.label("department"))
        .join(Department, Department.id == Cadre.department_id)
        .order_by(Department.sort_order, Department.name, Cadre.staff_no)
    )
    if department_id is not None:
        stmt = stmt.where(Cadre.department_id == department_id)
    results = by_cadre(stored)
    rows = []
    eligible = 0
    for cadre_id, staff_no, name, department in db.session.execute(stmt):
        result = results.get(cadre_id)
        if result is None:  # joined the roster after the run
            continue
        if result[0]:
            eligible += 1
        elif eligible_only:
            continue
        rows.append(
            {
                "id": cadre_id,
                "staff_no": staff_no,
                "name": name,
                "department": department,
                "eligible": result[0],
                "checks": result[1],  # raw: read_checks for the page's rows
            }
        )
    total = len(rows)
    if page is None:
        return RunPage(rows, total, eligible, 1, per_page=max(total, 1))
    pages = max(ceil(total / PER_PAGE), 1)
    page = min(max(page, 1), pages)
    return RunPage(rows[(page - 1) * PER_PAGE : page * PER_PAGE], total, eligible, page)
