"""The structure page, its PDF and workbook, and the dashboard panel.

Query (GET, no CSRF): ``as_of`` (计算年龄时间, ``YYYY-MM-DD`` or any date the roster accepts;
default today, always stated on the page) and ``section`` (a section id the reader may see;
default: everything they may see). A wrong value answers 400 with a message and the figures
for the values that were right.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Response, current_app, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from cadre_app import clock
from cadre_app.blueprints.analytics import bp
from cadre_app.blueprints.records.routes import pdf_attachment
from cadre_app.errors import render_error
from cadre_app.extensions import db
from cadre_app.i18n import term
from cadre_app.models import Role
from cadre_app.permissions import role_required, visible_department_ids
from cadre_app.services.analytics import excel, queries, report, rules
from cadre_app.services.analytics import pdf as structure_pdf
from cadre_app.services.core import audit, dates, pdf
from cadre_app.services.core.kept import kept

READERS = (Role.HR, Role.MANAGER)
FIRST_DAY = date(1950, 1, 1)
LAST_DAY = date(2100, 12, 31)


def parse_query(
    args: Mapping[str, str], sections: list[rules.Section], today: date
) -> tuple[date, rules.Section | None, list[str]]:
    """(as_of, section, problems) from ``args``; a wrong value falls back (today; every
    section the reader may see) with a message."""
    problems: list[str] = []
    as_of = today
    if raw := args.get("as_of", "").strip():
        try:
            parsed = dates.parse(raw)
        except dates.DateFormatError:
            parsed = None
        if parsed is None or not FIRST_DAY <= parsed <= LAST_DAY:
            problems.append(_("统计日期“%(value)s”无效，已按今天统计。", value=raw[:20]))
        else:
            as_of = date(parsed.year, parsed.month, parsed.day)
    section = None
    if raw := args.get("section", "").strip():
        section = next((s for s in sections if str(s.id) == raw), None)
        if section is None:
            problems.append(_("所选处室不在您可查看的范围内，已忽略。"))
    return as_of, section, problems


def _scope() -> tuple[date, rules.Section | None, list[rules.Section], list[int] | None, list[str]]:
    visible = visible_department_ids(current_user)
    sections = queries.sections(visible)
    as_of, section, problems = parse_query(request.args, sections, clock.today())
    department_ids = [section.id] if section else visible
    return as_of, section, sections, department_ids, problems


def _args(as_of: date, section: rules.Section | None) -> dict[str, Any]:
    args: dict[str, Any] = {"as_of": as_of.isoformat()}
    if section is not None:
        args["section"] = section.id
    return args


def scope_name(section: rules.Section | None) -> str:
    """The report's scope: the section, else the organisation (HR) or 所辖处室 (a manager)."""
    if section is not None:
        return section.name
    if visible_department_ids(current_user) is None:
        return str(current_app.config["ORGANISATION_NAME"])
    return _("所辖处室")


@bp.get("/structure", endpoint="structure")
@role_required(*READERS)
def structure_page() -> Any:
    """Every figure of the pool's structure at the stated date, each chart with its table."""
    as_of, section, sections, department_ids, problems = _scope()
    figures = queries.structure(as_of, department_ids)
    return render_template(
        "analytics/structure.html",
        s=figures,
        charts=report.chart_set(figures, term),
        sections=sections,
        section=section,
        scope=scope_name(section),
        as_of=as_of,
        args=_args(as_of, section),
        problems=problems,
        grades=rules.GRADES,
    ), (400 if problems else 200)


def _download_summary(kind: str, as_of: date, section: rules.Section | None) -> str:
    return f"{structure_pdf.TITLE}（{scope_name(section)}，{as_of.isoformat()}，{kind}）"


@bp.get("/structure.pdf", endpoint="structure_pdf")
@role_required(*READERS)
def structure_report_pdf() -> Any:
    """The 干部队伍结构分析报告 as an A4 PDF: the page's charts and tables."""
    as_of, section, _sections, department_ids, problems = _scope()
    if problems:
        return render_error(400, " ".join(problems))
    figures = queries.structure(as_of, department_ids)
    data = structure_pdf.report_data(
        figures,
        scope=scope_name(section),
        organisation=current_app.config["ORGANISATION_NAME"],
        printed=clock.today(),
    )
    try:
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):  # a Chinese report
            content = pdf.render_pdf(
                structure_pdf.TEMPLATE,
                data,
                title=f"{structure_pdf.TITLE}（{data['scope']}）",
                author=current_app.config["ORGANISATION_NAME"],
                subject=structure_pdf.TITLE,
            )
    except pdf.PdfUnavailable as error:
        current_app.logger.error("PDF unavailable: %s", error)
        return render_error(503, str(error))
    audit.record(
        "download",
        object_type="structure_report",
        summary=_download_summary("PDF", as_of, section),
    )
    db.session.commit()
    return pdf_attachment(
        content,
        f"{structure_pdf.TITLE}-{data['scope']}-{as_of.isoformat()}.pdf",
        f"structure-report-{as_of.isoformat()}.pdf",
    )


@bp.get("/structure.xlsx", endpoint="structure_xlsx")
@role_required(*READERS)
def structure_report_xlsx() -> Any:
    """The same figures as a workbook, one sheet per table."""
    as_of, section, _sections, department_ids, problems = _scope()
    if problems:
        return render_error(400, " ".join(problems))
    figures = queries.structure(as_of, department_ids)
    content = excel.structure_workbook(figures, scope=scope_name(section))
    audit.record(
        "export",
        object_type="structure_report",
        summary=_download_summary("Excel", as_of, section),
    )
    db.session.commit()
    return Response(
        content,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f"attachment; filename=structure-report-{as_of.isoformat()}.xlsx"
        },
    )


# --- the dashboard panel --------------------------------------------------------------------


def structure_panel(user: Any) -> dict[str, Any] | None:
    """The pool's structure today: the organisation for HR, their sections for a manager
    (nothing for a manager who leads none)."""
    visible = visible_department_ids(user)
    if visible is not None and not visible:
        return None
    today = clock.today()
    sections = tuple(visible) if visible is not None else None
    figures = kept(  # kept while nothing is written: 50–90 ms at 20,000 cadres
        "structure-panel",
        (today, sections),
        lambda: queries.structure(today, visible, ranks=False),
    )
    return {"s": figures, "charts": report.chart_set(figures, term), "grades": rules.GRADES}
