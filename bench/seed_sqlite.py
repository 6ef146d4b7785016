"""seed.py's rows written into a SQLite file: the same members, ideas, votes, counters and ranking scores.

One transaction of executemany inserts; timestamps in the text form SQLAlchemy itself stores on SQLite
(naive UTC with microseconds), so the app reads and orders them like the rows it writes.
"""

from __future__ import annotations

import random
import sqlite3
import time
from datetime import datetime, timezone

from seed import IDEA_COLUMNS, USER_COLUMNS, VOTE_COLUMNS, Sizes, plan_rows, idea_rows, user_rows, vote_counts

STORED = "%Y-%m-%d %H:%M:%S.%f"


def sqlite_path(url: str) -> str:
    return url.removeprefix("sqlite:///")


def _stored(row: tuple) -> tuple:
    return tuple(v.astimezone(timezone.utc).strftime(STORED) if isinstance(v, datetime) else v for v in row)


def _insert(conn: sqlite3.Connection, table: str, columns: str, rows) -> None:
    marks = ", ".join("?" * len(columns.split(",")))
    conn.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", (_stored(r) for r in rows))


def seed(url: str, owner_id: int, sizes: Sizes, seed_value: int = 20261124) -> dict:
    """Writes the rows (the same random draws as seed.seed) and returns seconds per step."""
    rng = random.Random(seed_value)
    timings: dict[str, float] = {}
    now = datetime.now(timezone.utc)
    conn = sqlite3.connect(sqlite_path(url), isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")  # the seed only; the app's own connections set their pragmas
        conn.execute("BEGIN")
        pw_hash, status_id = conn.execute(
            "SELECT u.password_hash, s.id FROM users u, statuses s WHERE u.id = ? AND s.slug = 'new'", (owner_id,)
        ).fetchone()
        category_ids = [r[0] for r in conn.execute("SELECT id FROM categories ORDER BY id")]

        started = time.perf_counter()
        rows, member_ids, voter_ids = user_rows(owner_id, pw_hash, sizes, now)
        _insert(conn, "users", USER_COLUMNS, rows)
        timings["users"] = time.perf_counter() - started

        started = time.perf_counter()
        ideas, votes = plan_rows(rng, sizes, vote_counts(sizes, rng), member_ids, now)
        timings["plan"] = time.perf_counter() - started

        started = time.perf_counter()
        _insert(conn, "ideas", IDEA_COLUMNS, idea_rows(ideas, status_id, category_ids))
        timings["ideas"] = time.perf_counter() - started

        started = time.perf_counter()
        _insert(conn, "votes", VOTE_COLUMNS, votes)
        conn.execute("COMMIT")
        timings["votes"] = time.perf_counter() - started

        started = time.perf_counter()
        conn.execute("ANALYZE")  # as VACUUM ANALYZE does for PostgreSQL: the planner sees the real sizes
        timings["analyze"] = time.perf_counter() - started
    finally:
        conn.close()
    return {"timings": timings, "voter_ids": voter_ids, "member_ids": member_ids}
