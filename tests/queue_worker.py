"""A real consumer of the task queue, its workers threads of the test process, for the tests
that start background jobs. The queue is a SQLite file beside the test database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from cadre_app.services.core import queue


@pytest.fixture
def queue_worker(app: Flask) -> Iterator[Any]:
    """A consumer with one worker thread taking the app's tasks while the test runs."""
    with app.app_context():
        queue.configure(app).flush()  # nothing left over from another test
    consumer = queue.make_consumer(app, workers=1, worker_type="thread", in_process=True)
    consumer.start()
    try:
        yield consumer
    finally:
        consumer.stop(graceful=True)
        queue.huey.flush()
