"""The schema built by the migrations matches the models (what `flask db check` checks)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from cadre_app.extensions import db
from cadre_app.services.core import health


def test_no_drift_between_models_and_migrations(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"render_as_batch": True})
        assert compare_metadata(context, db.metadata) == []


def test_database_is_at_the_newest_migration(app):
    with app.app_context():
        ok, detail = health.migrations_current(app)
    assert ok, detail


def test_db_check_command(runner):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
