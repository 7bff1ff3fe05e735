"""``flask reminders run``: what the daily task does, now."""

import click
from flask.cli import AppGroup

from cadre_app.services.reminders import operations

reminders_group = AppGroup("reminders", help="提醒：生成预警通知并发送邮件。")


@reminders_group.command("run")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="按此日期计算（默认今天）")
def run_command(day: object) -> None:
    """Turn today's warnings into notifications (each once per person) and mail them when a
    server is configured; prints ``added N, mailed M``."""
    today = day.date() if day is not None else None  # type: ignore[attr-defined]
    added, sent = operations.run_and_mail(today, actor="cli")
    click.echo(f"added {added}, mailed {sent}")
