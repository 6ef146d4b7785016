"""The staff dashboard, GET /api/v1/stats and the leaderboard at 1,000,000 votes, against the bare Flask hello app.

1. A throwaway PostgreSQL seeded with COPY (seed.py: members, 100,000 ideas over a year, 1,000,000 votes), then
   in SQL: a tenth of the ideas moved along the workflow, 50,000 comments, one ledger line per up-vote received
   (as services/rewards writes them) with their week and month totals and each member's cached balance.
2. Both apps under the same gunicorn settings (servers.py). One keep-alive connection, requests one after another,
   so each time is one request's server time plus the same loopback round trip the hello app pays too.
3. The first dashboard request counts the window's finished days into daily_counts (shown as "cold"); every later
   one reads them from there and counts only today live.

Run from bench/: `../.venv/bin/python dashboard.py` (`make bench` does). Sizes from the environment:
  BENCH_USERS 10000 · BENCH_IDEAS 100000 · BENCH_VOTES 1000000 · BENCH_REQUESTS 60 · BENCH_KEEP 0
A quick trial: BENCH_USERS=2000 BENCH_IDEAS=5000 BENCH_VOTES=50000 BENCH_REQUESTS=20 ../.venv/bin/python dashboard.py
Results go to bench/results/dashboard-<timestamp>.json. No goal is asserted: a miss is printed, not a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path

import psycopg
import requests

import seed
import servers
from ideas_portal.services.stats import RANKING_SECONDS
from seed import pg_conninfo

BENCH = Path(__file__).resolve().parent
GOALS_MS = {"dashboard": 200.0, "stats": 200.0, "leaderboard": 20.0}
PASSWORD = "bench-password"  # servers.start_stack's staff account


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def enrich(url: str) -> dict[str, float]:
    """Statuses, comments and the points ledger on top of seed.py's rows; seconds per step."""
    timings = {}
    with psycopg.connect(pg_conninfo(url), autocommit=True) as conn:
        started = time.perf_counter()
        conn.execute(
            "UPDATE ideas SET status_id = s.id, status_changed_at = ideas.created_at + interval '3 days',"
            " first_response_at = ideas.created_at + (ideas.id % 97) * interval '1 hour'"
            " FROM statuses s WHERE ideas.id % 10 = 0"
            " AND s.slug = (ARRAY['under-review', 'reviewed', 'coming-soon', 'launched', 'not-planned'])"
            "[ideas.id % 50 / 10 + 1]"
        )
        timings["statuses"] = time.perf_counter() - started

        started = time.perf_counter()
        conn.execute(
            "INSERT INTO comments (idea_id, author_id, body, body_html, created_at)"
            " SELECT i.id, i.author_id, 'Me too, every morning.', '<p>Me too, every morning.</p>',"
            " i.created_at + (now() - i.created_at) * random()"
            " FROM ideas i CROSS JOIN generate_series(1, 2) WHERE i.id <= 25000"
        )
        timings["comments"] = time.perf_counter() - started

        started = time.perf_counter()
        conn.execute(  # one line per up-vote received, as services/rewards.toggle writes them
            "INSERT INTO point_entries (user_id, reason, amount, subject, source, idea_id, actor_id, created_at)"
            " SELECT i.author_id, 'upvote', 1, 'vote:' || v.id, 'vote:' || v.id || '#0', v.idea_id, v.user_id,"
            " v.created_at FROM votes v JOIN ideas i ON i.id = v.idea_id"
            " WHERE v.value = 1 AND v.user_id <> i.author_id"
        )
        for period, unit in (("week", "week"), ("month", "month")):
            conn.execute(
                "INSERT INTO point_totals (period, starts_on, user_id, points)"
                f" SELECT '{period}', date_trunc('{unit}', created_at AT TIME ZONE 'UTC')::date, user_id, sum(amount)"
                " FROM point_entries GROUP BY 2, 3"
            )
        conn.execute(
            "UPDATE users SET points = t.points FROM"
            " (SELECT user_id, sum(amount) AS points FROM point_entries GROUP BY user_id) t WHERE users.id = t.user_id"
        )
        timings["ledger"] = time.perf_counter() - started
        started = time.perf_counter()
        conn.execute("VACUUM ANALYZE")
        timings["analyze"] = time.perf_counter() - started
        counts = {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("users", "ideas", "votes", "comments", "point_entries", "point_totals")
        }
    return {"timings": timings, "rows": counts}


def cookie_header(response) -> str:
    """Production cookies are Secure, which requests will not send over plain HTTP: we send them by hand."""
    return "; ".join(f"{c.name}={c.value}" for c in response.cookies)


def sign_in(base: str, email: str) -> tuple[dict, dict]:
    """(HTML headers with the session cookie, API headers with a bearer token) for the staff account."""
    http = requests.Session()
    form = http.get(base + "/login")
    found = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', form.text)
    if found is None:
        raise RuntimeError(f"no CSRF token on /login ({form.status_code})")
    token = found.group(1)
    done = http.post(
        base + "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        headers={"Cookie": cookie_header(form)},
        allow_redirects=False,
    )
    if done.status_code != 302:
        raise RuntimeError(f"sign-in failed: {done.status_code}")
    issued = http.post(base + "/api/v1/tokens", json={"email": email, "password": PASSWORD})
    return {"Cookie": cookie_header(done)}, {"Authorization": f"Bearer {issued.json()['token']}"}


def timed(http: requests.Session, url: str, headers: dict, n: int, warmup: int = 3) -> dict:
    """Milliseconds per request over n sequential requests on one keep-alive connection, after a warm-up."""
    for _ in range(warmup):
        http.get(url, headers=headers).raise_for_status()
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = http.get(url, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    times.sort()
    return {
        "median_ms": statistics.median(times),
        "p95_ms": times[min(len(times) - 1, int(len(times) * 0.95))],
        "requests": n,
    }


def leaderboard_path(http: requests.Session, base: str) -> str | None:
    for path in ("/api/v1/leaderboard?period=week", "/leaderboard?period=week", "/leaderboard"):
        if http.get(base + path).status_code == 200:
            return path
    return None


def main() -> int:
    sizes = seed.Sizes(
        users=env_int("BENCH_USERS", 10_000),
        ideas=env_int("BENCH_IDEAS", 100_000),
        votes=env_int("BENCH_VOTES", 1_000_000),
        voters=0,
    )
    n = env_int("BENCH_REQUESTS", 60)
    work = Path(tempfile.mkdtemp(prefix="ideas-dashboard-"))
    result: dict = {"sizes": sizes.__dict__, "when": datetime.now(timezone.utc).isoformat()}
    try:
        with ExitStack() as stack:
            url, _redis_url, env, staff_id = servers.start_stack(stack, work)
            started = time.perf_counter()
            result["seed"] = seed.seed(url, staff_id, sizes)["timings"]
            result["enrich"] = enrich(url)
            print(f"seeded in {time.perf_counter() - started:.0f}s: {result['enrich']['rows']}", flush=True)
            app_port = stack.enter_context(servers.gunicorn("wsgi:app", env, work / "app.log"))
            bare_port = stack.enter_context(servers.gunicorn("hello_app:app", env, work / "bare.log", chdir=BENCH))
            app, bare = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{bare_port}"
            html, bearer = sign_in(app, "staff@bench.example.com")
            http = requests.Session()

            started = time.perf_counter()
            http.get(app + "/staff/dashboard?days=30", headers=html).raise_for_status()
            cold = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            http.get(app + "/api/v1/stats?days=365", headers=bearer).raise_for_status()
            cold_year = (time.perf_counter() - started) * 1000

            board = leaderboard_path(http, app)
            rounds = {"bare": (bare + "/", {}), "dashboard": (app + "/staff/dashboard?days=30", html)}
            rounds["stats"] = (app + "/api/v1/stats?days=30", bearer)
            if board:  # signed in: past the anonymous micro-cache, so the query runs every time
                rounds["leaderboard"] = (app + board, bearer if board.startswith("/api/") else html)
                rounds["leaderboard_anonymous"] = (app + board, {})
            measured = {name: timed(http, target, headers, n) for name, (target, headers) in rounds.items()}
            result.update({"cold_dashboard_ms": cold, "cold_stats_365_ms": cold_year, "measured": measured})
            result["leaderboard_path"] = board
        report(result)
        out = BENCH / "results" / f"dashboard-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(result, indent=2))
        print(f"\nwritten to {out.relative_to(BENCH.parent)}")
        return 0
    finally:
        if os.environ.get("BENCH_KEEP") != "1":
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}")


def report(result: dict) -> None:
    measured = result["measured"]
    bare = measured["bare"]["median_ms"]
    rows = result["enrich"]["rows"]
    print(
        f"\nstaff dashboard and leaderboard on PostgreSQL: {rows['votes']:,} votes, {rows['ideas']:,} ideas, "
        f"{rows['comments']:,} comments, {rows['point_entries']:,} ledger lines"
    )
    print(f"  {'request':<52} {'median':>9} {'p95':>9} {'× bare':>8}  goal")
    titles = {
        "bare": "bare GET / (hello app)",
        "dashboard": "GET /staff/dashboard?days=30 (HTML, charts)",
        "stats": "GET /api/v1/stats?days=30",
        "leaderboard": f"GET {result.get('leaderboard_path')} (signed in)",
        "leaderboard_anonymous": "  the same, anonymous (5 s micro-cache)",
    }
    for name, figures in measured.items():
        goal = GOALS_MS.get(name)
        verdict = "" if goal is None else f"< {goal:.0f} ms " + ("met" if figures["median_ms"] < goal else "MISSED")
        print(
            f"  {titles[name]:<52} {figures['median_ms']:>7.1f}ms {figures['p95_ms']:>7.1f}ms "
            f"{figures['median_ms'] / bare:>7.1f}×  {verdict}"
        )
    if "leaderboard" not in measured:
        print("  leaderboard: no /api/v1/leaderboard nor /leaderboard answered 200 in this build")
    print(
        f"  first dashboard request (counts 29 finished days into daily_counts, ranks the week's up-votes): "
        f"{result['cold_dashboard_ms']:.0f} ms; first GET /api/v1/stats?days=365 (335 more days): "
        f"{result['cold_stats_365_ms']:.0f} ms"
    )
    print(f"  the week's up-vote ranking is reused for {RANKING_SECONDS} s per process (services/stats.py)")


if __name__ == "__main__":
    sys.exit(main())
