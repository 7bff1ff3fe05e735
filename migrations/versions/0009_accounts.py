"""accounts: a real name on each account; the 处长 (head account) of each section

Revision ID: 0009_accounts
Revises: 0006_holiday_source
Create Date: 2026-12-02 17:20:00

Existing accounts get an empty real name and show their login name until the admin fills it in.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_accounts'
down_revision = '0008_name_keys'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('real_name', sa.String(length=50), server_default='', nullable=False))
    op.create_table(
        'section_head',
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_section_head_department_id_department'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_section_head_user_id_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('department_id', name=op.f('pk_section_head')),
        sa.UniqueConstraint('user_id', name=op.f('uq_section_head_user_id')),
    )


def downgrade():
    op.drop_table('section_head')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('real_name')
