"""``flask evaluations import FILE --year YYYY [--dry-run]``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cadre_app.blueprints.evaluations import bp
from cadre_app.cli import cli_actor, import_errors, report_import
from cadre_app.extensions import db
from cadre_app.services.core.workbook import WorkbookError
from cadre_app.services.evaluations import excel as evaluation_excel
from cadre_app.services.evaluations.operations import EvaluationError


@bp.cli.command("import")
@click.argument("path", metavar="FILE.xlsx", type=click.Path(exists=True, dir_okay=False))
@click.option("--year", type=click.IntRange(2000, 2100), required=True, help="考核年度")
@click.option("--dry-run", is_flag=True, help="Check and report only; write nothing.")
def import_command(path: str, year: int, dry_run: bool) -> None:
    """Import the 年度考核 score workbook into YEAR all-or-nothing (the year's cycle is
    created with the default settings when missing): exits 1 and writes nothing when any row
    is rejected."""
    content = Path(path).read_bytes()
    filename = Path(path).name
    with import_errors(WorkbookError, EvaluationError):
        if dry_run:
            preview = evaluation_excel.preview_import(content, filename, year=year)
            counts = preview.counts
            report_import(preview, imported=counts["new"], updated=counts["update"])
            if not preview.cycle_exists:
                click.echo(f"the {year} cycle would be created with the default settings")
            if counts["missing"]:
                click.echo(f"incomplete scores: {counts['missing']} (not ranked until entered)")
            click.echo("dry run: nothing written")
            db.session.rollback()
            if preview.has_errors:
                sys.exit(1)
            return
        summary = evaluation_excel.apply_import(content, filename, year=year, actor=cli_actor())
    db.session.commit()
    click.echo(f"imported {summary.created}, updated {summary.updated}, rejected 0")
    if summary.cycle_created:
        click.echo(f"created the {year} cycle with the default settings")
    if summary.missing:
        click.echo(f"incomplete scores: {summary.missing} (not ranked until entered)")
