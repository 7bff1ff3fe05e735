"""What the page layout (base.html) shows on every page, worked out once instead of on each
request: URLs that depend only on their endpoint and values, and on the prefix the app is
served under (stylesheets, scripts, the sign-in and language forms); and the layout's fixed
parts around a page's title and content (``page_chrome``)."""

from __future__ import annotations

import secrets
import sys
import time
from collections.abc import Callable, Hashable
from typing import Any

from flask import (
    Flask,
    current_app,
    g,
    get_flashed_messages,
    has_request_context,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from cadre_app.services.core.kept import Store, kept

#: Rendered layouts kept per app (the oldest goes first beyond this many).
CHROME_SIZE = 512
_SPLIT = f"<!--chrome-{secrets.token_hex(8)}-->"
_CSRF = f"csrf-{secrets.token_hex(8)}"
_NEXT = f"next-{secrets.token_hex(8)}"
#: The parts of ``_layout/chrome.html`` (see ``page_chrome``).
CHROME_PARTS = 5


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


#: How long a signed CSRF token is given again to later pages of the same session.
CSRF_REUSE_SECONDS = 60
_SIGNED = Store(CHROME_SIZE)  # (app, session's raw token) -> (signed token, when signed)


def csrf_token() -> str:
    """Flask-WTF's ``generate_csrf`` (the session's token, signed with the time), but signed
    at most once a minute per session: the signature is the one costly step of a kept page
    after the session. A token given again is at most ``CSRF_REUSE_SECONDS`` older, so it
    expires (``WTF_CSRF_TIME_LIMIT``) that much sooner."""
    if "csrf_token" in g:
        return str(g.csrf_token)
    raw = session.get("csrf_token")
    key = (id(current_app), raw) if isinstance(raw, str) else None
    now = time.monotonic()
    found = _SIGNED.get(key) if key else None
    if found is not None and now - found[0][1] < CSRF_REUSE_SECONDS:
        g.csrf_token = found[0][0]
        return str(found[0][0])
    token = str(generate_csrf())
    raw = session.get("csrf_token")
    if isinstance(raw, str):
        _SIGNED.put((id(current_app), raw), (token, now))
    return token


def _chrome_key() -> tuple[Any, ...] | None:
    """What the layout's fixed parts depend on: the URL prefix, the language, the page (the
    menu marks it), the signed-in user as the bar shows them (id, names, role, and the
    figures read with the session: the unread count), and the settings it prints. None
    (render, keep nothing) for a user not loaded with those figures."""
    user = current_user._get_current_object()
    if getattr(user, "is_authenticated", False):
        extras = getattr(user, "session_extras", None)
        if not extras:
            return None
        shown: Any = (user.id, user.username, user.display_name, user.role, *extras.items())
    else:
        shown = None
    config = current_app.config
    settings = (
        config["ORGANISATION_NAME"],
        config["IDLE_TIMEOUT_MINUTES"],
        config["IDLE_WARNING_SECONDS"],
    )
    return (request.script_root, str(get_locale()), request.endpoint, shown, settings)


def _render_chrome() -> tuple[str, ...]:
    html = render_template(
        "_layout/chrome.html",
        split=Markup(_SPLIT),  # noqa: S704 - our own comment marker  # nosec B704
        csrf=_CSRF,
        next_path=_NEXT,
    )
    parts = tuple(html.split(_SPLIT))
    if len(parts) != CHROME_PARTS:
        raise RuntimeError(f"_layout/chrome.html gave {len(parts)} parts, not {CHROME_PARTS}")
    return parts


def page_chrome() -> tuple[Markup, ...]:
    """base.html's fixed parts: (the head up to the title, from the title to the page's
    messages, the restored-draft notice, the footer and scripts, the app's name for the
    title). Rendered from ``_layout/chrome.html`` the first time a user sees a page in a
    language with an unread count, then kept; the CSRF token and the language form's return
    path are filled in on each request. Saves every page the menu's, the badge's and the
    footer's look-ups (a millisecond a page, as measured by bench/bench_pages.py)."""
    key = _chrome_key()
    cache: Store = current_app.extensions["page_chrome"]
    found = cache.get(key) if key is not None else None
    if found is not None:
        parts = found[0]
    else:
        parts = _render_chrome()
        if key is not None:
            cache.put(key, parts)
    token = str(escape(csrf_token()))
    back = str(escape(request.full_path if request.query_string else request.path))
    return tuple(
        Markup(part.replace(_CSRF, token).replace(_NEXT, back))  # noqa: S704 - rendered escaped  # nosec B704
        for part in parts
    )


#: The blocks of a page template that ``kept_page`` keeps (base.html prints them).
KEPT_BLOCKS = ("title", "content")
#: Kept pages per process: at most this many, and this many bytes together (a page over an
#: eighth of it, such as the ranking of a whole 20,000-cadre bureau, is not kept).
KEPT_PAGES = 256
KEPT_PAGE_BYTES = 64 * 1024 * 1024
PAGES = Store(
    KEPT_PAGES,
    budget=KEPT_PAGE_BYTES,
    weigh=lambda blocks: sum(sys.getsizeof(html) for html in blocks.values()),
)


def kept_page(
    template_name: str, parts: tuple[Hashable, ...], context: Callable[[], dict[str, Any]]
) -> str:
    """``render_template(template_name, **context())``, with the page's own blocks (title and
    content) kept while nothing is written (``services.core.kept``: any audited write in any
    process, any write or rollback in this one, clears them) per page, ``parts``, query
    arguments, signed-in user, language, day and URL prefix. A page seen again costs its
    permission checks, one look-up of the newest write and the layout; ``context`` (the
    page's queries) and the blocks' render run only when nothing is kept. The CSRF token in
    the kept blocks is a placeholder, filled with the request's own.

    For GET pages that are a function of the database and those keys alone: their blocks must
    not read the clock's time of day, the session or flashed messages, and any macro import
    must sit inside the block that uses it (a block is rendered on its own). The setting
    ``KEEP_PAGES`` (default on) turns the keeping off: every page rendered anew."""
    from cadre_app import clock

    if not current_app.config.get("KEEP_PAGES", True):
        return render_template(template_name, **context())
    token = csrf_token()
    user = current_user._get_current_object()
    key = (
        request.script_root,
        str(get_locale()),
        getattr(user, "id", None),
        clock.today(),
        tuple(sorted(request.args.items(multi=True))),
        current_app.config.get("WTF_CSRF_ENABLED", True),  # forms print a token field or not
        *parts,
    )

    def render_blocks() -> dict[str, str]:
        values = context()
        current_app.update_template_context(values)
        template = current_app.jinja_env.get_template(template_name)
        rendered = template.new_context(values)
        return {
            name: "".join(template.blocks[name](rendered)).replace(token, _CSRF)
            for name in KEPT_BLOCKS
        }

    blocks = kept(f"page:{template_name}", key, render_blocks, store=PAGES)
    filled = {name: html.replace(_CSRF, token) for name, html in blocks.items()}
    if current_app.config.get("KEPT_PAGES_BY_JINJA"):
        marked = {name: Markup(html) for name, html in filled.items()}  # noqa: S704 - rendered escaped  # nosec B704
        return render_template(template_name, kept_blocks=marked)
    return compose_page(filled["title"], filled["content"])


def compose_page(title: str, content: str) -> str:
    """base.html's output for a kept page, put together without Jinja: the layout's parts,
    the title, the flashed messages, the content (both already rendered and escaped). The
    Jinja render of the same page (``KEPT_PAGES_BY_JINJA``) gives the same text."""
    chrome = page_chrome()
    return "".join(
        (
            "<!doctype html>\n",
            chrome[0],
            "  <title>",
            title,
            " · " if title else "",
            chrome[4],
            "</title>\n",
            chrome[1],
            flashed(),
            chrome[2],
            "  ",
            content,
            "\n</main>\n",
            chrome[3],
        )
    )


def flashed() -> Markup:
    """The flashed messages above the content (``_layout/flashes.html``); nothing, and no
    template, when there are none."""
    if "_flashes" not in session:
        return Markup("")
    messages = get_flashed_messages(with_categories=True)
    if not messages:
        return Markup("")
    html = render_template("_layout/flashes.html", messages=messages)
    return Markup(html)  # noqa: S704 - an autoescaped template's output  # nosec B704


def register(app: Flask) -> None:
    app.jinja_env.globals["fixed_url"] = fixed_url
    app.jinja_env.globals["page_chrome"] = page_chrome
    app.extensions["page_chrome"] = Store(CHROME_SIZE)  # the layouts kept for this app
    app.jinja_env.globals["flashed"] = flashed
