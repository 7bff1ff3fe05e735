"""eligibility_run.results: the cadres grouped by verdict instead of one entry per cadre

Revision ID: 0015_eligibility_groups
Revises: 0014_selection
Create Date: 2026-12-03 10:15:00

A data migration, no schema change: each kept run's ``results`` goes from
``{"<cadre id>": {"eligible": bool, "checks": [i, ...]}, ...}`` to
``{"groups": [{"eligible": bool, "checks": [i, ...], "cadres": [id, ...]}, ...]}``
(services.selection.eligibility). Nothing is lost either way: downgrade writes the old form.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0015_eligibility_groups"
down_revision = "0014_selection"
branch_labels = None
depends_on = None

RUNS = sa.table("eligibility_run", sa.column("id", sa.Integer), sa.column("results", sa.JSON))


def grouped(results: dict[str, Any] | None) -> dict[str, Any]:
    """The old per-cadre form as groups (a run already grouped is kept as it is)."""
    results = results or {}
    if "groups" in results:
        return results
    groups: dict[tuple[bool, tuple[int, ...]], list[int]] = {}
    for key in sorted(results, key=int):
        entry = results[key]
        group = (bool(entry.get("eligible")), tuple(entry.get("checks") or ()))
        groups.setdefault(group, []).append(int(key))
    return {
        "groups": [
            {"eligible": eligible, "checks": list(checks), "cadres": cadres}
            for (eligible, checks), cadres in groups.items()
        ]
    }


def per_cadre(results: dict[str, Any] | None) -> dict[str, Any]:
    """The grouped form as one entry per cadre (downgrade)."""
    results = results or {}
    if "groups" not in results:
        return results
    return {
        str(cadre_id): {"eligible": group["eligible"], "checks": list(group["checks"])}
        for group in results["groups"]
        for cadre_id in group["cadres"]
    }


def _rewrite(convert) -> None:
    bind = op.get_bind()
    for run_id, results in bind.execute(sa.select(RUNS.c.id, RUNS.c.results)).all():
        bind.execute(RUNS.update().where(RUNS.c.id == run_id).values(results=convert(results)))


def upgrade():
    _rewrite(grouped)


def downgrade():
    _rewrite(per_cadre)
