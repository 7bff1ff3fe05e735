"""``flask audit verify``: walk the hash chain and report tampering."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa

from cadre_app.blueprints.audit import bp
from cadre_app.extensions import db
from cadre_app.models import AuditEvent
from cadre_app.services.core import audit


@bp.cli.command("verify")
def verify_command() -> None:
    """Check every audit record against its hash and its link to the one before.

    Prints ``OK: N 条记录，哈希链完整``, or one line per problem (``记录 17：…``) and exits 1.
    A deleted record shows as a broken link at the record after it."""
    problems = 0
    for problem in audit.verify():
        problems += 1
        click.echo(f"记录 {problem.event_id}：{problem.message}")
    total = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) or 0
    if problems:
        click.echo(f"共 {total} 条记录，发现 {problems} 处问题：审计日志可能被篡改。", err=True)
        sys.exit(1)
    click.echo(f"OK: {total} 条记录，哈希链完整")
    head = db.session.execute(
        sa.select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    if head is not None:
        # Deleting the newest records breaks no link: keep this line elsewhere to compare.
        click.echo(f"最新记录 {head.id}，哈希 {head.hash}")
