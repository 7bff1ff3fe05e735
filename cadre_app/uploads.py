"""Files uploaded for an import (roster, scores, .lrmx): kept between preview and confirm.

One home for what the three imports share: the request-size guard that runs before anything
parses the body, the store with its 24-hour lifetime, and the lookup that answers 404 for
anyone but the uploader.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

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
