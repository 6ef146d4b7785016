"""The queue of ideas the team has not answered yet, so none is forgotten."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..models import Idea
from ..models.types import utcnow
from . import pagination


def waiting() -> tuple:
    """Ideas nobody from the team has answered: no official response and no status change (the queue's and the
    dashboard's backlog alike)."""
    return (
        Idea.official_comment_id.is_(None),
        Idea.status_changed_at.is_(None),
        Idea.withdrawn_at.is_(None),
        Idea.hidden_at.is_(None),
    )


def page(limit: int = 30, cursor: str | None = None) -> pagination.Page:
    """The waiting ideas, oldest first."""
    stmt = select(Idea).where(*waiting())
    return pagination.keyset(
        stmt, Idea.id, cursor=cursor, limit=limit, sort_column=Idea.created_at, descending=False, as_datetime=True
    )


def age(created_at: datetime) -> str:
    days = (utcnow() - created_at).days
    return "today" if days == 0 else f"{days} day{'s' if days != 1 else ''}"
