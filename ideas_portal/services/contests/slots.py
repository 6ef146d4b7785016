"""The per-member entry limit: a slot is won by a conditional UPDATE, so concurrent uploads cannot exceed it."""

from __future__ import annotations

from sqlalchemy import update

from ...extensions import db
from ...models import Contest, ContestEntrant, ContestEntry
from ..exceptions import Conflict

ENTRANTS = ContestEntrant.__table__


def won(user_id: int, contest: Contest) -> bool:
    """Only an UPDATE under the limit wins a slot; the entrant row must exist (the rules accepted)."""
    return (
        db.session.execute(
            update(ENTRANTS)
            .where(
                ENTRANTS.c.contest_id == contest.id,
                ENTRANTS.c.user_id == user_id,
                ENTRANTS.c.entries < contest.max_entries_per_member,
            )
            .values(entries=ENTRANTS.c.entries + 1)
            .returning(ENTRANTS.c.entries)
        ).first()
        is not None
    )


def claim(user, contest: Contest) -> None:
    if not won(user.id, contest):
        limit = contest.max_entries_per_member
        raise Conflict(f"You have entered this contest {limit} time{'s' if limit != 1 else ''}, the most allowed.")


def release(entry: ContestEntry) -> None:
    """A failed or rejected entry gives its slot back."""
    db.session.execute(
        update(ENTRANTS)
        .where(ENTRANTS.c.contest_id == entry.contest_id, ENTRANTS.c.user_id == entry.user_id, ENTRANTS.c.entries > 0)
        .values(entries=ENTRANTS.c.entries - 1)
    )
