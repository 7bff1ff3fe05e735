"""``flask holidays sync --year YYYY``: the year's public holidays and 调休 working days from
the national calendar (services.holiday_sync), beside the /talks/holidays page that edits the
same table by hand."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from cadre_app.cli import cli_actor
from cadre_app.extensions import db
from cadre_app.services.core import holiday_sync


@click.group("holidays")
def holidays_group() -> None:
    """The working-day calendar (节假日与调休)."""


@holidays_group.command("sync")
@click.option("--year", type=int, required=True, help="The year to take from the calendar.")
@with_appcontext
def sync_command(year: int) -> None:
    """Write the year's public holidays on weekdays and 调休 working days on weekends from the
    chinese_calendar package. Days entered by hand are kept; running it again changes nothing.
    Prints what was added, updated, removed and kept; exits 1 for a year the package does not
    know."""
    try:
        result = holiday_sync.sync(year, actor=cli_actor())
    except holiday_sync.UnknownYear as error:
        db.session.rollback()
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(result.summary())
