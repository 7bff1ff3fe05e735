"""The task queue: where it lives (SQLite file or Redis, from the configuration), that a task
runs in the consumer's app with its own session, and the timed work (expired uploads)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from cadre_app import create_app
from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import ImportUpload
from cadre_app.services.core import queue
from cadre_app.uploads import UPLOAD_LIFETIME, sweep_uploads
from tests.conftest import base_config


def test_the_queue_is_a_sqlite_file_unless_redis_is_configured(app, tmp_path):
    assert queue.storage_spec(app) == ("sqlite", app.config["QUEUE_PATH"])
    plain = create_app(base_config(QUEUE_PATH=None))
    assert queue.storage_spec(plain) == ("sqlite", f"{plain.instance_path}/queue.sqlite")
    on_redis = create_app(base_config(REDIS_URL="redis://127.0.0.1:6379/15"))
    assert queue.storage_spec(on_redis) == ("redis", "redis://127.0.0.1:6379/15")
    assert queue.describe(on_redis) == "Redis redis://127.0.0.1:6379/15"


def test_with_redis_the_login_rate_limit_counts_there_too():
    on_redis = create_app(base_config(REDIS_URL="redis://127.0.0.1:6379/15"))
    assert on_redis.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/15"
    assert create_app(base_config()).config["RATELIMIT_STORAGE_URI"] == "memory://"
    chosen = create_app(
        base_config(REDIS_URL="redis://127.0.0.1:6379/15", RATELIMIT_STORAGE_URI="memory://x")
    )
    assert chosen.config["RATELIMIT_STORAGE_URI"] == "memory://x"  # an explicit choice wins


def test_expired_uploads_are_swept_every_hour(app, users):
    with app.app_context():
        old = utcnow() - UPLOAD_LIFETIME - timedelta(minutes=1)
        db.session.add_all(
            [
                ImportUpload(token="o" * 43, kind="roster", user_id=users["hr"].id,
                             filename="old.xlsx", content=b"x", created_at=old),
                ImportUpload(token="n" * 43, kind="roster", user_id=users["hr"].id,
                             filename="new.xlsx", content=b"x"),
            ]
        )  # fmt: skip
        db.session.commit()
    queue.bind(app)
    sweep_uploads.call_local()  # what the consumer runs at minute 7 of every hour
    with app.app_context():
        assert db.session.scalars(sa.select(ImportUpload.filename)).all() == ["new.xlsx"]


def test_every_timed_task_is_registered_with_a_schedule():
    names = {task.__name__ for task in queue.huey._registry._periodic_tasks}
    assert {"housekeeping", "sweep_uploads", "worker_heartbeat"} <= names


def test_a_task_runs_in_the_consumers_app_and_cleans_its_session(app, queue_worker):
    seen = []

    @queue.task()
    def probe(value: int) -> None:
        seen.append((value, db.engine.url.render_as_string(), db.session.is_active))

    with app.app_context():
        queue.enqueue(probe, 7)
    deadline = utcnow() + timedelta(seconds=20)
    while not seen and utcnow() < deadline:
        time.sleep(0.05)
    assert seen and seen[0][0] == 7
    assert seen[0][1] == app.config["SQLALCHEMY_DATABASE_URI"]


def test_a_consumer_without_bind_refuses_to_run_a_task():
    saved = queue._app
    queue._app = None
    try:
        with pytest.raises(RuntimeError, match="bind"):
            queue._task_app()
    finally:
        queue._app = saved
