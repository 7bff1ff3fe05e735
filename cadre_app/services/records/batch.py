"""Batch export of per-cadre forms: one ZIP of separate PDFs or one merged PDF.

Up to ``SYNC_LIMIT`` cadres the view calls ``produce`` in the request. Larger batches become an
``ExportJob``: the view commits the row (state queued) and ``start`` runs ``run_job`` in a
daemon thread of the same process, inside its own app context and database session. The
worker renders item by item, writes ``done`` and a heartbeat to the row every few items
(commit), writes the file to ``<instance>/exports/<job id>.zip|.pdf`` and marks the job done,
or failed with the reason. Progress lives in the database, so any process can report it.

A job dies with its process (a restart, a crash): ``sweep`` marks such a job failed as soon as
it can tell (the worker's process is gone on this host, or its thread in this process; on
another host after ``LOST_AFTER`` without a heartbeat), so nobody waits for ever and the
user may start again. Jobs and files older than ``LIFETIME`` are deleted by ``sweep``, which
runs when a job is created and when the batch page lists jobs.

New kinds of form plug in through ``services.record_data.PER_CADRE``: a template under
``templates/pdf/`` and a function that builds its plain data for one cadre.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import os
import re
import secrets
import socket
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import gettext as _

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import Cadre, Department, ExportJob, JobState, User
from cadre_app.services.core import pdf, pdf_pool
from cadre_app.services.records.data import PER_CADRE, CadreRecord

log = logging.getLogger(__name__)

#: Up to this many cadres the file is made in the request; more become a background job.
SYNC_LIMIT = 20
#: The most cadres one export may hold: a ZIP is written form by form (constant memory); a
#: merged PDF keeps every laid-out form in memory until it is written (about 3 MB each).
MAX_ITEMS = 1000
MAX_MERGED = 500
#: Jobs and their files are kept this long.
LIFETIME = timedelta(hours=24)
#: A running job whose heartbeat is older than this is taken as lost (its process died).
LOST_AFTER = timedelta(minutes=5)
#: Progress is written after this many items or this many seconds, whichever comes first.
PROGRESS_EVERY_ITEMS = 5
PROGRESS_EVERY_SECONDS = 2.0
#: Cadres loaded per query while rendering.
CHUNK = 25
ACTIVE_STATES = (JobState.QUEUED, JobState.RUNNING)
_FILE_NAME = re.compile(r"^[0-9a-f]{32}\.(zip|pdf|part)$")
_HOST = socket.gethostname()
#: Jobs whose worker thread lives in this process (by id).
_LOCAL_JOBS: set[str] = set()
_LOCAL_LOCK = threading.Lock()


class Output(enum.StrEnum):
    ZIP = "zip"  # one PDF per cadre, in a ZIP
    PDF = "pdf"  # one merged PDF

    @property
    def label(self) -> str:
        return {Output.ZIP: "ZIP（每人一个 PDF）", Output.PDF: "合并 PDF"}[self]


class BatchError(Exception):
    """A batch that cannot be made; the message (Chinese) is shown to the user."""


class JobBusy(BatchError):
    """The user already has a job queued or running."""


class _JobGone(Exception):
    """The job's row was swept or marked failed while the worker ran: stop quietly."""


BatchKind = CadreRecord
#: The forms a batch can hold, by code (services.record_data.PER_CADRE).
KINDS = PER_CADRE


# --- choosing cadres ----------------------------------------------------------------------


def _filter(q: str | None, section: int | None) -> list[Any]:
    conditions: list[Any] = []
    term = (q or "").strip().replace("%", "").replace("_", "")
    if term:
        like = f"%{term}%"
        conditions.append(sa.or_(Cadre.name.like(like), Cadre.staff_no.like(like)))
    if section:
        conditions.append(Cadre.department_id == section)
    return conditions


def search(q: str | None, section: int | None, *, limit: int = 300) -> tuple[list[Any], int]:
    """Up to ``limit`` cadres matching the text (name or 工号) and section, in 工号 order
    (id, staff_no, name, department, rank), and how many match in all."""
    conditions = _filter(q, section)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Cadre).where(*conditions))
    columns = (Cadre.id, Cadre.staff_no, Cadre.name, Department.name.label("department"))
    stmt = sa.select(*columns, Cadre.rank).join(Department, Department.id == Cadre.department_id)
    rows = db.session.execute(stmt.where(*conditions).order_by(Cadre.staff_no).limit(limit))
    return list(rows), total or 0


def matching_ids(q: str | None, section: int | None) -> list[int]:
    """Every cadre matching the search, in 工号 order."""
    stmt = sa.select(Cadre.id).where(*_filter(q, section)).order_by(Cadre.staff_no)
    return list(db.session.scalars(stmt.limit(MAX_ITEMS + 1)))


def ordered_ids(cadre_ids: list[int], output: Output) -> list[int]:
    """The chosen cadres, once each, in 工号 order. Raises BatchError when none or too many
    are chosen for ``output``, or when one of them no longer exists."""
    unique = sorted(set(cadre_ids))
    limit = MAX_MERGED if output is Output.PDF else MAX_ITEMS
    if not unique:
        raise BatchError(_("请至少选择一名干部。"))
    if len(unique) > limit:
        raise BatchError(
            _("%(output)s一次最多 %(n)d 份，请缩小范围后分批导出。", output=output.label, n=limit)
        )
    stmt = sa.select(Cadre.id).where(Cadre.id.in_(unique)).order_by(Cadre.staff_no)
    found = list(db.session.scalars(stmt))
    if len(found) != len(unique):
        missing = len(unique) - len(found)
        raise BatchError(
            _("所选干部中有 %(n)d 人已不存在（可能刚被删除），请刷新后重新选择。", n=missing)
        )
    return found


# --- rendering ----------------------------------------------------------------------------


def _cadres(kind: BatchKind, cadre_ids: list[int]) -> Iterator[tuple[int, Cadre]]:
    """(position, cadre) in the order given, loaded a chunk at a time (the session's identity
    map is weak, so finished cadres are let go). A cadre deleted since it was chosen stops
    the batch with its position."""
    for start in range(0, len(cadre_ids), CHUNK):
        chunk = cadre_ids[start : start + CHUNK]
        found = {
            c.id: c
            for c in db.session.scalars(
                sa.select(Cadre).where(Cadre.id.in_(chunk)).options(*kind.options)
            )
        }
        for offset, cadre_id in enumerate(chunk):
            cadre = found.get(cadre_id)
            if cadre is None:
                raise BatchError(
                    f"第 {start + offset + 1} 份无法生成：所选干部（内部编号 {cadre_id}）"
                    "已不存在，可能在选择后被删除。请重新选择后导出。"
                )
            yield start + offset, cadre


def produce(
    kind: BatchKind,
    cadre_ids: list[int],
    output: Output,
    params: dict[str, Any],
    sink: BinaryIO,
    *,
    progress: Callable[[int], None] | None = None,
    waiting: Callable[[], None] | None = None,
    pooled: bool = True,
) -> None:
    """Render ``kind`` for each cadre and write the ZIP or merged PDF to ``sink``.
    ``progress(n)`` is called after each of the n forms is laid out; ``waiting()`` every
    second while a large batch waits for another to leave the worker processes
    (``pdf_pool.taking_turns``). ``pooled`` False keeps it in this process whatever its size
    (a download in the request must not queue behind a background batch). Raises
    BatchError, PdfUnavailable or whatever rendering raised."""
    report = progress or (lambda n: None)
    author = current_app.config["ORGANISATION_NAME"]
    title = f"{kind.label}（{len(cadre_ids)} 份）"
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    workers = pdf_pool.worker_count(app)
    if pooled and workers > 1 and len(cadre_ids) >= app.config["PDF_PARALLEL_FROM"]:
        with pdf_pool.taking_turns(export_dir() / WORKERS_LOCK, waiting=waiting or (lambda: None)):
            if output is Output.ZIP:
                _zip_in_processes(app, kind, cadre_ids, params, sink, report, workers=workers)
            else:
                forms = [
                    (kind.template, kind.build(cadre, params))
                    for _, cadre in _cadres(kind, cadre_ids)
                ]
                sink.write(
                    pdf_pool.render_merged(
                        app, forms, workers=workers, title=title, author=author, progress=report
                    )
                )
                report(len(cadre_ids))
        return
    if output is Output.ZIP:
        with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for position, cadre in _cadres(kind, cadre_ids):
                content = pdf.render_pdf(
                    kind.template,
                    kind.build(cadre, params),
                    title=f"{kind.label}（{cadre.name}）",
                    author=author,
                    subject=kind.label,
                )
                zf.writestr(kind.filename(cadre), content)
                report(position + 1)
        return

    def items() -> Iterator[tuple[str, dict[str, Any]]]:
        # render_many lays out each item before it asks for the next one, so asking for
        # item n means n are done; after the last one only the writing is left
        for position, cadre in _cadres(kind, cadre_ids):
            report(position)
            yield kind.template, kind.build(cadre, params)
        report(len(cadre_ids))

    sink.write(pdf.render_many(items(), title=title, author=author))


def _zip_in_processes(
    app: Flask,
    kind: BatchKind,
    cadre_ids: list[int],
    params: dict[str, Any],
    sink: BinaryIO,
    report: Callable[[int], None],
    *,
    workers: int,
) -> None:
    """The ZIP with its forms laid out in ``workers`` processes: the data is built here (it
    needs the database), the layout there; files are written in the order chosen."""
    author = app.config["ORGANISATION_NAME"]
    names, specs = [], []
    for _position, cadre in _cadres(kind, cadre_ids):
        names.append(kind.filename(cadre))
        title = f"{kind.label}（{cadre.name}）"
        specs.append((kind.template, kind.build(cadre, params), title, author, kind.label))
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for done, (name, content) in enumerate(
            zip(names, pdf_pool.render_all(app, specs, workers=workers), strict=True), start=1
        ):
            zf.writestr(name, content)
            report(done)


def file_name(kind: BatchKind, count: int, output: Output, *, today: date) -> str:
    """``干部任免审批表_21份_20260105.zip``"""
    return f"{kind.label}_{count}份_{today:%Y%m%d}.{output.value}"


# --- jobs ---------------------------------------------------------------------------------


def export_dir() -> Path:
    """Where job files go: config ``EXPORT_DIR``, else ``<instance>/exports``."""
    configured = current_app.config.get("EXPORT_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "exports"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, under another user
        pass
    return True


def is_lost(job: ExportJob, *, now: datetime | None = None) -> bool:
    """True when a queued or running job can no longer finish: its thread is gone from this
    process, its process is gone from this host, or its heartbeat is older than LOST_AFTER."""
    if job.state not in ACTIVE_STATES:
        return False
    now = now or utcnow()
    params = job.params or {}
    worker = params.get("worker") or {}
    if worker.get("host") == _HOST:
        if worker.get("pid") == os.getpid():
            with _LOCAL_LOCK:
                if job.id not in _LOCAL_JOBS:
                    return True
        elif not _pid_alive(int(worker.get("pid", 0))):
            return True
    heartbeat = params.get("heartbeat")
    last = job.created_at if heartbeat is None else datetime.fromisoformat(heartbeat)
    return now - last > LOST_AFTER


MERGING_MESSAGE = "各份已排版完毕，正在合并为一个 PDF……"
WAITING_MESSAGE = "排队中：另一批导出正在使用排版进程，完成后自动开始。"
#: In the export folder: held by the batch that uses the PDF worker processes.
WORKERS_LOCK = ".pdf-workers.lock"
LOST_MESSAGE = "后台导出已中断（服务器进程重启或退出），未生成文件。请重新发起导出。"


def sweep(*, now: datetime | None = None) -> int:
    """Mark lost jobs failed; delete jobs (and files) older than LIFETIME and files left
    without a job. Flushes; the caller commits. Returns how many jobs were deleted."""
    now = now or utcnow()
    for job in db.session.scalars(sa.select(ExportJob).where(ExportJob.state.in_(ACTIVE_STATES))):
        if is_lost(job, now=now):
            log.warning("export job %s lost (worker %s)", job.id, (job.params or {}).get("worker"))
            job.state, job.message, job.finished_at = JobState.FAILED, LOST_MESSAGE, now
    old = list(
        db.session.scalars(sa.select(ExportJob).where(ExportJob.created_at < now - LIFETIME))
    )
    for job in old:
        if job.result_path:
            Path(job.result_path).unlink(missing_ok=True)
        db.session.delete(job)
    db.session.flush()
    directory = export_dir()
    if not directory.is_dir():
        return len(old)
    keep = {Path(p).name for p in db.session.scalars(sa.select(ExportJob.result_path)) if p}
    cutoff = time.time() - LIFETIME.total_seconds()
    for path in directory.iterdir():
        with contextlib.suppress(FileNotFoundError):  # another process swept it first
            stale = _FILE_NAME.match(path.name) and path.name not in keep
            if stale and path.stat().st_mtime < cutoff:
                path.unlink()
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
    ``filled_by`` (填表人) unless a draft says otherwise. Sweeps first; raises JobBusy when the
    user has a job queued or running. Flushes; the caller commits, then calls ``start``."""
    db.session.execute(sa.select(User.id).where(User.id == user.id).with_for_update())
    sweep()
    if active_job(user.id) is not None:
        raise JobBusy(_("您已有一个导出任务正在进行，请等它完成后再发起新的导出。"))
    job = ExportJob(
        id=secrets.token_hex(16),
        kind=kind.code,
        user_id=user.id,
        params={
            "cadre_ids": cadre_ids,
            "output": output.value,
            "today": today.isoformat(),
            "filled_by": filled_by,
            "worker": {"host": _HOST, "pid": os.getpid()},
            "heartbeat": utcnow().isoformat(),
        },
        state=JobState.QUEUED,
        total=len(cadre_ids),
        done=0,
        created_at=utcnow(),
    )
    db.session.add(job)
    db.session.flush()
    with _LOCAL_LOCK:
        _LOCAL_JOBS.add(job.id)
    return job


def start(app: Flask, job_id: str) -> threading.Thread:
    """Run the job in a daemon thread of this process (after its row is committed)."""
    with _LOCAL_LOCK:
        _LOCAL_JOBS.add(job_id)
    thread = threading.Thread(
        target=run_job, args=(app, job_id), name=f"export-{job_id[:8]}", daemon=True
    )
    thread.start()
    return thread


def _update(job_id: str, **values: Any) -> None:
    """Write progress while the job is still running, on a connection of its own so that the
    rendering session and its loaded cadres are left alone; _JobGone when it no longer is."""
    with db.engine.begin() as connection:
        result = connection.execute(
            sa.update(ExportJob)
            .where(ExportJob.id == job_id, ExportJob.state == JobState.RUNNING)
            .values(**values)
        )
    if result.rowcount != 1:
        raise _JobGone(job_id)


def run_job(app: Flask, job_id: str) -> None:
    """The worker: never raises and never leaves the job running. Logs any failure."""
    with app.app_context():
        part: Path | None = None
        try:
            with db.engine.begin() as connection:  # claim it: a job runs once
                claimed = connection.execute(
                    sa.update(ExportJob)
                    .where(ExportJob.id == job_id, ExportJob.state == JobState.QUEUED)
                    .values(state=JobState.RUNNING)
                ).rowcount
            job = db.session.get(ExportJob, job_id) if claimed == 1 else None
            if job is None:
                return
            params = dict(job.params)
            kind, output = KINDS[job.kind], Output(params["output"])
            cadre_ids = [int(i) for i in params["cadre_ids"]]
            directory = export_dir()
            directory.mkdir(parents=True, exist_ok=True)
            final = directory / f"{job_id}.{output.value}"
            part = final.with_suffix(".part")
            last = {"n": 0, "at": time.monotonic()}

            def progress(n: int) -> None:
                due = n - last["n"] >= PROGRESS_EVERY_ITEMS or n == len(cadre_ids)
                if due or time.monotonic() - last["at"] >= PROGRESS_EVERY_SECONDS:
                    last.update(n=n, at=time.monotonic())
                    merging = output is Output.PDF and n == len(cadre_ids)
                    _update(
                        job_id,
                        done=n,
                        params={**params, "heartbeat": utcnow().isoformat()},
                        message=MERGING_MESSAGE if merging else None,
                    )

            def waiting() -> None:
                last["at"] = 0.0  # the first progress after the wait is written at once
                _update(
                    job_id,
                    params={**params, "heartbeat": utcnow().isoformat()},
                    message=WAITING_MESSAGE,
                )

            with part.open("wb") as sink:
                produce(kind, cadre_ids, output, params, sink, progress=progress, waiting=waiting)
            os.replace(part, final)
            part = None
            _update(
                job_id,
                state=JobState.DONE,
                done=len(cadre_ids),
                message=None,
                result_path=str(final),
                result_name=file_name(
                    kind, len(cadre_ids), output, today=date.fromisoformat(params["today"])
                ),
                finished_at=utcnow(),
            )
        except _JobGone:
            log.warning("export job %s was removed or marked failed while running", job_id)
        except Exception as error:  # the worker must never leave the job running
            log.exception("export job %s failed", job_id)
            _fail(job_id, error)
        finally:
            if part is not None:
                part.unlink(missing_ok=True)
            with _LOCAL_LOCK:
                _LOCAL_JOBS.discard(job_id)


def failure_message(error: Exception) -> str:
    """What the user reads when a job fails: our own reasons in full, anything else by its
    kind only (the details go to the log, not to the page)."""
    if isinstance(error, BatchError | pdf.PdfUnavailable):
        return str(error)[:480]
    if isinstance(error, TimeoutError):
        return (
            "导出失败：排版进程长时间没有完成，已被停止。请重试；仍然失败请减少一次导出的份数，"
            "或联系系统管理员查看日志。"
        )
    if isinstance(error, BrokenProcessPool):
        return (
            "导出失败：生成 PDF 的后台进程意外退出（常见原因是服务器内存不足）。"
            "请减少一次导出的份数后重试；仍然失败请联系系统管理员查看日志。"
        )
    return (
        f"导出失败（内部错误 {type(error).__name__}）。请重试；仍然失败请联系系统管理员查看日志。"
    )


def _fail(job_id: str, error: Exception) -> None:
    try:
        db.session.rollback()
        db.session.execute(
            sa.update(ExportJob)
            .where(ExportJob.id == job_id, ExportJob.state.in_(ACTIVE_STATES))
            .values(state=JobState.FAILED, message=failure_message(error), finished_at=utcnow())
        )
        db.session.commit()
    except Exception:  # the database itself is gone: sweep marks the job lost later
        log.exception("could not mark export job %s failed", job_id)
        db.session.rollback()


def check_lost(job: ExportJob) -> bool:
    """Mark ``job`` failed when it is lost (see ``is_lost``). Flushes; True when marked."""
    if not is_lost(job):
        return False
    job.state, job.message, job.finished_at = JobState.FAILED, LOST_MESSAGE, utcnow()
    db.session.flush()
    return True


def job_of(user_id: int, job_id: str) -> ExportJob | None:
    """The user's own job, or None (also for anyone else's)."""
    job = db.session.get(ExportJob, job_id) if re.fullmatch(r"[0-9a-f]{32}", job_id) else None
    return job if job is not None and job.user_id == user_id else None


def expired(job: ExportJob, *, now: datetime | None = None) -> bool:
    return (now or utcnow()) - job.created_at > LIFETIME


def result_file(job: ExportJob) -> Path | None:
    """The finished job's file, if it is still there."""
    if job.state is not JobState.DONE or not job.result_path or expired(job):
        return None
    path = Path(job.result_path)
    return path if path.is_file() else None
