"""``flask training import FILE.xlsx [--dry-run]`` and ``flask training export FILE.xlsx``
(DESIGN.md, Training workbook): all-or-nothing, the roster's summary line and row messages."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cadre_app.blueprints.training.cli import training_group
from cadre_app.cli import cli_actor, import_errors, report_import
from cadre_app.extensions import db
from cadre_app.services.core import audit
from cadre_app.services.core.workbook import WorkbookError
from cadre_app.services.training import courses
from cadre_app.services.training import excel as training_excel


@training_group.command("import")
@click.argument("path", metavar="FILE.xlsx", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check and report only; write nothing.")
def import_command(path: str, dry_run: bool) -> None:
    """Import the 培训记录 workbook all-or-nothing: exits 1 and writes nothing when any row is
    rejected. Rows identical to stored records are counted as unchanged."""
    content = Path(path).read_bytes()
    filename = Path(path).name
    with import_errors(WorkbookError):
        if dry_run:
            preview = training_excel.preview_import(content, filename)
            counts = preview.counts
            report_import(preview, imported=counts["new"], updated=0)
            click.echo(f"unchanged {counts['unchanged']}, new courses {counts['courses']}")
            click.echo("dry run: nothing written")
            db.session.rollback()
            if preview.has_errors:
                sys.exit(1)
            return
        summary = training_excel.apply_import(content, filename, actor=cli_actor())
    db.session.commit()
    click.echo(f"imported {summary.created}, updated 0, rejected 0")
    click.echo(f"unchanged {summary.unchanged}, new courses {summary.courses_created}")


@training_group.command("export")
@click.argument("path", metavar="FILE.xlsx", type=click.Path(dir_okay=False, writable=True))
def export_command(path: str) -> None:
    """Write every training record (with attendance) to the 培训记录 workbook. Audited."""
    records = training_excel.records_for_export(courses.CourseFilters(), None)
    Path(path).write_bytes(training_excel.build_workbook(records))
    audit.record(
        "export",
        object_type="enrolment",
        summary=f"导出培训记录 {len(records)} 条到 {Path(path).name}",
        actor_name=cli_actor(),
    )
    db.session.commit()
    click.echo(f"exported {len(records)} records to {path}")
