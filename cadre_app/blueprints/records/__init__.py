"""Printed records: the 干部任免审批表 and other PDF forms (routes.py), .lrmx exchange
(lrmx_routes.py), batch exports with progress (batch_routes.py), ``flask records ...``
(cli.py, lrmx_cli.py)."""

from flask import Blueprint, Flask

from cadre_app.models import Role
from cadre_app.services.core import registry
from cadre_app.services.records import data

bp = Blueprint("records", __name__, cli_group="records")

from cadre_app.blueprints.records import (  # noqa: E402,F401
    batch_routes,
    cli,
    lrmx_cli,
    lrmx_routes,
    routes,
)


def register(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/records")
    contributions = registry.get(app)
    contributions.add_menu_entry(
        "records.batch",
        "批量导出",
        (Role.HR,),
        order=50,
        section=("records.batch", "records.job"),
    )
    # A cadre's printed forms are opened from the cadre's page, under 干部名册.
    contributions.add_to_section("roster.index", "records.appointment_form", "records.lrmx")
    contributions.add_object_types({"appointment_draft": "任免审批表"}, order=60)
    contributions.add_personal_object_types("appointment_draft")
    from cadre_app.services.records.appointment_form import DRAFT_FIELDS

    contributions.add_field_labels("appointment_draft", DRAFT_FIELDS)
    contributions.add_pdf_kind(data.APPOINTMENT_FORM)
