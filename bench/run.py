"""`make bench`: the portal against a bare Flask app, same gunicorn, same load, on a seeded PostgreSQL
(`make bench-sqlite`, BENCH_DATABASE=sqlite: on a seeded SQLite file).

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

import database
import memory
import pages
import report
import seed
import servers
import signin
import voters
from devtools.embedded import die_with_parent, stop
from load import busy_share, machine_cpu, summarise

BENCH = Path(__file__).resolve().parent
TITLES = {
    "bare_get": "bare GET /",
    "list_html": "app GET /ideas?sort=top (HTML, anonymous)",
    "list_member": "app GET /ideas?sort=top (HTML, signed in)",
    "home_anon": "app GET / (anonymous)",
    "list_html_nocache": "app, cache off: GET /ideas?sort=top",
    "home_anon_nocache": "app, cache off: GET / (anonymous)",
    "list_api": "app GET /api/v1/ideas?sort=top&limit=20",
    "list_api_nocache": "app, cache off: GET /api/v1/ideas?sort=top…",
    "bare_post": "bare POST / (JSON)",
    "vote_put": "app PUT /api/v1/ideas/{id}/vote",
    "side_read": "side by side: members' list pages …",
    "side_write": "… while votes are cast",
}
WARMUP_REQUESTS = 400  # per app server before the "at rest after warm-up" memory figure


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
        timeout = None if "requests" in spec else spec["warmup"] + spec["duration"] + 120
        out, _ = proc.communicate(json.dumps(spec), timeout=timeout)
    finally:
        stop(proc)
    if proc.returncode != 0:
        raise RuntimeError(f"load driver failed ({proc.returncode})")
    return json.loads(out)


def drive_together(parts: dict[str, tuple[int, dict]], settings: dict) -> dict[str, dict]:
    """One round of several scenarios at the same moment, one client process each (load.py's `parts`)."""
    spec = {"parts": {key: {**scenario, "port": port} for key, (port, scenario) in parts.items()}}
    return drive(0, spec, settings)["parts"]


def profile(env: dict, member_email: str) -> dict:
    """plans.py in the app's environment: SQL per request and the plans (results/plans*.txt)."""
    done = subprocess.run(
        [sys.executable, str(BENCH / "plans.py")],
        cwd=BENCH,
        env={**env, "BENCH_MEMBER_EMAIL": member_email},
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return json.loads(done.stdout)


def idle_check(seconds: float = 2.0) -> float:
    before = machine_cpu()
    time.sleep(seconds)
    return busy_share(before, machine_cpu())


def get(path: str, cookies: list[str] | None = None) -> dict:
    return {"method": "GET", "path": path, **({"cookies": cookies} if cookies else {})}


def scenario_plan(ports: dict, tokens: list[str], cookies: list[str]) -> list[tuple[str, int | None, dict]]:
    """(key, port, scenario); a `together` entry runs its scenarios at the same moment, one load process each."""
    app, nocache, hello = ports["app"], ports["app_nocache"], ports["hello"]
    post = {"method": "POST", "path": "/", "body": '{"value": 1}', "headers": {"Content-Type": "application/json"}}
    votes = {"votes": {"tokens": tokens, "spread": env_int("BENCH_VOTE_SPREAD", 0)}}
    together = {"together": {"side_read": (app, get(pages.LIST_HTML, cookies)), "side_write": (app, votes)}}
    return [
        ("bare_get", hello, get("/")),
        ("list_html", app, get(pages.LIST_HTML)),
        ("list_member", app, get(pages.LIST_HTML, cookies)),
        ("home_anon", app, get(pages.HOME)),
        ("list_html_nocache", nocache, get(pages.LIST_HTML)),
        ("home_anon_nocache", nocache, get(pages.HOME)),
        ("list_api", app, get(pages.LIST_API)),
        ("bare_post", hello, post),
        ("vote_put", app, votes),
        ("side_by_side", None, together),
    ]


VOTING = ("vote_put", "side_write")  # each gets its own share of the target ideas


def with_ideas(key: str, scenario: dict, targets: list[int], n: int, rounds: int) -> dict:
    """Every round of every voting scenario votes on its own ideas, so no (voter, idea) pair is ever reused."""
    if "votes" not in scenario:
        return scenario
    slices = len(VOTING) * rounds
    return {"votes": {**scenario["votes"], "idea_ids": targets[VOTING.index(key) * rounds + n :: slices]}}


def measure_rounds(plan: list, settings: dict, targets: list[int]) -> dict:
    keys = [k for key, _, scenario in plan for k in scenario.get("together", [key])]
    rounds: dict[str, list] = {key: [] for key in keys}
    count = settings["rounds"]
    for n in range(count):
        print(
            f"round {n + 1}/{count}: each scenario {settings['warmup']}s warm-up + "
            f"{settings['duration']:g}s measured …",
            flush=True,
        )
        for key, port, scenario in plan:
            if "together" in scenario:
                parts = {
                    k: (p, with_ideas(k, part, targets, n, count)) for k, (p, part) in scenario["together"].items()
                }
                for k, result in drive_together(parts, settings).items():
                    rounds[k].append(result)
            else:
                rounds[key].append(drive(port, with_ideas(key, scenario, targets, n, count), settings))
    return {key: summarise(r) for key, r in rounds.items()}


def warm_up(ports: dict, cookies: list[str], settings: dict) -> dict:
    """A few hundred requests per app server, then each worker's RSS at rest."""
    mixes = {
        "app": [get(pages.LIST_HTML, cookies), get(pages.LIST_HTML), get(pages.HOME)],
        "app_nocache": [get(pages.LIST_HTML), get(pages.HOME)],
    }
    for server, mix in mixes.items():
        drive(ports[server], {"mix": mix, "requests": WARMUP_REQUESTS}, settings)
    return {server: {"after warm-up": memory.snapshot(ports[server])} for server in mixes}


def run(work: Path, results: dict) -> None:
    sizes, settings = sizes_from_env(), load_settings()
    connections = settings["processes"] * settings["threads"]
    if sizes.voters < connections:
        raise SystemExit("BENCH_VOTERS must be at least BENCH_CONNECTIONS: every connection votes as its own voters")
    results.update(
        sizes=vars(sizes),
        load=settings,
        server={"name": servers.server_name(), "settings": " ".join(servers.SETTINGS[servers.server_name()])},
    )
    with ExitStack() as stack:
        url, env, seeded = database.prepare(stack, work, sizes, results)
        ports = {
            "app": stack.enter_context(servers.serve("wsgi:app", env, work / "app.log")),
            "app_nocache": stack.enter_context(
                servers.serve("wsgi:app", {**env, "CACHE_TYPE": "NullCache"}, work / "app-nocache.log")
            ),
            "hello": stack.enter_context(servers.serve("hello_app:app", env, work / "hello.log", chdir=BENCH)),
        }
        started = time.perf_counter()
        tokens = voters.issue_tokens(ports["app"], [f"voter{n}@bench.example.com" for n in range(sizes.voters)])
        members = [seed.member_email(uid) for uid in seeded["member_ids"][:connections]]
        cookies = signin.sign_in_all(ports["app"], members)
        print(
            f"{len(tokens)} voters signed in through POST /api/v1/tokens, {len(cookies)} members through the HTML "
            f"login form, in {time.perf_counter() - started:.1f}s",
            flush=True,
        )
        results["pages"] = pages.check(ports["app"], cookies[0], ports["app_nocache"])
        rss = warm_up(ports, cookies, settings)
        results["machine"]["busy_before"] = busy = idle_check()
        report.print_setup(results, busy)
        targets = database.vote_targets(url)
        scenarios = results["scenarios"] = measure_rounds(scenario_plan(ports, tokens, cookies), settings, targets)
        for server in rss:
            rss[server]["after the load"] = memory.snapshot(ports[server])
        requests = memory.requests_from_env()
        print(f"memory: {requests:,} requests (signed-in and anonymous list pages in turn) …", flush=True)
        mix = [get(pages.LIST_HTML, cookies), get(pages.LIST_HTML)]
        run_summary, rss["app"][f"after {requests:,} more req"] = memory.long_run(
            drive, ports["app"], mix, settings, requests, report.MEMORY_GOAL_MB
        )
        results["memory"] = {"servers": rss, "run": run_summary}
        votes = [scenarios[key] for key in VOTING]
        results["votes_check"] = voters.check_votes(url, env, seeded["voter_ids"], voters.merged(votes))
        results["ratios"] = report.ratios(scenarios, results["votes_check"], results["pages"]["ok"])
        results["side_by_side"] = report.side_by_side(scenarios)
        results["profile"] = profile(env, members[0])
    report.print_table(scenarios, TITLES)
    report.print_ratios(results["ratios"], results["votes_check"])
    report.print_side_by_side(results["side_by_side"], connections)
    report.print_memory(results["memory"])
    report.print_profile(results["profile"], TITLES)


def passed(results: dict) -> bool:
    """A missed goal is a finding, not a failure; a lost vote, a broken endpoint or an inconsistent seed is."""
    return (
        results["seed"]["corrections"] == 0
        and results["votes_check"]["passed"]
        and all(r["clean"] for r in results["ratios"])
        and results["side_by_side"]["clean"]
        and results["memory"]["run"]["clean"]
    )


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
    suffix = "" if database.kind() == "postgresql" else "-sqlite"
    path = BENCH / "results" / f"latest{suffix}.json"
    report.write_json(path, results)
    print(f"\nresults written to {path.relative_to(BENCH.parent)} (plans: bench/results/plans{suffix}.txt)")
    return 0 if passed(results) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted; servers and the cluster are stopped", file=sys.stderr)
        sys.exit(130)
