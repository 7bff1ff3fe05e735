"""Results kept while nothing is written: for figures that cost too much to gather on every
look at a dashboard (the warnings list, the pool's structure) and change only when data does.

``kept(name, parts, compute)`` returns ``compute()``, kept per (name, database, ``parts``,
this process's write generation, the newest audited write):

- the generation counts every write flushed or executed through a session of this process,
  and every rollback;
- the newest audited write is the newest audit event of a write (``audit.last_write_id``),
  which another process's write changes, as every write through the app is audited; on a
  signed-in request it comes with the session's own SELECT (``note_request_start``);
- ``parts`` carries the rest of what the result depends on (the day, the language, the
  reader's sections).

At most ``SIZE`` results are kept; the oldest goes first. Pages' rendered blocks
(``layout.kept_page``) are kept apart, in a ``Store`` bounded in bytes too, so a stream of
page views never pushes out a dashboard's costly figures.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import g, has_request_context

from cadre_app.extensions import db
from cadre_app.services.core import audit

T = TypeVar("T")
SIZE = 64
_LOCK = threading.Lock()


class Store:
    """Kept results: at most ``size`` of them and, with ``weigh`` (a result's size in
    bytes), at most ``budget`` bytes together; the oldest go first. A result heavier than an
    eighth of the budget is not kept (it would push out everything else)."""

    def __init__(
        self, size: int, *, budget: int = 0, weigh: Callable[[Any], int] | None = None
    ) -> None:
        self.size, self.budget, self.weigh = size, budget, weigh
        self._items: dict[tuple[Any, ...], tuple[Any, int]] = {}
        self.weight = 0

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: tuple[Any, ...]) -> tuple[Any] | None:
        found = self._items.get(key)
        return (found[0],) if found is not None else None

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        weight = self.weigh(value) if self.weigh else 0
        if self.budget and weight > self.budget // 8:
            return
        with _LOCK:  # threads of one worker share what is kept
            while self._items and (
                len(self._items) >= self.size
                or (self.budget and self.weight + weight > self.budget)
            ):
                self.weight -= self._items.pop(next(iter(self._items)))[1]
            self._items[key] = (value, weight)
            self.weight += weight


_KEPT = Store(SIZE)
_generation = 0


def generation() -> int:
    return _generation


def _bump() -> None:
    global _generation
    _generation += 1


@sa.event.listens_for(so.Session, "after_flush")
def _after_flush(session: so.Session, _context: Any) -> None:
    if session.new or session.dirty or session.deleted:
        _bump()


@sa.event.listens_for(so.Session, "after_rollback")
def _after_rollback(_session: so.Session) -> None:
    _bump()  # what was kept may have read writes now undone


@sa.event.listens_for(so.Session, "do_orm_execute")
def _after_statement(state: so.ORMExecuteState) -> None:
    if not state.is_select:
        _bump()


def note_request_start(extras: dict[str, Any]) -> None:
    """Remember, for this request, the newest audited write read with the session (the
    registry's session columns, ``audit.NEWEST_WRITE``) and this process's write generation
    then: ``kept`` uses that figure instead of asking again while the generation is the same
    (a write in this process since then makes it ask)."""
    if audit.NEWEST_WRITE in extras:
        g.kept_newest_write = (_generation, extras[audit.NEWEST_WRITE])


def _newest_write_id() -> int | None:
    if has_request_context():
        seen = g.get("kept_newest_write")
        if seen is not None and seen[0] == _generation:
            return seen[1]  # type: ignore[no-any-return]
    return audit.last_write_id()


def kept(
    name: str,
    parts: tuple[Hashable, ...],
    compute: Callable[[], T],
    *,
    store: Store | None = None,
) -> T:
    """``compute()``, or the result kept for the same key (see the module docstring), in
    ``store`` (default the module's own, ``SIZE`` results)."""
    into = _KEPT if store is None else store
    key = (name, str(db.engine.url), parts, _generation, _newest_write_id())
    found = into.get(key)
    if found is None:
        found = (compute(),)  # a 1-tuple: a result of None is kept too
        into.put(key, found[0])
    return found[0]  # type: ignore[no-any-return]
