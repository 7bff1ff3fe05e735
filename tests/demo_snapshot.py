"""The demo organisation for tests, seeded for real once per session and copied after.

``flask seed-demo`` takes 6 to 20 seconds here (it goes through every domain's operations,
audit chain included), and some twenty tests need the whole demo. ``seed()`` runs the real
``demo.seed()`` the first time, into an empty database, and keeps every row it wrote; each
later call inserts those rows again (about 6,000, a fraction of a second), ids and audit
hashes included, so the copy is the demo row for row. A test that changes the clock or
starts from a database that is not empty gets a real seeding.

The inserts go through the session, so the caches that watch writes (``core.kept``, the
training ledger's) see them like any other write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from cadre_app import clock
from cadre_app.extensions import db
from cadre_app.models import User
from cadre_app.services import demo


@dataclass
class _Snapshot:
    key: tuple[str, Any]
    result: demo.SeedResult
    rows: dict[str, list[dict[str, Any]]]


_kept: _Snapshot | None = None


def _key() -> tuple[str, Any]:
    return (str(db.engine.url), clock.today())


def seed() -> demo.SeedResult:
    """``demo.seed()``, or the same rows copied from its first run in this session."""
    global _kept
    empty = not db.session.scalar(sa.select(sa.func.count()).select_from(User))
    if _kept is not None and empty and _kept.key == _key():
        _restore(_kept.rows)
        return _kept.result
    result = demo.seed()
    if empty and result.created:
        db.session.flush()
        tables = db.metadata.sorted_tables
        rows = {t.name: [dict(r._mapping) for r in db.session.execute(t.select())] for t in tables}
        _kept = _Snapshot(_key(), result, rows)
    return result


def _restore(rows: dict[str, list[dict[str, Any]]]) -> None:
    """Insert the kept rows, parents first. A key to a table not yet filled (a section's
    head is a cadre, a cadre's section a department) or to its own table (the section tree)
    is written afterwards by an UPDATE of the rows that have one."""
    tables = db.metadata.sorted_tables
    order = {t.name: n for n, t in enumerate(tables)}
    later: list[tuple[sa.Table, list[str]]] = []
    for table in tables:
        found = rows.get(table.name)
        if not found:
            continue
        deferred = sorted(
            {
                fk.parent.name
                for fk in table.foreign_keys
                if order.get(fk.column.table.name, -1) >= order[table.name]
            }
        )
        if deferred:
            db.session.execute(table.insert(), [r | dict.fromkeys(deferred) for r in found])
            later.append((table, deferred))
        else:
            db.session.execute(table.insert(), found)
    for table, columns in later:
        [key] = table.primary_key.columns
        for row in rows[table.name]:
            values = {c: row[c] for c in columns if row[c] is not None}
            if values:
                db.session.execute(table.update().where(key == row[key.name]).values(**values))
    if db.engine.dialect.name == "postgresql":  # identities past the copied ids
        for table in tables:
            keys = list(table.primary_key.columns)
            if rows.get(table.name) and len(keys) == 1 and isinstance(keys[0].type, sa.Integer):
                key = keys[0]
                sequence = sa.func.pg_get_serial_sequence(f'"{table.name}"', key.name)
                highest = sa.select(sa.func.max(key)).scalar_subquery()
                db.session.execute(sa.select(sa.func.setval(sequence, highest)))
    db.session.flush()
