"""Personal advisers: staff accounts, sessions, link codes, the outbox, escalation life

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("pa_id", sa.Integer(), nullable=True),
        sa.Column("telegram_chat_id", sa.String(length=64), nullable=True),
        sa.Column("notify_email", sa.Boolean(), nullable=False),
        sa.Column("notify_telegram", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["pa_id"], ["personal_advisers.id"], name="fk_staff_pa"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name="fk_staff_team"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
        sa.UniqueConstraint("pa_id"),
        sa.UniqueConstraint("telegram_chat_id"),
    )
    with op.batch_alter_table("staff_accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_accounts_team_id"), ["team_id"], unique=False)

    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_accounts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("staff_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_sessions_staff_id"), ["staff_id"], unique=False)

    op.create_table(
        "link_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("young_person_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("used_identity_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff_accounts.id"], name="fk_link_created_by"
        ),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_accounts.id"], name="fk_link_staff"),
        sa.ForeignKeyConstraint(
            ["used_identity_id"],
            ["channel_identities.id"],
        ),
        sa.ForeignKeyConstraint(
            ["young_person_id"],
            ["young_people.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash"),
    )
    with op.batch_alter_table("link_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_link_codes_staff_id"), ["staff_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_link_codes_young_person_id"), ["young_person_id"], unique=False
        )

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("identity_id", sa.Integer(), nullable=True),
        sa.Column("young_person_id", sa.Integer(), nullable=True),
        sa.Column("escalation_id", sa.Integer(), nullable=True),
        sa.Column("author_staff_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("buttons", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("not_before", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("dedupe_key", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_staff_id"], ["staff_accounts.id"], name="fk_outbox_author"
        ),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
        ),
        sa.ForeignKeyConstraint(
            ["identity_id"],
            ["channel_identities.id"],
        ),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_accounts.id"], name="fk_outbox_staff"),
        sa.ForeignKeyConstraint(
            ["young_person_id"],
            ["young_people.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_escalation_id"), ["escalation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outbox_identity_id"), ["identity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_not_before"), ["not_before"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_staff_id"), ["staff_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_outbox_young_person_id"), ["young_person_id"], unique=False
        )

    with op.batch_alter_table("channel_identities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staff_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_channel_identities_staff_id"), ["staff_id"], unique=False
        )
        batch_op.create_foreign_key("fk_identity_staff", "staff_accounts", ["staff_id"], ["id"])

    with op.batch_alter_table("conversation_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("misses", sa.Integer(), nullable=False, server_default="0"))

    with op.batch_alter_table("councils", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("office_days", sa.String(length=7), nullable=False, server_default="1111100")
        )
        batch_op.add_column(
            sa.Column("office_open", sa.Time(), nullable=False, server_default="09:00:00")
        )
        batch_op.add_column(
            sa.Column("office_close", sa.Time(), nullable=False, server_default="17:00:00")
        )
        batch_op.add_column(
            sa.Column("urgent_ack_minutes", sa.Integer(), nullable=False, server_default="60")
        )
        batch_op.add_column(
            sa.Column("normal_ack_working_days", sa.Integer(), nullable=False, server_default="1")
        )

    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("routing", sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column("duty_notified", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("acknowledged_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("resolved_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reescalated_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("handling_staff_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("handling_since", sa.DateTime(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_escalations_handling_staff_id"), ["handling_staff_id"], unique=False
        )
        batch_op.create_foreign_key(
            "fk_escalation_acked_by", "staff_accounts", ["acknowledged_by_id"], ["id"]
        )
        batch_op.create_foreign_key(
            "fk_escalation_handling", "staff_accounts", ["handling_staff_id"], ["id"]
        )
        batch_op.create_foreign_key(
            "fk_escalation_resolved_by", "staff_accounts", ["resolved_by_id"], ["id"]
        )

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=16), nullable=False, server_default="bot")
        )
        batch_op.add_column(sa.Column("author_staff_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_message_author", "staff_accounts", ["author_staff_id"], ["id"]
        )

    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.add_column(sa.Column("duty_email", sa.String(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_column("duty_email")

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint("fk_message_author", type_="foreignkey")
        batch_op.drop_column("author_staff_id")
        batch_op.drop_column("source")

    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_constraint("fk_escalation_resolved_by", type_="foreignkey")
        batch_op.drop_constraint("fk_escalation_handling", type_="foreignkey")
        batch_op.drop_constraint("fk_escalation_acked_by", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_escalations_handling_staff_id"))
        batch_op.drop_column("handling_since")
        batch_op.drop_column("handling_staff_id")
        batch_op.drop_column("reescalated_at")
        batch_op.drop_column("resolved_by_id")
        batch_op.drop_column("acknowledged_by_id")
        batch_op.drop_column("duty_notified")
        batch_op.drop_column("routing")

    with op.batch_alter_table("councils", schema=None) as batch_op:
        batch_op.drop_column("normal_ack_working_days")
        batch_op.drop_column("urgent_ack_minutes")
        batch_op.drop_column("office_close")
        batch_op.drop_column("office_open")
        batch_op.drop_column("office_days")

    with op.batch_alter_table("conversation_states", schema=None) as batch_op:
        batch_op.drop_column("misses")

    with op.batch_alter_table("channel_identities", schema=None) as batch_op:
        batch_op.drop_constraint("fk_identity_staff", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_channel_identities_staff_id"))
        batch_op.drop_column("staff_id")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_young_person_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_status"))
        batch_op.drop_index(batch_op.f("ix_outbox_staff_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_not_before"))
        batch_op.drop_index(batch_op.f("ix_outbox_identity_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_escalation_id"))

    op.drop_table("outbox")
    with op.batch_alter_table("link_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_codes_young_person_id"))
        batch_op.drop_index(batch_op.f("ix_link_codes_staff_id"))

    op.drop_table("link_codes")
    with op.batch_alter_table("staff_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_sessions_staff_id"))

    op.drop_table("staff_sessions")
    with op.batch_alter_table("staff_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_accounts_team_id"))

    op.drop_table("staff_accounts")
