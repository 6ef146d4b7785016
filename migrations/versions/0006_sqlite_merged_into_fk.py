"""SQLite: the merge foreign key written as a table constraint, so it reflects with its name and ON DELETE

Revision ID: 0006_sqlite_merged_into_fk
Revises: 0005_outbox_jobs
Create Date: 2026-12-01 20:40:00

0002 added `ideas.merged_into_id` with SQLite's ADD COLUMN, which only takes a column constraint. SQLite enforces
it (PRAGMA foreign_key_list shows SET NULL), but SQLAlchemy reads names and ON DELETE only from table constraints,
so `flask db check` saw an unnamed foreign key without ON DELETE. Rebuilding `ideas` is no way out: with foreign
keys on, DROP TABLE deletes every row first and cascades to votes and comments, and the FTS triggers would go.
So the stored CREATE TABLE text is rewritten in place, as SQLite documents for changing constraints
(https://www.sqlite.org/lang_altertable.html#otheralter): the rows on disk do not change. PostgreSQL: nothing.
"""

from alembic import op


revision = "0006_sqlite_merged_into_fk"
down_revision = "0005_outbox_jobs"
branch_labels = None
depends_on = None

FK = "CONSTRAINT fk_ideas_merged_into_id_ideas"
TARGET = "REFERENCES ideas (id) ON DELETE SET NULL"
COLUMN_LEVEL = f"merged_into_id INTEGER {FK} {TARGET}"
TABLE_LEVEL = f", \n\t{FK} FOREIGN KEY(merged_into_id) {TARGET}"


def _foreign_keys(bind) -> list[tuple]:
    """What SQLite enforces, without the ids that follow the order of the text."""
    return sorted(tuple(row[2:]) for row in bind.exec_driver_sql("PRAGMA foreign_key_list(ideas)"))


def _rewrite(change) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'ideas'").scalar_one()
    new = change(sql)
    if new == sql:
        return
    before = _foreign_keys(bind)
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'ideas'", (new,))
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    after = _foreign_keys(bind)
    problems = bind.exec_driver_sql("PRAGMA integrity_check").scalars().all()
    if before != after or problems != ["ok"]:
        raise RuntimeError(f"rewriting the ideas table changed its constraints: {before} -> {after}, {problems}")


def _to_table_level(sql: str) -> str:
    if COLUMN_LEVEL not in sql:
        return sql
    sql = sql.replace(COLUMN_LEVEL, "merged_into_id INTEGER")
    end = sql.rindex(")")
    return sql[:end].rstrip() + TABLE_LEVEL + "\n" + sql[end:]


def _to_column_level(sql: str) -> str:
    if TABLE_LEVEL + "\n" not in sql:
        return sql
    return sql.replace(TABLE_LEVEL + "\n", "").replace("merged_into_id INTEGER", COLUMN_LEVEL, 1)


def upgrade():
    _rewrite(_to_table_level)


def downgrade():
    _rewrite(_to_column_level)
