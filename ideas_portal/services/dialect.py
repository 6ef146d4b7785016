"""The one place that knows SQLite and PostgreSQL differ: upserts' imports, and SQLite's read-only transactions."""

from contextlib import contextmanager

from flask import g
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db


def name() -> str:
    return db.session.get_bind().dialect.name


def insert(model):
    return (postgresql.insert if name() == "postgresql" else sqlite.insert)(model)


@contextmanager
def writing():
    """Around the writes of a GET (a verification link, a token's last use, a day's summary), committed inside:
    on SQLite they then begin IMMEDIATE like any other write (extensions.configure_sqlite). A deferred transaction
    the request already began for its reads is ended first; it wrote nothing, so nothing is lost."""
    before = g.get("db_writes", False)
    g.db_writes = True
    if name() == "sqlite" and db.session().in_transaction() and db.session.connection().info.get("sqlite_deferred"):
        db.session.commit()
    try:
        yield
    finally:
        g.db_writes = before
