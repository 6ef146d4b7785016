"""The processes under test: the portal and the bare hello app behind identical server settings
(gunicorn gthread 2 × 4, or granian's WSGI interface 2 × 4 with BENCH_SERVER=granian)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from devtools.embedded import GUNICORN_NO_PROXY, die_with_parent, free_port, stop

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WORKERS, THREADS = 2, 4  # gthread: keep-alive connections, as a reverse proxy would keep them
GUNICORN = [
    "-k",
    "gthread",
    "-w",
    str(WORKERS),
    "--threads",
    str(THREADS),
    "--graceful-timeout",
    "5",
    "--log-level",
    "warning",
    *GUNICORN_NO_PROXY,  # as `make run` serves it, for the portal and the bare app alike
]
# granian: 2 worker processes, each running the WSGI app on 4 blocking threads (gthread's --threads), one Rust
# runtime thread for the sockets; HTTP/1.1 keep-alive is granian's default.
GRANIAN = [
    "--interface",
    "wsgi",
    "--workers",
    str(WORKERS),
    "--blocking-threads",
    str(THREADS),
    "--runtime-threads",
    "1",
    "--http",
    "1",
    "--http1-keep-alive",
    "--no-ws",
    "--workers-kill-timeout",
    "5",
    "--log-level",
    "warning",
]
SETTINGS = {"gunicorn": GUNICORN, "granian": GRANIAN}
MASTERS: dict[int, int] = {}  # port → master pid (its children are the workers), for memory.py


def server_name() -> str:
    """BENCH_SERVER: gunicorn (the default, what `make run`'s set-up is measured with) or granian."""
    name = os.environ.get("BENCH_SERVER", "gunicorn")
    if name not in SETTINGS:
        raise SystemExit(f"BENCH_SERVER must be one of {', '.join(SETTINGS)}, not {name!r}")
    return name


def _command(server: str, target: str, port: int, chdir: Path) -> list[str]:
    if server == "granian":
        where = ["--working-dir", str(chdir), "--host", "127.0.0.1", "--port", str(port)]
        return [sys.executable, "-m", "granian", *GRANIAN, *where, target]
    return [sys.executable, "-m", "gunicorn", *GUNICORN, "--chdir", str(chdir), "-b", f"127.0.0.1:{port}", target]


def app_env(database_url: str, redis_url: str, workdir: Path) -> dict:
    """The environment every portal process of the run shares (CLI and gunicorn alike)."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "bench-secret-key-not-for-production",
        "IDEAS_ENV": "production",
        "RATELIMIT_ENABLED": "0",
        "INSTANCE_DIR": str(workdir / "instance"),
        "MEDIA_DIR": str(workdir / "media"),
        "MAIL_DIR": str(workdir / "mail"),
    }


def flask(env: dict, *args: str) -> str:
    """Runs `flask --app wsgi ARGS` from the repository root; fails loudly with its output."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            return sock.recv(16).startswith(b"HTTP/1.")
    except OSError:
        return False


def gunicorn(target: str, env: dict, log: Path, chdir: Path = ROOT, timeout: float = 60.0):
    """Serves `target` under gunicorn whatever BENCH_SERVER says (the dashboard bench)."""
    return serve(target, env, log, chdir, timeout, server="gunicorn")


@contextlib.contextmanager
def serve(target: str, env: dict, log: Path, chdir: Path = ROOT, timeout: float = 60.0, server: str | None = None):
    """Serves `target` on a free 127.0.0.1 port for the duration of the block; yields the port."""
    server = server or server_name()
    port = free_port()
    with log.open("ab") as out:
        proc = subprocess.Popen(
            _command(server, target, port, chdir),
            cwd=chdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
    try:
        deadline = time.monotonic() + timeout
        while not _answers(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{server} {target} did not start; see {log}:\n{_tail(log)}")
            time.sleep(0.1)
        MASTERS[port] = proc.pid
        yield port
    finally:
        MASTERS.pop(port, None)
        stop(proc)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def start_stack(stack, work: Path) -> tuple[str, str, dict, int]:
    """A migrated throwaway PostgreSQL, a Redis and a staff account; torn down by the ExitStack."""
    from devtools.embedded import start_postgres, start_redis

    url, stop_pg = start_postgres(work / "pg")
    stack.callback(stop_pg)
    redis_url, redis_proc = start_redis(work / "redis")
    stack.callback(stop, redis_proc)
    env = app_env(url, redis_url, work)
    flask(env, "db", "upgrade")
    staff_id = int(
        flask(
            env,
            "users",
            "create",
            "staff@bench.example.com",
            "--password",
            "bench-password",
            "--name",
            "Bench Staff",
            "--role",
            "staff",
        ).split()[-1]
    )
    return url, redis_url, env, staff_id
