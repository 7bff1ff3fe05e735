"""The audit log: list with filters and Excel export, read-only, auditor role only.

There is no route that writes to the log except the export, which records itself; nobody can
edit or delete an event through the app (and the model refuses it too)."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request, send_file
from flask_babel import force_locale

from cadre_app.blueprints.audit import bp
from cadre_app.blueprints.audit.forms import AuditFilterForm
from cadre_app.extensions import db
from cadre_app.models import Role
from cadre_app.permissions import role_required
from cadre_app.services.audit import queries as audit_query
from cadre_app.services.core import audit, registry

PER_PAGE = 50
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _display_tz() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")


def _export_cap() -> int:
    """At most this many rows per export (``AUDIT_EXPORT_CAP``, e.g. CADRE_AUDIT_EXPORT_CAP)."""
    return int(current_app.config.get("AUDIT_EXPORT_CAP") or audit_query.EXPORT_CAP)


def _filter_args(form: AuditFilterForm) -> dict[str, str]:
    """The filters of this request, for pagination and export links: the form's own fields
    only (never ``_external`` or other ``url_for`` options), empty values dropped."""
    return {name: request.args[name] for name in form.data if request.args.get(name)}


def _invalid(form: AuditFilterForm) -> tuple[str, int]:
    """The page with the form's Chinese messages and no rows: a bad filter is a bad request."""
    return render_template(
        "audit/index.html",
        form=form,
        result=None,
        filter_args={},
        export_cap=_export_cap(),
        object_types=registry.current().object_types,
    ), 400


@bp.route("/")
@role_required(Role.AUDITOR)
def index() -> Any:
    """The events matching the filters, newest first, 50 a page; times in Beijing time."""
    form = AuditFilterForm(request.args)
    if not form.validate():
        return _invalid(form)
    page = request.args.get("page", 1, type=int)
    result = audit_query.search(form.to_filters(), page, PER_PAGE, tz=_display_tz())
    return render_template(
        "audit/index.html",
        form=form,
        result=result,
        filter_args=_filter_args(form),
        export_cap=_export_cap(),
        object_types=registry.current().object_types,
    )


@bp.route("/export.xlsx")
@role_required(Role.AUDITOR)
def export_xlsx() -> Any:
    """The events matching the filters as a workbook (the newest 50,000 at most); the export
    itself is recorded in the log."""
    form = AuditFilterForm(request.args)
    if not form.validate():
        return _invalid(form)
    # The workbook is a Chinese document whatever the interface language.
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        export = audit_query.export(form.to_filters(), cap=_export_cap(), tz=_display_tz())
    audit.record("export", object_type="audit_event", summary=export.summary)
    db.session.commit()
    stamp = datetime.now(_display_tz()).strftime("%Y%m%d-%H%M%S")
    response = send_file(
        io.BytesIO(export.data),
        mimetype=XLSX_MIMETYPE,
        as_attachment=True,
        download_name=f"audit-log-{stamp}.xlsx",
    )
    if export.capped:
        response.headers["X-Export-Capped"] = f"{export.exported}/{export.total}"
    return response
