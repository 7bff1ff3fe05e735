"""hours_routes of the training blueprint (to be built)."""

from cadre_app.blueprints.training import bp  # noqa: F401
