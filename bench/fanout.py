"""Fan-out benchmark: one status change told to 10,000 followers by a real RQ worker on PostgreSQL.

Prints the time the job spent on the worker, the cost per notification, and a floor measured in the same
run: one bare `INSERT … SELECT` of the same number of notification rows, straight from psycopg.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import psycopg
from redis import Redis
from rq import Queue

import servers
from seed import pg_conninfo

FOLLOWERS = int(os.environ.get("BENCH_FOLLOWERS", "10000"))


def seed_followers(url: str, staff_id: int) -> int:
    """Members (sharing one password hash) who all follow one idea; returns the idea id."""
    with psycopg.connect(pg_conninfo(url), autocommit=True) as conn:
        pw_hash = conn.execute("SELECT password_hash FROM users WHERE id = %s", (staff_id,)).fetchone()[0]
        new_id = conn.execute("SELECT id FROM statuses WHERE slug = 'new'").fetchone()[0]
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY users (email, name, password_hash, role, session_token, created_at, email_verified_at) FROM STDIN"
            ) as copy,
        ):
            for n in range(FOLLOWERS):
                copy.write_row(
                    (
                        f"follower{n}@bench.example.com",
                        f"Follower {n}",
                        pw_hash,
                        "member",
                        f"{n:032x}",
                        "2026-01-01T00:00:00Z",
                        "2026-01-01T00:00:00Z",
                    )
                )
        idea_id = conn.execute(
            "INSERT INTO ideas (title, body, body_html, author_id, status_id, upvotes, downvotes, score, wilson, hot,"
            " comment_count, created_at, updated_at) VALUES ('A very popular idea', 'x', '<p>x</p>', %s, %s,"
            " 0, 0, 0, 0, 0, 0, now(), now()) RETURNING id",
            (staff_id, new_id),
        ).fetchone()[0]
        conn.execute(  # in-app notices only, as before members chose per kind: the bench measures the fan-out
            "INSERT INTO notification_preferences (user_id, kind, in_app, email) SELECT id, 'status_change', true,"
            " false FROM users WHERE email LIKE 'follower%%@bench.example.com'"
        )
        conn.execute(
            "INSERT INTO follows (user_id, idea_id, created_at) SELECT id, %s, now() FROM users"
            " WHERE email LIKE 'follower%%@bench.example.com'",
            (idea_id,),
        )
        conn.execute("VACUUM ANALYZE")
    return idea_id


def bare_floor(url: str, idea_id: int) -> float:
    """The same rows written by one hand-made statement, rolled back: what the database alone needs."""
    with psycopg.connect(pg_conninfo(url)) as conn:
        started = time.perf_counter()
        conn.execute(
            "INSERT INTO notifications (user_id, kind, body, idea_id, created_at, emailed)"
            " SELECT user_id, 'bench', 'bench body', idea_id, now(), false FROM follows"
            " WHERE idea_id = %s",
            (idea_id,),
        )
        elapsed = time.perf_counter() - started
        conn.rollback()
    return elapsed


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="ideas-fanout-"))
    try:
        with ExitStack() as stack:
            url, redis_url, env, staff_id = servers.start_stack(stack, work)
            started = time.perf_counter()
            idea_id = seed_followers(url, staff_id)
            print(f"seeded {FOLLOWERS:,} followers in {time.perf_counter() - started:.1f}s", flush=True)
            floor = min(bare_floor(url, idea_id) for _ in range(3))
            change_id = change_status(env, staff_id, idea_id)
            started = time.perf_counter()
            servers.flask(env, "worker", "--burst")
            wall = time.perf_counter() - started
            job = Queue("default", connection=Redis.from_url(redis_url)).fetch_job(f"fanout-{change_id}")
            on_worker = (job.ended_at - job.started_at).total_seconds()
            with psycopg.connect(pg_conninfo(url)) as conn:
                counts = dict(conn.execute("SELECT kind, count(*) FROM notifications GROUP BY kind").fetchall())
        notified = sum(counts.values())
        print(f"\nfan-out of one status change (Launched) to {FOLLOWERS:,} followers, on PostgreSQL")
        print(f"  notifications written: {notified:,} {counts}")
        print(
            f"  time on the worker (job started → ended): {on_worker:.2f}s; worker process incl. start-up {wall:.2f}s"
        )
        print(f"  per notification: {on_worker / notified * 1e6:.0f} µs")
        print(
            f"  floor, one bare INSERT … SELECT of {FOLLOWERS:,} rows: {floor:.3f}s "
            f"({floor / FOLLOWERS * 1e6:.0f} µs per row)"
            f" → app / floor = {on_worker / (floor * notified / FOLLOWERS):.1f}×"
        )
        return 0 if counts.get("status_change") == FOLLOWERS else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


def change_status(env: dict, staff_id: int, idea_id: int) -> int:
    """Through the real service, as the staff page and the API do; the job lands in Redis for the worker."""
    os.environ.update(
        {
            k: v
            for k, v in env.items()
            if k in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "INSTANCE_DIR", "MEDIA_DIR", "MAIL_DIR")
        }
    )
    from sqlalchemy import func, select

    from ideas_portal import create_app
    from ideas_portal.extensions import db
    from ideas_portal.models import StatusChange, User
    from ideas_portal.services import status_changes

    app = create_app()
    with app.app_context():
        status_changes.change_status(db.session.get(User, staff_id), idea_id, "launched", "Thank you!")
        change_id = db.session.scalar(select(func.max(StatusChange.id)))
        db.session.remove()
        db.engine.dispose()
    return change_id


if __name__ == "__main__":
    sys.exit(main())
