"""`make run`: one command brings up Redis, the schema, demo data, a worker and the site, restarts whichever of
them crashes, and stops them together."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from devtools.embedded import die_with_parent, gunicorn, start_redis, stop
from ideas_portal.config import INSTANCE, ROOT, Config

STARTUP_TIMEOUT = 60.0
SHUTDOWN_TIMEOUT = 10.0
MAX_BACKOFF = 30.0  # a child that keeps crashing is started again at most this rarely


class Shutdown(Exception):
    """Raised from the signal handler so every exit path runs the same cleanup."""


def _on_signal(signum: int, frame: object) -> None:
    raise Shutdown(signal.Signals(signum).name)


def say(message: str) -> None:
    print(f"[devserver] {message}", file=sys.stderr, flush=True)


def flask(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "wsgi", *args]


def run_step(command: list[str], env: dict[str, str]) -> None:
    """Setup steps share the terminal so their errors are seen where they happen."""
    say("$ " + " ".join(command[2:]))
    result = subprocess.run(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise RuntimeError(f"`{' '.join(command[2:])}` failed with exit code {result.returncode}")


def spawn(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    """Own session: Ctrl-C reaches only us, so we can stop the web, the worker and Redis in order."""
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=die_with_parent
    )


def terminate(name: str, proc: subprocess.Popen) -> None:
    """SIGTERM the leader for a graceful stop, then SIGKILL its whole group so no grandchild survives."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(SHUTDOWN_TIMEOUT)
        except subprocess.TimeoutExpired:
            say(f"{name} did not stop within {SHUTDOWN_TIMEOUT:.0f}s; killing it")
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_for_site(url: str, supervisor: Supervisor) -> int:
    """Poll / until it answers (any status) and return the status; crashed children are restarted meanwhile."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        supervisor.check()
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {STARTUP_TIMEOUT:.0f}s")


class Supervisor:
    """Keeps every child running: one that exits is started again, at once the first time, then backing off
    (1 s, 2 s, 4 s … up to MAX_BACKOFF) while it keeps exiting within a minute of its last start."""

    def __init__(self, starters: dict[str, Callable[[], subprocess.Popen]], clock=time.monotonic):
        self.starters = starters
        self.children: dict[str, subprocess.Popen] = {}
        self._clock = clock
        self._restarts: dict[str, list[float]] = {name: [] for name in starters}
        self._due: dict[str, float] = {}

    def start(self, name: str) -> subprocess.Popen:
        self.children[name] = self.starters[name]()
        return self.children[name]

    def check(self) -> list[str]:
        """Restarts the children that have exited and whose back-off has passed; returns their names."""
        now = self._clock()
        restarted = []
        for name, proc in list(self.children.items()):
            if proc.poll() is None:
                continue
            recent = [t for t in self._restarts.setdefault(name, []) if now - t < 60]
            if name not in self._due:
                delay = min(MAX_BACKOFF, 0.5 * 2 ** len(recent)) if recent else 0.0
                self._due[name] = now + delay
                say(
                    f"{name} exited with code {proc.returncode}; starting it again"
                    + (f" in {delay:.1f}s" if delay else "")
                )
            if now < self._due[name]:
                continue
            del self._due[name]
            self._restarts[name] = recent + [now]
            try:
                self.start(name)
            except (RuntimeError, OSError) as exc:  # e.g. Redis's port taken meanwhile: try again after a back-off
                say(f"{name} did not start: {exc}")
                continue
            say(f"{name} started again (pid {self.children[name].pid})")
            restarted.append(name)
        return restarted


def banner(url: str, status: int, redis_url: str, embedded_redis: bool, config: Config) -> str:
    from sqlalchemy.engine import make_url

    from ideas_portal.demo.ideas import DEMO_LOGINS

    width = max(len(email) for email, *_ in DEMO_LOGINS)
    logins = "\n".join(f"    {role:<7} {email:<{width}}  {password}" for email, password, _, role in DEMO_LOGINS)
    if config.MAIL_BACKEND == "file":
        mail = f"{_shown(Path(config.MAIL_DIR))}/*.eml (MAIL_BACKEND=file)"
    else:
        mail = f"{config.MAIL_BACKEND} via {config.SMTP_HOST}:{config.SMTP_PORT} (MAIL_BACKEND={config.MAIL_BACKEND})"
    database = make_url(config.SQLALCHEMY_DATABASE_URI).render_as_string(hide_password=True)
    warning = "" if status == 200 else f"\n  WARNING: / answered HTTP {status}, not 200 - see the log above.\n"
    rule = "=" * 72
    return (
        f"\n{rule}\n  Ideas Portal is running at {url}\n{warning}\n"
        f"  Demo logins (email, password):\n{logins}\n\n"
        f"  Dev mail:  {mail}\n"
        f"  Redis:     {redis_url}{' (embedded, nothing is persisted)' if embedded_redis else ''}\n"
        f"  Database:  {database}\n\n"
        f"  Ctrl-C to stop.\n{rule}\n"
    )


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def main() -> int:
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    port = int(os.environ.get("PORT", "5000"))
    if not port_is_free(port):
        say(f"port {port} on 127.0.0.1 is already in use; stop what runs there or set PORT")
        return 1
    INSTANCE.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    marker = INSTANCE / "redis.url"
    starters: dict[str, Callable[[], subprocess.Popen]] = {}
    supervisor = Supervisor(starters)
    embedded_redis = not env.get("REDIS_URL")
    code = 0
    try:
        if embedded_redis:
            redis_port = int(env["REDIS_PORT"]) if env.get("REDIS_PORT") else None
            redis_url, redis_proc = start_redis(INSTANCE / "redis", redis_port)
            redis_port = int(redis_url.rsplit(":", 1)[1].split("/")[0])  # a restart comes back where clients look
            starters["redis"] = lambda: start_redis(INSTANCE / "redis", redis_port)[1]
            supervisor.children["redis"] = redis_proc
            marker.write_text(redis_url + "\n")
            env["REDIS_URL"] = redis_url
            say(f"embedded Redis at {redis_url} (pid {redis_proc.pid})")
        else:
            redis_url = env["REDIS_URL"]
        run_step(flask("db", "upgrade"), env)
        run_step(flask("seed-demo"), env)
        starters["worker"] = lambda: spawn(flask("worker"), env)
        starters["web"] = lambda: spawn(gunicorn(port, workers=2, threads=4), env)
        supervisor.start("worker")
        supervisor.start("web")
        url = f"http://127.0.0.1:{port}/"
        status = wait_for_site(url, supervisor)
        print(banner(url, status, redis_url, embedded_redis, Config()), flush=True)
        while True:
            supervisor.check()
            time.sleep(0.5)
    except Shutdown as exc:
        say(f"{exc} received; stopping")
    except RuntimeError as exc:
        say(f"{exc}; stopping everything")
        code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the cleanup short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        children = supervisor.children
        for name in ("web", "worker"):
            if name in children:
                terminate(name, children[name])
        if "redis" in children:
            stop(children["redis"])
            if marker.exists() and marker.read_text().strip() == env.get("REDIS_URL"):
                marker.unlink()
        say("stopped")
    return code


if __name__ == "__main__":
    sys.exit(main())
