"""Replies remember the message they answer (and their buttons), so a retried message gets
the same reply again.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("reply_to_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("buttons", sa.JSON(), nullable=True))
        batch.create_foreign_key(
            "fk_message_reply_to", "messages", ["reply_to_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index("ix_messages_reply_to_id", ["reply_to_id"])


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_index("ix_messages_reply_to_id")
        batch.drop_constraint("fk_message_reply_to", type_="foreignkey")
        batch.drop_column("buttons")
        batch.drop_column("reply_to_id")
