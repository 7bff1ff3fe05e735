"""``flask training hours --year YYYY [--behind] [-o FILE.xlsx]`` (DESIGN.md, Training)."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa

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
@click.option(
    "--check",
    is_flag=True,
    help="核对学时汇总表与培训记录是否一致（不一致时列出并以状态 1 退出）。",
)
@click.option("--rebuild", is_flag=True, help="按培训记录重建学时汇总表。")
def hours_command(
    year: int, behind: bool, output: str | None, check: bool = False, rebuild: bool = False
) -> None:
    """Print ``工号 姓名 要求学时 已获学时 差额`` per cadre for YEAR (已获学时: the hours that
    count, online hours capped); ``--behind`` only those short of their requirement.
    ``--check`` compares the summary the ledger reads (training_hours_year) with the records
    and YEAR's ledger with the one summed from the records; ``--rebuild`` rebuilds it."""
    if rebuild:
        count = ledger.rebuild_summary()
        audit.record(
            "update",
            object_type="enrolment",
            summary=f"按培训记录重建学时汇总表（{count} 行）",
            actor_name=cli_actor(),
        )
        db.session.commit()
        click.echo(f"学时汇总表已重建：{count} 行。")
        return
    if check:
        _check(year)
        return
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


def _check(year: int) -> None:
    from cadre_app import clock
    from cadre_app.models import Cadre

    differences = ledger.summary_differences()
    staff = {i: no for i, no in db.session.execute(sa.select(Cadre.id, Cadre.staff_no))}
    for cadre_id, y, span, kept, right in differences:
        click.echo(f"{staff.get(cadre_id, cadre_id)} {y} 跨度 {span}：汇总表 {kept}，记录 {right}")
    today = clock.today()
    same = ledger.compute_whole(year, today) == ledger.compute_from_records(year, today)
    if differences or not same:
        click.echo(f"学时汇总表与培训记录不一致（{len(differences)} 处）。", err=True)
        raise SystemExit(1)
    click.echo(f"学时汇总表与培训记录一致（{year} 年度学时统计相同）。")
