"""The weekly digest: at most one email per opted-in member and ISO week, however often or concurrently it runs.

Each batch claims its members in digest_sends (PRIMARY KEY(user_id, week), INSERT … ON CONFLICT DO NOTHING
RETURNING) in the transaction that writes their messages and delivery jobs: a member is claimed exactly when their
email exists. A second run, even one racing the first, finds the claims and sends nothing more.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update

from .. import outbox
from ..extensions import db
from ..models import DigestSend, OutboundEmail, User
from ..models.types import utcnow
from . import mail, preferences, unsubscribe
from .dialect import insert
from .digest_news import News, Week, body, followed, gather, parse_week, subject

__all__ = ["Week", "parse_week", "last_finished_week", "send_week", "schedule", "Outcome"]

BATCH = 500
SEND_AFTER = timedelta(hours=6)  # the week just ended goes out on Monday from 06:00 UTC
# While a command delivers its messages itself, their outbox jobs wait this long: the worker then finds them sent
# (mail.deliver skips a sent message), and delivers any the command could not.
HELD_FOR_COMMAND = timedelta(minutes=10)


@dataclass
class Outcome:
    week: Week
    sent: int = 0
    already: int = 0  # opted in, but a run before (or a racing one) had sent theirs
    nothing_to_tell: bool = False
    delivered: int = 0  # delivered by this process (deliver_now)
    left_to_worker: int = 0
    email_ids: list[int] = field(default_factory=list, repr=False)

    def summary(self) -> str:
        if self.nothing_to_tell:
            return f"{self.week.label}: nothing happened that week, so no digest was sent"
        return f"{self.week.label}: {self.sent} digest(s) sent, {self.already} already had it"


def last_finished_week(now: datetime | None = None) -> Week:
    return Week.containing(now or utcnow()).previous()


def _opted_in_after(after: int) -> list[tuple[int, str, str]]:
    """The next batch of members who want the digest by email, in id order: not deleted, not suspended.
    Unverified addresses get it, as they get every other notice they chose."""
    choice = preferences.joined("digest", User.id)
    return [
        tuple(row)  # type: ignore[misc]
        for row in db.session.execute(
            select(User.id, User.email, User.name)
            .outerjoin(choice.table, choice.on)
            .where(User.id > after, User.deleted_at.is_(None), User.banned_at.is_(None), choice.email)
            .order_by(User.id)
            .limit(BATCH)
        )
    ]


def _claim(user_ids: list[int], week: Week) -> set[int]:
    """The members of `user_ids` whose digest this transaction writes; a racing run waits on the same keys and
    gets none of them (ids in ascending order: two runs lock them in one order, so they never deadlock)."""
    now = utcnow()
    rows = [{"user_id": user_id, "week": week.label, "created_at": now} for user_id in user_ids]
    return set(
        db.session.scalars(
            insert(DigestSend)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["user_id", "week"])
            .returning(DigestSend.user_id)
        )
    )


def _send_batch(news: News, members: list[tuple[int, str, str]], hold: bool) -> list[int]:
    """Claims, writes and queues one batch in one transaction; returns the new messages' ids."""
    claimed = _claim([user_id for user_id, _, _ in members], news.week)
    mine = [m for m in members if m[0] in claimed]
    follows = followed([user_id for user_id, _, _ in mine], news.changed_idea_ids())
    title = subject(news)
    messages = [
        (
            user_id,
            OutboundEmail(
                to=address,
                subject=title,
                body=body(news, name, follows.get(user_id, set())),
                unsubscribe_url=unsubscribe.url(user_id, "digest"),
            ),
        )
        for user_id, address, name in mine
    ]
    db.session.add_all([message for _, message in messages])
    db.session.flush()
    if messages:
        db.session.execute(
            update(DigestSend),
            [{"user_id": uid, "week": news.week.label, "email_id": message.id} for uid, message in messages],
        )
    due = utcnow() + HELD_FOR_COMMAND if hold else None
    for _, message in messages:
        mail.enqueue(message.id, due_at=due)
    db.session.commit()
    return [message.id for _, message in messages]


def send_week(week: Week, *, deliver_now: bool = False, now: datetime | None = None, progress=None) -> Outcome:
    """Sends `week`'s digest to every opted-in member who has not had it, in batches of BATCH members.

    `deliver_now` (the command line) also delivers each message at once instead of leaving it to the worker;
    if the mail server fails, the rest are left to the worker's delivery jobs, due HELD_FOR_COMMAND later.
    """
    outcome = Outcome(week)
    news = gather(week, now)
    if not news:
        db.session.rollback()
        outcome.nothing_to_tell = True
        return outcome
    after = 0
    while True:
        members = _opted_in_after(after)
        if not members:
            break
        ids = _send_batch(news, members, hold=deliver_now)
        outcome.sent += len(ids)
        outcome.already += len(members) - len(ids)
        if deliver_now:
            _deliver(ids, outcome)
        after = members[-1][0]
        if progress:
            progress(sent=outcome.sent, already=outcome.already, after=after)
    return outcome


def _deliver(ids: list[int], outcome: Outcome) -> None:
    for message_id in ids:
        if outcome.left_to_worker:
            outcome.left_to_worker += 1
            continue
        try:
            outcome.delivered += int(mail.deliver(message_id))
        except (OSError, smtplib.SMTPException):  # the mail server is away: its delivery job tries again
            db.session.rollback()
            outcome.left_to_worker += 1


def schedule(now: datetime | None = None) -> str | None:
    """The worker's tick: from Monday 06:00 UTC, the week just ended is queued once (the outbox key)."""
    now = now or utcnow()
    if now < Week.containing(now).starts_at + SEND_AFTER:
        return None
    week = last_finished_week(now)
    key = f"digest-{week.label}"
    if outbox.status(key) is not None:  # every worker asks every minute: a read, not a write, once it is queued
        return None
    queued = outbox.enqueue("digest.send_week", week.label, key=key)
    db.session.commit()
    return week.label if queued else None
