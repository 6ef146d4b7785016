"""Resident memory of the app server's workers (gunicorn's or granian's), and its growth over a long run."""

from __future__ import annotations

import os
import time
from pathlib import Path

import servers
from devtools.procs import children
from load import summarise


def workers(master_pid: int) -> list[int]:
    """The master's children: its worker processes."""
    return [child.pid for child in children(master_pid)]


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def snapshot(port: int, settle: float = 1.0) -> dict[str, float]:
    """pid → MB of each worker serving `port`, after a moment at rest (in-flight requests finished)."""
    time.sleep(settle)
    pids = workers(servers.MASTERS[port])
    return {str(pid): round(mb, 1) for pid in pids if (mb := rss_mb(pid)) is not None}


def growth(before: dict[str, float], after: dict[str, float]) -> dict[str, float | None]:
    """Per worker; None for a worker that was replaced in between (its pid is gone), which is a finding itself."""
    return {pid: (round(after[pid] - mb, 1) if pid in after else None) for pid, mb in before.items()}


def requests_from_env() -> int:
    return int(os.environ.get("BENCH_MEMORY_REQUESTS", 100_000))


def long_run(drive, port: int, mix: list[dict], settings: dict, requests: int, goal_mb: float) -> tuple[dict, dict]:
    """A closed loop of `requests` requests of `mix` on `port`; the workers' RSS at rest before and after."""
    before = snapshot(port)
    result = summarise([drive(port, {"mix": mix, "requests": requests}, settings)])
    after = snapshot(port)
    grown = growth(before, after)
    non_200 = sum(n for status, n in result["statuses"].items() if status != "200")
    summary = {
        "requests": result["requests"],
        "rps": round(result["rps"], 1),
        "p50_ms": round(result["p50_ms"], 2),
        "p99_ms": round(result["p99_ms"], 2),
        "non_200": non_200,
        "errors": result["errors"],
        "statuses": result["statuses"],
        "growth_mb": grown,
        "goal_mb": goal_mb,
        "clean": non_200 == 0 and result["errors"] == 0,
    }
    summary["met"] = summary["clean"] and bool(grown) and all(mb is not None and mb < goal_mb for mb in grown.values())
    return summary, after
