"""Circumstances on young people; when an anonymous visitor was asked for their council.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("young_people") as batch:
        batch.add_column(sa.Column("circumstances", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("channel_identities") as batch:
        batch.add_column(sa.Column("council_asked_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channel_identities") as batch:
        batch.drop_column("council_asked_at")
    with op.batch_alter_table("young_people") as batch:
        batch.drop_column("circumstances")
