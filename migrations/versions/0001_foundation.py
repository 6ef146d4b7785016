"""foundation: accounts, ideas, votes, comments

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-24 23:45:31.556151

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None


STATUSES = [
    # slug, name, colour, is_closed
    ("new", "New", "#2563eb", False),
    ("under-review", "Under review", "#7c3aed", False),
    ("reviewed", "Reviewed", "#0891b2", False),
    ("coming-soon", "Coming soon", "#d97706", False),
    ("launched", "Launched", "#16a34a", True),
    ("not-planned", "Not planned", "#64748b", True),
    ("duplicate", "Duplicate", "#9ca3af", True),
]
CATEGORIES = [
    ("products", "Products"),
    ("experience", "Store experience"),
    ("app", "App & ordering"),
    ("rewards", "Rewards"),
    ("community", "Community & sustainability"),
    ("other", "Other"),
]
OFFICIAL_FK = sa.ForeignKeyConstraint(
    ["official_comment_id"], ["comments.id"], name=op.f("fk_ideas_official_comment_id_comments"), ondelete="SET NULL"
)


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("slug", name=op.f("uq_categories_slug")),
    )
    op.create_table(
        "outbound_emails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("to", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_emails")),
    )
    with op.batch_alter_table("outbound_emails", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbound_emails_sent_at"), ["sent_at"], unique=False)

    op.create_table(
        "statuses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("colour", sa.String(length=7), nullable=False),
        sa.Column("is_closed", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statuses")),
        sa.UniqueConstraint("slug", name=op.f("uq_statuses_slug")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("session_token", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('member', 'staff', 'admin')", name=op.f("ck_users_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "ideas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("status_id", sa.Integer(), nullable=False),
        sa.Column("upvotes", sa.Integer(), nullable=False),
        sa.Column("downvotes", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("wilson", sa.Float(), nullable=False),
        sa.Column("hot", sa.Float(), nullable=False),
        sa.Column("comment_count", sa.Integer(), nullable=False),
        sa.Column("official_comment_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_ideas_author_id_users")),
        sa.ForeignKeyConstraint(["category_id"], ["categories.id"], name=op.f("fk_ideas_category_id_categories")),
        # ideas and comments point at each other: PostgreSQL gets this key once comments exists.
        *([OFFICIAL_FK] if sqlite else []),
        sa.ForeignKeyConstraint(["status_id"], ["statuses.id"], name=op.f("fk_ideas_status_id_statuses")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ideas")),
    )
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ideas_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ideas_category_id"), ["category_id"], unique=False)
        batch_op.create_index("ix_ideas_comment_count_id", ["comment_count", "id"], unique=False)
        batch_op.create_index("ix_ideas_created_at_id", ["created_at", "id"], unique=False)
        batch_op.create_index("ix_ideas_hot_id", ["hot", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ideas_status_id"), ["status_id"], unique=False)
        batch_op.create_index("ix_ideas_wilson_id", ["wilson", "id"], unique=False)

    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_comments_author_id_users")),
        sa.ForeignKeyConstraint(["idea_id"], ["ideas.id"], name=op.f("fk_comments_idea_id_ideas"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["comments.id"], name=op.f("fk_comments_parent_id_comments"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comments_author_id"), ["author_id"], unique=False)
        batch_op.create_index("ix_comments_idea_id_id", ["idea_id", "id"], unique=False)

    op.create_table(
        "votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.SmallInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("value IN (-1, 1)", name=op.f("ck_votes_value")),
        sa.ForeignKeyConstraint(["idea_id"], ["ideas.id"], name=op.f("fk_votes_idea_id_ideas"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_votes_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_votes")),
        sa.UniqueConstraint("idea_id", "user_id", name=op.f("uq_votes_idea_id_user_id")),
    )
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_votes_user_id"), ["user_id"], unique=False)

    if not sqlite:
        op.create_foreign_key(
            op.f("fk_ideas_official_comment_id_comments"),
            "ideas",
            "comments",
            ["official_comment_id"],
            ["id"],
            ondelete="SET NULL",
        )

    statuses = sa.table(
        "statuses",
        sa.column("slug"),
        sa.column("name"),
        sa.column("colour"),
        sa.column("is_closed"),
        sa.column("position"),
    )
    op.bulk_insert(
        statuses,
        [dict(slug=s, name=n, colour=c, is_closed=closed, position=i) for i, (s, n, c, closed) in enumerate(STATUSES)],
    )
    categories = sa.table("categories", sa.column("slug"), sa.column("name"), sa.column("position"))
    op.bulk_insert(categories, [dict(slug=s, name=n, position=i) for i, (s, n) in enumerate(CATEGORIES)])

    # Full-text search: FTS5 kept in step by triggers on SQLite, a generated tsvector + GIN on PostgreSQL.
    if sqlite:
        op.execute(
            "CREATE VIRTUAL TABLE ideas_fts USING fts5(title, body, content='ideas', content_rowid='id', "
            "tokenize='porter unicode61')"
        )
        op.execute(
            "CREATE TRIGGER ideas_fts_ai AFTER INSERT ON ideas BEGIN "
            "INSERT INTO ideas_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END"
        )
        op.execute(
            "CREATE TRIGGER ideas_fts_ad AFTER DELETE ON ideas BEGIN "
            "INSERT INTO ideas_fts(ideas_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); END"
        )
        op.execute(
            "CREATE TRIGGER ideas_fts_au AFTER UPDATE OF title, body ON ideas BEGIN "
            "INSERT INTO ideas_fts(ideas_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); "
            "INSERT INTO ideas_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END"
        )
    else:
        op.execute(
            "ALTER TABLE ideas ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
            "setweight(to_tsvector('english', coalesce(body, '')), 'B')) STORED"
        )
        op.execute("CREATE INDEX ix_ideas_search_vector ON ideas USING gin (search_vector)")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("ideas_fts_ai", "ideas_fts_ad", "ideas_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS ideas_fts")
    else:
        op.drop_constraint(op.f("fk_ideas_official_comment_id_comments"), "ideas", type_="foreignkey")
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_votes_user_id"))

    op.drop_table("votes")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_idea_id_id")
        batch_op.drop_index(batch_op.f("ix_comments_author_id"))

    op.drop_table("comments")
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.drop_index("ix_ideas_wilson_id")
        batch_op.drop_index(batch_op.f("ix_ideas_status_id"))
        batch_op.drop_index("ix_ideas_hot_id")
        batch_op.drop_index("ix_ideas_created_at_id")
        batch_op.drop_index("ix_ideas_comment_count_id")
        batch_op.drop_index(batch_op.f("ix_ideas_category_id"))
        batch_op.drop_index(batch_op.f("ix_ideas_author_id"))

    op.drop_table("ideas")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    op.drop_table("users")
    op.drop_table("statuses")
    with op.batch_alter_table("outbound_emails", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbound_emails_sent_at"))

    op.drop_table("outbound_emails")
    op.drop_table("categories")
