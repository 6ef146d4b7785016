"""ideas in action

Revision ID: 0002_ideas_in_action
Revises: 0001_foundation
Create Date: 2026-11-25 00:17:09.389020

"""

from alembic import op
import sqlalchemy as sa
from datetime import datetime, timezone

GUIDELINES = """Our ideas community works because people are kind, specific and honest.

- **Be respectful.** Disagree with ideas, never with people. No insults, harassment or hate.
- **One idea per post.** Search first and vote for an existing idea instead of posting it again.
- **Keep it on topic.** Ideas are about our products, stores, app and community.
- **No spam or advertising**, and no personal data (yours or anyone else's).

Anyone can flag a post that breaks these rules. Posts flagged by several members are hidden until our
team reviews them; repeated or serious breaches can lead to a ban.
"""
GUIDELINES_HTML = (
    "<p>Our ideas community works because people are kind, specific and honest.</p>\n<ul>\n"
    "<li><strong>Be respectful.</strong> Disagree with ideas, never with people. No insults, harassment or hate.</li>\n"
    "<li><strong>One idea per post.</strong> Search first and vote for an existing idea instead of posting it again.</li>\n"
    "<li><strong>Keep it on topic.</strong> Ideas are about our products, stores, app and community.</li>\n"
    "<li><strong>No spam or advertising</strong>, and no personal data (yours or anyone else&#x27;s).</li>\n</ul>\n"
    "<p>Anyone can flag a post that breaks these rules. Posts flagged by several members are hidden until our\n"
    "team reviews them; repeated or serious breaches can lead to a ban.</p>\n"
)


# revision identifiers, used by Alembic.
revision = "0002_ideas_in_action"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target_type", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_audit_log_actor_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_created_at_id", ["created_at", "id"], unique=False)

    op.create_table(
        "flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_type", sa.String(length=10), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        sa.CheckConstraint("target_type IN ('idea', 'comment')", name=op.f("ck_flags_target_type")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_flags_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flags")),
        sa.UniqueConstraint("target_type", "target_id", "user_id", name=op.f("uq_flags_target_type_target_id_user_id")),
    )
    with op.batch_alter_table("flags", schema=None) as batch_op:
        batch_op.create_index("ix_flags_open", ["resolved_at", "target_type", "target_id"], unique=False)

    op.create_table(
        "posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("photo_key", sa.String(length=200), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_posts_author_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posts")),
    )
    op.create_table(
        "site_pages",
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_site_pages_updated_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_site_pages")),
    )
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_webhooks_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks")),
    )
    op.create_table(
        "follows",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["idea_id"], ["ideas.id"], name=op.f("fk_follows_idea_id_ideas"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_follows_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "idea_id", name=op.f("pk_follows")),
    )
    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.create_index("ix_follows_idea_id_user_id", ["idea_id", "user_id"], unique=False)

    op.create_table(
        "idea_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("source_status_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_idea_merges_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["source_id"], ["ideas.id"], name=op.f("fk_idea_merges_source_id_ideas"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["source_status_id"], ["statuses.id"], name=op.f("fk_idea_merges_source_status_id_statuses")
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["ideas.id"], name=op.f("fk_idea_merges_target_id_ideas"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea_merges")),
    )
    with op.batch_alter_table("idea_merges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_idea_merges_source_id"), ["source_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_idea_merges_target_id"), ["target_id"], unique=False)

    op.create_table(
        "post_ideas",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["ideas.id"], name=op.f("fk_post_ideas_idea_id_ideas"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_ideas_post_id_posts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("post_id", "idea_id", name=op.f("pk_post_ideas")),
    )
    op.create_table(
        "status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("from_status_id", sa.Integer(), nullable=True),
        sa.Column("to_status_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("note_html", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_status_changes_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["from_status_id"], ["statuses.id"], name=op.f("fk_status_changes_from_status_id_statuses")
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["ideas.id"], name=op.f("fk_status_changes_idea_id_ideas"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["to_status_id"], ["statuses.id"], name=op.f("fk_status_changes_to_status_id_statuses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_changes")),
    )
    with op.batch_alter_table("status_changes", schema=None) as batch_op:
        batch_op.create_index("ix_status_changes_idea_id_id", ["idea_id", "id"], unique=False)

    op.create_table(
        "feed_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=True),
        sa.Column("status_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("status_change_id", sa.Integer(), nullable=True),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("contest_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('status_change', 'post', 'contest_result')", name=op.f("ck_feed_items_kind")),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_feed_items_category_id_categories"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["ideas.id"], name=op.f("fk_feed_items_idea_id_ideas"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_feed_items_post_id_posts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["status_change_id"],
            ["status_changes.id"],
            name=op.f("fk_feed_items_status_change_id_status_changes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["status_id"], ["statuses.id"], name=op.f("fk_feed_items_status_id_statuses")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_items")),
        sa.UniqueConstraint("contest_id", "kind", name=op.f("uq_feed_items_contest_id_kind")),
        sa.UniqueConstraint("post_id", name=op.f("uq_feed_items_post_id")),
        sa.UniqueConstraint("status_change_id", name=op.f("uq_feed_items_status_change_id")),
    )
    with op.batch_alter_table("feed_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feed_items_category_id"), ["category_id"], unique=False)
        batch_op.create_index("ix_feed_items_created_at_id", ["created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feed_items_idea_id"), ["idea_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feed_items_status_id"), ["status_id"], unique=False)

    op.create_table(
        "merged_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merge_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("value", sa.SmallInteger(), nullable=True),
        sa.CheckConstraint(
            "what IN ('vote', 'vote_dropped', 'comment', 'follow', 'follow_dropped')", name=op.f("ck_merged_rows_what")
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"], name=op.f("fk_merged_rows_comment_id_comments"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["merge_id"], ["idea_merges.id"], name=op.f("fk_merged_rows_merge_id_idea_merges"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_merged_rows_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merged_rows")),
    )
    with op.batch_alter_table("merged_rows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_merged_rows_merge_id"), ["merge_id"], unique=False)

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=True),
        sa.Column("contest_id", sa.Integer(), nullable=True),
        sa.Column("status_change_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("emailed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["ideas.id"], name=op.f("fk_notifications_idea_id_ideas"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["status_change_id"],
            ["status_changes.id"],
            name=op.f("fk_notifications_status_change_id_status_changes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint(
            "user_id", "status_change_id", "kind", name=op.f("uq_notifications_user_id_status_change_id_kind")
        ),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_user_id_id", ["user_id", "id"], unique=False)

    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("webhook_id", sa.Integer(), nullable=False),
        sa.Column("status_change_id", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["status_change_id"],
            ["status_changes.id"],
            name=op.f("fk_webhook_deliveries_status_change_id_status_changes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["webhook_id"], ["webhooks.id"], name=op.f("fk_webhook_deliveries_webhook_id_webhooks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint(
            "webhook_id", "status_change_id", name=op.f("uq_webhook_deliveries_webhook_id_status_change_id")
        ),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_deliveries_webhook_id"), ["webhook_id"], unique=False)

    # Plain ADD COLUMN, never a batch copy: recreating `ideas` on SQLite would drop its FTS triggers.
    op.add_column("comments", sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("ideas", sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("ideas", sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE ideas ADD COLUMN merged_into_id INTEGER "
            "CONSTRAINT fk_ideas_merged_into_id_ideas REFERENCES ideas (id) ON DELETE SET NULL"
        )
    else:
        op.add_column("ideas", sa.Column("merged_into_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_ideas_merged_into_id_ideas"), "ideas", "ideas", ["merged_into_id"], ["id"], ondelete="SET NULL"
        )
    op.add_column("users", sa.Column("email_notifications", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("users", sa.Column("banned_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("users", sa.Column("ban_reason", sa.String(length=500), nullable=True))

    pages = sa.table(
        "site_pages",
        sa.column("slug"),
        sa.column("title"),
        sa.column("body"),
        sa.column("body_html"),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(
        pages,
        [
            dict(
                slug="guidelines",
                title="Community guidelines",
                body=GUIDELINES,
                body_html=GUIDELINES_HTML,
                updated_at=datetime.now(timezone.utc),
            )
        ],
    )


def downgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    # SQLite re-checks triggers on DROP COLUMN; set the FTS triggers aside and put them back after.
    triggers = (
        bind.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'ideas'").all()
        if sqlite
        else []
    )
    for name, _ in triggers:
        op.execute(f"DROP TRIGGER {name}")
    for table, column in (
        ("users", "ban_reason"),
        ("users", "banned_at"),
        ("users", "email_notifications"),
        ("ideas", "merged_into_id"),
        ("ideas", "status_changed_at"),
        ("ideas", "hidden_at"),
        ("comments", "hidden_at"),
    ):
        if column == "merged_into_id" and not sqlite:
            op.drop_constraint(op.f("fk_ideas_merged_into_id_ideas"), "ideas", type_="foreignkey")
        op.drop_column(table, column)
    for _, sql in triggers:
        op.execute(sql)
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_deliveries_webhook_id"))

    op.drop_table("webhook_deliveries")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_id_id")

    op.drop_table("notifications")
    with op.batch_alter_table("merged_rows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_merged_rows_merge_id"))

    op.drop_table("merged_rows")
    with op.batch_alter_table("feed_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feed_items_status_id"))
        batch_op.drop_index(batch_op.f("ix_feed_items_idea_id"))
        batch_op.drop_index("ix_feed_items_created_at_id")
        batch_op.drop_index(batch_op.f("ix_feed_items_category_id"))

    op.drop_table("feed_items")
    with op.batch_alter_table("status_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_status_changes_idea_id_id")

    op.drop_table("status_changes")
    op.drop_table("post_ideas")
    with op.batch_alter_table("idea_merges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idea_merges_target_id"))
        batch_op.drop_index(batch_op.f("ix_idea_merges_source_id"))

    op.drop_table("idea_merges")
    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.drop_index("ix_follows_idea_id_user_id")

    op.drop_table("follows")
    op.drop_table("webhooks")
    op.drop_table("site_pages")
    op.drop_table("posts")
    with op.batch_alter_table("flags", schema=None) as batch_op:
        batch_op.drop_index("ix_flags_open")

    op.drop_table("flags")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_created_at_id")

    op.drop_table("audit_log")
