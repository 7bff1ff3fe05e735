"""``flask training hours --year YYYY [--behind] [-o FILE.xlsx]`` (DESIGN.md, Training)."""

from __future__ import annotations

from pathlib import Path

import click

from cadre_app.blueprints.training.cli import training_group
from cadre_app.cli import cli_actor
from cadre_app.extensions import db
from cadre_app.services.core import audit
from cadre_app.services.training import ledger


@training_group.command("hours")
@click.option("--year", type=click.IntRange(2000, 2100), required=True, help="统计年度")
@click.option("--behind", is_flag=True, help="只列出未完成学时要求的干部。")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="同时写出工作簿（工作表“学时统计”）。",
)
def hours_command(year: int, behind: bool, output: str | None) -> None:
    """Print ``工号 姓名 要求学时 已获学时 差额`` per cadre for YEAR (已获学时: the hours that
    count, online hours capped); ``--behind`` only those short of their requirement."""
    rows = ledger.organisation_hours(year, behind=True if behind else None).rows
    for line in ledger.cli_lines(rows):
        click.echo(line)
    if output:
        Path(output).write_bytes(ledger.hours_workbook(rows, year))
        audit.record(
            "export",
            object_type="enrolment",
            summary=f"{year} 年度学时统计（{len(rows)} 人）到 {Path(output).name}",
            actor_name=cli_actor(),
        )
        db.session.commit()
