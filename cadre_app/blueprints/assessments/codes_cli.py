"""Commands of ``flask assessments`` (filled in by its part)."""

from cadre_app.blueprints.assessments.cli import assessments_group  # noqa: F401
