"""The secondments overview (``/secondments/overview``): a timeline of who is away when
(server-side SVG, no script), counts by host type and year, and the warnings (ending soon,
appraisal overdue); the same warnings as a panel on HR's and the managers' dashboards.

Access: HR sees every section; a manager the sections they lead (the section filter offers
only those); other roles 403 (a cadre sees their own secondments on ``/me``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cadre_app import clock
from cadre_app.blueprints.secondments import bp
from cadre_app.extensions import db
from cadre_app.models import Department, Role, SecondmentState
from cadre_app.permissions import role_required, visible_department_ids
from cadre_app.services.secondments import operations, overview

READERS = (Role.HR, Role.MANAGER)
FIRST_YEAR = 2000
LAST_YEAR = 2100
#: Rows of each warning list on a dashboard panel; the overview lists them all.
PANEL_ROWS = 8
#: Rows of each warning list on the overview; beyond that, a count.
LISTED = 100
#: The ``window`` parameter's value for the 12 months around today.
ROLLING = "12m"


@dataclass
class OverviewQuery:
    """The overview's filters (GET parameters, no CSRF)."""

    year: int
    department_id: int | None = None
    page: int = 1
    rolling: bool = False  # the timeline shows the 12 months around today, not the year

    def args(self) -> dict[str, Any]:
        out: dict[str, Any] = {"year": self.year}
        if self.department_id is not None:
            out["department"] = self.department_id
        if self.rolling:
            out["window"] = ROLLING
        return out


def _whole(raw: str, low: int, high: int) -> int | None:
    raw = raw.strip()
    if raw.isdigit() and len(raw) < 10 and low <= int(raw) <= high:
        return int(raw)
    return None


def parse_query(
    args: Mapping[str, str], sections: list[int], this_year: int
) -> tuple[OverviewQuery, list[str]]:
    """The filters from ``args``; a wrong value is left out with a message (the page
    answers 400 and keeps the others). ``sections``: the section ids the user may choose."""
    problems: list[str] = []
    query = OverviewQuery(year=this_year)
    if raw := args.get("year", "").strip():
        year = _whole(raw, FIRST_YEAR, LAST_YEAR)
        if year is None:
            problems.append(_("年度“%(value)s”无效，已按今年统计。", value=raw[:20]))
        else:
            query.year = year
    if raw := args.get("department", "").strip():
        department = _whole(raw, 1, 10**9)
        if department is None or department not in sections:
            problems.append(_("所选处室不在您可查看的范围内，已忽略。"))
        else:
            query.department_id = department
    if raw := args.get("window", "").strip():
        if raw == ROLLING:
            query.rolling = True
        else:
            problems.append(_("时间范围“%(value)s”无效，已按年度显示。", value=raw[:20]))
    if raw := args.get("page", "").strip():
        page = _whole(raw, 1, 10**6)
        if page is None:
            problems.append(_("页码“%(value)s”无效，已显示第 1 页。", value=raw[:20]))
        else:
            query.page = page
    return query, problems


def _sections(visible: list[int] | None) -> list[Department]:
    stmt = sa.select(Department).order_by(Department.sort_order, Department.name)
    if visible is not None:
        stmt = stmt.where(Department.id.in_(visible or [-1]))
    return list(db.session.scalars(stmt))


def link_maker(endpoint: str, arg: str, **fixed: Any) -> Callable[[int], str] | None:
    """``id -> url_for(endpoint, arg=id, **fixed)`` built once and filled in by string (a
    page of 200 timeline rows would otherwise spend most of its time in ``url_for``); None
    while the endpoint does not exist."""
    if endpoint not in current_app.view_functions:
        return None
    marker = "2147480001"
    head, tail = url_for(endpoint, **{arg: int(marker)}, **fixed).split(marker, 1)
    return lambda value: f"{head}{value}{tail}"


def detail_link() -> Callable[[int], str | None]:
    """The address of a secondment's page (``secondments.detail``), or None while that page
    does not exist."""
    make = link_maker("secondments.detail", "secondment_id")
    return make if make is not None else (lambda _secondment_id: None)


def profile_link() -> Callable[[int], str]:
    """The address of a cadre's 挂职锻炼 tab."""
    make = link_maker("roster.profile", "cadre_id", tab="secondments")
    assert make is not None
    return make


@bp.get("/overview", endpoint="overview")
@role_required(*READERS)
def overview_page() -> Any:
    """The timeline of a year (filter by year and section, 200 cadres a page), the counts by
    host type of the five years to it, and the warnings."""
    visible = visible_department_ids(current_user)
    sections = _sections(visible)
    today = clock.today()
    query, problems = parse_query(request.args, [d.id for d in sections], today.year)
    window = overview.rolling_window(today) if query.rolling else None
    timeline = overview.timeline(
        query.year,
        visible_departments=visible,
        department_id=query.department_id,
        page=query.page,
        today=today,
        window=window,
    )
    counts = overview.counts(
        query.year, visible_departments=visible, department_id=query.department_id
    )
    warnings = overview.warnings(
        visible_departments=visible,
        today=today,
        settings=operations.current_settings(),
        department_id=query.department_id,
    )
    labels = SecondmentState.labels()
    detail_url, profile_url = detail_link(), profile_link()
    if window:
        span = {"start": f"{window[0]:%Y-%m}", "end": f"{window[1]:%Y-%m}"}
        title = _("%(start)s 至 %(end)s 挂职时间轴", **span)
        summary = _(
            "%(start)s 至 %(end)s 共 %(cadres)d 人、%(n)d 次挂职锻炼。",
            cadres=timeline.cadres,
            n=timeline.secondments,
            **span,
        )
    else:
        title = _("%(year)d 年挂职时间轴", year=query.year)
        summary = _(
            "%(year)d 年共 %(cadres)d 人、%(n)d 次挂职锻炼。",
            year=query.year,
            cadres=timeline.cadres,
            n=timeline.secondments,
        )
    svg = overview.timeline_svg(
        timeline,
        title=title,
        today_label=_("今天"),
        state_labels=labels,
        profile_url=profile_url,
        detail_url=detail_url,
    )
    return render_template(
        "secondments/overview.html",
        query=query,
        args=query.args(),
        problems=problems,
        sections=sections,
        years=range(today.year + 1, today.year - 6, -1),
        timeline=timeline,
        timeline_svg=svg,
        timeline_summary=summary,
        rolling=ROLLING,
        counts=counts,
        warnings=warnings,
        states=[(s, overview.STATE_COLOURS[s]) for s in overview.DRAWN_STATES],
        state_labels=labels,
        detail_url=detail_url,
        profile_url=profile_url,
        listed=LISTED,
        today=today,
    ), (400 if problems else 200)


# --- the dashboards' warning ----------------------------------------------------------------


def warnings_panel(user: Any) -> dict[str, Any] | None:
    """Secondments ending within ``warn_days`` and appraisals overdue in the user's
    sections (HR: all); nothing when there is neither."""
    visible = visible_department_ids(user)
    if visible is not None and not visible:
        return None
    found = overview.warnings(
        visible_departments=visible,
        today=clock.today(),
        settings=operations.current_settings(),
    )
    if not found.count:
        return None
    return {
        "warnings": found,
        "rows": PANEL_ROWS,
        "state_labels": SecondmentState.labels(),
        "detail_url": detail_link(),
        "profile_url": profile_link(),
    }


def contribute(contributions: Any) -> None:
    contributions.add_dashboard_panel(
        "secondment_warnings",
        "secondments/warnings_panel.html",
        warnings_panel,
        READERS,
        order=45,
    )
