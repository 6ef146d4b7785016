"""In-app notifications: fan-out of status changes in batches, exactly once per member and change."""

from __future__ import annotations

from typing import cast

from sqlalchemy import CursorResult, false, func, literal, select, update

from ..extensions import db
from ..models import Follow, Notification, OutboundEmail, StatusChange, User, Vote
from ..models.types import UTCDateTime, utcnow
from . import mail, markdown, pagination, preferences, unsubscribe
from .dialect import insert

BATCH = 1000


def _body(change: StatusChange, kind: str) -> str:
    idea, status = change.idea, change.to_status
    if kind == "thank_you":
        return (
            f"“{idea.title}” has launched. Thank you for sharing and supporting it — ideas like yours shape what we do."
        )
    if kind == "staff_alert":
        return f"“{idea.title}” reached the vote threshold and moved to {status.name}. Please review it."
    note = markdown.to_text(change.note)  # notices and mail show no markup
    return f"“{idea.title}” is now {status.name}." + (f" {note}" if note else "")


def _recipients(change: StatusChange, kind: str):
    """A select of user ids for one kind of notice, in id order for batching."""
    if kind == "thank_you":
        voters = select(Vote.user_id.label("user_id")).where(Vote.idea_id == change.idea_id)
        author = select(literal(change.idea.author_id).label("user_id"))
        return voters.union(author).subquery()
    if kind == "staff_alert":
        return select(User.id.label("user_id")).where(User.role.in_(("staff", "admin"))).subquery()
    return select(Follow.user_id.label("user_id")).where(Follow.idea_id == change.idea_id).subquery()


def kinds_for(change: StatusChange) -> list[str]:
    kinds = ["status_change"]
    if change.to_status.slug == "launched":
        kinds.append("thank_you")
    if change.actor_id is None:
        kinds.append("staff_alert")
    return kinds


def fan_out_batch(change: StatusChange, kind: str, after_user_id: int) -> tuple[int, int | None]:
    """Inserts one batch; returns (rows inserted, last user id seen or None when done)."""
    users = _recipients(change, kind)
    seen = [
        row[0]
        for row in db.session.execute(
            select(users.c.user_id).where(users.c.user_id > after_user_id).order_by(users.c.user_id).limit(BATCH)
        )
    ]
    if not seen:
        return 0, None
    more = seen[-1] if len(seen) == BATCH else None
    # One set-based INSERT … SELECT per batch: the rows never travel through Python.
    rows = select(
        users.c.user_id,
        literal(kind),
        literal(_body(change, kind)),
        literal(change.idea_id),
        literal(change.id),
        literal(utcnow(), UTCDateTime),
        false(),
    ).where(
        users.c.user_id > after_user_id, users.c.user_id <= seen[-1], users.c.user_id != (change.actor_id or 0)
    )  # staff are not told about their own change
    inserted = db.session.execute(
        insert(Notification)
        .from_select(["user_id", "kind", "body", "idea_id", "status_change_id", "created_at", "emailed"], rows)
        .on_conflict_do_nothing(index_elements=["user_id", "status_change_id", "kind"])
        .returning(Notification.id)
    ).all()
    for message in _email_opted_in(change, kind, [r[0] for r in inserted]):
        mail.enqueue(message.id)  # in this batch's transaction: claimed, written and queued together
    db.session.commit()
    return len(inserted), more


def _email_opted_in(change: StatusChange, kind: str, notification_ids: list[int]) -> list[OutboundEmail]:
    """Mail goes only to members who asked for it, once: the emailed flag is claimed in the same UPDATE."""
    if not notification_ids:
        return []
    claimed = db.session.execute(
        update(Notification)
        .where(
            Notification.id.in_(notification_ids),
            Notification.emailed.is_(False),
            preferences.wants("status_change", "email", Notification.user_id),
        )
        .values(emailed=True)
        .returning(Notification.user_id)
    ).all()
    if not claimed:
        return []
    emails = db.session.scalars(select(User.email).where(User.id.in_([c[0] for c in claimed]))).all()
    subject = f"Update on “{change.idea.title}”"
    messages = [OutboundEmail(to=e, subject=subject, body=_body(change, kind) + "\n") for e in emails]
    db.session.add_all(messages)
    db.session.flush()
    return messages


def fan_out(change_id: int) -> int:
    change = db.session.get(StatusChange, change_id)
    if change is None:
        return 0
    total = 0
    for kind in kinds_for(change):
        after: int | None = 0
        while after is not None:
            count, after = fan_out_batch(change, kind, after)
            total += count
    db.session.execute(
        update(StatusChange)
        .where(StatusChange.id == change_id, StatusChange.notified_at.is_(None))
        .values(notified_at=utcnow())
    )
    db.session.commit()
    return total


def unread_count(user) -> int:
    if not user or not getattr(user, "is_authenticated", False):
        return 0
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def page(user, limit: int = 20, cursor: str | None = None) -> pagination.Page:
    stmt = select(Notification).where(Notification.user_id == user.id)
    return pagination.keyset(stmt, Notification.id, cursor=cursor, limit=limit)


def mark_all_read(user) -> int:
    result = cast(
        CursorResult,
        db.session.execute(
            update(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
            .values(read_at=utcnow())
        ),
    )
    db.session.commit()
    return result.rowcount


def notify(
    user_id: int,
    *,
    choice: str,
    kind: str,
    body: str,
    subject: str,
    idea_id: int | None = None,
    comment_id: int | None = None,
    contest_id: int | None = None,
) -> bool:
    """One notice to one member as they chose for `choice` (a preferences kind): in-app, by email, both or neither.
    About a comment it is sent once per member whatever the reason (UNIQUE(user, comment) + ON CONFLICT).
    Into the caller's transaction; returns whether it was recorded."""
    in_app, email = preferences.wanted(user_id, choice)
    address = db.session.scalar(select(User.email).where(User.id == user_id, User.deleted_at.is_(None)))
    if address is None or not (in_app or email):
        return False
    stmt = insert(Notification).values(
        user_id=user_id,
        kind=kind,
        body=body,
        idea_id=idea_id,
        comment_id=comment_id,
        contest_id=contest_id,
        in_app=in_app,
        emailed=email,
        created_at=utcnow(),
    )
    if comment_id is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=["user_id", "comment_id"])
    if db.session.execute(stmt.returning(Notification.id)).first() is None:
        return False
    if email:
        message = OutboundEmail(
            to=address, subject=subject, body=body + "\n", unsubscribe_url=unsubscribe.url(user_id, choice)
        )
        db.session.add(message)
        db.session.flush()
        mail.enqueue(message.id)
    return True
