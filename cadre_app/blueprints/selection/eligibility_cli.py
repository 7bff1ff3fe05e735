"""Commands of ``flask selection`` (filled in by its part)."""

from cadre_app.blueprints.selection.cli import selection_group  # noqa: F401
