"""roster search: a covering index for the name, 工号 and pinyin search

The roster's search matches ``LIKE '%term%'`` on four columns, which no B-tree can seek, so
the count of matches scans. Since 0024 a cadre row also carries the encrypted 身份证号 and
手机号 (wider rows, 14% more pages at 20,000 cadres) and the count slowed from 3.9 to 6.9 ms;
this index holds just the searched columns and the section, so the count scans it instead.
Index only; no data changes.

Revision ID: 0026_cadre_search_index
Revises: 0025_totp_secret_sealed
Create Date: 2026-12-03 14:15:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0026_cadre_search_index"
down_revision = "0025_totp_secret_sealed"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_cadre_search",
        "cadre",
        ["name", "staff_no", "name_initials", "name_pinyin", "department_id"],
    )


def downgrade():
    op.drop_index("ix_cadre_search", table_name="cadre")
