"""When staff first answered an idea: the dashboard's response time, set once by a conditional UPDATE."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from ..extensions import db
from ..models import Idea
from ..models.types import utcnow

IDEAS = Idea.__table__


def staff_answered(idea_id: int, actor, at: datetime | None = None) -> None:
    """A staff comment, official answer or status change; only the first one counts. Into the caller's
    transaction; anyone else's action is not a response."""
    if actor is None or not getattr(actor, "is_staff", False):
        return
    db.session.execute(
        update(IDEAS)
        .where(IDEAS.c.id == idea_id, IDEAS.c.first_response_at.is_(None))
        .values(first_response_at=at or utcnow())
    )
