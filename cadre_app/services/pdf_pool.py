"""Render many PDFs in worker processes, one per core, for large ZIP batches.

Laying out a form is CPU-bound (~150-220 ms), so on the two cores of a typical server two
processes halve a 200-form ZIP. The parent builds the plain data (it needs the database);
workers only render: each has a minimal app of its own (templates, static files, fonts) and
never touches the database. Workers are spawned, not forked, because the parent is a
multi-threaded web worker.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from flask import Flask

from cadre_app.services import pdf

#: (template, data, title, author, subject)
RenderSpec = tuple[str, dict[str, Any], str, str, str | None]

_worker_app: Flask | None = None
_CONFIG_KEYS = (
    "ORGANISATION_NAME",
    "PDF_REQUIRE_FONT_FAMILIES",
    "BABEL_DEFAULT_LOCALE",
    "BABEL_DEFAULT_TIMEZONE",
    "LANGUAGES",
)


def worker_count(app: Flask) -> int:
    """How many processes to use: the configured number, at most the cores there are."""
    return max(1, min(int(app.config.get("PDF_WORKERS") or 2), os.cpu_count() or 1))


def _worker_config(app: Flask) -> dict[str, Any]:
    config = {key: app.config[key] for key in _CONFIG_KEYS if key in app.config}
    # A rendering-only app: it never opens the database or a session.
    return config | {
        "TESTING": True,
        "SECRET_KEY": "pdf-worker",
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
    }


def _init(config: dict[str, Any]) -> None:
    global _worker_app
    from cadre_app import create_app

    _worker_app = create_app(config)


def _render(spec: RenderSpec) -> bytes:
    template, data, title, author, subject = spec
    assert _worker_app is not None
    with _worker_app.app_context():
        return pdf.render_pdf(template, data, title=title, author=author, subject=subject)


def render_all(app: Flask, specs: Iterable[RenderSpec], *, workers: int) -> Iterator[bytes]:
    """Each spec rendered to PDF bytes, yielded in the order given."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init,
        initargs=(_worker_config(app),),
    ) as pool:
        yield from pool.map(_render, specs, chunksize=1)
