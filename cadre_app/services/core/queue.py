"""Background and timed work on Huey (DESIGN.md, "Shape").

One Huey instance for the process. Its storage follows the app's configuration:
``RedisHuey``-style storage when ``REDIS_URL`` (``CADRE_REDIS_URL``) is set, so workers on any
number of hosts share one queue; otherwise a SQLite file, ``QUEUE_PATH`` or
``<instance>/queue.sqlite``, for one host. ``flask worker`` runs the consumer; web processes
only enqueue (``enqueue``), after committing the rows the task will read.

Tasks are plain functions decorated with ``task`` or ``periodic``: each call runs inside an
app context of the app the consumer was started with (``bind``) and removes its database
session afterwards. A task must be safe to run twice (a worker may be killed after the work
and before the queue knows): the batch export's tasks claim their rows first.

Process workers are forked from the consumer: each drops the database connections it
inherited, runs ``WORKER_NICE`` nicer than the web workers (rendering PDFs keeps a core
busy; pages should still answer promptly), and exits when the consumer process dies (a
``kill -9`` of the consumer would otherwise leave orphans rendering for nobody).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import multiprocessing
import multiprocessing.connection
import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import Huey, crontab
from huey.constants import EmptyData
from huey.consumer import Consumer, Scheduler
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from cadre_app.extensions import db

log = logging.getLogger(__name__)

QUEUE_NAME = "cadre_app"
HOST = socket.gethostname()

#: The process-wide Huey instance; its storage is set by ``configure``.
huey = Huey(QUEUE_NAME, results=False, utc=True, storage_class=MemoryStorage)
_configured: tuple[str, str] | None = None
_app: Flask | None = None
_worker_type = "thread"


def storage_spec(app: Flask) -> tuple[str, str]:
    """("redis", url) or ("sqlite", path) for ``app``'s configuration."""
    url = app.config.get("REDIS_URL")
    if url:
        return "redis", str(url)
    path = app.config.get("QUEUE_PATH") or str(Path(app.instance_path) / "queue.sqlite")
    return "sqlite", str(path)


def configure(app: Flask) -> Huey:
    """Point the process's Huey at ``app``'s queue storage (once per distinct setting)."""
    global _configured
    spec = storage_spec(app)
    if spec != _configured:
        kind, where = spec
        with contextlib.suppress(Exception):
            huey.storage.close()
        if kind == "redis":
            huey.storage = RedisStorage(QUEUE_NAME, url=where)
        else:
            Path(where).parent.mkdir(parents=True, exist_ok=True)
            huey.storage = SqliteStorage(QUEUE_NAME, filename=where)
        _configured = spec
    return huey


def describe(app: Flask) -> str:
    """Where the queue is, for people: ``Redis redis://…`` or ``SQLite /path``."""
    kind, where = storage_spec(app)
    if kind == "redis":
        return f"Redis {where}"
    return f"SQLite {where}"


def bind(app: Flask) -> None:
    """The app tasks run in (the consumer's)."""
    global _app
    _app = app
    configure(app)


def _task_app() -> Flask:
    if _app is None:
        raise RuntimeError("queue.bind(app) was not called in this worker")
    return _app


def _in_app(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        with _task_app().app_context():
            try:
                return function(*args, **kwargs)
            finally:
                db.session.remove()

    return run


def task(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """Declare a background task (Huey's ``task`` options: retries, timeout, ...)."""

    def decorator(function: Callable[..., Any]) -> Any:
        return huey.task(name=function.__name__, **options)(_in_app(function))

    return decorator


def periodic(**schedule: Any) -> Callable[[Callable[..., Any]], Any]:
    """Declare timed work: ``@periodic(minute="*/5")`` takes crontab's fields."""

    def decorator(function: Callable[..., Any]) -> Any:
        return huey.periodic_task(crontab(**schedule), name=function.__name__)(_in_app(function))

    return decorator


def enqueue(task_function: Any, *args: Any, timeout: float | None = None) -> None:
    """Queue ``task_function(*args)`` on the current app's queue (commit the rows it reads
    first). ``timeout``: seconds after which a process worker interrupts the task (Huey
    raises ``TaskTimeout`` in it)."""
    configure(current_app._get_current_object())  # type: ignore[attr-defined]
    task = task_function.s(*args)
    if timeout:
        task.timeout = timeout
    huey.enqueue(task)


#: Called in each worker (thread or process) when it starts, inside the app context.
_startup_hooks: list[Callable[[], None]] = []


def on_worker_start(function: Callable[[], None]) -> Callable[[], None]:
    """Run ``function`` when a consumer starts (once, before its workers take tasks)."""
    _startup_hooks.append(function)
    return function


@huey.on_startup()
def _worker_started() -> None:
    if _worker_type != "process":
        return
    _exit_with_parent()
    lower_priority(int(_task_app().config.get("PDF_WORKER_NICE") or 0))
    with _task_app().app_context():
        db.engine.dispose(close=False)  # the consumer's connections are not this process's


def _exit_with_parent() -> None:
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-consumer", daemon=True).start()


def lower_priority(increment: int) -> None:
    """Make this process ``increment`` nicer (Unix ``nice``)."""
    if increment > 0 and hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(increment)


class _Scheduler(Scheduler):
    """Huey's scheduler, which also ends with its consumer (it runs no startup hooks)."""

    def initialize(self) -> None:
        super().initialize()
        if _worker_type == "process":
            _exit_with_parent()


class _Consumer(Consumer):
    scheduler_class = _Scheduler


class InProcessConsumer(_Consumer):
    """A consumer whose workers are threads of the calling process and which leaves signal
    handling alone, so it can run beside other code (tests, ``flask worker --threads``)."""

    def _set_signal_handlers(self) -> None:  # the caller keeps its own handlers
        pass


def make_consumer(app: Flask, *, workers: int, worker_type: str, in_process: bool = False) -> Any:
    """A consumer of ``app``'s queue with ``workers`` workers (``process`` or ``thread``).
    The startup hooks (``on_worker_start``) run here, once, before any task is taken."""
    global _worker_type
    bind(app)
    _worker_type = worker_type
    with app.app_context():
        for hook in _startup_hooks:
            hook()
        db.session.remove()
        if worker_type == "process":
            db.engine.dispose()
    factory = InProcessConsumer if in_process else _Consumer
    return factory(
        huey,
        workers=workers,
        worker_type=worker_type,
        periodic=True,
        initial_delay=0.05,
        backoff=1.5,
        max_delay=0.5,
        check_worker_health=not in_process,
        graceful_signal="TERM",
    )


#: A consumer writes the time into the queue's storage at start and every minute, so that
#: ``flask doctor`` and the job pages can tell whether any worker is running, on any host.
_BEAT_KEY = "cadre_app:worker-heartbeat"
#: A worker is taken as running when it was seen this recently (periodic work can wait
#: behind a batch in the queue for a while).
WORKER_SEEN_WITHIN = 180.0


def beat() -> None:
    huey.storage.put_data(_BEAT_KEY, f"{time.time():.0f} {HOST}".encode())


def last_beat(app: Flask) -> tuple[float, str] | None:
    """(seconds ago, host) of the last worker heartbeat, or None when none was seen."""
    raw = configure(app).storage.peek_data(_BEAT_KEY)
    if raw is EmptyData or not raw:
        return None
    stamp, _, host = raw.decode().partition(" ")
    return max(0.0, time.time() - float(stamp)), host


@periodic(minute="*")
def worker_heartbeat() -> None:
    """Every minute: a consumer is alive."""
    beat()


on_worker_start(beat)
