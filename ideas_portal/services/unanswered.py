"""The queue of ideas the team has not answered yet, so none is forgotten."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..extensions import db
from ..models import Idea
from ..models.types import utcnow
from . import pagination


def page(limit: int = 30, cursor: str | None = None) -> pagination.Page:
    """Ideas nobody from the team has answered: no official response and no status change, oldest first."""
    stmt = select(Idea).where(Idea.official_comment_id.is_(None), Idea.status_changed_at.is_(None),
                              Idea.withdrawn_at.is_(None), Idea.hidden_at.is_(None))
    if cursor:
        value, last_id = pagination.decode(cursor, as_datetime=True)
        stmt = stmt.where((Idea.created_at > value) | ((Idea.created_at == value) & (Idea.id > last_id)))
    rows = list(db.session.scalars(stmt.order_by(Idea.created_at, Idea.id).limit(limit + 1)).unique())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = pagination.encode(rows[-1].created_at, rows[-1].id)
    return pagination.Page(rows, next_cursor)


def age(created_at: datetime) -> str:
    days = (utcnow() - created_at).days
    return "today" if days == 0 else f"{days} day{'s' if days != 1 else ''}"
