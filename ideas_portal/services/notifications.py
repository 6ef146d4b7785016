"""Notices, in the app and by email as each member chose: status changes fanned out in batches, exactly once
per member and change; single notices (comments) through notify()."""

from __future__ import annotations

from typing import cast

from sqlalchemy import CursorResult, func, literal, or_, select, update

from ..extensions import db
from ..hosts import absolute_url
from ..models import Follow, Notification, OutboundEmail, StatusChange, User, Vote
from ..models.types import UTCDateTime, utcnow
from . import mail, markdown, pagination, preferences, unsubscribe
from .dialect import insert

BATCH = 1000

# Which of the member's choices (preferences kinds) a status notice follows.
CHOICE_OF = {"status_change": "status_change", "thank_you": "status_change", "staff_alert": "status_change"}


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
    body = _body(change, kind)
    choice = preferences.joined(CHOICE_OF[kind], users.c.user_id)
    # One set-based INSERT … SELECT per batch: the rows never travel through Python. A member who wants neither
    # channel gets no row; one who wants email only gets a row hidden from the in-app list (it still guards "once").
    rows = (
        select(
            users.c.user_id,
            literal(kind),
            literal(body),
            literal(change.idea_id),
            literal(change.id),
            literal(utcnow(), UTCDateTime),
            choice.in_app,
            choice.email,
        )
        .select_from(users)
        .join(User, User.id == users.c.user_id)
        .outerjoin(choice.table, choice.on)
        .where(
            users.c.user_id > after_user_id,
            users.c.user_id <= seen[-1],
            users.c.user_id != (change.actor_id or 0),  # staff are not told about their own change
            User.deleted_at.is_(None),
            or_(choice.in_app, choice.email),
        )
    )
    inserted = db.session.execute(
        insert(Notification)
        .from_select(
            ["user_id", "kind", "body", "idea_id", "status_change_id", "created_at", "in_app", "emailed"], rows
        )
        .on_conflict_do_nothing(index_elements=["user_id", "status_change_id", "kind"])
        .returning(Notification.user_id, Notification.emailed)
    ).all()
    # Only rows this run inserted are mailed, in this batch's transaction: claimed, written and queued together.
    emailed = [user_id for user_id, wants_email in inserted if wants_email]
    link = absolute_url("ideas.show", idea_id=change.idea_id) if emailed else None
    email_each(emailed, CHOICE_OF[kind], _subject(change, kind), body, link)
    db.session.commit()
    return len(inserted), more


def _subject(change: StatusChange, kind: str) -> str:
    if kind == "thank_you":
        return f"“{change.idea.title}” has launched"
    if kind == "staff_alert":
        return f"Please review “{change.idea.title}”"
    return f"Update on “{change.idea.title}”"


ADDRESS_BATCH = 10_000  # members' addresses read per statement by email_each


def email_each(user_ids: list[int], choice: str, subject: str, body: str, link: str | None = None) -> int:
    """Writes and queues one email per member (not deleted), each with the unsubscribe link of `choice`.
    Into the caller's transaction; the caller has already decided who wants it."""
    if not user_ids:
        return 0
    text = body + (f"\n\n{link}" if link else "") + "\n"
    ids = sorted(set(user_ids))
    messages = [
        {"to": address, "subject": subject, "body": text, "unsubscribe_url": unsubscribe.url(user_id, choice)}
        # In batches: a contest's 130,000 entrants in one IN list would pass PostgreSQL's 65,535 parameters.
        for start in range(0, len(ids), ADDRESS_BATCH)
        for user_id, address in db.session.execute(
            select(User.id, User.email)
            .where(User.id.in_(ids[start : start + ADDRESS_BATCH]), User.deleted_at.is_(None))
            .order_by(User.id)
        )
    ]
    if not messages:
        return 0
    # One multi-row INSERT and a delivery job per few hundred: one row object and one job per message made a
    # contest's close take minutes.
    written = db.session.execute(insert(OutboundEmail).returning(OutboundEmail.id), messages).scalars().all()
    mail.enqueue_many(list(written))
    return len(written)


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
            .where(Notification.user_id == user.id, Notification.in_app.is_(True), Notification.read_at.is_(None))
        )
        or 0
    )


def page(user, limit: int = 20, cursor: str | None = None) -> pagination.Page:
    """The in-app list: email-only notices are not in it (ix_notifications_user_id_id orders it)."""
    stmt = select(Notification).where(Notification.user_id == user.id, Notification.in_app.is_(True))
    return pagination.keyset(stmt, Notification.id, cursor=cursor, limit=limit)


def mark_all_read(user) -> int:
    result = cast(
        CursorResult,
        db.session.execute(
            update(Notification)
            .where(Notification.user_id == user.id, Notification.in_app.is_(True), Notification.read_at.is_(None))
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
    link: str | None = None,
) -> bool:
    """One notice to one member as they chose for `choice` (a preferences kind): in-app, by email, both or neither.
    About a comment it is sent once per member whatever the reason (UNIQUE(user, comment) + ON CONFLICT).
    The email links to `link`, else to the idea (at the comment). Into the caller's transaction; returns whether
    it was recorded."""
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
        if link is None and idea_id is not None:
            anchor = f"comment-{comment_id}" if comment_id is not None else None
            link = absolute_url("ideas.show", idea_id=idea_id, _anchor=anchor)
        elif link is None and contest_id is not None:
            link = absolute_url("contests.show", contest_id=contest_id)
        email_each([user_id], choice, subject, body, link)
    return True
