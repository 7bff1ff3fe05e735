"""One place for "now", so that every timestamp in the database is naive UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time as a naive UTC datetime (the form stored in every DateTime column)."""
    return datetime.now(UTC).replace(tzinfo=None)
