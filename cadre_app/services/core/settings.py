"""Versioned, per-installation settings with defaults from DOMAIN.md.

A change appends a Setting row; the newest row of a key is in force, and its id is the version
that results record.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

import sqlalchemy as sa

from cadre_app.extensions import db
from cadre_app.models import Setting

DEFAULTS: dict[str, Any] = {
    # 年轻干部 age lines (local rule, configurable): 乡科级 and below, 县处级.
    "young_cadre_age_lines": {"乡科级": 35, "县处级": 40},
    # 工号 of new cadres (roster form, workbook, .lrmx, demo): prefix + zero-padded sequence.
    "staff_no_scheme": {"prefix": "G", "width": 5},
}


def register_defaults(key: str, default: Any) -> None:
    """A domain adds the defaults of its settings key (from its ``register``)."""
    DEFAULTS.setdefault(key, deepcopy(default))


_CURRENT = (
    sa.select(Setting.id, Setting.value)
    .where(Setting.key == sa.bindparam("key"))
    .order_by(Setting.id.desc())
    .limit(1)
)


def current(key: str) -> tuple[int | None, Any]:
    """(version, value) in force for ``key``; version None means the built-in default."""
    row = db.session.execute(_CURRENT, {"key": key}).first()  # columns, not an ORM object
    if row is None:
        return None, deepcopy(DEFAULTS[key])
    return row.id, row.value


def value(key: str) -> Any:
    return current(key)[1]


def update(key: str, new_value: Any, *, actor: str | None) -> Setting:
    if key not in DEFAULTS:
        raise KeyError(key)
    row = Setting(key=key, value=new_value, created_by=actor)
    db.session.add(row)
    db.session.flush()
    return row
