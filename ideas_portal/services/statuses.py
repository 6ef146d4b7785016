"""Admins shape the workflow: add, rename, recolour, reorder and open/close statuses."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Idea, Status
from ..models.types import utcnow
from . import ideas, lookup, pagination, text
from .categories import slugify
from .exceptions import Conflict, InvalidInput, NotAllowed, NotFound

_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def _require_admin(user) -> None:
    if not getattr(user, "is_admin", False):
        raise NotAllowed("Only admins can change the workflow statuses.")


def _clean(name: str, colour: str) -> tuple[str, str]:
    name = " ".join(text.plain(name, "status name", multiline=False).split())
    if not 2 <= len(name) <= 60 or not slugify(name):
        raise InvalidInput("Status names need 2 to 60 characters, with letters or digits.")
    if not _COLOUR.fullmatch(colour or ""):
        raise InvalidInput("The colour must look like #1a2b3c.")
    return name, colour.lower()


def add(admin, name: str, colour: str, is_closed: bool) -> Status:
    _require_admin(admin)
    name, colour = _clean(name, colour)
    position = (db.session.scalar(select(func.max(Status.position))) or 0) + 1
    status = Status(slug=slugify(name), name=name, colour=colour, is_closed=bool(is_closed), position=position)
    db.session.add(status)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(f"A status called “{name}” exists already.") from None
    return status


def _get(status_id) -> Status:
    status = lookup.row(Status, status_id)
    if status is None:
        raise NotFound("There is no such status.")
    return status


def update(admin, status_id: int, name: str, colour: str, is_closed: bool) -> Status:
    """The slug never changes, so API clients and links keep working after a rename."""
    _require_admin(admin)
    status = _get(status_id)
    status.name, status.colour = _clean(name, colour)
    if status.id == ideas.initial_status().id and is_closed:
        raise InvalidInput("The first status is where new ideas start; it must stay open.")
    status.is_closed = bool(is_closed)
    db.session.commit()
    return status


def move(admin, status_id: int, step: int) -> None:
    _require_admin(admin)
    ordered = ideas.statuses()
    index = next((i for i, s in enumerate(ordered) if s.id == status_id), None)
    if index is None:
        raise NotFound("There is no such status.")
    other = index + (1 if step > 0 else -1)
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, status in enumerate(ordered):
        status.position = position
    db.session.commit()


def usage() -> dict[int, int]:
    return dict(db.session.execute(select(Idea.status_id, func.count()).group_by(Idea.status_id)).all())


def unanswered(limit: int = 30, cursor: str | None = None) -> pagination.Page:
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
