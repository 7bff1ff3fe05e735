"""``flask holidays sync --year YYYY``: the year's public holidays and 调休 working days from
the national calendar (services.holiday_sync), beside the /talks/holidays page that edits the
same table by hand; ``flask holidays add DAY NAME [--workday] [--move-deadlines]`` enters one
day and reports (and with --move-deadlines moves) the open talk deadlines that fall on it."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from cadre_app.cli import cli_actor
from cadre_app.extensions import db
from cadre_app.services.core import dates, holiday_sync, workdays
from cadre_app.services.talks import operations as talks


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


@holidays_group.command("add")
@click.argument("day")
@click.argument("name")
@click.option("--workday", is_flag=True, help="A weekend 调休 working day, not a holiday.")
@click.option(
    "--move-deadlines",
    is_flag=True,
    help="Move the open talk deadlines falling on DAY to the next working day.",
)
@with_appcontext
def add_command(day: str, name: str, workday: bool, move_deadlines: bool) -> None:
    """Enter one day by hand (as on the holidays page). Prints the open talks whose deadline
    falls on a new holiday, each `talk ID 工号 姓名 种类 字段 current -> proposed`; with
    --move-deadlines moves them (audited). Exits 1 and writes nothing for a refused day."""
    try:
        parsed = dates.parse(day)
        if parsed is None:
            raise dates.DateFormatError("请填写日期。")
        workdays.add_holiday(parsed, name, is_workday=workday, actor=cli_actor())
    except (dates.DateFormatError, workdays.CalendarError) as error:
        db.session.rollback()
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    moves = [] if workday else talks.deadlines_on(parsed)
    if moves and move_deadlines:
        talks.move_deadlines(parsed, {m.talk_id: m.version for m in moves}, actor=cli_actor())
    db.session.commit()
    click.echo(f"added {parsed.isoformat()} {name}")
    verb = "moved" if move_deadlines else "would move (use --move-deadlines)"
    if moves:
        click.echo(f"{len(moves)} open talk deadline(s) fall on {parsed.isoformat()}, {verb}:")
    for m in moves:
        click.echo(
            f"talk {m.talk_id} {m.staff_no} {m.name} {m.kind} {m.field} "
            f"{m.current.isoformat()} -> {m.proposed.isoformat()}"
        )
