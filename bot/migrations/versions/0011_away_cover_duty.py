"""Away and cover: a PA's away dates and cover colleague, staff on the team's duty rota,
and on each escalation who covers it and who was really told.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("personal_advisers") as batch:
        batch.add_column(sa.Column("away_from", sa.Date(), nullable=True))
        batch.add_column(sa.Column("away_until", sa.Date(), nullable=True))
        batch.add_column(sa.Column("cover_staff_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_pa_cover_staff", "staff_accounts", ["cover_staff_id"], ["id"])
    with op.batch_alter_table("staff_accounts") as batch:
        batch.add_column(
            sa.Column("on_duty", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("escalations") as batch:
        batch.add_column(sa.Column("cover_staff_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("told", sa.JSON(), nullable=True))
        batch.create_foreign_key(
            "fk_escalation_cover_staff", "staff_accounts", ["cover_staff_id"], ["id"]
        )
        batch.create_index("ix_escalations_cover_staff_id", ["cover_staff_id"])


def downgrade() -> None:
    with op.batch_alter_table("escalations") as batch:
        batch.drop_index("ix_escalations_cover_staff_id")
        batch.drop_constraint("fk_escalation_cover_staff", type_="foreignkey")
        batch.drop_column("told")
        batch.drop_column("cover_staff_id")
    with op.batch_alter_table("staff_accounts") as batch:
        batch.drop_column("on_duty")
    with op.batch_alter_table("personal_advisers") as batch:
        batch.drop_constraint("fk_pa_cover_staff", type_="foreignkey")
        batch.drop_column("cover_staff_id")
        batch.drop_column("away_until")
        batch.drop_column("away_from")
