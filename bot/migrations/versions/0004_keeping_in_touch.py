"""Keeping in touch: council cadence and quiet hours, contact plans, WhatsApp templates

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contact_plans",
        sa.Column("young_person_id", sa.Integer(), nullable=False),
        sa.Column("checkin_every_weeks", sa.Integer(), nullable=True),
        sa.Column("checkins_paused", sa.Boolean(), nullable=False),
        sa.Column("paused_by_id", sa.Integer(), nullable=True),
        sa.Column("stopped_at", sa.DateTime(), nullable=True),
        sa.Column("checkin_sent_at", sa.DateTime(), nullable=True),
        sa.Column("checkin_answer", sa.String(length=16), nullable=True),
        sa.Column("checkin_answered_at", sa.DateTime(), nullable=True),
        sa.Column("checkin_reminded_at", sa.DateTime(), nullable=True),
        sa.Column("lost_contact_at", sa.DateTime(), nullable=True),
        sa.Column("optin_prompted_at", sa.DateTime(), nullable=True),
        sa.Column("optin_answer", sa.String(length=16), nullable=True),
        sa.Column("optin_answered_at", sa.DateTime(), nullable=True),
        sa.Column("optin_reminded_at", sa.DateTime(), nullable=True),
        sa.Column("birthday_reminder_year", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["paused_by_id"], ["staff_accounts.id"], name="fk_plan_paused_by"),
        sa.ForeignKeyConstraint(
            ["young_person_id"],
            ["young_people.id"],
        ),
        sa.PrimaryKeyConstraint("young_person_id"),
    )
    with op.batch_alter_table("councils", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("checkin_every_weeks", sa.Integer(), nullable=False, server_default="4")
        )
        batch_op.add_column(
            sa.Column("checkin_reminder_days", sa.Integer(), nullable=False, server_default="3")
        )
        batch_op.add_column(
            sa.Column("lost_contact_days", sa.Integer(), nullable=False, server_default="7")
        )
        batch_op.add_column(
            sa.Column("optin_lead_days", sa.Integer(), nullable=False, server_default="91")
        )
        batch_op.add_column(
            sa.Column(
                "optin_reminder_days_before", sa.Integer(), nullable=False, server_default="14"
            )
        )
        batch_op.add_column(
            sa.Column("quiet_start", sa.Time(), nullable=False, server_default="21:00:00")
        )
        batch_op.add_column(
            sa.Column("quiet_end", sa.Time(), nullable=False, server_default="09:00:00")
        )
        batch_op.add_column(
            sa.Column("whatsapp_templates", sa.JSON(), nullable=False, server_default="{}")
        )

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("template", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("template_params", sa.JSON(), nullable=False, server_default="[]")
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("template_params")
        batch_op.drop_column("template")

    with op.batch_alter_table("councils", schema=None) as batch_op:
        batch_op.drop_column("whatsapp_templates")
        batch_op.drop_column("quiet_end")
        batch_op.drop_column("quiet_start")
        batch_op.drop_column("optin_reminder_days_before")
        batch_op.drop_column("optin_lead_days")
        batch_op.drop_column("lost_contact_days")
        batch_op.drop_column("checkin_reminder_days")
        batch_op.drop_column("checkin_every_weeks")

    op.drop_table("contact_plans")
