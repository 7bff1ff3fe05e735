"""Batch exports as jobs: more than ``batch.SYNC_LIMIT`` forms become an ``ExportJob`` run
by the task queue (``services.core.queue``, consumed by ``flask worker`` on
any host):

- ``create_job`` writes the job and its parts: contiguous runs of the chosen cadres, one per
  worker (``part_count``: more for batches over 200, so a part holds at most 100 forms). The
  view commits, then ``enqueue`` queues one ``render_part`` task per part.
- ``render_part`` (any worker) claims its part, builds the plain data and lays the forms out
  (a ZIP of PDFs, or one merged PDF of the run), writes progress and a heartbeat to the
  database every few forms, stores its output in ``export_chunk`` and marks the part done.
  The part that finds every part done queues ``join_parts``.
- ``join_parts`` joins the parts' outputs (``pdf.join``, or the ZIPs' members in order) into
  the result, stored in the database in chunks, so that every web host can serve it.

Never stuck, never silent: a part whose worker died (killed, the machine gone) stops beating;
``recover`` (at every worker's start, and every minute as a periodic task) queues it again,
at most ``MAX_ATTEMPTS`` times in all, then fails the job with the reason. A job that makes no
progress for ``LOST_AFTER`` (no worker running at all) is failed with a message that says so
when its page asks. Deterministic errors (a cadre deleted since it was chosen, no CJK font)
fail the job at once. Jobs and their files are deleted after ``LIFETIME`` by the periodic
``sweep``, and when a job is created or listed.
"""

from __future__ import annotations

import gc
import logging
import os
import re
import secrets
import time
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from io import BytesIO
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from huey.exceptions import TaskTimeout

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import ExportChunk, ExportJob, ExportPart, JobState, User
from cadre_app.services.core import pdf, queue
from cadre_app.services.records import batch
from cadre_app.services.records.batch import KINDS, BatchError, BatchKind, Output, file_name

log = logging.getLogger(__name__)

#: Jobs and their files are kept this long.
LIFETIME = timedelta(hours=24)
#: A job without any sign of life for this long is failed (no worker is taking its parts).
LOST_AFTER = timedelta(minutes=5)
#: A running part whose heartbeat is older than this is taken as lost (its worker died).
PART_LOST_AFTER = timedelta(seconds=60)
#: A part is laid out at most this many times (a worker killed once is no reason to give up).
MAX_ATTEMPTS = 3
#: Files are stored in the database in pieces of this size.
CHUNK_BYTES = 1024 * 1024
#: Progress is written after this many items or this many seconds, whichever comes first.
PROGRESS_EVERY_ITEMS = 5
PROGRESS_EVERY_SECONDS = 2.0
ACTIVE_STATES = (JobState.QUEUED, JobState.RUNNING)
RESULT = "result"


class JobBusy(BatchError):
    """The user already has a job queued or running."""


class _JobGone(Exception):
    """The job's row was swept or marked failed while the worker ran: stop quietly."""


# --- files in the database ----------------------------------------------------------------


def store(job_id: str, name: str, content: bytes) -> None:
    """Keep ``content`` as the job's file ``name`` (replacing one of that name). Flushes."""
    db.session.execute(
        sa.delete(ExportChunk).where(ExportChunk.job_id == job_id, ExportChunk.name == name)
    )
    rows = [
        {"job_id": job_id, "name": name, "seq": seq, "data": content[at : at + CHUNK_BYTES]}
        for seq, at in enumerate(range(0, max(len(content), 1), CHUNK_BYTES))
    ]
    for row in rows:  # one INSERT per MiB: a driver's executemany may copy them all at once
        db.session.execute(sa.insert(ExportChunk), [row])


def stored_chunks(job_id: str, name: str) -> Iterator[bytes]:
    """The job's file ``name``, a chunk at a time (one query each: constant memory)."""
    where = (ExportChunk.job_id == job_id, ExportChunk.name == name)
    for seq in list(db.session.scalars(sa.select(ExportChunk.seq).where(*where).order_by("seq"))):
        yield db.session.scalar(sa.select(ExportChunk.data).where(*where, ExportChunk.seq == seq))


def stored(job_id: str, name: str) -> bytes:
    return b"".join(stored_chunks(job_id, name))


def result_chunks(job: ExportJob) -> Iterator[bytes] | None:
    """The finished job's file as chunks, or None when there is none (failed, expired)."""
    if job.state is not JobState.DONE or expired(job):
        return None
    exists = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ExportChunk)
        .where(ExportChunk.job_id == job.id, ExportChunk.name == RESULT)
    )
    return stored_chunks(job.id, RESULT) if exists else None


# --- jobs ---------------------------------------------------------------------------------


MERGING_MESSAGE = "各份已排版完毕，正在合并为一个文件……"
WAITING_MESSAGE = "排队中：等待后台进程开始排版。"
LOST_MESSAGE = (
    "后台导出已中断：很久没有后台进程处理这个任务（后台任务进程 flask worker 可能未在运行），"
    "未生成文件。请重新发起导出；仍然如此请联系系统管理员。"
)
GAVE_UP_MESSAGE = (
    "导出失败：生成 PDF 的后台进程多次意外退出（常见原因是服务器内存不足或进程被停止）。"
    "请减少一次导出的份数后重试；仍然失败请联系系统管理员查看日志。"
)
STUCK_MESSAGE = (
    "导出失败：排版进程长时间没有完成，已被停止。请重试；仍然失败请减少一次导出的份数，"
    "或联系系统管理员查看日志。"
)


def sweep(*, now: datetime | None = None) -> int:
    """Delete jobs (with their parts and files) older than LIFETIME. Flushes; the caller
    commits. Returns how many jobs were deleted."""
    now = now or utcnow()
    old = list(
        db.session.scalars(sa.select(ExportJob.id).where(ExportJob.created_at < now - LIFETIME))
    )
    for chunk in range(0, len(old), 500):
        ids = old[chunk : chunk + 500]
        # explicit, not ON DELETE CASCADE: SQLite enforces it only with foreign keys on
        for model in (ExportChunk, ExportPart):
            db.session.execute(sa.delete(model).where(model.job_id.in_(ids)))
        db.session.execute(sa.delete(ExportJob).where(ExportJob.id.in_(ids)))
    return len(old)


def active_job(user_id: int) -> ExportJob | None:
    return db.session.scalar(
        sa.select(ExportJob)
        .where(ExportJob.user_id == user_id, ExportJob.state.in_(ACTIVE_STATES))
        .order_by(ExportJob.created_at.desc())
        .limit(1)
    )


def recent_jobs(user_id: int) -> list[ExportJob]:
    """The user's jobs still kept, newest first (after a sweep)."""
    sweep()
    return list(
        db.session.scalars(
            sa.select(ExportJob)
            .where(ExportJob.user_id == user_id)
            .order_by(ExportJob.created_at.desc())
        )
    )


def create_job(
    user: User,
    kind: BatchKind,
    cadre_ids: list[int],
    output: Output,
    *,
    today: date,
    filled_by: str | None = None,
) -> ExportJob:
    """A queued job for ``cadre_ids`` (already ordered), the forms dated ``today`` and signed
    ``filled_by`` (填表人) unless a draft says otherwise, cut into parts. Sweeps first; raises
    JobBusy when the user has a job queued or running. Flushes; the caller commits, then
    calls ``enqueue``."""
    db.session.execute(sa.select(User.id).where(User.id == user.id).with_for_update())
    sweep()
    if active_job(user.id) is not None:
        raise JobBusy(_("您已有一个导出任务正在进行，请等它完成后再发起新的导出。"))
    now = utcnow()
    job = ExportJob(
        id=secrets.token_hex(16),
        kind=kind.code,
        user_id=user.id,
        params={
            "cadre_ids": cadre_ids,
            "output": output.value,
            "today": today.isoformat(),
            "filled_by": filled_by,
        },
        state=JobState.QUEUED,
        total=len(cadre_ids),
        done=0,
        created_at=now,
        heartbeat_at=now,
    )
    config = current_app.config
    workers = max(1, int(config.get("PDF_WORKERS") or 1))
    parallel = len(cadre_ids) >= int(config["PDF_PARALLEL_FROM"])
    runs = batch.shares(
        len(cadre_ids), batch.part_count(len(cadre_ids), workers) if parallel else 1
    )
    job.parts = [
        ExportPart(index=index, start=run.start, stop=run.stop, state=JobState.QUEUED)
        for index, run in enumerate(runs)
    ]
    db.session.add(job)
    db.session.flush()
    return job


def enqueue(job: ExportJob) -> None:
    """Queue the job's parts that wait (after the job is committed)."""
    for part in job.parts:
        if part.state is JobState.QUEUED:
            _enqueue_part(job.id, part.index, part.stop - part.start)


def _enqueue_part(job_id: str, index: int, forms: int) -> None:
    """Queue one part; a process worker interrupts it past its deadline (a layout caught
    in a loop must not hold a worker for ever)."""
    queue.enqueue(render_part, job_id, index, timeout=batch.deadline(forms))


def _beat(job_id: str, *, more: int = 0, **values: Any) -> None:
    """``more`` forms done, a heartbeat and ``values`` for the job while it still runs, in
    the session (the caller commits; the job's row stays locked until then); _JobGone when
    it no longer runs (failed, or deleted)."""
    changes = {"done": ExportJob.done + more, "heartbeat_at": utcnow(), **values}
    result = db.session.execute(
        sa.update(ExportJob)
        .where(ExportJob.id == job_id, ExportJob.state == JobState.RUNNING)
        .values(**changes)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise _JobGone(job_id)


def _claim(job_id: str, index: int) -> ExportPart | None:
    """Take a queued part for this worker (committed); None when it is not queued any more
    (done, taken by another worker, or its job failed)."""
    now = utcnow()
    taken = db.session.execute(
        sa.update(ExportPart)
        .where(
            ExportPart.job_id == job_id,
            ExportPart.index == index,
            ExportPart.state == JobState.QUEUED,
        )
        .values(
            state=JobState.RUNNING,
            attempts=ExportPart.attempts + 1,
            worker=f"{queue.HOST}:{os.getpid()}",
            heartbeat_at=now,
            done=0,
        )
    ).rowcount
    if taken != 1:
        db.session.rollback()
        return None
    db.session.execute(
        sa.update(ExportJob)
        .where(ExportJob.id == job_id, ExportJob.state == JobState.QUEUED)
        .values(state=JobState.RUNNING, message=None, heartbeat_at=now)
    )
    job = db.session.get(ExportJob, job_id)
    if job is None or job.state is not JobState.RUNNING:
        db.session.rollback()
        return None
    db.session.commit()
    return db.session.get(ExportPart, (job_id, index))


@queue.task()
def render_part(job_id: str, index: int) -> None:
    """Lay out one part of a job on this worker; never raises, never leaves it running."""
    try:
        part = _claim(job_id, index)
        if part is None:
            return
        job = part.job
        params = dict(job.params)
        kind, output = KINDS[job.kind], Output(params["output"])
        cadre_ids = [int(i) for i in params["cadre_ids"]][part.start : part.stop]
        last = {"n": 0, "at": time.monotonic()}
        title = f"{kind.label}（{job.total} 份）"

        def progress(n: int) -> None:
            due = n - last["n"] >= PROGRESS_EVERY_ITEMS or n == len(cadre_ids)
            if due or time.monotonic() - last["at"] >= PROGRESS_EVERY_SECONDS:
                _beat_part(job_id, index, n - last["n"], n)
                last.update(n=n, at=time.monotonic())

        started = time.monotonic()
        sink = BytesIO()
        # A merged part keeps every laid-out document alive until it is written; full
        # collections rescanning them all made a 100-form part about 20% slower.
        if output is Output.PDF:
            gc.disable()
        try:
            batch.produce(
                kind, cadre_ids, output, params, sink,
                progress=progress, offset=part.start, title=title,
            )  # fmt: skip
        finally:
            gc.enable()
        # Process workers interrupt a part at its deadline (Huey's task timeout); threads
        # (``flask worker --threads``, the tests) cannot be interrupted, so check here too.
        if time.monotonic() - started > batch.deadline(len(cadre_ids)):
            raise TimeoutError(f"part {index} took longer than {batch.deadline(len(cadre_ids))} s")
        content = sink.getvalue()
        del sink
        _finish_part(job_id, index, len(cadre_ids) - last["n"], content)
    except _JobGone:
        log.warning("export job %s was removed or failed while part %s ran", job_id, index)
    except Exception as error:  # the worker must never leave the job running
        log.exception("export job %s part %s failed", job_id, index)
        _fail(job_id, error)
    finally:
        db.session.remove()


def _beat_part(job_id: str, index: int, more: int, done: int) -> None:
    """Progress of a part, on a connection of its own: committing the rendering session
    would expire the cadres it has loaded. _JobGone when the job no longer runs."""
    now = utcnow()
    with db.engine.begin() as connection:
        running = connection.execute(
            sa.update(ExportJob)
            .where(ExportJob.id == job_id, ExportJob.state == JobState.RUNNING)
            .values(done=ExportJob.done + more, heartbeat_at=now)
        ).rowcount
        connection.execute(
            sa.update(ExportPart)
            .where(ExportPart.job_id == job_id, ExportPart.index == index)
            .values(done=done, heartbeat_at=now)
        )
    if running != 1:
        raise _JobGone(job_id)


def _finish_part(job_id: str, index: int, more: int, content: bytes) -> None:
    """Store the part's output and mark it done; the part that finds all parts done queues
    the join. The job's row is locked first, so two parts finishing at once see each
    other's state (one of them queues the join)."""
    _beat(job_id, more=more)  # an UPDATE of the job's row: the lock is held from here on
    store(job_id, f"p{index}", content)
    db.session.execute(
        sa.update(ExportPart)
        .where(ExportPart.job_id == job_id, ExportPart.index == index)
        .values(state=JobState.DONE, done=ExportPart.stop - ExportPart.start, heartbeat_at=utcnow())
    )
    left = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ExportPart)
        .where(ExportPart.job_id == job_id, ExportPart.state != JobState.DONE)
    )
    if not left:
        db.session.execute(
            sa.update(ExportJob).where(ExportJob.id == job_id).values(message=MERGING_MESSAGE)
        )
    db.session.commit()
    if not left:
        queue.enqueue(join_parts, job_id)


@queue.task()
def join_parts(job_id: str) -> None:
    """Join the parts' outputs into the job's file; safe to run twice."""
    try:
        job = db.session.get(ExportJob, job_id)
        if job is None or job.state is not JobState.RUNNING:
            return
        parts = list(job.parts)
        if any(part.state is not JobState.DONE for part in parts):
            return
        kind, output = KINDS[job.kind], Output(job.params["output"])
        names = [f"p{part.index}" for part in parts]
        _beat(job_id)  # the job's row locked: a second join waits, then stops (_JobGone)
        if len(names) == 1:  # the part's file is the result: renamed, not copied
            db.session.execute(
                sa.update(ExportChunk)
                .where(ExportChunk.job_id == job_id, ExportChunk.name == names[0])
                .values(name=RESULT)
            )
            size = db.session.scalar(
                sa.select(sa.func.sum(sa.func.length(ExportChunk.data))).where(
                    ExportChunk.job_id == job_id, ExportChunk.name == RESULT
                )
            )
        else:
            join = pdf.join if output is Output.PDF else _join_zips
            content = join([stored(job_id, name) for name in names])
            store(job_id, RESULT, content)
            size = len(content)
            db.session.execute(
                sa.delete(ExportChunk).where(
                    ExportChunk.job_id == job_id, ExportChunk.name != RESULT
                )
            )
        today = date.fromisoformat(job.params["today"])
        _beat(
            job_id,
            state=JobState.DONE,
            done=ExportJob.total,
            message=None,
            result_name=file_name(kind, job.total, output, today=today),
            result_size=int(size or 0),
            finished_at=utcnow(),
        )
        db.session.commit()
    except _JobGone:
        log.warning("export job %s was removed or failed before its join", job_id)
    except Exception as error:
        log.exception("export job %s: join failed", job_id)
        _fail(job_id, error)
    finally:
        db.session.remove()


def _join_zips(parts: list[bytes]) -> bytes:
    """One ZIP with the members of ``parts``, in order (the PDFs are not compressed again:
    their streams are compressed already)."""
    out = BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as joined:
        for part in parts:
            with zipfile.ZipFile(BytesIO(part)) as archive:
                for info in archive.infolist():
                    joined.writestr(info, archive.read(info))
    return out.getvalue()


def failure_message(error: Exception) -> str:
    """What the user reads when a job fails: our own reasons in full, anything else by its
    kind only (the details go to the log, not to the page)."""
    if isinstance(error, BatchError | pdf.PdfUnavailable):
        return str(error)[:480]
    if isinstance(error, TimeoutError | TaskTimeout):
        return STUCK_MESSAGE
    return (
        f"导出失败（内部错误 {type(error).__name__}）。请重试；仍然失败请联系系统管理员查看日志。"
    )


def _fail(job_id: str, error: Exception | str) -> None:
    """Mark the job failed with the reason and drop its files (committed)."""
    message = error if isinstance(error, str) else failure_message(error)
    try:
        db.session.rollback()
        _mark_failed(job_id, message)
        db.session.commit()
    except Exception:  # the database itself is gone: the job is found lost later
        log.exception("could not mark export job %s failed", job_id)
        db.session.rollback()


def _mark_failed(job_id: str, message: str) -> None:
    db.session.execute(
        sa.update(ExportJob)
        .where(ExportJob.id == job_id, ExportJob.state.in_(ACTIVE_STATES))
        .values(state=JobState.FAILED, message=message, finished_at=utcnow())
    )
    db.session.execute(
        sa.update(ExportPart)
        .where(ExportPart.job_id == job_id, ExportPart.state.in_(ACTIVE_STATES))
        .values(state=JobState.FAILED)
    )
    db.session.execute(sa.delete(ExportChunk).where(ExportChunk.job_id == job_id))


def _worker_gone(worker: str | None) -> bool:
    """True when ``worker`` (``host:pid``) ran on this host and its process is gone."""
    host, _, pid = (worker or "").rpartition(":")
    if host != queue.HOST or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:  # exists, under another user
        return False
    return False


def recover(*, now: datetime | None = None) -> int:
    """Find parts whose worker died (its process is gone from this host, or its heartbeat
    is older than PART_LOST_AFTER) and queue them again, or fail their job after
    MAX_ATTEMPTS; fail parts running past their deadline; queue the join of a job whose
    parts are all done but which never finished. Commits; returns how many parts were
    queued again."""
    now = now or utcnow()
    requeued: list[tuple[str, int, int]] = []
    stmt = sa.select(ExportPart).where(ExportPart.state == JobState.RUNNING)
    for part in db.session.scalars(stmt):
        beat = part.heartbeat_at or now
        silent = now - beat > PART_LOST_AFTER
        if not (silent or _worker_gone(part.worker)):
            continue
        log.warning("export job %s part %s lost (worker %s)", part.job_id, part.index, part.worker)
        if part.attempts >= MAX_ATTEMPTS:
            _mark_failed(part.job_id, GAVE_UP_MESSAGE)
            continue
        # Two recoveries at once (a worker starting while the minute's runs) must not both
        # take the part back: only the one whose conditional update finds it still running
        # as read goes on (the other waits on the row and then finds it queued).
        done = part.done
        taken = db.session.execute(
            sa.update(ExportPart)
            .where(
                ExportPart.job_id == part.job_id,
                ExportPart.index == part.index,
                ExportPart.state == JobState.RUNNING,
                ExportPart.attempts == part.attempts,
            )
            .values(state=JobState.QUEUED, done=0, worker=None)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:
            continue
        db.session.execute(
            sa.update(ExportJob)
            .where(ExportJob.id == part.job_id, ExportJob.state == JobState.RUNNING)
            .values(done=ExportJob.done - done, heartbeat_at=now)
        )
        part.state, part.done, part.worker = JobState.QUEUED, 0, None
        requeued.append((part.job_id, part.index, part.stop - part.start))
    stalled = (
        sa.select(ExportJob.id)
        .where(ExportJob.state == JobState.RUNNING, ExportJob.heartbeat_at < now - PART_LOST_AFTER)
        .where(~ExportJob.parts.any(ExportPart.state != JobState.DONE))
    )
    joins = list(db.session.scalars(stalled))
    db.session.commit()
    for job_id, index, forms in requeued:
        _enqueue_part(job_id, index, forms)
    for job_id in joins:
        queue.enqueue(join_parts, job_id)
    return len(requeued)


@queue.on_worker_start
def _recover_at_start() -> None:
    """A worker starting after a crash takes up what its predecessor left running."""
    recover()


@queue.periodic(minute="*")
def housekeeping() -> None:
    """Every minute: parts of dead workers queued again; expired jobs and files deleted."""
    recover()
    sweep()
    db.session.commit()


def is_lost(job: ExportJob, *, now: datetime | None = None) -> bool:
    """True when a queued or running job shows no sign of life for LOST_AFTER: no worker
    has taken or advanced it (none is running, or all of them died). A job still queued
    while some worker reported recently is waiting its turn behind other batches."""
    if job.state not in ACTIVE_STATES:
        return False
    if (now or utcnow()) - job.heartbeat_at <= LOST_AFTER:
        return False
    if job.state is JobState.QUEUED:
        seen = queue.last_beat(current_app._get_current_object())  # type: ignore[attr-defined]
        return seen is None or seen[0] > queue.WORKER_SEEN_WITHIN
    return True


def check_lost(job: ExportJob) -> bool:
    """Mark ``job`` failed when it is lost (see ``is_lost``). Flushes; True when marked."""
    if not is_lost(job):
        return False
    _mark_failed(job.id, LOST_MESSAGE)
    db.session.flush()
    db.session.refresh(job)
    return True


def job_of(user_id: int, job_id: str) -> ExportJob | None:
    """The user's own job, or None (also for anyone else's)."""
    job = db.session.get(ExportJob, job_id) if re.fullmatch(r"[0-9a-f]{32}", job_id) else None
    return job if job is not None and job.user_id == user_id else None


def expired(job: ExportJob, *, now: datetime | None = None) -> bool:
    return (now or utcnow()) - job.created_at > LIFETIME
