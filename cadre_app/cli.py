"""``flask`` commands that belong to no one domain: seed-demo (all domains' demo rows),
doctor, worker (the task queue's consumer) and photos normalise (the photos of two
domains); the helpers every domain's commands share (``cli_actor``, ``import_errors``).
Domain commands live in their blueprint packages' cli.py (``flask users`` in the admin
package, ``flask holidays`` in the talks package)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.services import demo
from cadre_app.services.core import health
from cadre_app.services.core.workbook import ImportRejected


def cli_actor() -> str:
    """Who ran a command, for the audit log: ``cli:<login name>``."""
    import getpass

    try:
        return "cli:" + getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "cli:unknown"


def _without_label(label: str, message: str) -> str:
    """``身份证号校验位错误…`` under the label 身份证号 reads ``校验位错误…``."""
    return message[len(label) :].lstrip("：: ") if message.startswith(label) else message


def report_import(preview: Any, *, imported: int, updated: int) -> None:
    """The DESIGN.md import summary: ``imported N, updated M, rejected K`` and one line per
    rejected row (``row 7: 身份证号 校验位错误…``); warnings go to stderr."""
    click.echo(f"imported {imported}, updated {updated}, rejected {len(preview.error_rows)}")
    for row in preview.error_rows:
        problems = "; ".join(f"{label} {_without_label(label, msg)}" for label, msg in row.errors)
        click.echo(f"row {row.row}: {problems}")
    for warning in preview.warnings:
        click.echo(f"warning: {warning}", err=True)


@contextmanager
def import_errors(*file_errors: type[Exception]) -> Iterator[None]:
    """How the CLI imports end when they do not succeed: a whole-file error (one of
    ``file_errors``, its message) or rejected rows (each reported as ``report_import`` does) exit 1
    with the transaction rolled back, so nothing is written; anything else rolls back and
    propagates. The caller commits after the block."""
    try:
        yield
    except file_errors as error:
        db.session.rollback()
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    except ImportRejected as rejected:
        db.session.rollback()
        report_import(rejected.preview, imported=0, updated=0)
        click.echo("nothing written", err=True)
        sys.exit(1)
    except BaseException:
        db.session.rollback()
        raise


def display_code(code: str) -> str:
    from cadre_app.services.ballots.codes import display

    return display(code)


@click.command("seed-demo")
@click.option(
    "--if-empty", is_flag=True, help="Do nothing (exit 0) when the database holds real accounts."
)
@with_appcontext
def seed_demo_command(if_empty: bool) -> None:
    """Fill an empty database with generated demo data and print the demo logins."""
    if if_empty and demo.has_real_accounts():
        click.echo("数据库中已有正式账户，未写入演示数据。")
        return
    try:
        result = demo.seed()
    except demo.DemoError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    if result.created:
        click.echo(f"已写入演示数据：{result.cadres} 名干部。")
        if result.holiday_years:
            years = "、".join(str(year) for year in result.holiday_years)
            click.echo(f"已同步 {years} 年节假日与调休。")
        if result.ballot_codes:
            codes = "、".join(display_code(code) for code in result.ballot_codes)
            click.echo(f"进行中的演示测评票码（仅此一次显示，可在 /ballot/ 投票）：{codes}")
    else:
        click.echo(f"演示数据已存在（{result.cadres} 名干部），未作改动。")
    click.echo(f"演示账户（密码均为 {demo.DEMO_PASSWORD}，仅供演示，切勿用于生产）：")
    for username, _role, description in demo.DEMO_LOGINS:
        click.echo(f"  {username:<8} {description}")


@click.command("doctor")
@with_appcontext
def doctor_command() -> None:
    """Check the installation; each line says OK or how to fix it (WARN: works, but needs
    attention soon). Exits 1 on any failure."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    failures = 0

    def line(ok: bool, label: str, detail: str, *, warning: bool = False) -> None:
        nonlocal failures
        failures += not (ok or warning)
        click.echo(f"{'OK  ' if ok else 'WARN' if warning else 'FAIL'} {label}: {detail}")

    db_ok, db_detail = health.database_ok()
    line(db_ok, "数据库", db_detail if db_ok else f"无法连接（{db_detail}），检查 DATABASE_URL")
    mig_ok = False
    if db_ok:
        mig_ok, mig_detail = health.migrations_current(app)
        line(mig_ok, "数据库迁移", mig_detail if mig_ok else f"{mig_detail}：运行 flask db upgrade")
    from cadre_app.services.core import pdf

    try:
        family = pdf.cjk_font_family()
    except pdf.PdfUnavailable as error:
        line(False, "中文字体", str(error))
    else:
        line(True, "中文字体", family)
    hb = health.harfbuzz_subset_available()
    line(
        hb,
        "HarfBuzz 字体子集",
        "可用"
        if hb
        else f"缺失，PDF 将慢约 35 倍：apt-get install {health.HARFBUZZ_SUBSET_PACKAGE}",
    )
    from cadre_app.services.core import queue

    try:
        seen = queue.last_beat(app)
    except Exception as error:  # the queue's storage cannot be reached
        line(
            False, "任务队列", f"{queue.describe(app)} 无法访问（{type(error).__name__}: {error}）"
        )
    else:
        line(True, "任务队列", queue.describe(app))
        if seen is not None and seen[0] <= queue.WORKER_SEEN_WITHIN:
            line(True, "后台任务进程", f"运行中（{seen[1]}，{seen[0]:.0f} 秒前报告）")
        else:
            line(
                False,
                "后台任务进程",
                "未检测到：批量导出和定时任务不会执行。运行 flask worker（make run 会一并启动）",
                warning=True,
            )
    try:
        today = clock.today()
        line(True, "时区", f"{clock.zone().key}，今天是 {today:%Y-%m-%d}")
    except (ValueError, KeyError) as error:  # ZoneInfoNotFoundError is a KeyError
        line(False, "时区", f"BABEL_DEFAULT_TIMEZONE 无效（{error}）：例如 Asia/Shanghai")
    else:
        if mig_ok:  # this year's and next year's holidays, on the office's calendar
            for year in (today.year, today.year + 1):
                ok, detail = health.holiday_calendar(year)
                line(ok, f"节假日日历 {year}", detail, warning=True)
    key_ok = health.secret_key_ok(app)
    line(
        key_ok,
        "SECRET_KEY",
        "已设置" if key_ok else "未设置：在 instance/config.py 写入随机 SECRET_KEY",
    )
    chain_key_ok = health.audit_chain_key_ok(app)
    line(
        chain_key_ok,
        "AUDIT_CHAIN_KEY",
        "已设置（审计日志哈希链的密钥，不在数据库中）"
        if chain_key_ok
        else "未设置、过短或为开发默认值：在 instance/config.py 写入随机 AUDIT_CHAIN_KEY"
        "（至少 16 个字符），然后运行 flask db upgrade",
    )
    if mig_ok:
        _doctor_anchors(line)
    status, where, detail = health.rate_limit_storage(app)
    line(status == "ok", "登录限速存储", f"{where}：{detail}", warning=status == "warn")
    if failures:
        sys.exit(1)


#: An anchor older than this is reported (they are written every hour by flask worker).
ANCHOR_STALE_HOURS = 26


def _doctor_anchors(line: Any) -> None:
    """The audit chain's anchors: where they go, the newest one's age, whether the log still
    agrees with them (a quick look; flask audit verify walks the whole chain)."""
    import os

    from cadre_app.services.core import audit_anchors

    path = audit_anchors.anchor_path()
    folder = next((p for p in (path, *path.parents) if p.exists()), path)
    if not os.access(folder, os.W_OK):
        line(False, "审计锚点", f"{path} 不可写：检查 AUDIT_ANCHOR_PATH 与目录权限")
        return
    try:
        anchor_state = audit_anchors.state()
    except RuntimeError as error:  # no chain key
        line(False, "审计锚点", str(error))
        return
    newest = anchor_state.newest
    if anchor_state.problems:
        line(False, "审计锚点", f"{path}：与数据库不符，运行 flask audit verify 查看")
    elif newest is None:
        line(
            False, "审计锚点",
            f"{path} 尚无锚点：运行 flask audit checkpoint（flask worker 每小时写入）",
            warning=True,
        )  # fmt: skip
    else:
        hours = (clock.utcnow() - newest.at).total_seconds() / 3600
        fresh = hours <= ANCHOR_STALE_HOURS
        line(
            fresh, "审计锚点",
            f"{path}，最新一个 {hours:.0f} 小时前（记录 {newest.event_id or '无'}）"
            + ("" if fresh else "：后台任务进程是否在运行？"),
            warning=not fresh,
        )  # fmt: skip


@click.command("worker")
@click.option("--workers", type=int, help="How many (default: PDF_WORKERS, one per core).")
@click.option("--threads", is_flag=True, help="Threads instead of processes (one process).")
@with_appcontext
def worker_command(workers: int | None, threads: bool) -> None:
    """Run the task queue's consumer (batch exports, timed work) until Ctrl-C or SIGTERM
    (SIGTERM lets running tasks finish first)."""
    import logging

    from cadre_app.services.core import queue

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    count = workers or max(1, int(app.config.get("PDF_WORKERS") or 1))
    huey_log = logging.getLogger("huey")  # the app's own loggers write to stderr already
    huey_log.handlers[:] = app.logger.handlers
    huey_log.setLevel(logging.WARNING)  # not a line per task: the minute's timed work too
    huey_log.propagate = False
    logging.getLogger("huey.consumer").setLevel(logging.INFO)  # start, stop, restarts
    logging.getLogger("huey.consumer.Scheduler").setLevel(logging.WARNING)
    kind = "thread" if threads else "process"
    consumer = queue.make_consumer(app, workers=count, worker_type=kind)
    click.echo(
        f"后台任务进程：{count} 个{'线程' if threads else '进程'}，队列 {queue.describe(app)}"
    )
    consumer.run()


@click.group("photos")
def photos_group() -> None:
    """Photos kept in the database (cadres' and the honour roll's)."""


@photos_group.command("normalise")
@with_appcontext
def photos_normalise_command() -> None:
    """Store every photo kept before photos were normalised as a form-size JPEG without
    metadata, as uploads are stored now; photos already normal are left byte for byte, so it
    may run any number of times. Photos over the pixel limit are not decoded: they are listed
    for re-upload (PDFs leave them out). Exit status 1 when any is listed."""
    from cadre_app.services.honours import operations as honours
    from cadre_app.services.roster import operations as roster

    actor = cli_actor()
    sweeps = {
        "干部照片": roster.normalise_stored_photos(actor=actor),
        "光荣榜照片": honours.normalise_stored_photos(actor=actor),
    }
    db.session.commit()
    for kind, sweep in sweeps.items():
        click.echo(
            f"{kind}：规范化 {len(sweep.changed)} 张，原已规范 {sweep.unchanged} 张，"
            f"未处理 {len(sweep.refused)} 张"
        )
        for label, reason in sweep.refused:
            click.echo(f"  未处理（须重新上传）：{label}：{reason}", err=True)
    if any(sweep.refused for sweep in sweeps.values()):
        sys.exit(1)


def register(app: Flask) -> None:
    app.cli.add_command(photos_group)
    app.cli.add_command(worker_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(doctor_command)
