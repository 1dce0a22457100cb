"""Urgent escalations from anonymous visitors in a burst point at the first one, so staff
are told about them together with a count.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("escalations") as batch:
        batch.add_column(sa.Column("burst_lead_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_escalation_burst_lead", "escalations", ["burst_lead_id"], ["id"]
        )
        batch.create_index("ix_escalations_burst_lead_id", ["burst_lead_id"])


def downgrade() -> None:
    with op.batch_alter_table("escalations") as batch:
        batch.drop_index("ix_escalations_burst_lead_id")
        batch.drop_constraint("fk_escalation_burst_lead", type_="foreignkey")
        batch.drop_column("burst_lead_id")
