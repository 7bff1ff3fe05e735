"""Locale choice: Simplified Chinese unless the user picked another language."""

from __future__ import annotations

from flask import current_app, has_request_context, session


def select_locale() -> str:
    """The locale for this request: the one chosen in the session, else the default (Chinese)."""
    chosen = session.get("lang") if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]
