"""Leaderboards: this week, this month and all time, read from the period totals and the cached balance (both
indexed by points), never from the ledger. Staff, suspended and deleted members are not ranked."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from ..extensions import db
from ..models import PointTotal, User
from ..models.types import utcnow
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
