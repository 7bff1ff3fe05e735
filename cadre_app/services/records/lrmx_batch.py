"""Moving in from the official software: many ``.lrmx`` files at once (several files in one
upload, or ZIPs of them, as offices keep them), one preview for all, all-or-nothing.

- ``unpack`` turns the uploaded files into (name, bytes) pairs. ZIPs are opened with guards
  (entry count, total uncompressed size, each file's size; nested archives refused) and their
  names decoded the way Chinese Windows wrote them: without the UTF-8 flag a name is GBK.
- ``bundle`` / ``unbundle`` keep the files as one ZIP with UTF-8 names in an ``ImportUpload``
  between preview and confirmation.
- ``preview_batch`` reads and checks every file against the database as it is now: new,
  update or refused (with the reasons), 工号 handed out for all new cadres at once; two files
  of the same person are both refused.
- ``apply_batch`` imports every file through ``lrmx_import.apply_import`` or nothing
  (``BatchRejected``); the caller commits or rolls back.
- Large batches (more than ``LRMX_BATCH_QUEUE_THRESHOLD`` files) run on the task queue:
  ``start_job`` after the confirmation, ``run_job`` in the worker. The checking step commits its
  progress per file (it writes nothing else); the writing step is one transaction.

Services flush, never commit, except the queued task, which owns its transactions.
"""

from __future__ import annotations

import secrets
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import ImportUpload, LrmxImportJob, User
from cadre_app.services.core import audit, queue
from cadre_app.services.records import lrmx, lrmx_import
from cadre_app.services.roster import operations as roster

#: At most this many .lrmx files in one batch.
MAX_FILES = 500
#: The request body of one upload (all files together).
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
#: What all files of a batch may add up to once unpacked (zip-bomb guard).
MAX_TOTAL_BYTES = 200 * 1024 * 1024
#: Entries a ZIP may list (directories and other files included).
MAX_ZIP_ENTRIES = 2000
_UTF8_FLAG = 0x800

Placement = tuple[int | None, str | None]


class BatchError(Exception):
    """The upload cannot be a batch of .lrmx files; the message says why (in Chinese)."""


# --- unpacking --------------------------------------------------------------------------------


def zip_member_name(info: zipfile.ZipInfo) -> str:
    """The member's real name. Without the UTF-8 flag, zipfile decodes names as CP437; ZIPs
    made on Chinese Windows store them in GBK, some tools in UTF-8 without saying so."""
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _base(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def is_zip(name: str, content: bytes) -> bool:
    return name.lower().endswith(".zip") or content.startswith(b"PK\x03\x04")


def _unzip(name: str, content: bytes, budget: list[int]) -> list[tuple[str, bytes]]:
    try:
        archive = zipfile.ZipFile(BytesIO(content))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise BatchError(_("“%(name)s”不是有效的 ZIP 压缩包。", name=name)) from None
    if len(infos) > MAX_ZIP_ENTRIES:
        raise BatchError(
            _(
                "压缩包“%(name)s”含 %(n)d 个条目，超过了 %(limit)d 个的上限。",
                name=name,
                n=len(infos),
                limit=MAX_ZIP_ENTRIES,
            )
        )
    files = []
    for info in infos:
        member = zip_member_name(info)
        base = _base(member)
        if info.is_dir() or not base or base.startswith(".") or "__MACOSX/" in member:
            continue
        if base.lower().endswith(".zip"):
            raise BatchError(
                _(
                    "压缩包“%(name)s”中还有压缩包“%(inner)s”：请解开后再上传。",
                    name=name,
                    inner=base,
                )
            )
        if not base.lower().endswith(".lrmx"):
            continue
        if info.file_size > lrmx.MAX_FILE_BYTES:
            raise BatchError(
                _(
                    "压缩包“%(name)s”中的“%(inner)s”解压后超过 %(limit)d MB。",
                    name=name,
                    inner=base,
                    limit=lrmx.MAX_FILE_BYTES // 1024 // 1024,
                )
            )
        budget[0] -= info.file_size
        if budget[0] < 0:
            raise _too_large()
        try:
            with archive.open(info) as stream:
                data = stream.read(lrmx.MAX_FILE_BYTES + 1)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
            raise BatchError(
                _("压缩包“%(name)s”中的“%(inner)s”无法解压。", name=name, inner=base)
            ) from None
        files.append((base, data))
    return files


def _too_large() -> BatchError:
    return BatchError(
        _(
            "文件解压后总计超过 %(limit)d MB，请分批上传。",
            limit=MAX_TOTAL_BYTES // 1024 // 1024,
        )
    )


def unpack(uploaded: Iterable[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """(file name, content) of every .lrmx file in the upload, ZIPs opened; raises BatchError
    for a bad or oversized archive, too many files, or no .lrmx file at all."""
    budget = [MAX_TOTAL_BYTES]
    files: list[tuple[str, bytes]] = []
    for name, content in uploaded:
        if is_zip(name, content):
            files += _unzip(name, content, budget)
        else:
            budget[0] -= len(content)
            if budget[0] < 0:
                raise _too_large()
            files.append((_base(name), content))
        if len(files) > MAX_FILES:
            raise BatchError(
                _("一次最多导入 %(limit)d 个 .lrmx 文件，请分批上传。", limit=MAX_FILES)
            )
    if not files:
        raise BatchError(_("上传的文件中没有 .lrmx 文件。"))
    return files


def bundle(files: list[tuple[str, bytes]]) -> bytes:
    """The files as one ZIP with UTF-8 names, kept between preview and confirmation."""
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, content) in enumerate(files):
            archive.writestr(f"{index:04d}/{name}", content)
    return out.getvalue()


def unbundle(content: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(BytesIO(content)) as archive:
        return [
            (info.filename.split("/", 1)[1], archive.read(info))
            for info in sorted(archive.infolist(), key=lambda i: i.filename)
        ]


# --- preview --------------------------------------------------------------------------------


@dataclass
class BatchItem:
    """One file of the batch: ``status`` is new, update or refused (``errors`` say why)."""

    index: int
    filename: str
    status: str = "refused"
    name: str = ""
    errors: list[str] = field(default_factory=list)
    preview: lrmx_import.LrmxPreview | None = None
    record: lrmx.LrmxRecord | None = None
    placement: Placement = (None, None)

    @property
    def needs_placement(self) -> bool:
        return self.status == "new" and not (self.placement[0] and self.placement[1])

    def summary(self) -> dict[str, Any]:
        p = self.preview
        return {
            "file": self.filename,
            "name": self.name,
            "status": self.status,
            "staff_no": p.staff_no if p else None,
            "errors": self.errors,
        }


@dataclass
class BatchPreview:
    items: list[BatchItem]

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(item.status for item in self.items)
        return {status: found.get(status, 0) for status in ("new", "update", "refused")}

    @property
    def has_errors(self) -> bool:
        return any(item.status == "refused" for item in self.items)

    @property
    def needs_placement(self) -> bool:
        return any(item.needs_placement for item in self.items)


def placement_for(placements: dict[str, Any], index: int) -> Placement:
    """The 部门 and 职级 chosen for file ``index``, else the ones chosen for all new cadres."""
    own = (placements.get("files") or {}).get(str(index)) or [None, None]
    default = placements.get("default") or [None, None]
    return (own[0] or default[0] or None, own[1] or default[1] or None)


def preview_batch(
    files: list[tuple[str, bytes]],
    *,
    placements: dict[str, Any] | None = None,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> BatchPreview:
    """Read and check every file (nothing is written); ``progress(n)`` after each file."""
    today = today or clock.today()
    placements = placements or {}
    items = [BatchItem(index, name) for index, (name, _content) in enumerate(files)]
    for item, (_name, content) in zip(items, files, strict=True):
        try:
            item.record = lrmx.parse_lrmx(content)
            item.name = item.record.text("XingMing")
        except lrmx.LrmxError as error:
            item.errors = list(error.messages)
    owners = Counter(i.record.id_number for i in items if i.record and i.record.id_number)
    new = [
        i for i in items if i.record is not None and lrmx_import.matching_cadre(i.record) is None
    ]
    numbers = iter(roster.allocate_staff_nos(len(new)) if new else [])
    staff_nos = {item.index: next(numbers) for item in new}
    for done, item in enumerate(items, start=1):
        if item.record is not None:
            item.placement = placement_for(placements, item.index)
            department_id, rank = item.placement
            item.preview = lrmx_import.preview_import(
                item.record,
                department_id=department_id,
                rank=rank,
                today=today,
                staff_no=staff_nos.get(item.index),
            )
            item.errors = list(item.preview.errors)
            if item.record.id_number and owners[item.record.id_number] > 1:
                others = "、".join(
                    o.filename
                    for o in items
                    if o is not item and o.record and o.record.id_number == item.record.id_number
                )
                item.errors.append(
                    _("与本批文件“%(others)s”的身份证号相同：同一人只能有一个文件。", others=others)
                )
            if not item.errors:
                item.status = "new" if item.preview.is_new else "update"
        if progress is not None:
            progress(done)
    return BatchPreview(items)


# --- import ---------------------------------------------------------------------------------


class BatchRejected(Exception):
    """A file of the batch is refused or a new cadre lacks 部门 or 职级: nothing was written."""

    def __init__(self, batch: BatchPreview):
        super().__init__(_("有文件不能导入，本批未导入任何数据。"))
        self.batch = batch


def apply_batch(
    files: list[tuple[str, bytes]],
    *,
    placements: dict[str, Any],
    actor: str | None,
    today: date,
    batch: BatchPreview | None = None,
) -> BatchPreview:
    """Import every file or none: BatchRejected (before writing, or after a late refusal, so
    the caller rolls back) when any file is refused or a new cadre has no 部门 or 职级.
    ``batch`` is a preview just made with the same placements (the queued task's)."""
    batch = batch or preview_batch(files, placements=placements, today=today)
    if batch.has_errors or batch.needs_placement:
        raise BatchRejected(batch)
    for item in batch.items:
        assert item.record is not None and item.preview is not None
        department_id, rank = item.placement
        try:
            lrmx_import.apply_import(
                item.record,
                department_id=department_id,
                rank=rank,
                actor=actor,
                today=today,
                staff_no=item.preview.staff_no if item.preview.is_new else None,
            )
        except lrmx_import.LrmxRejected as rejected:
            item.errors = list(rejected.preview.errors) or [lrmx_import.PLACEMENT_MESSAGE]
            item.status = "refused"
            raise BatchRejected(batch) from None
    counts = batch.counts
    audit.record(
        "import",
        object_type="cadre",
        summary=f"批量导入干部任免审批表（.lrmx）：{len(batch.items)} 个文件，"
        f"新建 {counts['new']} 人，更新 {counts['update']} 人",
        actor_name=actor,
    )
    return batch


# --- on the task queue ----------------------------------------------------------------------


def queue_threshold() -> int:
    """Batches with more files than this run on the task queue (setting in the app config)."""
    return int(current_app.config.get("LRMX_BATCH_QUEUE_THRESHOLD", 30))


def start_job(upload: ImportUpload, *, total: int, placements: dict[str, Any]) -> LrmxImportJob:
    """A queued job for ``upload`` (the caller has claimed it, commits, then ``enqueue``)."""
    job = LrmxImportJob(
        id=secrets.token_hex(16),
        upload_id=upload.id,
        user_id=upload.user_id,
        state="queued",
        total=total,
        checked=0,
        placements=placements,
    )
    db.session.add(job)
    db.session.flush()
    return job


def enqueue(job_id: str) -> None:
    queue.enqueue(run_job, job_id, timeout=600)


def job_of(user_id: int, job_id: str) -> LrmxImportJob | None:
    return db.session.scalar(
        sa.select(LrmxImportJob).where(LrmxImportJob.id == job_id, LrmxImportJob.user_id == user_id)
    )


def _set(job_id: str, **values: Any) -> None:
    db.session.execute(sa.update(LrmxImportJob).where(LrmxImportJob.id == job_id).values(**values))
    db.session.commit()


def _reopen(upload_id: int) -> None:
    """Nothing was imported: the upload may be confirmed again (e.g. with 部门 chosen)."""
    db.session.execute(
        sa.update(ImportUpload).where(ImportUpload.id == upload_id).values(applied_at=None)
    )


@queue.task()
def run_job(job_id: str) -> None:
    """Check every file (progress committed per file), then import all in one transaction.
    Safe to run twice: only a ``queued`` job is taken."""
    taken = db.session.execute(
        sa.update(LrmxImportJob)
        .where(LrmxImportJob.id == job_id, LrmxImportJob.state == "queued")
        .values(state="checking")
    ).rowcount
    db.session.commit()
    if not taken:
        return
    job = db.session.get_one(LrmxImportJob, job_id)
    upload = db.session.get_one(ImportUpload, job.upload_id)
    actor = db.session.scalar(sa.select(User.username).where(User.id == job.user_id))
    placements, today = dict(job.placements), clock.today()
    files = unbundle(upload.content)
    try:
        batch = preview_batch(
            files,
            placements=placements,
            today=today,
            progress=lambda n: _set(job_id, checked=n),
        )
        _set(job_id, state="writing")
        apply_batch(files, placements=placements, actor=actor, today=today, batch=batch)
        db.session.execute(
            sa.update(LrmxImportJob)
            .where(LrmxImportJob.id == job_id)
            .values(state="done", result=[item.summary() for item in batch.items])
        )
        db.session.commit()
    except BatchRejected as rejected:
        db.session.rollback()
        _reopen(upload.id)
        _set(
            job_id,
            state="failed",
            message=_("有文件不能导入，本批未导入任何数据。"),
            result=[item.summary() for item in rejected.batch.items],
        )
    except Exception as error:  # noqa: BLE001 - any failure is reported on the page
        db.session.rollback()
        current_app.logger.exception("lrmx batch %s failed", job_id)
        _reopen(upload.id)
        _set(
            job_id,
            state="failed",
            message=_("导入失败（%(error)s），未导入任何数据。", error=error),
        )
