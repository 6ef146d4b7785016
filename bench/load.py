"""The load driver, run as its own process: keep-alive HTTP/1.1 clients in a few processes × threads.

Reads one scenario as JSON on stdin, prints one result as JSON on stdout. Every connection sends its
next request only after the previous answer is complete, so in-flight requests are always finished
and counted: that is what lets the vote check expect an exact number of rows.
"""

from __future__ import annotations

import json
import resource
import socket
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

from devtools.embedded import die_with_parent

RECYCLE_EVERY = 200  # reconnect now and then so gunicorn's workers share the connections evenly
TIMEOUT = 30.0


class Connection:
    """A minimal HTTP/1.1 client: pre-built request bytes in, (status, body) out."""

    def __init__(self, host: str, port: int):
        self.address = (host, port)
        self.sock = None
        self.buf = b""
        self.used = 0

    def _open(self) -> None:
        self.sock = socket.create_connection(self.address, timeout=TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf, self.used = b"", 0

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def _fill(self) -> None:
        chunk = self.sock.recv(262144)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buf += chunk

    def _take(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def _line(self) -> bytes:
        while b"\r\n" not in self.buf:
            self._fill()
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def request(self, raw: bytes) -> tuple[int, bytes]:
        if self.sock is None or self.used >= RECYCLE_EVERY:
            self.close()
            self._open()
        self.used += 1
        self.sock.sendall(raw)
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        headers = dict(line.split(b":", 1) for line in lines[1:])
        headers = {k.strip().lower(): v.strip().lower() for k, v in headers.items()}
        if b"content-length" in headers:
            body = self._take(int(headers[b"content-length"]))
        elif headers.get(b"transfer-encoding") == b"chunked":
            body = self._chunked()
        else:
            raise ConnectionError("response without a length")
        if headers.get(b"connection") == b"close":
            self.close()
        return status, body

    def _chunked(self) -> bytes:
        parts = []
        while True:
            size = int(self._line().split(b";")[0], 16)
            if size == 0:
                while self._line():
                    pass
                return b"".join(parts)
            parts.append(self._take(size))
            self._take(2)


def build_request(method: str, path: str, headers: dict, body: bytes = b"") -> bytes:
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: 127.0.0.1",
        "Connection: keep-alive",
        "User-Agent: ideas-bench",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    if body or method in ("POST", "PUT"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def fixed_request(spec: dict, slot: int) -> bytes:
    """One scenario's request; with `cookies`, each connection sends its own (one signed-in member each)."""
    headers = dict(spec.get("headers", {}))
    if spec.get("cookies"):
        headers["Cookie"] = spec["cookies"][slot % len(spec["cookies"])]
    return build_request(spec["method"], spec["path"], headers, (spec.get("body") or "").encode())


class Plan:
    """What connection number `slot` sends as its k-th request."""

    def __init__(self, spec: dict, slot: int, slots: int):
        votes = spec.get("votes")
        if votes is None:  # one request, or a `mix` of them sent in turn
            self.fixed = [fixed_request(part, slot) for part in spec.get("mix", [spec])]
            return
        self.fixed = None
        self.tokens = votes["tokens"][slot::slots]
        self.ideas = votes["idea_ids"]
        self.offset = (slot * votes.get("spread", 0)) % len(self.ideas)
        self.slot = slot

    def request(self, k: int) -> tuple[bytes, int]:
        """Returns the bytes and the vote value (0 when not voting)."""
        if self.fixed is not None:
            return self.fixed[k % len(self.fixed)], 0
        # Every (user, idea) pair is used once: users cycle fastest, then the idea moves on.
        user, step = k % len(self.tokens), k // len(self.tokens)
        if step >= len(self.ideas):
            raise RuntimeError("ran out of fresh (user, idea) pairs; add ideas or tokens")
        idea_id = self.ideas[(self.offset + step) % len(self.ideas)]
        value = -1 if (k + self.slot) % 4 == 0 else 1
        body = json.dumps({"value": value}).encode()
        raw = build_request(
            "PUT",
            f"/api/v1/ideas/{idea_id}/vote",
            {"Authorization": f"Bearer {self.tokens[user]}", "Content-Type": "application/json"},
            body,
        )
        return raw, value


class Tally:
    """One thread's counts; only requests started inside the measured window give latencies."""

    def __init__(self):
        self.latencies: list[float] = []
        self.statuses: dict[str, int] = {}
        self.ok_up = self.ok_down = self.errors = self.sent = 0
        self.first_error = None
        self.finished = 0.0


def quota(spec: dict, slot: int, slots: int) -> int | None:
    """With `requests`, the run is a fixed number of requests shared by the connections instead of a time."""
    total = spec.get("requests")
    return None if total is None else total // slots + (slot < total % slots)


def drive(spec: dict, slot: int, slots: int, windows: tuple[float, float, float], tally: Tally) -> None:
    start, measure_from, stop = windows
    plan = Plan(spec, slot, slots)
    limit = quota(spec, slot, slots)
    conn = Connection(spec["host"], spec["port"])
    while time.time() < start:
        time.sleep(0.001)
    k = 0
    try:
        while limit is None or k < limit:
            began_wall = time.time()
            if began_wall >= stop:
                break
            raw, value = plan.request(k)
            k += 1
            tally.sent += 1
            began = time.perf_counter()
            try:
                status, _ = conn.request(raw)
            except (OSError, ValueError) as exc:
                tally.errors += 1
                tally.first_error = tally.first_error or repr(exc)
                conn.close()
                continue
            elapsed = time.perf_counter() - began
            tally.statuses[str(status)] = tally.statuses.get(str(status), 0) + 1
            if status == 200 and value:
                tally.ok_up += value == 1
                tally.ok_down += value == -1
            if began_wall >= measure_from:
                tally.latencies.append(elapsed)
    finally:
        tally.finished = time.time()
        conn.close()


def run_process(spec: dict, index: int, windows: tuple[float, float, float]) -> dict:
    threads_per = spec["threads"]
    slots = spec["processes"] * threads_per
    tallies = [Tally() for _ in range(threads_per)]
    threads = [
        threading.Thread(target=drive, args=(spec, index * threads_per + t, slots, windows, tallies[t]))
        for t in range(threads_per)
    ]
    cpu_before = _cpu_seconds()
    for t in threads:
        t.start()  # each thread waits for the common start time itself
    for t in threads:
        t.join()
    return combine([{**vars(t), "client_cpu_seconds": 0.0} for t in tallies]) | {
        "client_cpu_seconds": _cpu_seconds() - cpu_before
    }


def combine(parts: list[dict]) -> dict:
    """Adds up threads, processes or rounds of one scenario."""
    statuses: dict[str, int] = {}
    for part in parts:
        for key, n in part["statuses"].items():
            statuses[key] = statuses.get(key, 0) + n
    return {
        "latencies": [x for part in parts for x in part["latencies"]],
        "statuses": statuses,
        **{
            key: sum(part[key] for part in parts)
            for key in ("ok_up", "ok_down", "errors", "sent", "client_cpu_seconds")
        },
        "first_error": next((part["first_error"] for part in parts if part["first_error"]), None),
        "finished": max((part.get("finished", 0.0) for part in parts), default=0.0),
    }


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def machine_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, whoever spent them."""
    with open("/proc/stat") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def busy_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    return (after[0] - before[0]) / max(1, after[1] - before[1])


def _sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.time()))


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def summarise(rounds: list[dict]) -> dict:
    """Throughput and latency percentiles over all measured windows of one scenario."""
    total = combine(rounds)
    latencies = sorted(total.pop("latencies"))
    client_cpu = total.pop("client_cpu_seconds")
    duration = sum(r["duration"] for r in rounds)
    return {
        "requests": len(latencies),
        "rps": len(latencies) / duration,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p90_ms": percentile(latencies, 0.90) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "max_ms": (latencies[-1] if latencies else float("nan")) * 1000,
        **total,
        "client_cores": client_cpu / sum(r["wall"] for r in rounds),
        "machine_busy": sum(r["machine_busy"] for r in rounds) / len(rounds),
        "round_rps": [round(len(r["latencies"]) / r["duration"], 1) for r in rounds],
    }


def main() -> None:
    """One measured round: warm-up, then `duration` seconds; prints raw latencies for summarise().

    With `parts` ({key: scenario}), each part runs in its own process at the same moment (readers beside
    writers) and the result is {"parts": {key: result}}.
    """
    spec = json.load(sys.stdin)
    parts = spec.get("parts")
    if parts:
        jobs = [({**spec, **part, "processes": 1}, 0) for part in parts.values()]
    else:
        jobs = [(spec, n) for n in range(spec["processes"])]
    start = time.time() + 1.0  # time for the worker processes to come up
    counted = "requests" in spec  # a fixed number of requests, all measured, no warm-up
    windows = (
        (start, start, float("inf"))
        if counted
        else (start, start + spec["warmup"], start + spec["warmup"] + spec["duration"])
    )
    with ProcessPoolExecutor(len(jobs), initializer=die_with_parent) as pool:
        futures = [pool.submit(run_process, job, n, windows) for job, n in jobs]
        _sleep_until(windows[1])
        cpu_before = machine_cpu()
        if not counted:
            _sleep_until(windows[2])
            machine_busy = busy_share(cpu_before, machine_cpu())
        results = [f.result() for f in futures]
        if counted:
            machine_busy = busy_share(cpu_before, machine_cpu())

    def timed(result: dict) -> dict:
        duration = result["finished"] - start if counted else spec["duration"]
        wall = duration if counted else spec["warmup"] + spec["duration"]
        return result | {"duration": duration, "wall": wall, "machine_busy": machine_busy}

    if parts:
        json.dump({"parts": {key: timed(r) for key, r in zip(parts, results)}}, sys.stdout)
    else:
        json.dump(timed(combine(results)), sys.stdout)


if __name__ == "__main__":
    main()
