"""``flask evaluations rank --year YYYY [--confirm]``."""

from __future__ import annotations

import sys

import click

from cadre_app import clock
from cadre_app.blueprints.evaluations import bp
from cadre_app.cli import cli_actor
from cadre_app.extensions import db
from cadre_app.services.evaluations import operations as evaluation


@bp.cli.command("rank")
@click.option("--year", type=int, required=True, help="The evaluation year.")
@click.option(
    "--confirm",
    is_flag=True,
    help="Also confirm ranking and grades (quota checked) and open the reminder talks.",
)
def rank_command(year: int, confirm: bool) -> None:
    """Rank a year's evaluation; with --confirm, fix it. Exits 1 and changes nothing when
    refused (for example over the 优秀 quota)."""
    actor = cli_actor()
    cycle = evaluation.get_cycle(year)
    if cycle is None:
        click.echo(
            f"{year} 年度没有考核（先导入成绩：flask evaluations import FILE --year {year}）。",
            err=True,
        )
        sys.exit(1)
    try:
        if confirm:
            result = evaluation.confirm_cycle(cycle, actor=actor, today=clock.today())
            summary = result.ranking
        else:
            summary = evaluation.rank_cycle(cycle, actor=actor)
    except evaluation.EvaluationError as error:
        db.session.rollback()
        click.echo(f"refused: {error}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(
        f"ranked {summary.ranked}, incomplete {summary.incomplete}, bottom {summary.bottom}"
        f" (evaluated {summary.evaluated}, settings version {cycle.settings_version})"
    )
    if confirm:
        click.echo(f"confirmed: {result.quota.message()} talks opened {result.talks_opened}")
