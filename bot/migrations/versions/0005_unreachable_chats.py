"""Chats the channel says cannot be reached (a blocked bot, a number that is gone).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel_identities") as batch:
        batch.add_column(sa.Column("unreachable_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channel_identities") as batch:
        batch.drop_column("unreachable_at")
