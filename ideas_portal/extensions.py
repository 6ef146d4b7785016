"""Flask extensions and the RQ queues, created unbound and initialised by create_app."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, ClassVar

from flask import current_app, g, has_request_context, request
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager as _LoginManager, current_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from redis import Redis
from rq import Queue
from sqlalchemy import MetaData, Table, event
from sqlalchemy.orm import DeclarativeBase

from .hosts import site_root
from .services import ranking

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Queues by purpose, so a flood of thumbnails never delays a password-reset mail.
QUEUE_NAMES = ("mail", "default", "images")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    if TYPE_CHECKING:  # each model maps one Table, which Core insert()/update() take (SQLAlchemy says FromClause)
        __table__: ClassVar[Table]


db = SQLAlchemy(model_class=Base)
if TYPE_CHECKING:  # mypy cannot take the attribute db.Model as a base class; at run time it is a subclass of Base
    Model = Base
else:
    Model = db.Model
migrate = Migrate()


class LoginManager(_LoginManager):
    """A remember cookie with non-ASCII bytes is no cookie: Flask-Login's hmac.compare_digest raises on it (a 500)."""

    def _load_user_from_remember_cookie(self, cookie: str):
        return super()._load_user_from_remember_cookie(cookie) if cookie.isascii() else None


login_manager = LoginManager()
csrf = CSRFProtect()
cache = Cache()


MAX_SHARED_QUERY = 512  # bytes; a longer query string is answered fresh, never stored


def _personalised() -> bool:
    """Only anonymous GETs are shared: anyone with a session, a remember cookie or a token sees their own page."""
    return (
        request.method != "GET"
        or "Authorization" in request.headers
        or any(name in request.cookies for name in ("session", "remember_token"))
        or len(request.query_string) > MAX_SHARED_QUERY
    )


def _shared_page_key(*_view_args, **_view_kwargs) -> str:
    """Path, sorted query and the base links are built from: no request header chooses what others are served."""
    # Sorted by name only: a repeated parameter keeps its values' order, which decides the answer (the first wins).
    parts = (site_root(), request.path, sorted(request.args.items(multi=True), key=lambda item: item[0]))
    return "page:" + hashlib.sha256(repr(parts).encode()).hexdigest()


# Micro-cache for anonymous list pages: a few seconds of staleness buys an order of magnitude in throughput.
anonymous_cache = cache.cached(make_cache_key=_shared_page_key, unless=_personalised)


def _rate_limit_key() -> str:
    """Members are limited per account, however many tokens or sessions they hold; others per address.

    The token's member is the one the API already resolved (g.api_user); an unchecked Authorization header
    never names a key, or a made-up token per request would escape every limit.
    """
    api_user = g.get("api_user")
    if api_user is not None:
        return f"user:{api_user.id}"
    if request.blueprint != "api" and current_user and current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()


limiter = Limiter(key_func=_rate_limit_key, default_limits=[])


def contest_votes_per_address() -> str:
    """Contest votes are also limited per address: many accounts voting from one place is the usual fraud."""
    return current_app.config["CONTEST_VOTES_PER_ADDRESS"]


def redis_connection() -> Redis:
    app = current_app._get_current_object()
    conn = app.extensions.get("ideas_redis")
    if conn is None:
        # Short timeouts: a hung Redis costs a request a fraction of a second, not the default minutes.
        timeout = app.config["REDIS_SOCKET_TIMEOUT"]
        conn = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=timeout, socket_timeout=timeout)
        app.extensions["ideas_redis"] = conn
    return conn


def get_queue(name: str = "default") -> Queue:
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=redis_connection())


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def _reads_only() -> bool:
    """A GET, HEAD or OPTIONS request only reads, unless it said first that it writes (dialect.writing)."""
    return has_request_context() and request.method in READ_METHODS and not g.get("db_writes", False)


def configure_sqlite(engine, strict: bool = False) -> None:
    """WAL, foreign keys, a busy timeout and the ranking functions. A transaction that may write begins IMMEDIATE,
    so concurrent writers queue for the lock instead of failing. A read-only request begins deferred: in WAL it
    reads its snapshot beside the writer and never waits for it. `strict` (the tests) refuses a write in a
    deferred transaction, which SQLite could only answer with "database is locked" once another writer got in
    first."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()
        # The ranking functions the vote path calls in SQL (PostgreSQL has them from migration 0010).
        dbapi_conn.create_function("ideas_wilson", 2, ranking.wilson_lower_bound, deterministic=True)
        dbapi_conn.create_function("ideas_hot", 3, ranking.hot_score_of_stored, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        deferred = _reads_only()
        conn.info["sqlite_deferred"] = deferred
        conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")

    if strict:

        @event.listens_for(engine, "before_cursor_execute")
        def _refuse_deferred_writes(conn, _cursor, statement, _parameters, _context, _executemany):
            if conn.info.get("sqlite_deferred") and statement.lstrip()[:8].upper().startswith(_WRITES):
                raise RuntimeError(
                    f"{request.method} {request.path} writes in a read-only transaction: wrap them in dialect.writing()"
                )
