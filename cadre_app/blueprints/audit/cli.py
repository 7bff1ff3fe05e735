"""``flask audit verify``: walk the hash chain and compare it with the anchors written outside
the database; ``flask audit checkpoint``: write such an anchor now."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa

from cadre_app.blueprints.audit import bp
from cadre_app.extensions import db
from cadre_app.models import AuditEvent
from cadre_app.services.core import audit, audit_anchors


@bp.cli.command("verify")
def verify_command() -> None:
    """Check every audit record against its keyed hash and its link to the one before, and
    the log against the anchors (flask audit checkpoint): each anchored record must still be
    there with its hash, and there may not be fewer records than at the newest anchor.

    Prints ``OK: N 条记录，哈希链完整``, or one line per problem (``记录 17：…``,
    ``锚点第 3 行：…``) and exits 1. A deleted record shows as a broken link at the record
    after it; deleted newest records, as a missing anchored record or a short count."""
    problems = 0
    for problem in audit.verify():
        problems += 1
        click.echo(f"记录 {problem.event_id}：{problem.message}")
    anchors, bad = audit_anchors.read()
    for anchor_problem in audit_anchors.problems(anchors) + bad:
        problems += 1
        where = f"锚点第 {anchor_problem.line} 行" if anchor_problem.line else "锚点"
        click.echo(f"{where}：{anchor_problem.message}")
    total = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) or 0
    if problems:
        click.echo(f"共 {total} 条记录，发现 {problems} 处问题：审计日志可能被篡改。", err=True)
        sys.exit(1)
    click.echo(f"OK: {total} 条记录，哈希链完整")
    head = db.session.execute(
        sa.select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    if head is not None:
        click.echo(f"最新记录 {head.id}，哈希 {head.hash}")
    where = audit_anchors.anchor_path()
    if anchors:
        newest = anchors[-1]
        click.echo(
            f"与 {len(anchors)} 个锚点一致（{where}），最新锚点：记录 {newest.event_id or '无'}，"
            f"{newest.count} 条，{newest.at:%Y-%m-%d %H:%M} UTC"
        )
    else:
        click.echo(
            f"尚无锚点（{where}）：删除最新记录无法被发现。运行 flask audit checkpoint，"
            "并让 flask worker 每小时写入。"
        )


@bp.cli.command("checkpoint")
def checkpoint_command() -> None:
    """Append the chain's head (newest record, its hash, the count) to the anchor file
    (AUDIT_ANCHOR_PATH); the task queue does this every hour."""
    anchor = audit_anchors.checkpoint()
    db.session.rollback()
    click.echo(
        f"已写入锚点：记录 {anchor.event_id or '无'}，共 {anchor.count} 条，"
        f"文件 {audit_anchors.anchor_path()}"
    )
