"""Marketing consent given on contest forms before consent had a record of its own carries over

Revision ID: 0008_consent_from_contests
Revises: 0007_members_space
Create Date: 2026-12-02 05:25:00

Before 0007 a contest entrant's consent lived only on `contest_entrants`, and nothing could withdraw it. The
entrants export now asks `users.marketing_consent` (consent as it stands) and dates it from `consent_events`, so
each earlier consent becomes a "given" event (source "contest <id>", at the time it was given) and sets the flag.
Data only; the downgrade leaves it (0007's downgrade drops both).
"""

from alembic import op

revision = "0008_consent_from_contests"
down_revision = "0007_members_space"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "INSERT INTO consent_events (user_id, given, source, created_at) "
        "SELECT user_id, true, 'contest ' || CAST(contest_id AS VARCHAR(20)), "
        "COALESCE(marketing_consent_at, accepted_rules_at) "
        "FROM contest_entrants WHERE marketing_consent "
        "ORDER BY COALESCE(marketing_consent_at, accepted_rules_at), contest_id"
    )
    op.execute(
        "UPDATE users SET marketing_consent = true "
        "WHERE id IN (SELECT user_id FROM contest_entrants WHERE marketing_consent)"
    )


def downgrade():
    pass
