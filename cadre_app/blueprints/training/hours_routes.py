"""The 学时 ledger: the organisation's hours table (``/training/hours``) with its filters,
chart of completion by section and workbook; the dashboards' warning of cadres behind; and
the hours part of the profile's 教育培训 tab.

Access: HR sees every section; a manager the sections they lead (filters limited to them);
other roles 403. On a profile the roster's rules apply (``cadre_or_404``): a cadre sees only
their own hours, on ``/me``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from cadre_app import clock
from cadre_app.blueprints.training import bp
from cadre_app.blueprints.training.hours_forms import HoursQuery, parse_query
from cadre_app.extensions import db
from cadre_app.models import Department, Role, enums
from cadre_app.permissions import has_role, role_required, visible_department_ids
from cadre_app.services.core import audit, charts
from cadre_app.services.training import ledger, rules

READERS = (Role.HR, Role.MANAGER)

#: Column labels of the kinds (msgids; the stored categories stay Chinese).
KIND_LABELS = {
    "专题培训班": _l("专题培训班"),
    "网络培训": _l("网络培训"),
    "业务微讲座": _l("业务微讲座"),
    "策论": _l("策论"),
    "导师帮带": _l("导师帮带"),
    "其他": _l("其他"),
}
#: Colours of the completion chart: met, on the way, far behind.
COMPLETION_COLOURS = ("#2e7d32", "#ef6c00", "#c62828")


def _sections(visible: list[int] | None) -> list[Department]:
    stmt = sa.select(Department).order_by(Department.sort_order, Department.name)
    if visible is not None:
        stmt = stmt.where(Department.id.in_(visible or [-1]))
    return list(db.session.scalars(stmt))


def _query() -> tuple[HoursQuery, list[str], list[Department]]:
    """The filters of the request within what the user may see."""
    visible = visible_department_ids(current_user)
    sections = _sections(visible)
    query, problems = parse_query(request.args, [d.id for d in sections], clock.today().year)
    return query, problems, sections


def _department_ids(query: HoursQuery) -> list[int] | None:
    visible = visible_department_ids(current_user)
    if query.department_id is not None:
        return [query.department_id]
    return visible


def completion_chart(sections: list[ledger.SectionCompletion]) -> dict[str, Any]:
    """Horizontal bars, one per section: the mean completion in percent, and in brackets
    how many of the section's cadres met the requirement."""
    values = {s.department: s.percent for s in sections}
    done = {s.department: f"{s.done}/{s.cadres}" for s in sections}
    colours = {
        s.department: COMPLETION_COLOURS[0 if s.percent >= 100 else 1 if s.percent >= 60 else 2]
        for s in sections
    }
    chart = charts.bar_rows(values, colours=colours)
    for row in chart["rows"]:
        row["share"] = done[row["label"]]
    return chart


@bp.route("/hours")
@role_required(*READERS)
def hours() -> Any:
    """The organisation's 学时 for a year: required, earned by kind, short by; filters by
    section, 职级, young cadres and behind; a chart of completion by section."""
    query, problems, sections = _query()
    page = ledger.organisation_hours(
        query.year,
        department_ids=_department_ids(query),
        rank=query.rank,
        young=query.young,
        behind=query.behind,
        page=query.page,
    )
    completion = ledger.section_completion(
        query.year,
        department_ids=_department_ids(query),
        rank=query.rank,
        young=query.young,
    )
    return render_template(
        "training/hours_index.html",
        page=page,
        query=query,
        sections=sections,
        ranks=enums.RANK_LADDER,
        kinds=ledger.KINDS,
        kind_labels=KIND_LABELS,
        completion=completion,
        chart=completion_chart(completion),
        behind_total=sum(s.behind for s in completion),
        args=query.args(),
        problems=problems,
        years=range(clock.today().year, clock.today().year - 6, -1),
    ), (400 if problems else 200)


@bp.route("/hours.xlsx")
@role_required(*READERS)
def hours_xlsx() -> Any:
    """The same rows as the page (every page), sheet 学时统计."""
    query, problems, _sections_ = _query()
    rows = ledger.organisation_hours(
        query.year,
        department_ids=_department_ids(query),
        rank=query.rank,
        young=query.young,
        behind=query.behind,
    ).rows
    content = ledger.hours_workbook(rows, query.year)
    audit.record(
        "export",
        object_type="enrolment",
        summary=f"{query.year} 年度学时统计（{len(rows)} 人）",
    )
    db.session.commit()
    return Response(
        content,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename=training-hours-{query.year}.xlsx"},
    )


# --- the dashboards' warning ----------------------------------------------------------------

#: Names listed on a manager's panel; beyond that, a link to the table.
PANEL_NAMES = 20


def behind_panel(user: Any) -> dict[str, Any] | None:
    """From the settings' date (``behind_warning_from``, 1 October by default) the cadres
    behind this year's requirement: a count for HR, the names for a manager's sections."""
    today = clock.today()
    if not rules.behind_warning_active(today, ledger.settings_in_force()):
        return None
    if has_role(user, Role.HR):
        count = ledger.behind_count(today.year)
        return {"year": today.year, "count": count, "names": None} if count else None
    sections = visible_department_ids(user)
    if not sections:
        return None
    rows = ledger.organisation_hours(today.year, department_ids=sections, behind=True).rows
    if not rows:
        return None
    return {"year": today.year, "count": len(rows), "names": rows[:PANEL_NAMES]}


def contribute(contributions: Any) -> None:
    contributions.add_dashboard_panel(
        "training_behind", "training/hours_panel.html", behind_panel, READERS, order=40
    )


# --- the profile's 教育培训 tab ----------------------------------------------------------------

PROFILE_SECTION = ("training/hours_section.html", 20)


def profile_section(cadre: Any, user: Any) -> dict[str, Any] | None:
    """This year's hours against the requirement, by kind, and the records that earn them.
    The roster already decided that ``user`` may read ``cadre`` (404 otherwise)."""
    year = clock.today().year
    row = ledger.cadre_hours(cadre.id, year)
    if row is None:
        return None
    return {
        "row": row,
        "kinds": ledger.KINDS,
        "kind_labels": KIND_LABELS,
        "records": ledger.cadre_records(cadre.id, *row.window),
        "see_table": has_role(user, *READERS),
        "title": _("%(year)d 年学时", year=year),
    }
