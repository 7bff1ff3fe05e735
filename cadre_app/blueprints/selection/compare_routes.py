"""The 赛道相马 comparison of 2–6 candidates (filled in by its part)."""

from cadre_app.blueprints.selection import bp  # noqa: F401
