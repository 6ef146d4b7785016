"""Staff review of processed entries: approved into the gallery, or rejected with a reason and the slot given back."""

from __future__ import annotations

from sqlalchemy import select, update

from ... import policy
from ...extensions import db
from ...models import ContestEntry
from ...models.types import utcnow
from .. import rewards, text
from ..exceptions import Conflict, InvalidInput
from . import entries, slots

ENTRIES = ContestEntry.__table__


def review(actor, entry_id, decision: str, reason: str = "") -> ContestEntry:
    """Staff approve or reject; a rejected entrant sees the reason and gets the slot back."""
    policy.require(actor, "contest.review_entries")
    entry = entries.get_visible(entry_id, actor)
    if decision not in ("approve", "reject"):
        raise InvalidInput("decision must be 'approve' or 'reject'.")
    reason = text.plain(reason or "", "reason").strip()[:500]
    if entry.state in ("processing", "failed"):
        raise Conflict("Only a processed entry can be reviewed.")
    if entry.contest.announced_at:
        raise Conflict("The winners are announced; entries can no longer change.")
    target = "approved" if decision == "approve" else "rejected"
    if entry.state != target:
        changed = db.session.execute(
            update(ENTRIES)
            .where(ENTRIES.c.id == entry.id, ENTRIES.c.state == entry.state)
            .values(
                state=target,
                reviewed_at=utcnow(),
                reviewed_by_id=actor.id,
                error=None if target == "approved" else (reason or "It does not meet the contest rules."),
            )
            .returning(ENTRIES.c.id)
        ).first()
        if changed and target == "rejected":
            slots.release(entry)
        elif changed and entry.state == "rejected" and not slots.won(entry.user_id, entry.contest):
            db.session.rollback()  # the rejection gave the slot back and the member has used it since
            raise Conflict("This member has entered another photo since; they are at the contest's limit.")
        if changed:  # the entry's row is locked by the UPDATE: its points follow its state, in order
            rewards.toggle(entry.user_id, "entry", f"entry:{entry.id}", on=target == "approved")
        db.session.commit()
        db.session.refresh(entry)
    return entry


def review_queue(contest_id: int | None = None, limit: int = 50) -> list[ContestEntry]:
    stmt = select(ContestEntry).where(ContestEntry.state == "pending_review")
    if contest_id:
        stmt = stmt.where(ContestEntry.contest_id == contest_id)
    return list(db.session.scalars(stmt.order_by(ContestEntry.id).limit(limit)).unique())
