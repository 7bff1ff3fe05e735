"""cadre: precision of the dates real files give to the month; 学位 level beside its full text;
lrmx_import_job: a batch .lrmx import on the task queue

Revision ID: 0007_real_data
Revises: 0006_holiday_source
Create Date: 2026-12-02 17:20:00

Existing dates were entered to the day ('day'). 学位 held only the bare level (博士/硕士/学士/无):
the level column takes the same value, and 无 has no level.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007_real_data"
down_revision = "0006_holiday_source"
branch_labels = None
depends_on = None

_DATES = ("birth_date", "party_join_date", "work_start_date", "rank_since")


def upgrade():
    op.create_table('lrmx_import_job',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('upload_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('checked', sa.Integer(), nullable=False),
    sa.Column('placements', sa.JSON(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['upload_id'], ['import_upload.id'], name=op.f('fk_lrmx_import_job_upload_id_import_upload'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_lrmx_import_job_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lrmx_import_job'))
    )
    with op.batch_alter_table('lrmx_import_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lrmx_import_job_upload_id'), ['upload_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lrmx_import_job_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table("cadre", schema=None) as batch_op:
        for name in _DATES:
            batch_op.add_column(
                sa.Column(
                    f"{name}_precision", sa.String(length=5), server_default="day", nullable=False
                )
            )
        batch_op.add_column(sa.Column("ft_degree_level", sa.String(length=4), nullable=True))
        batch_op.add_column(sa.Column("pt_degree_level", sa.String(length=4), nullable=True))
    for kind in ("ft", "pt"):
        op.execute(
            f"UPDATE cadre SET {kind}_degree_level = {kind}_degree "
            f"WHERE {kind}_degree IN ('博士', '硕士', '学士')"
        )


def downgrade():
    with op.batch_alter_table('lrmx_import_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lrmx_import_job_user_id'))
        batch_op.drop_index(batch_op.f('ix_lrmx_import_job_upload_id'))
    op.drop_table('lrmx_import_job')
    with op.batch_alter_table("cadre", schema=None) as batch_op:
        batch_op.drop_column("pt_degree_level")
        batch_op.drop_column("ft_degree_level")
        for name in reversed(_DATES):
            batch_op.drop_column(f"{name}_precision")
