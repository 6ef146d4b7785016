"""Fetching a row by an id that came from outside: anything that cannot be an id is simply not found."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Idea
from ..models.types import is_id
from .exceptions import Conflict, NotFound


def row(model, row_id):
    return db.session.get(model, row_id) if is_id(row_id) else None


def found(model, row_id, missing: str):
    """The row, or NotFound saying in words what is missing."""
    hit = row(model, row_id)
    if hit is None:
        raise NotFound(missing)
    return hit


def next_position(column) -> int:
    return (db.session.scalar(select(func.max(column))) or 0) + 1


def add_named(new_row, taken: str):
    """Commits a row whose name is UNIQUE: the constraint decides, and a clash reads as `taken`."""
    db.session.add(new_row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(taken) from None
    return new_row


def idea(idea_id, *, include_withdrawn: bool = True) -> Idea:
    found = row(Idea, idea_id)
    if found is None or (found.withdrawn_at and not include_withdrawn):
        raise NotFound("There is no idea with that number.")
    return found
