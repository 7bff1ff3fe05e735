"""import_cli: commands of ``flask training`` (to be built)."""

from cadre_app.blueprints.training.cli import training_group  # noqa: F401
