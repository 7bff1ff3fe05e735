"""holidays: where each day came from (sync or local)

Revision ID: 0006_holiday_source
Revises: 0005_export_queue
Create Date: 2026-12-02 14:25:17.291111

Days already in the table were entered by hand on /talks/holidays: they become 'local', which
``flask holidays sync`` never overwrites or deletes.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_holiday_source'
down_revision = '0005_export_queue'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('holiday', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.Enum('sync', 'local', name='holiday_source', native_enum=False, create_constraint=True, length=16), server_default='local', nullable=False))


def downgrade():
    with op.batch_alter_table('holiday', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_holiday_holiday_source'), type_='check')
        batch_op.drop_column('source')
