"""audit chain keyed with AUDIT_CHAIN_KEY; UPDATE, DELETE (and TRUNCATE) refused by triggers

Until now each audit event's hash was a plain SHA-256 of its content and the previous hash,
which anyone with database access could recompute after rewriting rows. From here it is
HMAC-SHA256 keyed with ``AUDIT_CHAIN_KEY``, a secret outside the database
(services.core.audit). This migration re-chains the events already stored with the key, in
id order, after checking that the old chain is intact: it refuses to launder a chain that
already shows tampering (set CADRE_AUDIT_RECHAIN_BROKEN=1 to re-chain it anyway, after the
problems were examined and written down). It runs inside the app (flask db upgrade), which
supplies the key; with no key it stops and says so.

Then the database refuses UPDATE and DELETE on audit_event itself, with triggers (and
TRUNCATE on PostgreSQL): a user with database access must drop them first, which takes more
than a stray statement (README, "审计日志的防篡改").

Downgrade drops the triggers and re-chains with plain SHA-256.

Revision ID: 0022_audit_chain_key
Revises: 0019_structure
Create Date: 2026-12-03 13:00:00

"""

import hashlib
import hmac
import json
import os

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022_audit_chain_key"
down_revision = "0019_structure"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
BATCH = 1000
MESSAGE = "audit_event is append-only: UPDATE and DELETE are refused"

# The event's content as the app hashed it at this revision (services.core.audit.canonical),
# frozen here so that later changes to the app do not change what this migration does.
_event = sa.table(
    "audit_event",
    sa.column("id", sa.Integer),
    sa.column("occurred_at", sa.DateTime),
    sa.column("actor_id", sa.Integer),
    sa.column("actor_name", sa.String),
    sa.column("actor_role", sa.String),
    sa.column("ip", sa.String),
    sa.column("action", sa.String),
    sa.column("object_type", sa.String),
    sa.column("object_id", sa.String),
    sa.column("summary", sa.String),
    sa.column("before", sa.JSON),
    sa.column("after", sa.JSON),
    sa.column("result", sa.String),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)

SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
)
POSTGRESQL_TRIGGERS = (
    f"""CREATE OR REPLACE FUNCTION audit_event_refuse() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
    END $$""",
    """CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_refuse()""",
    """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse()""",
)


def _content(row) -> dict:
    content = {
        "occurred_at": row.occurred_at.isoformat(timespec="microseconds"),
        "actor_id": row.actor_id,
        "actor_name": row.actor_name,
        "actor_role": row.actor_role,
        "ip": row.ip,
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "summary": row.summary,
        "before": row.before,
        "after": row.after,
        "result": row.result,
        "prev_hash": None,  # filled in by the caller
    }
    return content


def _encode(content: dict) -> bytes:
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8")


def _plain(content: dict) -> str:
    return hashlib.sha256(_encode(content)).hexdigest()


def _keyed(key: bytes):
    def digest(content: dict) -> str:
        return hmac.new(key, _encode(content), hashlib.sha256).hexdigest()

    return digest


def _key() -> bytes:
    from flask import current_app

    key = current_app.config.get("AUDIT_CHAIN_KEY")
    if not key:
        raise RuntimeError(
            "迁移 0022 需要 AUDIT_CHAIN_KEY 来重新计算审计日志的哈希链：请在 instance/config.py"
            " 写入 AUDIT_CHAIN_KEY = '<随机字符串>'（或设置环境变量 CADRE_AUDIT_CHAIN_KEY），"
            "再运行 flask db upgrade。"
        )
    return key if isinstance(key, bytes) else str(key).encode("utf-8")


def _pages():
    """The events in id order, a page at a time (a million rows never in memory at once)."""
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(_event).where(_event.c.id > last).order_by(_event.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def _rechain(old, new, *, label: str) -> None:
    """Recompute every event's prev_hash and hash with ``new``, in id order, after checking
    the chain against ``old`` (the digest it was written with)."""
    broken = []
    prev = GENESIS
    for rows in _pages():
        for row in rows:
            content = _content(row)
            content["prev_hash"] = row.prev_hash
            if row.prev_hash != prev or old(content) != row.hash:
                broken.append(row.id)
            prev = row.hash
    if broken and os.environ.get("CADRE_AUDIT_RECHAIN_BROKEN") != "1":
        shown = ", ".join(str(i) for i in broken[:10])
        raise RuntimeError(
            f"审计日志的哈希链已有 {len(broken)} 处问题（记录 {shown}…），迁移不会用{label}重新"
            "计算并掩盖它们。请先运行 flask audit verify 并留存结果；确认后设置环境变量 "
            "CADRE_AUDIT_RECHAIN_BROKEN=1 再迁移。"
        )
    statement = (
        sa.update(_event)
        .where(_event.c.id == sa.bindparam("row_id"))
        .values(prev_hash=sa.bindparam("new_prev"), hash=sa.bindparam("new_hash"))
    )
    prev = GENESIS
    for rows in _pages():
        updates = []
        for row in rows:
            content = _content(row)
            content["prev_hash"] = prev
            digest = new(content)
            updates.append({"row_id": row.id, "new_prev": prev, "new_hash": digest})
            prev = digest
        op.get_bind().execute(statement, updates)


def _drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_refuse()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")


def upgrade():
    _rechain(_plain, _keyed(_key()), label="密钥")
    triggers = (
        POSTGRESQL_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS
    )
    for statement in triggers:
        op.execute(statement)


def downgrade():
    _drop_triggers()
    _rechain(_keyed(_key()), _plain, label="不带密钥的 SHA-256")
