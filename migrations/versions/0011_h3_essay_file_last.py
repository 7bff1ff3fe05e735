"""essay: the file's bytes stored last in the row (SQLite)

SQLite keeps a row's columns in table order and a large value in a chain of overflow pages,
so reading any column stored *after* ``file_data`` (final_grade, adopted, created_at …) walks
the whole file: the year's essay list read every essay's PDF (measured: 2,000 essays of 200 KB,
reading one column after the blob 174 ms, before it 13 ms). The table is rebuilt with
``file_data`` as its last column. PostgreSQL keeps large values out of line (TOAST): nothing to
do there. Nothing changes in the model (column order is not part of it).

Revision ID: 0011_h3_essay_file_last
Revises: 0010_training
Create Date: 2026-12-02 21:05:00

"""

from alembic import op

revision = "0011_h3_essay_file_last"
down_revision = "0010_training"
branch_labels = None
depends_on = None

BEFORE = (
    "id",
    "author_id",
    "title",
    "topic",
    "submitted_on",
    "file_name",
    "file_type",
    "file_size",
    "final_grade",
    "graded_at",
    "adopted",
    "adopted_on",
    "adopted_note",
    "programme_id",
    "settings_version",
    "created_at",
    "created_by",
)


def _order(columns: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "essay", recreate="always", partial_reordering=[columns]
    ) as batch_op:
        batch_op.alter_column("file_data", existing_nullable=False)


def upgrade():
    _order((*BEFORE, "file_data"))


def downgrade():
    at = BEFORE.index("file_size") + 1
    _order((*BEFORE[:at], "file_data", *BEFORE[at:]))
