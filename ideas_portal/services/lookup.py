"""Fetching a row by an id that came from outside: anything that cannot be an id is simply not found."""
from __future__ import annotations

from ..extensions import db
from ..models.types import is_id


def row(model, row_id):
    return db.session.get(model, row_id) if is_id(row_id) else None
