"""Fixtures: a fresh migrated database per test (SQLite or PostgreSQL), real Redis, live servers."""

from __future__ import annotations

import contextvars
import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="ideas-tests-"))
os.environ.setdefault("INSTANCE_DIR", str(_SESSION_DIR / "instance"))  # never write into the checkout
os.environ.setdefault("SECRET_KEY", "test-secret-key")

from ideas_portal import create_app  # noqa: E402
from devtools import embedded  # noqa: E402
from ideas_portal.extensions import db  # noqa: E402

BACKEND = os.environ.get("IDEAS_TEST_DB", "sqlite")
_counter = itertools.count()


def pytest_report_header(config):
    return f"database backend: {BACKEND}"


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_url():
    url, proc = embedded.start_redis(_SESSION_DIR / "redis")
    yield url
    embedded.stop(proc)


@pytest.fixture(scope="session")
def pg_server():
    if BACKEND != "postgresql":
        yield None
        return
    url, stop = embedded.start_postgres(_SESSION_DIR / "pg")
    yield url
    stop()


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        db.engine.dispose()


def _pg_admin(server_url: str, sql: str) -> None:
    import psycopg

    dsn = server_url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(scope="session")
def template_database(pg_server):
    """Migrations run once per session; each test gets a cheap copy of the result."""
    if BACKEND == "postgresql":
        _pg_admin(pg_server, "CREATE DATABASE ideas_template")
        _migrate(pg_server.rsplit("/", 1)[0] + "/ideas_template")
        return "ideas_template"
    path = _SESSION_DIR / "template.sqlite3"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture
def database_url(template_database, pg_server, tmp_path):
    if BACKEND == "postgresql":
        name = f"ideas_test_{os.getpid()}_{next(_counter)}"
        _pg_admin(pg_server, f"CREATE DATABASE {name} TEMPLATE {template_database}")
        yield pg_server.rsplit("/", 1)[0] + "/" + name
        _pg_admin(pg_server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    else:
        path = tmp_path / "ideas.sqlite3"
        shutil.copy(template_database, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def app(database_url, redis_url, tmp_path):
    from redis import Redis

    Redis.from_url(redis_url).flushdb()  # jobs a previous test left queued must not run against this database
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": redis_url,
            "RATELIMIT_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            "CACHE_TYPE": "NullCache",  # test_cache.py proves the cache; elsewhere every request is fresh
            "WTF_CSRF_ENABLED": False,
            "MEDIA_DIR": str(tmp_path / "media"),
            "MAIL_DIR": str(tmp_path / "mail"),
            "SERVER_NAME": "localhost",
        }
    )
    app.wsgi_app = IsolatedRequests(app.wsgi_app)
    with app.app_context():  # for the test's own set-up and assertions; requests never see it
        yield app
        db.session.remove()
        db.engine.dispose()


class IsolatedRequests:
    """Each request runs, body included, in a context of its own, as under gunicorn.

    Without this the test's app context would be reused by every request (Flask only pushes one when none is
    active), so `g` (Flask-Login's cached user) and the SQLAlchemy session would leak from request to request.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if db.session.registry.has():
            db.session.commit()  # the test's own writes become visible, and SQLite's write lock is released
        context = contextvars.Context()
        body = context.run(self.wsgi_app, environ, start_response)
        db.session.expire_all()  # the test's next read sees what the request wrote
        return _ContextIterator(context, body, after=db.session.expire_all)


class _ContextIterator:
    """A streamed body is iterated where production iterates it: after the request's app context is gone."""

    def __init__(self, context, body, after):
        self._context, self._iter, self._body, self._after = context, iter(body), body, after

    def __iter__(self):
        return self

    def __next__(self):
        return self._context.run(next, self._iter)

    def close(self):
        try:
            if hasattr(self._body, "close"):
                self._context.run(self._body.close)
        finally:
            self._after()  # the test's next read sees what the request wrote


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    """Sign-up and sign-in through the real HTML forms, as a browser would."""

    def __init__(self, client):
        self._client = client
        self._n = itertools.count(1)

    def signup(self, email=None, name="Test Member", password="correct horse"):
        """Sign-up answers "check your inbox" (new or taken address alike); a new member then signs in."""
        email = email or f"member{next(self._n)}@example.com"
        response = self._client.post("/signup", data={"email": email, "name": name, "password": password})
        if response.status_code == 302:
            self.login(email, password)
        return response

    def login(self, email, password="correct horse", remember=False):
        data = {"email": email, "password": password}
        if remember:
            data["remember"] = "y"
        return self._client.post("/login", data=data)

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def make_user(app):
    from ideas_portal.services import accounts

    counter = itertools.count(1)

    def make(role="member", password="correct horse", email=None, name=None):
        n = next(counter)
        return accounts.register(email or f"{role}{n}@example.com", name or f"{role.title()} {n}", password, role)

    return make


@pytest.fixture
def api(client, make_user):
    """A JSON API client for a fresh user; `api.as_(role)` switches to a new user with that role."""

    class Api:
        def __init__(self):
            self.token = None
            self.user = None

        def as_(self, role="member"):
            self.user = make_user(role)
            r = client.post("/api/v1/tokens", json={"email": self.user.email, "password": "correct horse"})
            assert r.status_code == 201, r.get_json()
            self.token = r.get_json()["token"]
            return self

        def anonymous(self):
            self.token = self.user = None
            return self

        def _headers(self):
            return {"Authorization": f"Bearer {self.token}"} if self.token else {}

        def get(self, path, **kw):
            return client.get("/api/v1" + path, headers=self._headers(), **kw)

        def post(self, path, json=None, **kw):
            return client.post("/api/v1" + path, json=json, headers=self._headers(), **kw)

        def put(self, path, json=None, **kw):
            return client.put("/api/v1" + path, json=json, headers=self._headers(), **kw)

        def delete(self, path, **kw):
            return client.delete("/api/v1" + path, headers=self._headers(), **kw)

    return Api()


@pytest.fixture
def count_queries(app):
    """Counts SQL statements run inside the `with` block."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counting():
        seen = []

        def before(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE")):
                seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield seen
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting


def server_env(database_url: str, redis_url: str, tmp_path: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "FLASK_"))}
    env.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": "test-secret-key",
            "RATELIMIT_ENABLED": "0",
            "CACHE_TYPE": "NullCache",
            "MEDIA_DIR": str(tmp_path / "media"),
            "MAIL_DIR": str(tmp_path / "mail"),
            "INSTANCE_DIR": str(tmp_path / "instance"),
        }
    )
    env.update(extra)
    return env


def wait_until(predicate, timeout: float = 20.0, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def run_worker_burst(
    database_url: str, redis_url: str, tmp_path: Path, timeout: float = 120
) -> subprocess.CompletedProcess:
    """A real `flask worker --burst` process, as operators run it."""
    db.session.remove()  # our own open transaction would hold SQLite's write lock
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"],
        cwd=ROOT,
        env=server_env(database_url, redis_url, tmp_path),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


LIVE_SERVER_LOG = "gunicorn.log"


@pytest.fixture
def live_server(database_url, redis_url, tmp_path):
    """gunicorn serving the app on a free port, plus an RQ worker, against this test's database."""
    import urllib.request

    port = embedded.free_port()
    env = server_env(database_url, redis_url, tmp_path)
    log = (tmp_path / LIVE_SERVER_LOG).open("wb")  # tests can look for tracebacks in it
    web = subprocess.Popen(
        embedded.gunicorn(port, 2, 8, "--log-level", "warning"),
        cwd=ROOT,
        env=env,
        preexec_fn=embedded.die_with_parent,
        stderr=log,
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        preexec_fn=embedded.die_with_parent,
    )
    base = f"http://127.0.0.1:{port}"

    def up():
        try:
            return urllib.request.urlopen(base + "/api/v1/statuses", timeout=2).status == 200
        except OSError:
            return False

    try:
        wait_until(up, timeout=90, what="gunicorn to answer")
        yield base
    finally:
        embedded.stop(web)
        embedded.stop(worker)
        log.close()
        sys.stderr.write((tmp_path / LIVE_SERVER_LOG).read_text(errors="replace"))  # shown when a test fails


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in page"
    return match.group(1) or match.group(2)
