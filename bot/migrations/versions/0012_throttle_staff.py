"""Log-in throttles for a known account say which account, so an admin or manager can
clear them ("unlock") from every device at once.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_throttles") as batch:
        batch.add_column(sa.Column("staff_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_throttle_staff", "staff_accounts", ["staff_id"], ["id"])
        batch.create_index("ix_login_throttles_staff_id", ["staff_id"])


def downgrade() -> None:
    with op.batch_alter_table("login_throttles") as batch:
        batch.drop_index("ix_login_throttles_staff_id")
        batch.drop_constraint("fk_throttle_staff", type_="foreignkey")
        batch.drop_column("staff_id")
