"""The one place that knows SQLite and PostgreSQL spell upserts with different imports."""

from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db


def name() -> str:
    return db.session.get_bind().dialect.name


def insert(model):
    return (postgresql.insert if name() == "postgresql" else sqlite.insert)(model)
