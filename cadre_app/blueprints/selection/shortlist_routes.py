"""A part of ``/selection`` (filled in by its part)."""

from cadre_app.blueprints.selection import bp  # noqa: F401
