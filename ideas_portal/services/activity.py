"""What a member did, for their eyes only: the ideas they voted on and their contest entries with review state."""

from __future__ import annotations

from sqlalchemy import select

from ..models import ContestEntry, Idea, Vote
from . import pagination

PAGE = 20


def my_votes(user, cursor: str | None = None, limit: int = PAGE) -> pagination.Page:
    """(vote, idea) rows, newest vote first."""
    stmt = select(Vote, Idea).join(Idea, Idea.id == Vote.idea_id).where(Vote.user_id == user.id)
    return pagination.keyset(
        stmt, Vote.id, cursor=cursor, limit=limit, scalars=False, cursor_of=lambda row: (row.Vote.id, row.Vote.id)
    )


def my_entries(user, cursor: str | None = None, limit: int = PAGE) -> pagination.Page:
    """Every entry of the member, whatever its state, newest first (its contest comes joined)."""
    stmt = select(ContestEntry).where(ContestEntry.user_id == user.id)
    return pagination.keyset(stmt, ContestEntry.id, cursor=cursor, limit=limit)
