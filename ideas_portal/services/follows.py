"""Who follows an idea: authors, voters and commenters automatically, anyone by choice."""

from __future__ import annotations

from sqlalchemy import delete, select

from ..extensions import db
from ..models import Follow
from ..models.types import utcnow
from . import lookup
from .dialect import insert


def follow(user_id: int, idea_id: int) -> None:
    """Idempotent; the caller commits."""
    db.session.execute(
        insert(Follow.__table__)
        .values(user_id=user_id, idea_id=idea_id, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id", "idea_id"])
    )


def unfollow(user_id: int, idea_id: int) -> None:
    db.session.execute(delete(Follow).where(Follow.user_id == user_id, Follow.idea_id == idea_id))


def is_following(user, idea_id: int) -> bool:
    if not user or not getattr(user, "is_authenticated", False):
        return False
    return (
        db.session.scalar(select(Follow.user_id).where(Follow.user_id == user.id, Follow.idea_id == idea_id))
        is not None
    )


def set_following(user, idea_id: int, on: bool) -> bool:
    idea = lookup.idea(idea_id)
    (follow if on else unfollow)(user.id, idea.id)
    db.session.commit()
    return on
