"""The warnings list: every kind gathered from its domain's queries, each a ``Warning`` with
the record it links to and whom it concerns (``rules.concerns`` decides who sees it).

Links are endpoint and values (``Warning.url()`` builds the address when shown or sent).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cadre_app.i18n import term
from cadre_app.services.assessments import queries as assessments
from cadre_app.services.core import settings as core_settings
from cadre_app.services.core.kept import kept
from cadre_app.services.evaluations import operations as evaluation_rules
from cadre_app.services.evaluations import queries as evaluations
from cadre_app.services.reminders import rules
from cadre_app.services.roster import queries as roster
from cadre_app.services.secondments import operations as secondment_ops
from cadre_app.services.secondments import overview as secondments
from cadre_app.services.selection import rounds
from cadre_app.services.talks import queries as talks
from cadre_app.services.training import ledger, plan_rules, plans

#: The kinds' headings on the list, in ``rules.KINDS`` order.
LABELS = {
    rules.HOURS_BEHIND: _l("学时未达标"),
    rules.TALK_OVERDUE: _l("谈话逾期"),
    rules.SECONDMENT_ENDING: _l("挂职锻炼即将期满"),
    rules.APPRAISAL_OVERDUE: _l("期满鉴定逾期"),
    rules.MILESTONE_OVERDUE: _l("培养计划节点逾期"),
    rules.MILESTONE_NEXT: _l("培养计划下一节点"),
    rules.PROBATION_ENDING: _l("试用期即将届满"),
    rules.EVALUATION_DECLINE: _l("考核总分连续三年下降"),
    rules.ASSESSMENT_CLOSING: _l("测评即将截止"),
    rules.PUBLICITY_ENDING: _l("公示即将结束"),
}


@dataclass(frozen=True)
class Warning:
    kind: str
    key: str
    title: str  # the sentence shown and sent, already in the language of the run
    endpoint: str
    values: tuple[tuple[str, Any], ...]
    due: date | None = None
    cadre_id: int | None = None
    department_id: int | None = None
    conductor_id: int | None = None

    def url(self, user: Any = None) -> str:
        """The record's address; for a cadre, their own page (``/me``) at the tab that holds
        it (the plan and hours pages send a cadre there)."""
        if str(getattr(user, "role", "")) == "cadre" and self.cadre_id == user.cadre_id:
            return url_for("main.me", tab="training")
        return url_for(self.endpoint, **dict(self.values))

    @property
    def label(self) -> str:
        return str(LABELS[self.kind])


@dataclass
class Group:
    kind: str
    label: str
    warnings: list[Warning] = field(default_factory=list)


def current_settings() -> dict[str, Any]:
    return rules.merged(core_settings.value(rules.SETTINGS_KEY))


def _profile(cadre_id: int, tab: str) -> tuple[str, tuple[tuple[str, Any], ...]]:
    return "roster.profile", (("cadre_id", cadre_id), ("tab", tab))


def hours_behind(today: date, s: dict[str, Any]) -> list[Warning]:
    if not rules.hours_behind(1, today, int(s["hours_from_month"])):
        return []
    out = []
    for row in ledger.organisation_hours(today.year, behind=True, on=today).rows:
        if not rules.hours_behind(row.short, today, int(s["hours_from_month"])):
            continue
        endpoint, values = _profile(row.cadre_id, "training")
        out.append(
            Warning(
                rules.HOURS_BEHIND,
                rules.key(rules.HOURS_BEHIND, row.cadre_id, today.year),
                _(
                    "%(name)s %(year)d 年学时差 %(short)s（要求 %(required)s）",
                    name=row.name,
                    year=today.year,
                    short=row.short,
                    required=row.required,
                ),
                endpoint,
                values,
                cadre_id=row.cadre_id,
                department_id=row.department_id,
            )
        )
    return out


def talks_overdue(today: date) -> list[Warning]:
    return [
        Warning(
            rules.TALK_OVERDUE,
            rules.key(rules.TALK_OVERDUE, t["id"], t["state"].value, t["deadline"]),
            _(
                "%(name)s的%(kind)s已逾期（期限 %(day)s）",
                name=t["subject_name"],
                kind=term(t["kind"]),
                day=t["deadline"].isoformat(),
            ),
            "talks.detail",
            (("talk_id", t["id"]),),
            due=t["deadline"],
            cadre_id=t["subject_id"],
            department_id=t["department_id"],
            conductor_id=t["conductor_id"],
        )
        for t in talks.overdue_talks(today)
    ]


def secondment_warnings(today: date) -> list[Warning]:
    """The secondments' own warnings (``overview.warnings``, HR's view: every section)."""
    found = secondments.warnings(
        visible_departments=None, today=today, settings=secondment_ops.current_settings()
    )
    sections = roster.sections_of({r.cadre_id for r in found.ending_soon + found.overdue})
    out = []
    for r in found.ending_soon:
        out.append(
            Warning(
                rules.SECONDMENT_ENDING,
                rules.key(rules.SECONDMENT_ENDING, r.secondment_id, r.end),
                _(
                    "%(name)s在%(host)s的挂职锻炼将于 %(day)s 期满",
                    name=r.name,
                    host=r.host_unit,
                    day=r.end.isoformat(),
                ),
                "secondments.detail",
                (("secondment_id", r.secondment_id),),
                due=r.end,
                cadre_id=r.cadre_id,
                department_id=sections.get(r.cadre_id),
            )
        )
    for r in found.overdue:
        out.append(
            Warning(
                rules.APPRAISAL_OVERDUE,
                rules.key(rules.APPRAISAL_OVERDUE, r.secondment_id, r.end),
                _(
                    "%(name)s在%(host)s的挂职锻炼期满鉴定已逾期 %(n)d 天",
                    name=r.name,
                    host=r.host_unit,
                    n=r.days,
                ),
                "secondments.detail",
                (("secondment_id", r.secondment_id),),
                due=r.end,
                cadre_id=r.cadre_id,
                department_id=sections.get(r.cadre_id),
            )
        )
    return out


def milestones(today: date, s: dict[str, Any]) -> list[Warning]:
    days = int(s["milestone_days"])
    found = plans.open_milestones_due(today + timedelta(days=days))
    out = []
    upcoming: dict[int, list[dict[str, Any]]] = {}
    for m in found:
        if plan_rules.milestone_overdue(m["plan_state"], m["due"], m["state"], today):
            out.append(
                Warning(
                    rules.MILESTONE_OVERDUE,
                    rules.key(rules.MILESTONE_OVERDUE, m["id"], m["due"]),
                    _(
                        "%(name)s的培养计划节点“%(title)s”已逾期（应于 %(day)s 完成）",
                        name=m["cadre_name"],
                        title=m["title"],
                        day=m["due"].isoformat(),
                    ),
                    "training.plan_detail",
                    (("plan_id", m["plan_id"]),),
                    due=m["due"],
                    cadre_id=m["cadre_id"],
                    department_id=m["department_id"],
                )
            )
        else:
            upcoming.setdefault(m["cadre_id"], []).append(m)
    for items in upcoming.values():
        due = rules.next_milestone((m["due"] for m in items), today, days)
        if due is None:
            continue
        m = next(m for m in items if m["due"] == due)
        out.append(
            Warning(
                rules.MILESTONE_NEXT,
                rules.key(rules.MILESTONE_NEXT, m["id"], m["due"]),
                _(
                    "%(name)s的下一个培养节点“%(title)s”应于 %(day)s 完成",
                    name=m["cadre_name"],
                    title=m["title"],
                    day=m["due"].isoformat(),
                ),
                "training.plan_detail",
                (("plan_id", m["plan_id"]),),
                due=m["due"],
                cadre_id=m["cadre_id"],
                department_id=m["department_id"],
            )
        )
    return out


def probation(today: date, s: dict[str, Any]) -> list[Warning]:
    days = int(s["probation_days"])
    return [
        Warning(
            rules.PROBATION_ENDING,
            rules.key(rules.PROBATION_ENDING, r.id, r.probation_end),
            _("“%(title)s”试用期于 %(day)s 届满", title=r.title, day=r.probation_end.isoformat()),
            "selection.round",
            (("round_id", r.id),),
            due=r.probation_end,
        )
        for r in rounds.probation_due(today, days=days)
        if r.probation_end and rules.probation_ending(r.probation_end, today, days)
    ]


def evaluation_decline() -> list[Warning]:
    years = evaluations.decided_years(count=3)
    if len(years) < 3:
        return []
    latest = years[-1]
    totals, sections = evaluations.decided_totals(latest - 2, latest)
    declining = [c for c, by_year in totals.items() if evaluation_rules.declining(by_year)]
    names = roster.names_of(declining)
    out = []
    for cadre_id in declining:
        run = totals[cadre_id]
        out.append(
            Warning(
                rules.EVALUATION_DECLINE,
                rules.key(rules.EVALUATION_DECLINE, cadre_id, latest),
                _(
                    "%(name)s 年度考核总分连续三年下降（%(run)s）",
                    name=names.get(cadre_id, ""),
                    run=" → ".join(f"{run[y]:g}" for y in sorted(run)),
                ),
                "roster.profile",
                (("cadre_id", cadre_id),),
                cadre_id=cadre_id,
                department_id=sections.get(cadre_id),
            )
        )
    return sorted(out, key=lambda w: w.title)


def assessments_closing(today: date, s: dict[str, Any]) -> list[Warning]:
    days = int(s["assessment_days"])
    start = datetime.combine(today, time.min)
    end = datetime.combine(today + timedelta(days=days + 1), time.min)
    out = []
    for a in assessments.closing_between(start, end):
        closes = a["closes_at"]
        day = closes.date()
        if not rules.within(day, today, days):
            continue
        out.append(
            Warning(
                rules.ASSESSMENT_CLOSING,
                rules.key(rules.ASSESSMENT_CLOSING, a["id"], closes.date()),
                _(
                    "测评“%(title)s”将于 %(when)s（UTC）截止",
                    title=a["title"],
                    when=f"{closes:%Y-%m-%d %H:%M}",
                ),
                "assessments.show",
                (("assessment_id", a["id"]),),
                due=day,
            )
        )
    return out


def publicity(today: date, s: dict[str, Any]) -> list[Warning]:
    days = int(s["publicity_days"])
    until = today + timedelta(days=days)
    out = [
        Warning(
            rules.PUBLICITY_ENDING,
            rules.key(rules.PUBLICITY_ENDING, "round", r["id"], r["end"]),
            _("“%(title)s”任前公示于 %(day)s 结束", title=r["title"], day=r["end"].isoformat()),
            "selection.round",
            (("round_id", r["id"]),),
            due=r["end"],
        )
        for r in rounds.publicity_ending(today, until)
        if rules.within(r["end"], today, days)
    ]
    out += [
        Warning(
            rules.PUBLICITY_ENDING,
            rules.key(rules.PUBLICITY_ENDING, "cycle", c["id"], c["end"]),
            _("%(year)d 年度考核优秀公示于 %(day)s 结束", year=c["year"], day=c["end"].isoformat()),
            "evaluations.ranking",
            (("year", c["year"]),),
            due=c["end"],
        )
        for c in evaluations.publicity_ending(today, until)
        if rules.within(c["end"], today, days)
    ]
    return out


def collect(today: date, s: dict[str, Any] | None = None) -> list[Warning]:
    """Every warning in force on ``today``, in ``rules.KINDS`` order."""
    s = s or current_settings()
    found = (
        hours_behind(today, s)
        + talks_overdue(today)
        + secondment_warnings(today)
        + milestones(today, s)
        + probation(today, s)
        + evaluation_decline()
        + assessments_closing(today, s)
        + publicity(today, s)
    )
    order = {k: i for i, k in enumerate(rules.KINDS)}
    return sorted(found, key=lambda w: order[w.kind])


def for_user(user: Any, warnings: Iterable[Warning]) -> list[Warning]:
    """The warnings that concern ``user`` (``rules.concerns``)."""
    role = str(getattr(user, "role", "") or "")
    led = [d.id for d in user.led_departments] if role == "manager" else []
    return [
        w
        for w in warnings
        if rules.concerns(
            kind=w.kind,
            role=role,
            department_id=w.department_id,
            cadre_id=w.cadre_id,
            conductor_id=w.conductor_id,
            led_sections=led,
            own_cadre_id=user.cadre_id,
        )
    ]


def grouped(warnings: Iterable[Warning]) -> list[Group]:
    groups = {k: Group(k, str(LABELS[k])) for k in rules.KINDS}
    for w in warnings:
        groups[w.kind].warnings.append(w)
    return [g for g in groups.values() if g.warnings]


# --- the dashboards' copy -----------------------------------------------------------------------


def collect_cached(today: date) -> list[Warning]:
    """``collect(today)`` kept while nothing is written (services.core.kept): gathering every
    warning costs 20,000 cadres about 0.4 s (the hours behind, the three-year declines), too
    much for each look at a dashboard or the warnings page. The daily task gathers afresh."""
    return kept("warnings", (today, str(get_locale())), lambda: collect(today))
