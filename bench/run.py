"""`make bench`: the portal against a bare Flask app, same gunicorn, same load, on a seeded PostgreSQL.

Sizes and durations come from the environment (see README.md); defaults are the issue's full size.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path

import psycopg

import pages
import report
import seed
import servers
import voters
from devtools.embedded import die_with_parent, start_postgres, start_redis, stop
from load import busy_share, machine_cpu, summarise

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results" / "latest.json"
TITLES = {
    "bare_get": "bare GET /",
    "list_html": "app GET /ideas?sort=top (HTML)",
    "list_api": "app GET /api/v1/ideas?sort=top&limit=20",
    "bare_post": "bare POST / (JSON)",
    "vote_put": "app PUT /api/v1/ideas/{id}/vote",
}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def sizes_from_env() -> seed.Sizes:
    return seed.Sizes(
        users=env_int("BENCH_USERS", 10_000),
        ideas=env_int("BENCH_IDEAS", 100_000),
        votes=env_int("BENCH_VOTES", 1_000_000),
        voters=env_int("BENCH_VOTERS", 128),
    )


def load_settings() -> dict:
    """Each scenario's measured time is split into rounds that alternate with the other scenarios,
    so a burst of unrelated work on the machine hits the app and the bare app alike."""
    connections, rounds = env_int("BENCH_CONNECTIONS", 8), env_int("BENCH_ROUNDS", 3)
    processes = 2 if connections % 2 == 0 else 1
    return {
        "rounds": rounds,
        "warmup": env_int("BENCH_WARMUP", 2),
        "duration": env_int("BENCH_DURATION", 15) / rounds,
        "processes": processes,
        "threads": connections // processes,
        "host": "127.0.0.1",
    }


def drive(port: int, scenario: dict, settings: dict) -> dict:
    """One round of a scenario in a separate load process, never in the interpreter of a server."""
    spec = {**settings, **scenario, "port": port}
    proc = subprocess.Popen(
        [sys.executable, str(BENCH / "load.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=die_with_parent,
    )
    try:
        out, _ = proc.communicate(json.dumps(spec), timeout=spec["warmup"] + spec["duration"] + 120)
    finally:
        stop(proc)
    if proc.returncode != 0:
        raise RuntimeError(f"load driver failed ({proc.returncode})")
    return json.loads(out)


def make_durable(url: str) -> dict:
    """Seeding runs with fsync off for speed; the measurement runs with production durability."""
    names = ("fsync", "synchronous_commit", "full_page_writes", "shared_buffers", "max_connections")
    with psycopg.connect(seed.pg_conninfo(url), autocommit=True) as conn:
        if os.environ.get("BENCH_DURABLE", "1") != "0":
            for name in ("fsync", "synchronous_commit", "full_page_writes"):
                conn.execute(f"ALTER SYSTEM SET {name} = on")
            conn.execute("SELECT pg_reload_conf()")
            time.sleep(0.5)  # the postmaster applies a reload asynchronously
            conn.execute("CHECKPOINT")
        return {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in names}


def vote_targets(url: str) -> list[int]:
    """The ideas voters see first: the open ones of the top list, in order."""
    with psycopg.connect(seed.pg_conninfo(url)) as conn:
        rows = conn.execute(
            "SELECT i.id FROM ideas i JOIN statuses s ON s.id = i.status_id "
            "WHERE NOT s.is_closed AND i.withdrawn_at IS NULL ORDER BY i.wilson DESC, i.id DESC"
        )
        return [r[0] for r in rows]


def prepare(stack: ExitStack, work: Path, sizes: seed.Sizes, results: dict) -> tuple[str, dict, list[int]]:
    """Redis, a fresh cluster, the schema and the seed; returns the URL, the app's env and the voters' ids."""
    redis_url, redis_proc = start_redis(work / "redis")
    stack.callback(stop, redis_proc)
    url, stop_pg = start_postgres(work / "pg")
    stack.callback(stop_pg)
    env = servers.app_env(url, redis_url, work)
    started = time.perf_counter()
    servers.flask(env, "db", "upgrade")
    timings = {"migrate": time.perf_counter() - started}
    owner_id = int(
        servers.flask(
            env, "users", "create", seed.OWNER_EMAIL, "--password", seed.PASSWORD, "--name", "Bench Owner"
        ).split()[-1]
    )
    print(f"seeding {sizes.users:,} users, {sizes.ideas:,} ideas, {sizes.votes:,} votes …", flush=True)
    seeded = seed.seed(url, owner_id, sizes)
    timings.update(seeded["timings"])
    step = time.perf_counter()
    printed = servers.flask(env, "recount").strip().splitlines()
    timings["recount_check"] = time.perf_counter() - step
    timings["total"] = time.perf_counter() - started
    results["seed"] = {
        "timings_s": {k: round(v, 2) for k, v in timings.items()},
        "recount_after_seed": printed[-1] if printed else "?",
    }
    print(
        "seeded: "
        + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items())
        + f"; flask recount after seeding: {results['seed']['recount_after_seed']}",
        flush=True,
    )
    results["postgres"] = make_durable(url)
    return url, env, seeded["voter_ids"]


def profile(env: dict) -> dict:
    """plans.py in the app's environment: SQL per request and EXPLAIN ANALYZE (results/plans.txt)."""
    done = subprocess.run(
        [sys.executable, str(BENCH / "plans.py")], cwd=BENCH, env=env, capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return json.loads(done.stdout)


def idle_check(seconds: float = 2.0) -> float:
    before = machine_cpu()
    time.sleep(seconds)
    return busy_share(before, machine_cpu())


def run(work: Path, results: dict) -> None:
    sizes, settings = sizes_from_env(), load_settings()
    if sizes.voters < settings["processes"] * settings["threads"]:
        raise SystemExit("BENCH_VOTERS must be at least BENCH_CONNECTIONS: every connection votes as its own voters")
    results.update(sizes=vars(sizes), load=settings, server={"gunicorn": " ".join(servers.GUNICORN)})
    with ExitStack() as stack:
        url, env, voter_ids = prepare(stack, work, sizes, results)
        app = stack.enter_context(servers.gunicorn("wsgi:app", env, work / "app.log"))
        hello = stack.enter_context(servers.gunicorn("hello_app:app", env, work / "hello.log", chdir=BENCH))
        started = time.perf_counter()
        tokens = voters.issue_tokens(app, [f"voter{n}@bench.example.com" for n in range(sizes.voters)])
        print(
            f"{len(tokens)} voters signed in through POST /api/v1/tokens in {time.perf_counter() - started:.1f}s",
            flush=True,
        )
        results["pages"] = pages.check(app)
        results["machine"]["busy_before"] = busy = idle_check()
        report.print_setup(results, busy)
        targets = vote_targets(url)
        plan = [
            ("bare_get", hello, {"method": "GET", "path": "/"}),
            ("list_html", app, {"method": "GET", "path": "/ideas?sort=top"}),
            ("list_api", app, {"method": "GET", "path": "/api/v1/ideas?sort=top&limit=20"}),
            (
                "bare_post",
                hello,
                {
                    "method": "POST",
                    "path": "/",
                    "body": '{"value": 1}',
                    "headers": {"Content-Type": "application/json"},
                },
            ),
            ("vote_put", app, {"votes": {"tokens": tokens, "spread": env_int("BENCH_VOTE_SPREAD", 0)}}),
        ]
        rounds = {key: [] for key, _, _ in plan}
        for n in range(settings["rounds"]):
            print(
                f"round {n + 1}/{settings['rounds']}: each scenario {settings['warmup']}s warm-up + "
                f"{settings['duration']:g}s measured …",
                flush=True,
            )
            for key, port, scenario in plan:
                if "votes" in scenario:  # each round votes on its own ideas, so no pair is ever reused
                    scenario = {"votes": {**scenario["votes"], "idea_ids": targets[n :: settings["rounds"]]}}
                rounds[key].append(drive(port, scenario, settings))
        scenarios = results["scenarios"] = {key: summarise(r) for key, r in rounds.items()}
        results["votes_check"] = voters.check_votes(url, env, voter_ids, scenarios["vote_put"])
        results["ratios"] = report.ratios(scenarios, results["votes_check"], results["pages"]["ok"])
        results["profile"] = profile(env)
    report.print_table(scenarios, TITLES)
    report.print_ratios(results["ratios"], results["votes_check"])
    report.print_profile(results["profile"], TITLES)


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwinds the ExitStack like Ctrl-C does
    work = Path(tempfile.mkdtemp(prefix="ideas-bench-"))
    results = {
        "started_at": datetime.now(timezone.utc).isoformat(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "kernel": platform.release()},
    }
    try:
        run(work, results)
    finally:
        if os.environ.get("BENCH_KEEP") == "1":
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    report.write_json(RESULTS, results)
    print(f"\nresults written to {RESULTS.relative_to(BENCH.parent)} (plans: bench/results/plans.txt)")
    # A missed goal is a finding, not a failure; a lost vote or a broken endpoint is a failure.
    return 0 if results["votes_check"]["passed"] and all(r["clean"] for r in results["ratios"]) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted; servers and the cluster are stopped", file=sys.stderr)
        sys.exit(130)
