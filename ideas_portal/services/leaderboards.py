"""Leaderboards: this week, this month and all time, read from the period totals and the cached balance (both
indexed by points), never from the ledger. Staff, suspended and deleted members are not ranked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from ..extensions import db
from ..models import PointTotal, User
from ..models.types import utcnow
from . import rewards, status_catalog
from .contests import results
from .exceptions import InvalidInput
from .rewards import period_starts

PERIODS = ("week", "month", "all")
LABELS = {"week": "This week", "month": "This month", "all": "All time"}
MAX_LIMIT = 100


def _ranked():
    return (User.role == "member", User.banned_at.is_(None), User.deleted_at.is_(None))


def checked_period(period) -> str:
    if period not in PERIODS:
        raise InvalidInput("period must be one of: week, month, all.")
    return period


def top(period: str = "week", limit: int = 10, starts_on: date | None = None, now: datetime | None = None):
    """[(member, points)] highest first; ties go to whoever joined first. `starts_on` picks a past week or month."""
    period = checked_period(period)
    limit = max(1, min(int(limit), MAX_LIMIT))
    if period == "all":
        rows = db.session.execute(
            select(User, User.points)
            .where(User.points > 0, *_ranked())
            .order_by(User.points.desc(), User.id)
            .limit(limit)
        )
    else:
        starts_on = starts_on or period_starts(now or utcnow())[period]
        rows = db.session.execute(
            select(User, PointTotal.points)
            .join(User, User.id == PointTotal.user_id)
            .where(PointTotal.period == period, PointTotal.starts_on == starts_on, PointTotal.points > 0, *_ranked())
            .order_by(PointTotal.points.desc(), PointTotal.user_id)
            .limit(limit)
        )
    return [(user, int(points)) for user, points in rows]


@dataclass(frozen=True)
class Standing:
    rank: int  # equal points, equal rank ("1, 2, 2, 4"); the order among them is who joined first
    user: User
    points: int


def board(period: str = "week", limit: int = 10, now: datetime | None = None) -> list[Standing]:
    """The leaderboard as shown: top() with ranks."""
    standings: list[Standing] = []
    for i, (user, points) in enumerate(top(period, limit, now=now), start=1):
        tied = standings and standings[-1].points == points
        standings.append(Standing(standings[-1].rank if tied else i, user, points))
    return standings


def standing(user, period: str = "week", now: datetime | None = None) -> Standing | None:
    """Where a member stands: one count, over the points index, of those ahead. None when they are not ranked
    (no points in the period, staff, suspended)."""
    period = checked_period(period)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    where: tuple = ()
    if period == "all":
        column, rows = User.points, select(User.points).select_from(User)
    else:
        column, rows = (
            PointTotal.points,
            select(PointTotal.points).select_from(PointTotal).join(User, User.id == PointTotal.user_id),
        )
        where = (PointTotal.period == period, PointTotal.starts_on == period_starts(now or utcnow())[period])
    points = db.session.scalar(rows.where(*where, User.id == user.id, *_ranked()))
    if not points or points <= 0:
        return None
    ahead = db.session.scalar(rows.with_only_columns(func.count()).where(*where, column > points, *_ranked()))
    return Standing(int(ahead or 0) + 1, user, int(points))


def ways_to_earn() -> list[tuple[str, int]]:
    """What earns what, in words, read from rewards.POINTS: the page never promises other points than the ledger
    gives. Every reason there must have its sentence here (a unit test checks)."""
    points, statuses = rewards.POINTS, {s.slug: s.name for s in status_catalog.statuses()}
    ways = [
        ("Share an idea", points["idea"]),
        (
            f"Each up-vote another member gives your idea (up to {rewards.UPVOTE_DAILY_CAP} a day; "
            "a vote withdrawn takes its point back)",
            points["upvote"],
        ),
    ]
    ways += [
        (f"Your idea reaches “{statuses[key.removeprefix('status:')]}”", amount)
        for key, amount in points.items()
        if key.startswith("status:") and key.removeprefix("status:") in statuses
    ]
    ways += [
        ("Our team answers your idea officially", points["official_answer"]),
        ("Your contest photo is approved", points["entry"]),
        (
            f"Your photo wins a contest (second place {results.win_points(2)}, other places {results.win_points(3)})",
            results.win_points(1),
        ),
        ("Answer a poll", points["poll"]),
    ]
    return ways
