"""The status catalog: the statuses ideas can have, in order; admins add, rename, recolour, reorder, open/close them."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from .. import policy
from ..extensions import db
from ..models import Idea, Status
from . import lookup, text
from .categories import slugify
from .exceptions import InvalidInput, NotFound

_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def statuses() -> list[Status]:
    return list(db.session.scalars(select(Status).order_by(Status.position, Status.id)))


def find_status(slug: str) -> Status:
    wanted = (slug or "").strip().lower()
    status = next((s for s in statuses() if s.slug == wanted), None)
    if status is None:
        raise InvalidInput(f"Unknown status {slug!r}. See /api/v1/statuses for the list.")
    return status


def initial_status() -> Status:
    return statuses()[0]


def _clean(name: str, colour: str) -> tuple[str, str]:
    name = " ".join(text.plain(name, "status name", multiline=False).split())
    if not 2 <= len(name) <= 60 or not slugify(name):
        raise InvalidInput("Status names need 2 to 60 characters, with letters or digits.")
    if not _COLOUR.fullmatch(colour or ""):
        raise InvalidInput("The colour must look like #1a2b3c.")
    return name, colour.lower()


def add(admin, name: str, colour: str, is_closed: bool) -> Status:
    policy.require(admin, "statuses.manage")
    name, colour = _clean(name, colour)
    position = lookup.next_position(Status.position)
    status = Status(slug=slugify(name), name=name, colour=colour, is_closed=bool(is_closed), position=position)
    return lookup.add_named(status, f"A status called “{name}” exists already.")


def _get(status_id) -> Status:
    return lookup.found(Status, status_id, "There is no such status.")


def update(admin, status_id: int, name: str, colour: str, is_closed: bool) -> Status:
    """The slug never changes, so API clients and links keep working after a rename."""
    policy.require(admin, "statuses.manage")
    status = _get(status_id)
    status.name, status.colour = _clean(name, colour)
    if status.id == initial_status().id and is_closed:
        raise InvalidInput("The first status is where new ideas start; it must stay open.")
    status.is_closed = bool(is_closed)
    db.session.commit()
    return status


def move(admin, status_id: int, step: int) -> None:
    policy.require(admin, "statuses.manage")
    ordered = statuses()
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
