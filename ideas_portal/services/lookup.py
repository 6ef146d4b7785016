"""Fetching a row by an id that came from outside: anything that cannot be an id is simply not found."""

from __future__ import annotations

from ..extensions import db
from ..models import Idea
from ..models.types import is_id
from .exceptions import NotFound


def row(model, row_id):
    return db.session.get(model, row_id) if is_id(row_id) else None


def idea(idea_id, *, include_withdrawn: bool = True) -> Idea:
    found = row(Idea, idea_id)
    if found is None or (found.withdrawn_at and not include_withdrawn):
        raise NotFound("There is no idea with that number.")
    return found
