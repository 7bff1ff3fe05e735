"""What the page layout (base.html) shows on every page, worked out once instead of on each
request: URLs that depend only on their endpoint and values, and on the prefix the app is
served under (stylesheets, scripts, the sign-in and language forms)."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_request_context, request, url_for


def fixed_url(endpoint: str, **values: Any) -> str:
    """``url_for(endpoint, **values)``, kept per app and URL prefix (``script_root``): for
    URLs that nothing else about the request changes (no ``_external``, no subdomain)."""
    if not has_request_context():
        return url_for(endpoint, **values)
    key = (request.script_root, endpoint, *sorted(values.items()))
    cache: dict[tuple[Any, ...], str] = current_app.extensions.setdefault("fixed_url", {})
    url = cache.get(key)
    if url is None:
        url = cache[key] = url_for(endpoint, **values)
    return url


def register(app: Flask) -> None:
    app.jinja_env.globals["fixed_url"] = fixed_url
