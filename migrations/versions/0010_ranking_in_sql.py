"""Ranking scores computed in SQL: the vote path moves an idea's counters and its stored scores in one statement

Revision ID: 0010_ranking_in_sql
Revises: 0009_recognition
Create Date: 2026-12-02 17:10:00

PostgreSQL gets two SQL functions with the formulas of ideas_portal/services/ranking.py: ideas_wilson (the Wilson
lower bound, "top") and ideas_hot (the time-decayed log score, "hot"). SQLite registers those very Python
functions on each connection (extensions.configure_sqlite), so there is nothing to create there. No data changes:
the stored scores already agree with the formulas (`flask recount` proves them).
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0010_ranking_in_sql"
down_revision = "0009_recognition"
branch_labels = None
depends_on = None

# ranking.wilson_lower_bound, term by term in double precision (z = 1.959963984540054, 95 % confidence).
WILSON = """
CREATE FUNCTION ideas_wilson(up integer, down integer) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN v.n <= 0 THEN 0::double precision ELSE
    (v.p + v.z2 / (2 * v.n) - v.z * sqrt((v.p * (1 - v.p) + v.z2 / (4 * v.n)) / v.n)) / (1 + v.z2 / v.n) END
  FROM (SELECT (up + down)::double precision AS n,
               CASE WHEN up + down > 0 THEN up::double precision / (up + down) ELSE 0 END AS p,
               1.959963984540054::double precision AS z,
               1.959963984540054::double precision * 1.959963984540054::double precision AS z2) AS v
$$
"""

# ranking.hot_score: sign · log10(max(|net|, 1)) + seconds since Reddit's epoch / 45000, rounded to 7 places.
HOT = """
CREATE FUNCTION ideas_hot(up integer, down integer, created timestamptz) RETURNS double precision
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT round((sign((up - down)::double precision) * log(greatest(abs(up - down), 1)::double precision)
                + (extract(epoch FROM created)::double precision - 1134028003) / 45000)::numeric, 7)::double precision
$$
"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(WILSON)
    op.execute(HOT)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION ideas_hot(integer, integer, timestamptz)")
    op.execute("DROP FUNCTION ideas_wilson(integer, integer)")
