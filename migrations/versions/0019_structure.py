"""structure figures: covering indexes for the age, profile and grade-trend GROUP BY queries

The structure of the cadre pool (services.analytics.queries) counts 20,000 cadres and five
years of evaluations on every HR dashboard: with these indexes SQLite and PostgreSQL count
from the index alone instead of reading every row. Indexes only; no data changes.

Revision ID: 0019_structure
Revises: 0018_notifications
Create Date: 2026-12-03 10:27:48.537494

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0019_structure"
down_revision = "0018_notifications"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_cadre_structure",
        "cadre",
        ["department_id", "gender", "birth_date", "rank", "leadership_level"],
    )
    op.create_index(
        "ix_cadre_profile",
        "cadre",
        [
            "ft_education",
            "pt_education",
            "rank",
            "leadership_level",
            "political_status",
            "department_id",
        ],
    )
    op.create_index(
        "ix_evaluation_cycle_grade",
        "evaluation",
        ["cycle_id", "final_grade", "no_grade", "department_id"],
    )


def downgrade():
    op.drop_index("ix_evaluation_cycle_grade", table_name="evaluation")
    op.drop_index("ix_cadre_profile", table_name="cadre")
    op.drop_index("ix_cadre_structure", table_name="cadre")
