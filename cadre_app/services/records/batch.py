"""Batch export of per-cadre forms: one ZIP of separate PDFs or one merged PDF.

Choosing the cadres (a search, a whole section, a checked list, in 工号 order), laying the
forms out (``produce``: in the request up to ``SYNC_LIMIT``, and in each part of a queued
job, services.records.batch_jobs), and how a batch is cut into parts (``part_count``,
``shares``) with a deadline for each (``deadline``).

New kinds of form plug in as PDF kinds a blueprint registers (``records.data.PER_CADRE``):
a template under ``templates/pdf/`` and a function that builds its plain data for one cadre.
"""

from __future__ import annotations

import enum
import logging
import zipfile
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any, BinaryIO

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from cadre_app.extensions import db
from cadre_app.models import Cadre, Department
from cadre_app.services.core import pdf
from cadre_app.services.records.data import PER_CADRE, CadreRecord

log = logging.getLogger(__name__)

#: Up to this many cadres the file is made in the request; more become a background job.
SYNC_LIMIT = 20
#: The most cadres one export may hold: a ZIP is written form by form (constant memory); a
#: merged PDF keeps every laid-out form in memory until it is written (about 3 MB each).
MAX_ITEMS = 1000
MAX_MERGED = 500
#: A merged batch is laid out in parts of at most this many forms (see part_count).
PART_FORMS = 100
#: How long a form may take before a part is taken as stuck (see deadline).
SECONDS_PER_FORM = 5.0
#: Cadres loaded per query while rendering.
CHUNK = 25


class Output(enum.StrEnum):
    ZIP = "zip"  # one PDF per cadre, in a ZIP
    PDF = "pdf"  # one merged PDF

    @property
    def label(self) -> str:
        return {Output.ZIP: "ZIP（每人一个 PDF）", Output.PDF: "合并 PDF"}[self]


class BatchError(Exception):
    """A batch that cannot be made; the message (Chinese) is shown to the user."""


BatchKind = CadreRecord
#: The forms a batch can hold, by code (the PDF kinds the blueprints registered).
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


def _cadres(
    kind: BatchKind, cadre_ids: list[int], *, offset: int = 0
) -> Iterator[tuple[int, Cadre]]:
    """(position, cadre) in the order given, loaded a chunk at a time (the session's identity
    map is weak, so finished cadres are let go). A cadre deleted since it was chosen stops
    the batch with its position in the whole batch (``offset`` is where ``cadre_ids``
    starts in it)."""
    for start in range(0, len(cadre_ids), CHUNK):
        chunk = cadre_ids[start : start + CHUNK]
        found = {
            c.id: c
            for c in db.session.scalars(
                sa.select(Cadre).where(Cadre.id.in_(chunk)).options(*kind.options)
            )
        }
        for index, cadre_id in enumerate(chunk):
            cadre = found.get(cadre_id)
            if cadre is None:
                raise BatchError(
                    f"第 {offset + start + index + 1} 份无法生成：所选干部（内部编号 {cadre_id}）"
                    "已不存在，可能在选择后被删除。请重新选择后导出。"
                )
            yield start + index, cadre


def produce(
    kind: BatchKind,
    cadre_ids: list[int],
    output: Output,
    params: dict[str, Any],
    sink: BinaryIO,
    *,
    progress: Callable[[int], None] | None = None,
    offset: int = 0,
    title: str | None = None,
) -> None:
    """Render ``kind`` for each cadre and write the ZIP or merged PDF to ``sink``, in this
    process. ``progress(n)`` is called after each of the n forms is laid out. A part of a
    job passes ``offset`` (its first position in the job, for messages) and the job's
    ``title``. Raises BatchError, PdfUnavailable or whatever rendering raised."""
    report = progress or (lambda n: None)
    author = current_app.config["ORGANISATION_NAME"]
    if output is Output.ZIP:
        with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for position, cadre in _cadres(kind, cadre_ids, offset=offset):
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
        for position, cadre in _cadres(kind, cadre_ids, offset=offset):
            report(position)
            yield kind.template, kind.build(cadre, params)
        report(len(cadre_ids))

    title = title or f"{kind.label}（{len(cadre_ids)} 份）"
    sink.write(pdf.render_many(items(), title=title, author=author))


def file_name(kind: BatchKind, count: int, output: Output, *, today: date) -> str:
    """``干部任免审批表_21份_20260105.zip``"""
    return f"{kind.label}_{count}份_{today:%Y%m%d}.{output.value}"


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
    """How many parts a batch of ``count`` forms is laid out in: a multiple of ``workers``
    (so they finish together) with at most PART_FORMS forms each (a worker's memory grows
    with the documents of its part: ~600 MB for 100 merged forms). Each part of a merged
    PDF adds one copy of the CJK subset (~190 KB) to the file."""
    per_round = workers * PART_FORMS
    return workers * max(1, -(-count // per_round))


def deadline(forms: int) -> float:
    """Seconds a part of ``forms`` may take before it is taken as stuck (a worker caught in
    a layout loop would otherwise hold a worker for ever): ~20 times the time on two idle
    cores, and a minute more."""
    return 60.0 + SECONDS_PER_FORM * forms
