"""Members' own space: profile, email verification, held votes, notification choices, consent history,
comment editing and removal, comment notices, one-click unsubscribe

Revision ID: 0007_members_space
Revises: 0006_sqlite_merged_into_fk
Create Date: 2026-12-02 05:00:00

Plain ADD COLUMN on `users`, `votes`, `contest_votes` and `comments` (SQLite's batch copy of a table others
reference would cascade deletes, and `ideas`' FTS triggers would go). Only `notifications`, which nothing
references, is rebuilt on SQLite, so its new foreign key and UNIQUE are table constraints with names.
Members who exist before this migration count as verified: they signed up when no link was sent, and their
votes are already counted. Every member keeps the status mail choice they had (new members get preferences.DEFAULTS).
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_members_space"
down_revision = "0006_sqlite_merged_into_fk"
branch_labels = None
depends_on = None

KINDS = "kind IN ('status_change', 'reply', 'mention', 'contest_result', 'official_answer', 'digest')"


def upgrade():
    op.add_column("users", sa.Column("bio", sa.String(length=500), server_default="", nullable=False))
    op.add_column("users", sa.Column("avatar_key", sa.String(length=200), nullable=True))
    op.add_column("users", sa.Column("avatar_ready", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("users", sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("users", sa.Column("marketing_consent", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("users", sa.Column("points", sa.Integer(), server_default="0", nullable=False))
    op.add_column("users", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE users SET email_verified_at = created_at")

    op.add_column("votes", sa.Column("held", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("contest_votes", sa.Column("held", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("comments", sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("comments", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("outbound_emails", sa.Column("unsubscribe_url", sa.String(length=500), nullable=True))

    with op.batch_alter_table("notifications", recreate="auto") as batch_op:
        batch_op.add_column(sa.Column("comment_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("in_app", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_comment_id_comments"), "comments", ["comment_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_unique_constraint(batch_op.f("uq_notifications_user_id_comment_id"), ["user_id", "comment_id"])

    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("in_app", sa.Boolean(), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.CheckConstraint(KINDS, name=op.f("ck_notification_preferences_kind")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notification_preferences_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_notification_preferences")),
    )
    op.execute(
        "INSERT INTO notification_preferences (user_id, kind, in_app, email) "
        "SELECT id, 'status_change', true, email_notifications FROM users"
    )
    op.drop_column("users", "email_notifications")

    op.create_table(
        "consent_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_consent_events_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_events")),
    )
    op.create_index("ix_consent_events_user_id_id", "consent_events", ["user_id", "id"], unique=False)

    op.create_table(
        "email_confirmations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("purpose IN ('verify', 'change_email')", name=op.f("ck_email_confirmations_purpose")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_email_confirmations_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_confirmations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_email_confirmations_token_hash")),
    )
    op.create_index(op.f("ix_email_confirmations_user_id"), "email_confirmations", ["user_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_email_confirmations_user_id"), table_name="email_confirmations")
    op.drop_table("email_confirmations")
    op.drop_index("ix_consent_events_user_id_id", table_name="consent_events")
    op.drop_table("consent_events")
    op.add_column("users", sa.Column("email_notifications", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(
        "UPDATE users SET email_notifications = true WHERE id IN "
        "(SELECT user_id FROM notification_preferences WHERE kind = 'status_change' AND email)"
    )
    op.drop_table("notification_preferences")
    with op.batch_alter_table("notifications", recreate="auto") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_notifications_user_id_comment_id"), type_="unique")
        batch_op.drop_constraint(batch_op.f("fk_notifications_comment_id_comments"), type_="foreignkey")
        batch_op.drop_column("in_app")
        batch_op.drop_column("comment_id")
    for table, column in (
        ("outbound_emails", "unsubscribe_url"),
        ("comments", "deleted_at"),
        ("comments", "edited_at"),
        ("contest_votes", "held"),
        ("votes", "held"),
        ("users", "deleted_at"),
        ("users", "points"),
        ("users", "marketing_consent"),
        ("users", "email_verified_at"),
        ("users", "avatar_ready"),
        ("users", "avatar_key"),
        ("users", "bio"),
    ):
        op.drop_column(table, column)
