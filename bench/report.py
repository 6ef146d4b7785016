"""The printed table, the ratios against the issue's goals, and results/latest.json."""

from __future__ import annotations

import json
from pathlib import Path

P99_GOAL_MS = 50.0
# (label, app scenario, bare scenario, throughput goal, whether the p99 goal applies)
RATIOS = [
    ("signed-in member's list page (HTML, top, 20) / bare GET", "list_member", "bare_get", 0.5, True),
    ("anonymous list page, cache on / bare GET", "list_html", "bare_get", 0.5, True),
    ("anonymous list page, cache off / bare GET", "list_html_nocache", "bare_get", 0.5, False),
    ("anonymous home page, cache on / bare GET", "home_anon", "bare_get", 0.5, False),
    ("anonymous home page, cache off / bare GET", "home_anon_nocache", "bare_get", 0.5, False),
    ("idea list API (top, limit=20) / bare GET", "list_api", "bare_get", 0.5, True),
    ("vote PUT / bare POST", "vote_put", "bare_post", 0.4, True),
]
MEMORY_GOAL_MB = 10.0


def ratios(scenarios: dict, vote_check: dict | None, pages_ok: bool) -> list[dict]:
    out = []
    for label, app, bare, goal, p99_applies in RATIOS:
        if app not in scenarios or bare not in scenarios:
            continue
        a, b = scenarios[app], scenarios[bare]
        value = a["rps"] / b["rps"] if b["rps"] else 0.0
        clean = a["errors"] == 0 and set(a["statuses"]) <= {"200"} and (pages_ok or app == "vote_put")
        met = value >= goal and clean
        if p99_applies:
            met = met and a["p99_ms"] < P99_GOAL_MS
        if app == "vote_put":
            met = met and bool(vote_check and vote_check["passed"])
        out.append(
            {
                "label": label,
                "ratio": round(value, 3),
                "goal": goal,
                "p99_ms": round(a["p99_ms"], 1),
                "p99_goal_ms": P99_GOAL_MS if p99_applies else None,
                "clean": clean,
                "met": met,
            }
        )
    return out


def side_by_side(scenarios: dict) -> dict:
    """Readers and writers at the same moment against each alone: a reader queued behind writers collapses."""
    rows = []
    for together, alone in (("side_read", "list_member"), ("side_write", "vote_put")):
        t, a = scenarios[together], scenarios[alone]
        rows.append(
            {
                "scenario": together,
                "alone": alone,
                "rps": round(t["rps"], 1),
                "rps_alone": round(a["rps"], 1),
                "share": round(t["rps"] / a["rps"], 3) if a["rps"] else 0.0,
                "p50_ms": round(t["p50_ms"], 1),
                "p99_ms": round(t["p99_ms"], 1),
                "p99_alone_ms": round(a["p99_ms"], 1),
                "clean": t["errors"] == 0 and set(t["statuses"]) <= {"200"},
            }
        )
    return {"rows": rows, "shares_sum": round(sum(r["share"] for r in rows), 3), "clean": all(r["clean"] for r in rows)}


def print_side_by_side(side: dict, connections: int) -> None:
    """Each side has half the connections: alone, each would have the whole machine."""
    print(
        f"\nside by side ({connections // 2} connections reading the member's list page, {connections // 2} voting, "
        "at the same moment; alone: all connections on one)"
    )
    print(f"{'':14} {'req/s':>8} {'alone':>8} {'share':>7} {'p50 ms':>8} {'p99 ms':>8} {'alone p99':>10}")
    for r in side["rows"]:
        name = "readers" if r["scenario"] == "side_read" else "writers"
        print(
            f"{name:14} {r['rps']:8.0f} {r['rps_alone']:8.0f} {r['share']:7.2f} {r['p50_ms']:8.1f} {r['p99_ms']:8.1f}"
            f" {r['p99_alone_ms']:10.1f}" + ("" if r["clean"] else "  INVALID (errors or non-200)")
        )
    print(
        f"shares together: {side['shares_sum']:.2f} (about 1 when both proceed side by side on a CPU-bound machine; "
        "readers queued behind writers: their share falls to the writers' rate and their p99 to the writers')"
    )


def print_setup(results: dict, busy_before: float) -> None:
    load, database = results["load"], results["database"]
    server = results["server"]
    print(f"\nserver: {server['name']} {server['settings']} (same for the app and the bare app)")
    print(
        f"client: {load['processes']} processes × {load['threads']} keep-alive connections to 127.0.0.1; "
        f"per scenario {load['rounds']} interleaved rounds of {load['warmup']}s warm-up + "
        f"{load['duration']:g}s measured"
    )
    print("database: " + ", ".join(f"{k}={v}" for k, v in database.items()))
    print(f"machine: {results['machine']['cpus']} cpus, {busy_before:.0%} busy before the run")
    p = results["pages"]
    print(
        f"pages: API list {p['api_status']} with {p['api_items']} ideas; HTML list {p['html_status']}, "
        f"{p['html_bytes']:,} bytes, links to {p['html_links_to_api_items']} of them"
        + ("" if p["ok"] else "  WARNING: not the expected 20 ideas")
    )
    print(
        f"member's list: {p['member_status']}, {p['member_bytes']:,} bytes, signed in: {p['member_signed_in']}, "
        f"links to {p['member_links_to_api_items']}; cache-off server: list {p['nocache_status']} "
        f"(links to {p['nocache_links_to_api_items']}); home pages {p['home_status']} / {p['home_nocache_status']}"
    )
    if busy_before > 0.15:
        print("WARNING: something else is using the CPU; the figures below are noisy")


def print_table(scenarios: dict, titles: dict) -> None:
    print(
        f"\n{'scenario':44} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}"
        f" {'non-200':>8} {'errors':>7} {'client':>7} {'machine':>8}  req/s per round"
    )
    for key, r in scenarios.items():
        non_200 = sum(n for s, n in r["statuses"].items() if s != "200")
        print(
            f"{titles[key]:44} {r['rps']:8.0f} {r['p50_ms']:8.2f} {r['p90_ms']:8.2f} {r['p99_ms']:8.2f}"
            f" {r['max_ms']:8.1f} {non_200:8d} {r['errors']:7d} {r['client_cores']:6.2f}c"
            f" {r['machine_busy']:8.0%}  {' '.join(f'{x:.0f}' for x in r['round_rps'])}"
        )
        if non_200 or r["errors"]:
            print(f"{'':44} statuses {r['statuses']} first error {r['first_error']}")


def print_ratios(rows: list[dict], vote_check: dict | None) -> None:
    print(f"\n{'ratio':56} {'value':>7} {'goal':>7} {'p99 ms':>9} {'verdict':>8}")
    for r in rows:
        p99 = f"{r['p99_ms']:.1f}" + (f"<{r['p99_goal_ms']:.0f}" if r["p99_goal_ms"] else "")
        verdict = "MET" if r["met"] else "MISSED"
        if not r["clean"]:
            verdict = "INVALID"  # errors or non-200 answers: the figure does not mean anything
        print(f"{r['label']:56} {r['ratio']:7.3f} {'≥' + str(r['goal']):>7} {p99:>9} {verdict:>8}")
    if vote_check:
        c = vote_check
        print(
            f"\nvotes: {c['ok_responses']} answered 200, {c['rows']} rows written; lost {c['lost']}, "
            f"unexpected {c['unexpected']}, wrong value {c['value_mismatches']}, duplicate pairs "
            f"{c['duplicates']}, non-200 {c['non_200']}, unanswered {c['unanswered']}; "
            f"flask recount: {c['recount_corrections']} correction(s) → {'PASSED' if c['passed'] else 'FAILED'}"
        )


def print_profile(profile: dict, titles: dict) -> None:
    """One request at a time, in-process: what a request costs before any concurrency."""
    if "error" in profile:
        print(f"\nprofile failed: {profile['error']}")
        return
    print(
        f"\n{'one request in-process (median of 40)':44} {'total ms':>9} {'SQL ms':>8} {'Python ms':>10}"
        f" {'statements':>11}"
    )
    for key, p in profile.items():
        print(
            f"{titles.get(key, key):44} {p['request_ms']:9.2f} {p['sql_ms']:8.2f} {p['python_ms']:10.2f}"
            f" {p['statements']:11d}"
        )


def print_memory(memory: dict) -> None:
    """RSS per worker (MB) at rest after warm-up, after the load, and after the long run; growth over the run."""
    print("\nmemory (VmRSS per worker of the app server, MB, at rest)")
    for server, points in memory["servers"].items():
        for point, workers in points.items():
            print(f"  {server:12} {point:22} " + "  ".join(f"pid {pid}: {mb:.1f}" for pid, mb in workers.items()))
    run = memory["run"]
    grown = ", ".join(
        f"pid {pid}: {'replaced' if mb is None else f'{mb:+.1f}'}" for pid, mb in run["growth_mb"].items()
    )
    verdict = "MET" if run["met"] else "MISSED"
    print(
        f"  growth over {run['requests']:,} requests ({run['rps']:.0f} req/s, {run['non_200']} non-200, "
        f"{run['errors']} errors): {grown} (goal < {MEMORY_GOAL_MB:.0f} MB per worker) {verdict}"
    )


def write_json(path: Path, results: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
