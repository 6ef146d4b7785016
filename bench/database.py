"""The database under the app: a throwaway PostgreSQL cluster (`make bench`) or a SQLite file (`make bench-sqlite`),
migrated with the app's own `flask db upgrade`, seeded, and proven consistent by `flask recount`."""

from __future__ import annotations

import os
import re
import time
from contextlib import ExitStack
from pathlib import Path

import sqlalchemy
from sqlalchemy.pool import NullPool

import seed
import seed_sqlite
import servers
from devtools.embedded import start_postgres, start_redis, stop


def corrections(printed: str) -> int:
    """`flask recount`'s count of corrections; -1 when it did not say (which fails the run as well)."""
    found = re.search(r"(\d+) correction", printed)
    return int(found.group(1)) if found else -1


def kind() -> str:
    name = os.environ.get("BENCH_DATABASE", "postgresql")
    if name not in ("postgresql", "sqlite"):
        raise SystemExit("BENCH_DATABASE is postgresql or sqlite")
    return name


def engine(url: str) -> sqlalchemy.Engine:
    """The bench's own connection for its checks (no pool: nothing of it stays open during the load)."""
    return sqlalchemy.create_engine(url, poolclass=NullPool)


def vote_targets(url: str) -> list[int]:
    """The ideas voters see first: the open ones of the top list, in order."""
    with engine(url).connect() as conn:
        rows = conn.execute(
            sqlalchemy.text(
                "SELECT i.id FROM ideas i JOIN statuses s ON s.id = i.status_id "
                "WHERE NOT s.is_closed AND i.withdrawn_at IS NULL ORDER BY i.wilson DESC, i.id DESC"
            )
        )
        return [r[0] for r in rows]


def make_durable(url: str) -> dict:
    """Seeding runs with fsync off for speed; the measurement runs with production durability."""
    if url.startswith("sqlite"):
        with engine(url).connect() as conn:  # journal_mode is kept in the file; synchronous is per connection
            return {
                "database": "sqlite " + conn.exec_driver_sql("SELECT sqlite_version()").scalar(),
                "journal_mode": conn.exec_driver_sql("PRAGMA journal_mode").scalar(),
                "file": seed_sqlite.sqlite_path(url),
            }
    names = ("fsync", "synchronous_commit", "full_page_writes", "shared_buffers", "max_connections")
    with engine(url).connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if os.environ.get("BENCH_DURABLE", "1") != "0":
            for name in ("fsync", "synchronous_commit", "full_page_writes"):
                conn.exec_driver_sql(f"ALTER SYSTEM SET {name} = on")
            conn.exec_driver_sql("SELECT pg_reload_conf()")
            time.sleep(0.5)  # the postmaster applies a reload asynchronously
            conn.exec_driver_sql("CHECKPOINT")
        found = {name: conn.exec_driver_sql(f"SHOW {name}").scalar() for name in names}
        return {"database": "postgresql " + conn.exec_driver_sql("SHOW server_version").scalar(), **found}


def prepare(stack: ExitStack, work: Path, sizes: seed.Sizes, results: dict) -> tuple[str, dict, dict]:
    """Redis, a fresh database, the schema and the seed; returns the URL, the app's env and the seeded ids."""
    redis_url, redis_proc = start_redis(work / "redis")
    stack.callback(stop, redis_proc)
    if kind() == "sqlite":
        url, seeder = f"sqlite:///{work / 'bench.sqlite3'}", seed_sqlite.seed
    else:
        url, stop_pg = start_postgres(work / "pg")
        stack.callback(stop_pg)
        seeder = seed.seed
    env = servers.app_env(url, redis_url, work)
    started = time.perf_counter()
    servers.flask(env, "db", "upgrade")
    timings = {"migrate": time.perf_counter() - started}
    owner_id = int(
        servers.flask(
            env, "users", "create", seed.OWNER_EMAIL, "--password", seed.PASSWORD, "--name", "Bench Owner"
        ).split()[-1]
    )
    print(f"seeding {sizes.users:,} users, {sizes.ideas:,} ideas, {sizes.votes:,} votes into {kind()} …", flush=True)
    seeded = seeder(url, owner_id, sizes)
    timings.update(seeded["timings"])
    step = time.perf_counter()
    printed = servers.flask(env, "recount").strip().splitlines()
    timings["recount_check"] = time.perf_counter() - step
    timings["total"] = time.perf_counter() - started
    results["seed"] = {
        "timings_s": {k: round(v, 2) for k, v in timings.items()},
        "recount_after_seed": printed[-1] if printed else "?",
        "corrections": corrections(printed[-1] if printed else ""),
    }
    print(
        "seeded: "
        + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items())
        + f"; flask recount after seeding: {results['seed']['recount_after_seed']}",
        flush=True,
    )
    results["database"] = make_durable(url)
    return url, env, seeded
