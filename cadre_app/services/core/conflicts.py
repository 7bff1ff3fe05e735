"""Edit conflicts (DESIGN.md: concurrent edits of one record are detected, never silently
overwritten), one way for every domain whose records carry a version column.

A form carries the version it was loaded at; saving checks it (``check_version``) and, when
someone saved in between, raises ``VersionConflict`` with what they changed, read back from
the audit log (``changes_since``): each update event's ``after`` holds the new ``version``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import AuditEvent


class VersionConflict(Exception):
    """The record was saved by someone else after this form was loaded; ``changes`` are
    their saves (``changes_since``)."""

    def __init__(self, record: Any, changes: list[dict[str, Any]]):
        super().__init__(
            f"{type(record).__name__.lower()} {record.id} is at version {record.version}"
        )
        self.record = record
        self.changes = changes


def check_version(record: Any, expected: int, changes: Callable[[], list[dict[str, Any]]]) -> None:
    """Raise VersionConflict (with ``changes()``) unless ``record`` is still at ``expected``."""
    if record.version != expected:
        raise VersionConflict(record, changes())


def _same(_attr: str, value: Any) -> Any:
    return value


def changes_since(
    object_type: str,
    object_id: int | str,
    version: int,
    *,
    labels: Mapping[str, str],
    actions: Collection[str] | None = None,
    ignore: Collection[str] = ("version",),
    shown: Callable[[str, Any], Any] = _same,
    when: Callable[[Any], Any] = lambda moment: moment,
) -> list[dict[str, Any]]:
    """What others saved after ``version``, oldest first, from the audit log: one dict per
    field with ``who``, ``when`` (``when(occurred_at)``), ``attr``, ``field`` (its label), and
    ``old``/``new`` (as ``shown(attr, value)``). ``actions`` limits the events read."""
    query = (
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
        .order_by(AuditEvent.id)
    )
    if actions is not None:
        query = query.where(AuditEvent.action.in_(actions))
    changes = []
    for event in db.session.scalars(query):
        after = event.after or {}
        if int(after.get("version", 0)) <= version:
            continue
        before = event.before or {}
        for attr, new in after.items():
            if attr in ignore:
                continue
            changes.append(
                {
                    "who": event.actor_name,
                    "when": when(event.occurred_at),
                    "attr": attr,
                    "field": labels.get(attr, attr),
                    "old": shown(attr, before.get(attr)),
                    "new": shown(attr, new),
                }
            )
    return changes
