"""Lay out PDFs in worker processes, one per core, for large batches.

Laying out a form is CPU-bound (~110-160 ms), so on the two cores of a typical server two
processes halve a 200-form batch. The parent builds the plain data (it needs the database);
workers only render: each has a minimal app of its own (templates, static files, fonts) and
never touches the database. Workers are spawned, not forked, because the parent is a
multi-threaded web worker.

- ``render_all``: one PDF per spec (the ZIP of separate forms), in the order given.
- ``taking_turns``: one large batch at a time on this host's cores (a file lock); the next
  waits for it rather than sharing the cores and doubling the memory.
- ``render_merged``: one merged PDF. The forms are cut into contiguous parts (one per
  worker, more for batches over 200 so that a part holds at most 100 forms); each part is
  laid out as one document in a worker and the parent joins the parts (``pdf.join``); a
  queue carries a tick per form laid out, so the progress bar moves while the workers run.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import multiprocessing
import multiprocessing.connection
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from flask import Flask

from cadre_app.services.core import pdf

log = logging.getLogger(__name__)

#: (template, data, title, author, subject)
RenderSpec = tuple[str, dict[str, Any], str, str, str | None]
#: (template, data)
Item = tuple[str, dict[str, Any]]

_worker_app: Flask | None = None
_ticks: Any = None  # the parent's queue, in a worker of render_merged
_parts_made = 0  # parts of a merged PDF this worker has laid out
#: A merged batch is laid out in parts of at most this many forms (see part_count).
PART_FORMS = 100
#: With ``deadline``: how long a form may take before a batch is taken as stuck.
SECONDS_PER_FORM = 5.0
_CONFIG_KEYS = (
    "ORGANISATION_NAME",
    "PDF_REQUIRE_FONT_FAMILIES",
    "PDF_WORKER_NICE",
    "BABEL_DEFAULT_LOCALE",
    "BABEL_DEFAULT_TIMEZONE",
    "LANGUAGES",
)
_POLL_SECONDS = 0.2


def worker_count(app: Flask) -> int:
    """How many processes to use: the configured number, at most the cores there are; 1
    (render in this process) where worker processes cannot run here
    (``unavailable_reason``)."""
    if unavailable_reason():
        return 1
    return max(1, min(int(app.config.get("PDF_WORKERS") or 2), os.cpu_count() or 1))


@functools.cache
def unavailable_reason() -> str | None:
    """None when worker processes can run here, else why not. Their queues need POSIX
    semaphores, which some containers lack (no /dev/shm); batches are then laid out in the
    web process, slower but complete. Checked once per process, logged once."""
    try:
        multiprocessing.get_context("spawn").Queue().close()
    except (OSError, ImportError, NotImplementedError) as error:
        log.warning("PDF worker processes unavailable, batches render in-process: %s", error)
        return f"{type(error).__name__}: {error}"
    return None


def _self_check() -> tuple[str, int]:
    assert _worker_app is not None
    with _worker_app.app_context():
        return pdf.cjk_font_family(), os.nice(0) if hasattr(os, "nice") else 0


def self_check(app: Flask, *, timeout: float = 60) -> tuple[str, int]:
    """Start one worker as a batch would and ask it for its CJK font and niceness (for
    ``flask doctor``). Raises what the worker or the pool raised."""
    pool = make_pool(app, 1)
    try:
        return pool.submit(_self_check).result(timeout=timeout)
    finally:
        stop(pool)


def _worker_config(app: Flask) -> dict[str, Any]:
    return {key: app.config[key] for key in _CONFIG_KEYS if key in app.config}


def worker_app(config: dict[str, Any]) -> Flask:
    """A rendering-only app: the package's templates and static files and the PDF settings;
    no database, no blueprints, no extensions. PDF templates use Jinja's own filters only.
    Made in ~0.05 s where ``create_app`` takes ~1.1 s, and every batch spawns new workers."""
    app = Flask("cadre_app", root_path=str(Path(pdf.__file__).resolve().parents[2]))
    app.config.update(config)
    return app


def _init(config: dict[str, Any], ticks: Any = None) -> None:
    global _worker_app, _ticks
    _exit_with_parent()
    lower_priority(int(config.get("PDF_WORKER_NICE") or 0))
    _worker_app = worker_app(config)
    _ticks = ticks


def _exit_with_parent() -> None:
    """End this worker when the process that started it ends. A web worker killed mid-batch
    (gunicorn's graceful timeout, the OOM killer) would otherwise leave its workers behind,
    idle under PID 1, each holding the documents of its last part."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def stop(pool: ProcessPoolExecutor) -> None:
    """Shut ``pool`` down now: cancel what has not started and terminate its processes, so
    that parts already running do not go on after the batch has failed (and after the lock
    in ``taking_turns`` is released). ``ProcessPoolExecutor`` has no public way to stop a
    running call; its ``_processes`` map has been there since Python 3.2."""
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()


@contextlib.contextmanager
def taking_turns(
    lock_path: Path, *, waiting: Callable[[], None], poll: float = 1.0
) -> Iterator[None]:
    """Hold this host's lock on the PDF worker processes (``flock`` on ``lock_path``, shared
    by every web worker using the same export folder) while a large batch renders. While
    another batch holds it, ``waiting()`` is called every ``poll`` seconds (the job shows it
    is queued and keeps its heartbeat). Two batches at once would share the same cores, so
    neither finishes sooner, and hold twice the memory."""
    import fcntl  # Unix only, like the deployment this app is made for

    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a+b") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waiting()
                time.sleep(poll)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def lower_priority(increment: int) -> None:
    """Make this process ``increment`` nicer (Unix ``nice``): a batch keeps both cores busy
    for a quarter of a minute, and the web workers, at normal priority, should still answer
    pages promptly meanwhile. On an otherwise idle machine the batch is no slower."""
    if increment > 0 and hasattr(os, "nice"):
        with contextlib.suppress(OSError):  # not allowed here: render at normal priority
            os.nice(increment)


def _render(spec: RenderSpec) -> bytes:
    template, data, title, author, subject = spec
    assert _worker_app is not None
    with _worker_app.app_context():
        return pdf.render_pdf(template, data, title=title, author=author, subject=subject)


def make_pool(app: Flask, workers: int, ticks: Any = None) -> ProcessPoolExecutor:
    """``workers`` spawned rendering processes with ``app``'s PDF settings, run nicer by
    ``PDF_WORKER_NICE``; ``ticks`` is the queue ``render_merged`` reads progress from."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init,
        initargs=(_worker_config(app), ticks),
    )


def render_all(app: Flask, specs: list[RenderSpec], *, workers: int) -> Iterator[bytes]:
    """Each spec rendered to PDF bytes, yielded in the order given. Gives up with
    TimeoutError after ``deadline(len(specs))`` seconds; on any error the workers stop."""
    pool = make_pool(app, workers)
    try:
        yield from pool.map(_render, specs, chunksize=1, timeout=deadline(len(specs)))
    except BaseException:  # an error, a timeout, or the consumer gave up (GeneratorExit)
        stop(pool)
        raise
    pool.shutdown(wait=False)


def deadline(forms: int) -> float:
    """Seconds a batch of ``forms`` may take before it is taken as stuck (a worker caught
    in a layout loop would otherwise hold the worker processes, and every batch queued
    behind it, until a restart): ~20 times the time on two idle cores, and a minute more."""
    return 60.0 + SECONDS_PER_FORM * forms


def _render_part(items: list[Item], title: str, author: str, subject: str | None) -> bytes:
    """One part of a merged PDF, with a tick on the queue per form laid out.

    The cyclic garbage collector is paused meanwhile: every laid-out document stays alive
    until the part is written, and full collections rescanning them all made a 100-form
    part about 20% slower. The documents of a part this worker made before are collected
    first (about a second per 100 forms), so a worker holds one part at a time."""
    assert _worker_app is not None and _ticks is not None
    global _parts_made

    def ticking() -> Iterator[Item]:
        # render_many lays out each item before it asks for the next one
        for position, item in enumerate(items):
            if position:
                _ticks.put(1)
            yield item
        _ticks.put(1)

    if _parts_made:
        gc.collect()
    _parts_made += 1
    gc.disable()
    try:
        with _worker_app.app_context():
            return pdf.render_many(ticking(), title=title, author=author, subject=subject)
    finally:
        gc.enable()  # no gc.collect() here: it takes a while, and the process may be done


def shares(count: int, parts: int) -> list[range]:
    """``range(count)`` cut into ``parts`` contiguous runs that differ by at most one."""
    size, extra = divmod(count, parts)
    runs, start = [], 0
    for index in range(parts):
        end = start + size + (1 if index < extra else 0)
        if end > start:
            runs.append(range(start, end))
        start = end
    return runs


def part_count(count: int, workers: int) -> int:
    """How many parts a merged batch of ``count`` forms is laid out in: a multiple of
    ``workers`` (so they finish together) with at most PART_FORMS forms each (a worker's
    memory grows with the documents of its part: ~600 MB for 100 forms). Each part adds
    one copy of the CJK subset (~190 KB) to the file."""
    per_round = workers * PART_FORMS
    return workers * max(1, -(-count // per_round))


def render_merged(
    app: Flask,
    items: list[Item],
    *,
    workers: int,
    title: str,
    author: str,
    subject: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> bytes:
    """One PDF of all ``items`` in order, laid out in ``workers`` processes.
    ``progress(n)`` is called as forms are laid out (n of len(items)); a worker's error
    (PdfUnavailable, FetchRefused ...) is raised here."""
    if not items:
        raise ValueError("render_merged needs at least one document")
    report = progress or (lambda n: None)
    ticks = multiprocessing.get_context("spawn").Queue()
    pool = make_pool(app, workers, ticks)
    give_up = time.monotonic() + deadline(len(items))
    try:
        futures = [
            pool.submit(_render_part, items[run.start : run.stop], title, author, subject)
            for run in shares(len(items), part_count(len(items), workers))
        ]
        done = 0
        while True:
            with contextlib.suppress(queue.Empty):
                ticks.get(timeout=_POLL_SECONDS)
                done += 1
                report(done)
            finished = [future for future in futures if future.done()]
            failures = [f.exception() for f in finished if f.exception() is not None]
            if failures:  # raised now, not after the other workers have finished their parts
                raise failures[0]  # type: ignore[misc]
            if len(finished) == len(futures) and (done >= len(items) or ticks.empty()):
                break  # every part is back; a tick still in the pipe is not waited for
            if time.monotonic() > give_up:
                raise TimeoutError(f"PDF 排版超过 {deadline(len(items)):.0f} 秒仍未完成")
        parts = [future.result() for future in futures]
    except BaseException:
        stop(pool)  # running parts end now, before the caller releases the workers' lock
        raise
    # Not waiting for the workers to exit: a worker's interpreter tears down its part's
    # documents on the way out (about a second), while this process joins the parts.
    pool.shutdown(wait=False)
    return pdf.join(parts)
