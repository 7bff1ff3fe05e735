"""``flask records appointment-form STAFF_NO -o FILE [--format pdf|lrmx]``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa

from cadre_app import clock
from cadre_app.blueprints.records import bp
from cadre_app.cli import cli_actor
from cadre_app.extensions import db
from cadre_app.models import AppointmentDraft, Cadre
from cadre_app.services.core import audit, pdf
from cadre_app.services.records import appointment_form as form_service


@bp.cli.command("appointment-form")
@click.argument("staff_no")
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The file to write.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["pdf", "lrmx"]),
    default="pdf",
    show_default=True,
    help="PDF for printing, or the .lrmx exchange file.",
)
@click.option(
    "--full-id",
    is_flag=True,
    help="Write the full ID number into the .lrmx (audited as a reveal); needs --reason.",
)
@click.option("--reason", default="", help="Why the full ID number must leave the system.")
def appointment_form_command(
    staff_no: str, output: Path, fmt: str, full_id: bool, reason: str
) -> None:
    """Write one cadre's 干部任免审批表 (with the draft HR saved, if any). The .lrmx carries
    the ID number masked, as every download does, unless --full-id --reason "..." (issue
    16, finding 6). Exits 1 for an unknown 工号 or when the server cannot make PDFs (no CJK
    font)."""
    reason = " ".join(reason.split())
    if full_id and (fmt != "lrmx" or len(reason) < 4):
        raise click.UsageError('--full-id is for --format lrmx and needs --reason "..." (4+ chars)')
    if reason and not full_id:
        raise click.UsageError("--reason goes with --full-id")
    cadre = db.session.scalar(sa.select(Cadre).where(Cadre.staff_no == staff_no.strip()))
    if cadre is None:
        click.echo(f"没有工号为“{staff_no}”的干部。", err=True)
        sys.exit(1)
    today = clock.today()
    if fmt == "lrmx":
        from cadre_app.services.records.lrmx import export_lrmx

        draft = db.session.get(AppointmentDraft, cadre.id)
        content = export_lrmx(cadre, draft, today=today, mask_id=not full_id)
    else:
        try:
            content = form_service.render(cadre, today=today)
        except pdf.PdfUnavailable as error:
            click.echo(str(error), err=True)
            sys.exit(1)
    output.write_bytes(content)
    if full_id:
        from cadre_app.services.roster import operations as roster

        roster.reveal_id_numbers_in_export([cadre], export=".lrmx", actor=cli_actor())
    audit.record(
        "export",
        object_type="cadre",
        object_id=cadre.id,
        summary=f"{cadre.staff_no} {cadre.name}：{form_service.TITLE}（{fmt}）→ {output.name}"
        + (f"，完整身份证号，理由：{reason}" if full_id else ""),
        actor_name=cli_actor(),
    )
    db.session.commit()
    click.echo(f"wrote {output} ({len(content)} bytes)")
