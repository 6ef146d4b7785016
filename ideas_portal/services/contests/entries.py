"""Reading entries: who may see one, the gallery, contest covers, a member's own entries and entrant row."""

from __future__ import annotations

from sqlalchemy import select

from ... import policy
from ...extensions import db
from ...models import Contest, ContestEntrant, ContestEntry
from .. import lookup, pagination
from ..exceptions import InvalidInput, NotFound


def can_see(entry: ContestEntry, viewer) -> bool:
    if entry.state == "approved":
        return True
    return policy.allows(viewer, "entry.see_unapproved", entry)


def get_visible(entry_id, viewer) -> ContestEntry:
    entry = lookup.row(ContestEntry, entry_id)
    if entry is None or not can_see(entry, viewer):
        raise NotFound("There is no entry with that number.")
    return entry


def gallery(contest_id: int, sort: str = "new", limit: int = 24, cursor: str | None = None) -> pagination.Page:
    """Approved entries, newest first or most votes first (ties: the earlier entry), keyset-paged."""
    if sort not in ("new", "votes"):
        raise InvalidInput("sort must be 'new' or 'votes'.")
    stmt = select(ContestEntry).where(ContestEntry.contest_id == contest_id, ContestEntry.state == "approved")
    if sort == "new":
        return pagination.keyset(stmt, ContestEntry.id, cursor=cursor, limit=limit)
    return pagination.keyset(
        stmt, ContestEntry.id, cursor=cursor, limit=limit, sort_column=ContestEntry.votes, id_descending=False
    )


def covers(contest_ids: list[int]) -> dict[int, ContestEntry]:
    """The most-voted photo of each contest (ties: the earlier one), for contest cards."""
    best = (
        select(ContestEntry.id)
        .where(
            ContestEntry.contest_id == Contest.id,
            ContestEntry.state == "approved",
            ContestEntry.thumbnails_ready.is_(True),
        )
        .order_by(ContestEntry.votes.desc(), ContestEntry.id)
        .limit(1)
        .scalar_subquery()
    )
    ids = [i for i in db.session.scalars(select(best).where(Contest.id.in_(contest_ids))) if i]
    if not ids:
        return {}
    found = db.session.scalars(select(ContestEntry).where(ContestEntry.id.in_(ids))).unique()
    return {entry.contest_id: entry for entry in found}


def mine(user, contest_id: int) -> list[ContestEntry]:
    if not user or not getattr(user, "is_authenticated", False):
        return []
    return list(
        db.session.scalars(
            select(ContestEntry)
            .where(ContestEntry.contest_id == contest_id, ContestEntry.user_id == user.id)
            .order_by(ContestEntry.id)
        ).unique()
    )


def entrant(user, contest_id: int) -> ContestEntrant | None:
    if not user or not getattr(user, "is_authenticated", False):
        return None
    return db.session.get(ContestEntrant, (contest_id, user.id))
