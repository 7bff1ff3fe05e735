"""The monthly table's page and workbook."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from cadre_app import clock
from cadre_app.blueprints.statistics import bp
from cadre_app.extensions import db
from cadre_app.models import Role
from cadre_app.permissions import role_required, visible_department_ids
from cadre_app.services.core import audit, charts
from cadre_app.services.statistics import queries, rules

#: The years offered: this one and the four before.
YEARS_BACK = 4


def _year() -> int:
    this = clock.today().year
    raw = request.args.get("year", "").strip()
    if not raw:
        return this
    if not raw.isdigit() or not (this - 20 <= int(raw) <= this):
        abort(400, description=_("年度须为近 20 年内的年份。"))
    return int(raw)


def _labels() -> dict[str, str]:
    return {m.key: _(m.label) for m in rules.MEASURES}


def _tables(year: int) -> list[rules.Table]:
    return queries.tables(year, visible_department_ids(current_user), unassigned=_("未分配处室"))


@bp.get("/monthly")
@role_required(Role.HR, Role.MANAGER)
def monthly() -> Any:
    year = _year()
    key = request.args.get("measure", rules.MEASURES[0].key)
    if key not in rules.BY_KEY:
        abort(400, description=_("没有这项统计。"))
    tables = _tables(year)
    chosen = next(t for t in tables if t.measure.key == key)
    chart = charts.bar_chart(
        {str(m): chosen.totals[m - 1] for m in rules.MONTHS},
        width=640,
        height=220,
        colours={str(m): "#1565c0" for m in rules.MONTHS},
    )
    chart["shares"] = False
    this = clock.today().year
    return render_template(
        "statistics/monthly.html",
        year=year,
        years=list(range(this, this - YEARS_BACK - 1, -1)),
        tables=tables,
        chosen=chosen,
        chart=chart,
        labels=_labels(),
        months=rules.MONTHS,
    )


@bp.get("/monthly.xlsx")
@role_required(Role.HR, Role.MANAGER)
def monthly_xlsx() -> Any:
    year = _year()
    tables = _tables(year)
    content = queries.workbook(
        tables,
        _labels(),
        {
            "months": [_("%(m)d月", m=m) for m in rules.MONTHS],
            "summary": _("汇总"),
            "measure": _("统计项目"),
            "section": _("处室"),
            "total": _("合计"),
        },
    )
    audit.record("export", object_type="statistics", summary=f"{year} 年月度统计")
    db.session.commit()
    return Response(
        content,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename=monthly-statistics-{year}.xlsx"},
    )
