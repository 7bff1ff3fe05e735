"""The audit chain under concurrency: several real processes append at the same moment, each
record in its own transaction, and the chain still verifies (no forks, nothing lost).

Each process builds its own app on the test database (the session's, already migrated) and
waits on a barrier so that the appends really overlap. The app is a lean one: the factory's
configuration and the database extension,
without the blueprints, whose imports (pandas, WeasyPrint) would cost each process ~3 s. The
processes are forked from a fresh forkserver that has imported this module once (spawning each
from scratch took twice as long on a busy 2-core machine); nothing is inherited from pytest.
"""

from __future__ import annotations

import multiprocessing
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from cadre_app import load_config
from cadre_app.extensions import db
from cadre_app.models import AuditEvent
from cadre_app.services.core import audit

PROCESSES = 4
RECORDS = 60  # per process; every tenth append is a record_many of BATCH events
BATCH = 3
BATCHES = RECORDS // 10


def _append(url: str, barrier: Any, worker: int, key: str) -> None:
    """One process: ``RECORDS`` appends, each committed on its own, as web requests do."""
    app = Flask("cadre_app")
    load_config(app, {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "AUDIT_CHAIN_KEY": key})
    db.init_app(app)
    with app.app_context():
        db.session.execute(sa.select(1))  # connected before the start
        db.session.rollback()
        barrier.wait(timeout=60)
        for n in range(RECORDS):
            if n % 10 == 9:
                audit.record_many(
                    [
                        {
                            "action": "import",
                            "object_type": "cadre",
                            "object_id": f"{worker}-{n}-{k}",
                        }
                        for k in range(BATCH)
                    ],
                    actor_name=f"worker{worker}",
                )
            else:
                audit.record(
                    "update",
                    object_type="cadre",
                    object_id=f"{worker}-{n}",
                    summary=f"进程 {worker} 第 {n} 条",
                    actor_name=f"worker{worker}",
                )
            db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.mark.committed  # the appends come from other processes
@pytest.mark.slow
def test_concurrent_appends_keep_one_chain(app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        db.engine.dispose()  # no pooled connection of ours holds a lock while they write
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    barrier = context.Barrier(PROCESSES)
    workers = [
        context.Process(target=_append, args=(url, barrier, worker, app.config["AUDIT_CHAIN_KEY"]))
        for worker in range(PROCESSES)
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=120)
    assert [process.exitcode for process in workers] == [0] * PROCESSES

    with app.app_context():
        problems = list(audit.verify())
        count = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    expected = PROCESSES * (RECORDS - BATCHES + BATCHES * BATCH)
    assert (len(problems), count) == (0, expected), (
        f"{len(problems)} broken links, {count} events of {expected}: {problems[:3]}"
    )
