"""The status workflow: every change is public, timed, in the feed, and told to followers."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select, update

from .. import outbox, policy
from ..extensions import db
from ..models import FeedItem, Idea, Status, StatusChange, User
from ..models.types import utcnow
from . import lookup, markdown, responses, rewards, status_catalog, text
from .exceptions import Conflict, InvalidInput

NOTE_MAX = 5_000


def record(
    idea: Idea, old_status_id: int, new: Status, actor: User | None, note: str, at: datetime | None = None
) -> StatusChange:
    """Writes the change, the idea's new status, its feed item and its fan-out job; the caller commits.

    A change dated in the past (`at`, the demo's history) is not news: nobody is notified of it.
    """
    now = at or utcnow()
    change = StatusChange(
        idea_id=idea.id,
        from_status_id=old_status_id,
        to_status_id=new.id,
        actor_id=actor.id if actor else None,
        note=note,
        note_html=markdown.render(note),
        created_at=now,
    )
    db.session.add(change)
    responses.staff_answered(idea.id, actor, now)
    idea.status_id = new.id
    idea.status = new
    idea.status_changed_at = now
    db.session.flush()
    body = note or f"This idea is now “{new.name}”."
    db.session.add(
        FeedItem(
            kind="status_change",
            idea_id=idea.id,
            status_id=new.id,
            category_id=idea.category_id,
            status_change_id=change.id,
            title=f"{idea.title} — {new.name}",
            body=body,
            body_html=change.note_html or markdown.render(body),
            created_at=now,
        )
    )
    if f"status:{new.slug}" in rewards.POINTS:  # reviewed, coming soon, launched: the author's bonus, once each
        rewards.award(
            idea.author_id,
            "status",
            f"status:{idea.id}:{new.slug}",
            amount=rewards.POINTS[f"status:{new.slug}"],
            idea_id=idea.id,
            at=now,
        )
    if at is None:  # followers and webhooks hear of it once the change commits; a Redis outage only delays them
        outbox.enqueue("notify.fan_out_status_change", change.id, key=f"fanout-{change.id}")
    return change


def change_status(actor, idea_id: int, slug: str, note: str = "") -> Idea:
    policy.require(actor, "idea.change_status")
    note = text.plain(note, "note").strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"The note is limited to {NOTE_MAX:,} characters.")
    idea = lookup.idea(idea_id)
    new = status_catalog.find_status(slug)
    if idea.status_id == new.id:
        raise Conflict(f"The idea is already “{new.name}”.")
    rewards.lock_earners([idea.author_id])  # a status bonus may move the author's balance: their row first
    record(idea, idea.status_id, new, actor, note)
    db.session.commit()
    return idea


def promote_if_popular(idea_id: int) -> StatusChange | None:
    """A New idea that reaches the success threshold moves to Under review by itself, once."""
    threshold = current_app.config["SUCCESS_THRESHOLD"]
    # One statement on the hot vote path; the statuses are only looked up when an idea does move.
    first = select(Status.id).order_by(Status.position, Status.id).limit(1).scalar_subquery()
    review = select(Status.id).where(Status.slug == "under-review").scalar_subquery()
    ideas_table = Idea.__table__
    moved = db.session.execute(
        update(ideas_table)
        .where(
            ideas_table.c.id == idea_id,
            ideas_table.c.status_id == first,
            ideas_table.c.score >= threshold,
            review.is_not(None),
        )
        .values(status_id=review)
        .returning(ideas_table.c.id)
    ).first()
    if not moved:
        return None
    idea = db.session.get_one(Idea, idea_id)
    # The threshold is an event of its own: the author's badges are checked for "Crowd favourite".
    outbox.enqueue("badges.check_member", idea.author_id, key=f"badges-success-{idea_id}")
    return record(
        idea,
        status_catalog.initial_status().id,
        status_catalog.find_status("under-review"),
        None,
        f"Reached {threshold} net votes: our team will review it.",
    )


def timeline(idea: Idea) -> list[StatusChange]:
    return list(
        db.session.scalars(
            select(StatusChange).where(StatusChange.idea_id == idea.id).order_by(StatusChange.id)
        ).unique()
    )


def progress(idea: Idea) -> list[tuple[Status, str]]:
    """The workflow as steps (open statuses in order, then the closed one reached): done/current/todo."""
    steps = [s for s in status_catalog.statuses() if not s.is_closed]
    if idea.status.is_closed:
        steps.append(idea.status)
    current = next(i for i, s in enumerate(steps) if s.id == idea.status_id)
    return [(s, "done" if i < current else "current" if i == current else "todo") for i, s in enumerate(steps)]
