"""Results kept while nothing is written: for figures that cost too much to gather on every
look at a dashboard (the warnings list, the pool's structure) and change only when data does.

``kept(name, parts, compute)`` returns ``compute()``, kept per (name, database, ``parts``,
this process's write generation, the newest audited write):

- the generation counts every write flushed or executed through a session of this process,
  and every rollback;
- the newest audited write is the newest audit event of a write (``audit.last_write_id``),
  which another process's write changes, as every write through the app is audited;
- ``parts`` carries the rest of what the result depends on (the day, the language, the
  reader's sections).

At most ``SIZE`` results are kept; the oldest goes first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import sqlalchemy as sa
import sqlalchemy.orm as so

from cadre_app.extensions import db
from cadre_app.services.core import audit

T = TypeVar("T")
SIZE = 64
_KEPT: dict[tuple[Any, ...], Any] = {}
_LOCK = threading.Lock()
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


def kept(name: str, parts: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """``compute()``, or the result kept for the same key (see the module docstring)."""
    key = (name, str(db.engine.url), parts, _generation, audit.last_write_id())
    found = _KEPT.get(key)
    if found is None:
        found = (compute(),)  # a 1-tuple: a result of None is kept too
        with _LOCK:  # threads of one worker share what is kept
            while len(_KEPT) >= SIZE:
                _KEPT.pop(next(iter(_KEPT)))
            _KEPT[key] = found
    return found[0]  # type: ignore[no-any-return]
