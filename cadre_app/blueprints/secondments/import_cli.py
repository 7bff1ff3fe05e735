"""``flask secondments import FILE.xlsx [--dry-run]`` and ``flask secondments export FILE.xlsx``
(DESIGN.md, Secondment workbook): all-or-nothing, the roster's summary line and row messages."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cadre_app import clock
from cadre_app.blueprints.secondments.cli import secondments_group
from cadre_app.cli import cli_actor, import_errors, report_import
from cadre_app.extensions import db
from cadre_app.services.core import audit
from cadre_app.services.core.workbook import WorkbookError
from cadre_app.services.secondments import excel as secondment_excel


@secondments_group.command("import")
@click.argument("path", metavar="FILE.xlsx", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check and report only; write nothing.")
def import_command(path: str, dry_run: bool) -> None:
    """Import the 挂职锻炼 workbook all-or-nothing: exits 1 and writes nothing when any row is
    rejected. Rows identical to stored secondments are counted as unchanged."""
    content = Path(path).read_bytes()
    filename = Path(path).name
    today = clock.today()
    with import_errors(WorkbookError):
        if dry_run:
            preview = secondment_excel.preview_import(content, filename, today=today)
            counts = preview.counts
            report_import(preview, imported=counts["new"], updated=counts["update"])
            click.echo(f"unchanged {counts['unchanged']}")
            click.echo("dry run: nothing written")
            db.session.rollback()
            if preview.has_errors:
                sys.exit(1)
            return
        summary = secondment_excel.apply_import(content, filename, actor=cli_actor(), today=today)
    db.session.commit()
    click.echo(f"imported {summary.created}, updated {summary.updated}, rejected 0")
    click.echo(f"unchanged {summary.unchanged}")


@secondments_group.command("export")
@click.argument("path", metavar="FILE.xlsx", type=click.Path(dir_okay=False, writable=True))
def export_command(path: str) -> None:
    """Write every secondment (but the cancelled ones) to the 挂职锻炼 workbook. Audited."""
    records = secondment_excel.secondments_for_export(None)
    Path(path).write_bytes(secondment_excel.build_workbook(records))
    audit.record(
        "export",
        object_type="secondment",
        summary=f"导出挂职锻炼 {len(records)} 条到 {Path(path).name}",
        actor_name=cli_actor(),
    )
    db.session.commit()
    click.echo(f"exported {len(records)} secondments to {path}")
