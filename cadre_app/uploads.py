"""Files uploaded for an import (roster, scores, .lrmx): kept between preview and confirm.

One home for what the imports share: the request-size guard that runs before anything
parses the body, the store with its 24-hour lifetime, the lookup that answers 404 for
anyone but the uploader, the rows a preview lists and the all-or-nothing confirmation.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Blueprint, abort, request
from flask_login import current_user

from cadre_app.clock import utcnow
from cadre_app.extensions import db
from cadre_app.models import ImportUpload
from cadre_app.services.core import queue

#: An upload not confirmed within a day is gone: swept at the next upload of its kind and by
#: the hourly ``sweep_uploads`` task (an uploaded roster holds personal data: it must not
#: linger in the database because nobody uploaded again).
T = TypeVar("T")

UPLOAD_LIFETIME = timedelta(days=1)
#: The multipart framing and the CSRF field on top of the file itself.
FRAMING_ALLOWANCE = 64 * 1024


def limit_request_body(bp: Blueprint, endpoint: str, file_limit: int) -> None:
    """Refuse (413) a body for ``endpoint`` larger than the file limit plus framing, before
    anything reads the form: URL value preprocessors run before every ``before_request``
    hook, CSRF's included, which parses the form."""
    limit = file_limit + FRAMING_ALLOWANCE

    @bp.url_value_preprocessor
    def _limit(request_endpoint: str | None, values: dict[str, Any] | None) -> None:
        if request_endpoint == endpoint:
            current = request.max_content_length
            if current is None or current > limit:
                request.max_content_length = limit


def client_filename(name: str | None, default: str, length: int = 255) -> str:
    """The file's own name, without any client-side path; for display and the audit log."""
    return (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:length] or default


def sweep_expired(kind: str | None = None) -> int:
    """Delete uploads older than UPLOAD_LIFETIME (of ``kind``, or all); flushes."""
    stmt = sa.delete(ImportUpload).where(ImportUpload.created_at < utcnow() - UPLOAD_LIFETIME)
    if kind is not None:
        stmt = stmt.where(ImportUpload.kind == kind)
    return db.session.execute(stmt).rowcount or 0


@queue.periodic(minute="7")
def sweep_uploads() -> None:
    """Every hour: uploads never confirmed are deleted once they expire."""
    sweep_expired()
    db.session.commit()


def store(kind: str, filename: str, content: bytes) -> ImportUpload:
    """Keep a checked upload for the current user (sweeping expired ones); flushes."""
    sweep_expired(kind)
    upload = ImportUpload(
        token=secrets.token_urlsafe(32),
        kind=kind,
        user_id=current_user.id,
        filename=filename,
        content=content,
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def own_upload_or_404(token: str, kind: str) -> ImportUpload:
    """The current user's unexpired upload of ``kind``, or 404 (also for anyone else's)."""
    upload = db.session.scalar(
        sa.select(ImportUpload).where(
            ImportUpload.token == token,
            ImportUpload.kind == kind,
            ImportUpload.user_id == current_user.id,
            ImportUpload.created_at >= utcnow() - UPLOAD_LIFETIME,
        )
    )
    if upload is None:
        abort(404)
    return upload


def claim(upload: ImportUpload) -> bool:
    """Mark ``upload`` applied in the current transaction; False when it already was. A
    repeated or concurrent confirmation finds it claimed (on PostgreSQL it waits for this
    transaction's row lock, then sees ``applied_at`` set); a rejected import rolls the claim
    back with everything else."""
    claimed = db.session.execute(
        sa.update(ImportUpload)
        .where(ImportUpload.id == upload.id, ImportUpload.applied_at.is_(None))
        .values(applied_at=utcnow())
    ).rowcount
    return bool(claimed)


#: The preview lists at most this many rows (errors first); its counts cover all of them.
PREVIEW_ROWS = 1000


def listed_rows(preview: Any, limit: int = PREVIEW_ROWS) -> list[Any]:
    """The rows a preview page lists: those with errors first, then the others, at most
    ``limit`` (a 20,000-row file is not drawn whole; the counts say what is left out)."""
    if preview is None:
        return []
    ordered = list(preview.error_rows) + [r for r in preview.rows if r.status != "error"]
    return ordered[:limit]


def confirm(
    upload: ImportUpload,
    apply: Callable[[], T],
    render_preview: Callable[..., str],
    *,
    problems: tuple[type[Exception], ...] = (),
) -> tuple[T | None, Any]:
    """The confirmation every workbook import shares: CSRF, claim the upload once (a second
    confirmation answers 409 with the preview saying so), ``apply`` it all-or-nothing, commit.

    Returns ``(summary, None)`` when applied, or ``(None, response)``: the preview again with
    what stopped it (rows now refused: 400; the file unreadable, or an exception of
    ``problems``: 400 with its message). Someone saving the same records meanwhile: 409.
    ``render_preview(upload, preview=..., **context)`` draws the domain's preview page."""
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm.exc import StaleDataError

    from cadre_app.forms import EmptyForm
    from cadre_app.services.core import workbook

    if not EmptyForm().validate_on_submit():
        abort(400)
    if not claim(upload):  # confirmed already, or being confirmed
        db.session.rollback()
        return None, (render_preview(upload, preview=None, already_applied=True), 409)
    try:
        summary = apply()
    except workbook.ImportRejected as rejected:
        db.session.rollback()
        return None, (render_preview(upload, preview=rejected.preview, rejected=True), 400)
    except workbook.WorkbookError as error:
        db.session.rollback()
        return None, (render_preview(upload, preview=None, problem=error.message), 400)
    except problems as error:
        db.session.rollback()
        return None, (render_preview(upload, preview=None, problem=str(error)), 400)
    except (StaleDataError, IntegrityError):
        db.session.rollback()  # someone saved the same records meanwhile: nothing was written
        abort(409)
    db.session.commit()
    return summary, None
