"""cadre: pinyin keys of the name (sort, full pinyin, initials), filled for every cadre

Revision ID: 0008_name_keys
Revises: 0006_holiday_source
Create Date: 2026-12-02 17:50:00.000000

The roster sorts by pinyin and searches by pinyin and initials in SQL; the keys are computed
from the name by cadre_app.services.core.names (the model keeps them whenever a name is set)
and filled here for the cadres already on the roster.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_name_keys'
down_revision = '0007_real_data'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cadre', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_sort', sa.String(length=255), server_default='', nullable=False))
        batch_op.add_column(sa.Column('name_pinyin', sa.String(length=255), server_default='', nullable=False))
        batch_op.add_column(sa.Column('name_initials', sa.String(length=255), server_default='', nullable=False))
        batch_op.create_index(batch_op.f('ix_cadre_name_sort'), ['name_sort'], unique=False)
        batch_op.create_index(batch_op.f('ix_cadre_name_initials'), ['name_initials'], unique=False)

    from cadre_app.services.core.names import search_keys

    cadre = sa.table(
        'cadre',
        sa.column('id', sa.Integer),
        sa.column('name', sa.String),
        sa.column('name_sort', sa.String),
        sa.column('name_pinyin', sa.String),
        sa.column('name_initials', sa.String),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(cadre.c.id, cadre.c.name)).all()
    update = (
        sa.update(cadre)
        .where(cadre.c.id == sa.bindparam('cadre_id'))
        .values(
            name_sort=sa.bindparam('sort'),
            name_pinyin=sa.bindparam('pinyin'),
            name_initials=sa.bindparam('initials'),
        )
    )
    params = []
    for cadre_id, name in rows:
        keys = search_keys(name or '')
        params.append(
            {'cadre_id': cadre_id, 'sort': keys.sort, 'pinyin': keys.pinyin, 'initials': keys.initials}
        )
    for start in range(0, len(params), 1000):
        connection.execute(update, params[start:start + 1000])


def downgrade():
    with op.batch_alter_table('cadre', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cadre_name_initials'))
        batch_op.drop_index(batch_op.f('ix_cadre_name_sort'))
        batch_op.drop_column('name_initials')
        batch_op.drop_column('name_pinyin')
        batch_op.drop_column('name_sort')
