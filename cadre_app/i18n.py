"""Locale choice: Simplified Chinese unless the user picked another language."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, has_request_context, session

from cadre_app import clock


def select_locale() -> str:
    """The locale for this request: the one chosen in the session, else the default (Chinese)."""
    chosen = session.get("lang") if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def localtime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A naive UTC timestamp from the database, shown in the configured time zone."""
    if value is None:
        return ""
    return value.replace(tzinfo=UTC).astimezone(clock.zone()).strftime(fmt)
