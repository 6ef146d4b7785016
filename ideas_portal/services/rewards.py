"""Points: one append-only ledger, a cached balance and per-period totals written in the same transaction.

Every line is the n-th event of a subject (an idea, a vote, an entry …) under a UNIQUE source, so an event handled
twice, or by two workers at once, counts once. A subject that can be undone (a vote withdrawn, an entry rejected
after approval) alternates: an even event earns, an odd one takes the points back; the caller holds the subject's
row lock (the idea, the entry), so its events are in order.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, literal, select, update

from .. import outbox
from ..extensions import db
from ..models import ActiveDay, PointEntry, PointTotal, User
from ..models.types import utcnow
from .dialect import insert

# The one table of what earns what. Status bonuses are large on purpose: an idea that ships is the point.
POINTS = {
    "idea": 10,  # an idea submitted
    "upvote": 1,  # an up-vote received from another member, at most UPVOTE_DAILY_CAP a day
    "status:reviewed": 50,
    "status:coming-soon": 150,
    "status:launched": 500,
    "entry": 10,  # a contest entry approved
    "contest_win": 100,  # first place; the other places get half, then a quarter
    "poll": 2,  # a poll answered (once per poll)
    "official_answer": 5,  # staff answered my idea officially (once per idea)
}
UPVOTE_DAILY_CAP = 50
LEDGER, TOTALS, USERS = PointEntry.__table__, PointTotal.__table__, User.__table__


def period_starts(at: datetime) -> dict[str, date]:
    """The ISO week (from Monday) and the calendar month, in UTC, that a moment belongs to."""
    day = (at if at.tzinfo is None else at.astimezone(timezone.utc)).date()
    return {"week": day - timedelta(days=day.weekday()), "month": day.replace(day=1)}


def _write(user_id: int, reason: str, amount: int, subject: str, n: int, idea_id, actor_id, at: datetime) -> bool:
    inserted = db.session.execute(
        insert(LEDGER)
        .values(
            user_id=user_id,
            reason=reason,
            amount=amount,
            subject=subject,
            source=f"{subject}#{n}",
            idea_id=idea_id,
            actor_id=actor_id,
            created_at=at,
        )
        .on_conflict_do_nothing(index_elements=["source"])
        .returning(LEDGER.c.id)
    ).first()
    if inserted is None:
        return False
    db.session.execute(update(USERS).where(USERS.c.id == user_id).values(points=USERS.c.points + amount))
    db.session.execute(  # the week's and the month's total in one statement
        insert(TOTALS)
        .values(
            [
                {"period": period, "starts_on": starts_on, "user_id": user_id, "points": amount}
                for period, starts_on in period_starts(at).items()
            ]
        )
        .on_conflict_do_update(
            index_elements=["period", "starts_on", "user_id"], set_={"points": TOTALS.c.points + amount}
        )
    )
    if amount > 0 and reason != "upvote":  # badges follow every earning event but the (many) up-votes
        job_id = re.sub(r"[^A-Za-z0-9_-]", "-", f"badges-{subject}-{n}")  # RQ ids: letters, digits, - and _
        outbox.enqueue("badges.check_member", user_id, key=job_id)
    return True


def award(
    user_id: int,
    reason: str,
    subject: str,
    amount: int | None = None,
    *,
    idea_id: int | None = None,
    actor_id: int | None = None,
    at: datetime | None = None,
) -> bool:
    """Points for a one-time event (the subject's event #0); False if it was already counted. Caller commits."""
    points = POINTS[reason] if amount is None else amount
    return _write(user_id, reason, points, subject, 0, idea_id, actor_id, at or utcnow())


def _state(subject: str, cap_of: tuple[int, str, datetime] | None = None) -> tuple[int, int, int]:
    """(events so far, points currently held) of an undoable subject, and with `cap_of` (member, reason, day's
    start) what that member earned for that reason since then, in the same statement."""
    today: Any = literal(0)
    if cap_of is not None:
        user_id, reason, start = cap_of
        today = (
            select(func.coalesce(func.sum(LEDGER.c.amount), 0))
            .where(LEDGER.c.user_id == user_id, LEDGER.c.reason == reason, LEDGER.c.created_at >= start)
            .scalar_subquery()
        )
    n, held, earned = db.session.execute(
        select(func.count(), func.coalesce(func.sum(LEDGER.c.amount), 0), today).where(LEDGER.c.subject == subject)
    ).one()
    return int(n), int(held), int(earned)


def toggle(
    user_id: int,
    reason: str,
    subject: str,
    on: bool,
    amount: int | None = None,
    *,
    daily_cap: int | None = None,
    idea_id: int | None = None,
    actor_id: int | None = None,
    at: datetime | None = None,
) -> bool:
    """An undoable subject starts (on) or stops earning: earns if it holds nothing, takes back what it holds.
    With `daily_cap`, a subject that starts once the member has that many `reason` points today earns nothing, so
    its withdrawal takes nothing back either. Returns whether a line was written. The caller holds the subject's
    row lock (and, with a cap, the member's) and commits."""
    now = at or utcnow()
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    n, held, earned_today = _state(subject, (user_id, reason, start) if daily_cap is not None else None)
    if on and held == 0:
        points = POINTS[reason] if amount is None else amount
        if points <= 0 or (daily_cap is not None and earned_today >= daily_cap):
            return False
        return _write(user_id, reason, points, subject, n, idea_id, actor_id, now)
    if not on and held > 0:
        return _write(user_id, reason, -held, subject, n, idea_id, actor_id, now)
    return False


def lock_earners(user_ids) -> None:
    """Takes the rows of the members whose balance is about to move, in id order, before the caller locks any idea:
    a verification holds its member and then locks ideas, so every path takes members first or they deadlock.
    FOR NO KEY UPDATE, as the balance's own UPDATE takes it. Into the caller's transaction."""
    ids = sorted({user_id for user_id in user_ids if user_id is not None})
    if ids:
        db.session.execute(
            select(USERS.c.id).where(USERS.c.id.in_(ids)).order_by(USERS.c.id).with_for_update(key_share=True)
        ).all()


def mark_active(user_id: int, at: datetime | None = None) -> bool:
    """Notes that the member took part today; the first time each day, their badges are checked (streaks).
    Into the caller's transaction."""
    day = (at or utcnow()).date()
    inserted = db.session.execute(
        insert(ActiveDay.__table__)
        .values(user_id=user_id, day=day)
        .on_conflict_do_nothing(index_elements=["user_id", "day"])
        .returning(ActiveDay.__table__.c.user_id)
    ).first()
    if inserted is None:
        return False
    outbox.enqueue("badges.check_member", user_id, key=f"badges-active-{user_id}-{day.isoformat()}")
    return True
