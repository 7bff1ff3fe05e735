"""The audit chain against an insider with database access (issue 16, point 5): the chain is
keyed with a secret outside the database, its head is anchored in a file outside the
database, and the database itself refuses UPDATE and DELETE on the log."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from cadre_app import create_app
from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import AuditEvent
from cadre_app.services.core import audit, audit_anchors, health, queue
from tests.conftest import ANCHOR_PATH, audit_triggers_off, base_config


def _record(app, n: int) -> list[int]:
    with app.app_context():
        ids = [
            audit.record("update", object_type="cadre", object_id=i, summary=f"改动 {i}").id
            for i in range(n)
        ]
        db.session.commit()
        return ids


def _plain_sha256(event: AuditEvent) -> str:
    """The digest before issue 16: what anyone could recompute."""
    return hashlib.sha256(audit.canonical(event)).hexdigest()


def _rewrite_from(app, event_id: int, digest: Callable[[AuditEvent], str]) -> None:
    """The insider's rewrite: drop the triggers, change one event's summary and recompute
    the hashes of it and every later event with ``digest``, so every link holds again."""
    with app.app_context(), audit_triggers_off(db.session.connection()):
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.id >= event_id).order_by(AuditEvent.id)
        ).all()
        prev = events[0].prev_hash
        rows = []
        for event in events:
            db.session.expunge(event)
            if event.id == event_id:
                event.summary = "改写后的内容"
            event.prev_hash = prev
            event.hash = prev = digest(event)
            rows.append((event.id, event.summary, event.prev_hash, event.hash))
        for row_id, summary, prev_hash, new_hash in rows:
            db.session.execute(
                sa.text("UPDATE audit_event SET summary=:s, prev_hash=:p, hash=:h WHERE id=:id"),
                {"s": summary, "p": prev_hash, "h": new_hash, "id": row_id},
            )
        db.session.commit()


def _delete_newest(app, count: int) -> None:
    with app.app_context(), audit_triggers_off(db.session.connection()):
        newest = db.session.scalars(
            sa.select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(count)
        ).all()
        for event_id in newest:
            db.session.execute(sa.text("DELETE FROM audit_event WHERE id = :id"), {"id": event_id})
        db.session.commit()


# --- the key -----------------------------------------------------------------------------


def test_the_hash_is_keyed_with_the_chain_key(app, app_ctx):
    event = audit.record("create", object_type="cadre", object_id=1, summary="新增")
    key = app.config["AUDIT_CHAIN_KEY"].encode()
    assert event.hash == hmac.new(key, audit.canonical(event), hashlib.sha256).hexdigest()
    assert event.hash != _plain_sha256(event)


def test_a_rewrite_recomputed_without_the_key_fails_verify(app, runner):
    ids = _record(app, 5)
    _rewrite_from(app, ids[1], _plain_sha256)  # the app's old function: no key
    with app.app_context():
        problems = list(audit.verify())
    assert {p.event_id for p in problems} == set(ids[1:])
    assert all("内容与哈希不符" in p.message for p in problems)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"记录 {ids[1]}：内容与哈希不符" in result.output


def test_a_rewrite_recomputed_with_a_wrong_key_fails_verify(app, runner):
    ids = _record(app, 4)
    _rewrite_from(app, ids[2], lambda event: audit.digest(event, b"a guessed key"))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"记录 {ids[2]}：内容与哈希不符" in result.output
    assert f"记录 {ids[3]}：内容与哈希不符" in result.output


def test_a_rewrite_with_the_key_before_an_anchor_is_caught_by_the_anchor(app, runner):
    """Whoever holds the key can rewrite the chain; the anchors written before still hold
    the old hash of the anchored event."""
    ids = _record(app, 4)
    with app.app_context():
        audit_anchors.checkpoint()
    key = app.config["AUDIT_CHAIN_KEY"].encode()
    _rewrite_from(app, ids[1], lambda event: audit.digest(event, key))
    with app.app_context():
        assert list(audit.verify()) == []  # the chain itself holds again
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"锚点第 1 行：记录 {ids[-1]} 的哈希与锚点不同（记录被改写）" in result.output


# --- the anchors -------------------------------------------------------------------------


def test_checkpoint_command_writes_the_head_and_verify_passes_on_an_honest_chain(app, runner):
    ids = _record(app, 3)
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    assert f"记录 {ids[-1]}，共 3 条" in result.output
    (line,) = ANCHOR_PATH.read_text().splitlines()
    anchor = json.loads(line)
    with app.app_context():
        newest = db.session.get(AuditEvent, ids[-1])
        assert (anchor["id"], anchor["hash"], anchor["count"]) == (newest.id, newest.hash, 3)
    _record(app, 2)  # the chain grows after the anchor: still fine
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "OK: 5 条记录，哈希链完整" in result.output
    assert f"与 1 个锚点一致（{ANCHOR_PATH}），最新锚点：记录 {ids[-1]}，3 条" in result.output


def test_deleting_the_newest_events_passes_the_chain_but_not_the_anchor(app, runner):
    ids = _record(app, 5)
    runner.invoke(args=["audit", "checkpoint"])
    _delete_newest(app, 2)
    with app.app_context():
        assert list(audit.verify()) == []  # what is left still links up: the old blind spot
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"锚定的记录 {ids[-1]} 已不存在（记录被删除）" in result.output
    assert "现有 3 条记录，少于最新锚点时的 5 条" in result.output


def test_deleting_newest_events_and_appending_others_is_still_caught(app, runner):
    """Cut back and extend with as many new events: the count matches, the anchored id and
    hash do not."""
    ids = _record(app, 4)
    runner.invoke(args=["audit", "checkpoint"])
    _delete_newest(app, 2)
    _record(app, 2)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    # PostgreSQL never hands out an id twice; SQLite gives the cut ids to the new events
    assert (
        f"锚定的记录 {ids[-1]} 已不存在" in result.output
        or f"记录 {ids[-1]} 的哈希与锚点不同" in result.output
    )


def test_an_edited_or_foreign_anchor_line_is_reported(app, runner):
    _record(app, 2)
    runner.invoke(args=["audit", "checkpoint"])
    anchor = json.loads(ANCHOR_PATH.read_text())
    anchor["count"] = 1  # lowered, so that deleting one more would pass
    ANCHOR_PATH.write_text(json.dumps(anchor) + "\n")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "锚点第 1 行：锚点校验失败" in result.output


def test_the_hourly_task_writes_an_anchor(app, users):
    assert "checkpoint_hourly" in {t.__name__ for t in queue.huey._registry._periodic_tasks}
    _record(app, 2)
    queue.bind(app)
    audit_anchors.checkpoint_hourly.call_local()  # what the consumer runs at minute 17
    with app.app_context():
        anchors, bad = audit_anchors.read()
        assert bad == [] and len(anchors) == 1
        assert anchors[0].count == db.session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent)
        )
        assert abs(anchors[0].at - utcnow()) < timedelta(minutes=1)


def test_the_anchor_path_is_a_setting(app, tmp_path, monkeypatch):
    elsewhere = tmp_path / "worm" / "anchors.jsonl"
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_PATH", str(elsewhere))
    with app.app_context():
        audit_anchors.checkpoint()
        assert audit_anchors.anchor_path() == elsewhere
    assert len(elsewhere.read_text().splitlines()) == 1


def test_the_auditors_dashboard_shows_the_anchor_state(app, auditor_client):
    page = auditor_client.get("/").get_data(as_text=True)
    assert 'data-testid="anchor-state" data-ok=""' in page  # none yet
    with app.app_context():
        audit_anchors.checkpoint()
    page = auditor_client.get("/").get_data(as_text=True)
    assert 'data-testid="anchor-state" data-ok="1"' in page
    _delete_newest(app, 1)
    page = auditor_client.get("/").get_data(as_text=True)
    assert 'data-testid="anchor-state" data-ok="0"' in page


# --- the database refuses changes --------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET summary = 'x' WHERE id = :id",
        "UPDATE audit_event SET hash = :h WHERE id = :id",
        "DELETE FROM audit_event WHERE id = :id",
        "DELETE FROM audit_event",
    ],
)
def test_the_database_refuses_update_and_delete(app, app_ctx, statement):
    event = audit.record("create", object_type="cadre", object_id=1, summary="原文")
    db.session.commit()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.session.begin_nested():
        db.session.execute(sa.text(statement), {"id": event.id, "h": "0" * 64})
    db.session.expire_all()
    assert db.session.get(AuditEvent, event.id).summary == "原文"


def test_postgresql_refuses_truncate(app, app_ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    audit.record("create", object_type="cadre", object_id=1)
    db.session.commit()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.session.begin_nested():
        db.session.execute(sa.text("TRUNCATE audit_event"))


@pytest.mark.committed
def test_the_tables_are_still_wiped_after_a_committed_test(app):
    """conftest lifts the triggers around the wipe (and only there)."""
    _record(app, 2)  # the wipe after this test must not fail


# --- configuration and doctor -----------------------------------------------------------


def test_production_refuses_a_missing_or_default_chain_key(monkeypatch, tmp_path):
    from cadre_app.config import DEV_AUDIT_CHAIN_KEY

    monkeypatch.delenv("CADRE_AUDIT_CHAIN_KEY", raising=False)
    base = {"SECRET_KEY": "s" * 32, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"}
    with pytest.raises(RuntimeError, match="AUDIT_CHAIN_KEY"):
        create_app(base)
    with pytest.raises(RuntimeError, match="AUDIT_CHAIN_KEY"):
        create_app({**base, "AUDIT_CHAIN_KEY": DEV_AUDIT_CHAIN_KEY})
    assert create_app({**base, "AUDIT_CHAIN_KEY": "k" * 32}).config["AUDIT_CHAIN_KEY"]


def test_the_chain_key_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("CADRE_AUDIT_CHAIN_KEY", "from-the-environment-0123456789")
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    monkeypatch.setenv("CADRE_TESTING", "true")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    assert create_app().config["AUDIT_CHAIN_KEY"] == "from-the-environment-0123456789"


def test_doctor_reports_the_chain_key_and_the_anchors(app, runner, monkeypatch):
    result = runner.invoke(args=["doctor"])
    assert "OK   AUDIT_CHAIN_KEY: 已设置" in result.output
    assert "WARN 审计锚点" in result.output and "尚无锚点" in result.output
    with app.app_context():
        audit_anchors.checkpoint()
    result = runner.invoke(args=["doctor"])
    assert f"OK   审计锚点: {ANCHOR_PATH}，最新一个 0 小时前" in result.output
    monkeypatch.setitem(app.config, "AUDIT_CHAIN_KEY", "dev-only-audit-chain-key")
    result = runner.invoke(args=["doctor"])
    assert "FAIL AUDIT_CHAIN_KEY: 未设置、过短或为开发默认值" in result.output


# --- the migration -----------------------------------------------------------------------


def _old_chain(count: int) -> list[str]:
    """``count`` events chained as before migration 0022 (plain SHA-256); their hashes."""
    prev, hashes = audit.GENESIS, []
    for n in range(count):
        event = AuditEvent(
            occurred_at=utcnow(),
            actor_name="hr1",
            action="update",
            object_type="cadre",
            object_id=str(n),
            summary=f"第 {n} 条",
            after={"name": "张三", "n": n},
            result="ok",
            prev_hash=prev,
        )
        event.hash = prev = _plain_sha256(event)
        db.session.add(event)
        hashes.append(event.hash)
    db.session.commit()
    return hashes


def test_the_migration_rechains_existing_events_with_the_key(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    app = create_app(base_config(SQLALCHEMY_DATABASE_URI=url))
    with app.app_context():
        upgrade(revision="0019_structure")
        old = _old_chain(5)
        upgrade()
        db.session.expire_all()
        assert list(audit.verify()) == []
        stored = db.session.scalars(sa.select(AuditEvent.hash).order_by(AuditEvent.id)).all()
        assert len(stored) == 5 and not set(stored) & set(old)
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            db.session.execute(sa.text("DELETE FROM audit_event"))
        db.session.rollback()
        db.session.remove()

        downgrade(revision="0019_structure")
        back = db.session.scalars(sa.select(AuditEvent.hash).order_by(AuditEvent.id)).all()
        assert back == old
        db.session.execute(sa.text("DELETE FROM audit_event"))  # no trigger any more
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()


def test_the_migration_will_not_launder_a_broken_chain(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("CADRE_AUDIT_RECHAIN_BROKEN", raising=False)
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    app = create_app(base_config(SQLALCHEMY_DATABASE_URI=url))
    with app.app_context():
        upgrade(revision="0019_structure")
        _old_chain(3)
        db.session.execute(sa.text("UPDATE audit_event SET summary = 'x' WHERE id = 2"))
        db.session.commit()
        db.session.remove()
        said: list[str] = []
        monkeypatch.setattr(flask_migrate.log, "error", lambda message, *a: said.append(message))
        with pytest.raises(SystemExit):  # flask db upgrade exits 1 with the message
            upgrade()
        assert "CADRE_AUDIT_RECHAIN_BROKEN=1" in said[0]
        db.session.remove()
        ok, detail = health.migrations_current(app)
        assert not ok and "0019_structure" in detail
        monkeypatch.setenv("CADRE_AUDIT_RECHAIN_BROKEN", "1")  # examined and accepted
        upgrade()
        assert list(audit.verify()) == []
        db.session.remove()
        db.engine.dispose()


def test_an_unreadable_anchor_file_fails_verify_and_the_dashboard_says_so(
    app, runner, auditor_client, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_PATH", str(tmp_path))  # a folder, not a file
    _record(app, 1)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"锚点：锚点文件 {tmp_path} 无法读取" in result.output
    page = auditor_client.get("/").get_data(as_text=True)
    assert 'data-testid="anchor-state" data-ok="0"' in page
