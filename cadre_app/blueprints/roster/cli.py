"""``flask roster import FILE [--dry-run] [--create-section NAME ...]``,
``flask roster export FILE [--full-ids --reason TEXT]`` and
``flask roster staff-no-scheme [--prefix P --width N]``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app

from cadre_app import clock
from cadre_app.blueprints.roster import bp
from cadre_app.cli import cli_actor, import_errors, report_import
from cadre_app.extensions import db
from cadre_app.services.core import audit
from cadre_app.services.roster import excel as roster_excel
from cadre_app.services.roster import operations as roster


@bp.cli.command("import")
@click.argument("path", metavar="FILE.xlsx", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check and report only; write nothing.")
@click.option(
    "--create-section",
    "create_sections",
    multiple=True,
    metavar="NAME",
    help="Create this section (部门) if the system lacks it; repeat for several. Rows naming "
    "any other unknown section are rejected.",
)
def import_command(path: str, dry_run: bool, create_sections: tuple[str, ...]) -> None:
    """Import the roster workbook all-or-nothing: exits 1 and writes nothing when any row is
    rejected. A section the system lacks is created only when named with --create-section."""
    content = Path(path).read_bytes()
    filename = Path(path).name
    options = {
        "today": clock.today(),
        "organisation_name": current_app.config["ORGANISATION_NAME"],
        "create_sections": set(create_sections),
    }
    with import_errors(roster_excel.WorkbookError):
        if dry_run:
            preview = roster_excel.preview_import(content, filename, **options)
            counts = preview.counts
            report_import(preview, imported=counts["new"], updated=counts["update"])
            if preview.new_departments:
                click.echo("new departments: " + "、".join(preview.new_departments))
            for section in preview.unknown_sections:
                if not section.create:
                    nearest = f" (nearest: {section.suggestion})" if section.suggestion else ""
                    click.echo(
                        f"unknown section: {section.name}{nearest}; --create-section to create"
                    )
            click.echo("dry run: nothing written")
            db.session.rollback()
            if preview.has_errors:
                sys.exit(1)
            return
        summary = roster_excel.apply_import(content, filename, actor=cli_actor(), **options)
    db.session.commit()
    click.echo(f"imported {summary.created}, updated {summary.updated}, rejected 0")
    if summary.new_departments:
        click.echo("new departments: " + "、".join(summary.new_departments))


@bp.cli.command("export")
@click.argument("path", metavar="FILE.xlsx", type=click.Path(dir_okay=False, writable=True))
@click.option(
    "--full-ids",
    is_flag=True,
    help="Write full ID numbers (each audited as a reveal); needs --reason.",
)
@click.option("--reason", default="", help="Why full ID numbers must leave the system.")
def export_command(path: str, full_ids: bool, reason: str) -> None:
    """Write every cadre to the roster workbook, ID numbers masked (a masked number re-imports
    as "unchanged"). With --full-ids --reason "...", full numbers, each audited as a reveal of
    that cadre's ID. Audited."""
    reason = " ".join(reason.split())
    if full_ids and len(reason) < 4:
        raise click.UsageError('--full-ids needs --reason "..." (at least 4 characters)')
    if reason and not full_ids:
        raise click.UsageError("--reason goes with --full-ids")
    cadres = roster_excel.cadres_for_export(None)
    Path(path).write_bytes(roster_excel.build_workbook(cadres, mask_ids=not full_ids))
    actor = cli_actor()
    if full_ids:
        revealed = roster.reveal_id_numbers_in_export(cadres, export="干部名册", actor=actor)
        summary = (
            f"导出干部名册 {len(cadres)} 人到 {Path(path).name}，含完整身份证号 {revealed} 个，"
            f"理由：{reason}"
        )
    else:
        summary = f"导出干部名册 {len(cadres)} 人到 {Path(path).name}，身份证号已脱敏"
    audit.record("export", object_type="cadre", summary=summary, actor_name=actor)
    db.session.commit()
    ids = "full ID numbers" if full_ids else "ID numbers masked"
    click.echo(f"exported {len(cadres)} cadres to {path} ({ids})")


@bp.cli.command("staff-no-scheme")
@click.option("--prefix", default=None, help="Letters or digits before the sequence, e.g. G.")
@click.option("--width", default=None, type=int, help="Digits of the sequence (3 to 10).")
def staff_no_scheme_command(prefix: str | None, width: int | None) -> None:
    """Show, or change, the 工号 scheme every new cadre gets its number from (roster form,
    workbook rows with 工号 blank, .lrmx import, demo seed). A change is audited."""
    current = roster.settings.value(roster.STAFF_NO_SCHEME_KEY)
    if prefix is None and width is None:
        click.echo(
            f"prefix {current['prefix']!r}, width {current['width']}: next {roster.next_staff_no()}"
        )
        return
    scheme = {
        "prefix": current["prefix"] if prefix is None else prefix,
        "width": current["width"] if width is None else width,
    }
    problem = roster.staff_no_scheme_problem(scheme)
    if problem:
        click.echo(problem, err=True)
        sys.exit(1)
    roster.settings.update(roster.STAFF_NO_SCHEME_KEY, scheme, actor=cli_actor())
    audit.record(
        "update",
        object_type="setting",
        summary=f"工号规则：前缀“{scheme['prefix']}”，序号 {scheme['width']} 位",
        before=current,
        after=scheme,
        actor_name=cli_actor(),
    )
    db.session.commit()
    click.echo(f"next staff number: {roster.next_staff_no()}")
