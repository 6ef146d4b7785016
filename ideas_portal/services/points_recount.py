"""`flask recount` for recognition: the cached balances, the period totals and the badges shown beside names, proven
from the ledger and the awards (the only truth) and corrected where they drifted."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import delete, func, insert, select, update

from ..extensions import db
from ..models import PointEntry, PointTotal, User
from . import badges
from .rewards import TOTALS, USERS, period_starts


def _balances() -> list[str]:
    real = (
        select(PointEntry.user_id, func.sum(PointEntry.amount).label("points")).group_by(PointEntry.user_id).subquery()
    )
    corrections = []
    for user_id, stored, points in db.session.execute(
        select(User.id, User.points, func.coalesce(real.c.points, 0))
        .outerjoin(real, real.c.user_id == User.id)
        .where(User.points != func.coalesce(real.c.points, 0))
        .order_by(User.id)
    ).all():
        corrections.append(f"user {user_id}: points {stored}→{points}")
        db.session.execute(update(USERS).where(USERS.c.id == user_id).values(points=points))
    return corrections


def _period_totals() -> list[str]:
    """Summed in Python: each line's ISO week and month in UTC are the rewards module's own rule, on any database."""
    real: dict[tuple[str, date, int], int] = defaultdict(int)
    lines = select(PointEntry.user_id, PointEntry.amount, PointEntry.created_at)
    for user_id, amount, at in db.session.execute(lines.execution_options(yield_per=5000)):
        for period, starts_on in period_starts(at).items():
            real[(period, starts_on, user_id)] += amount
    stored = {
        (period, starts_on, user_id): points
        for period, starts_on, user_id, points in db.session.execute(
            select(PointTotal.period, PointTotal.starts_on, PointTotal.user_id, PointTotal.points)
        )
    }
    corrections = []
    for key in sorted(set(real) | set(stored), key=lambda k: (k[2], k[0], k[1])):
        period, starts_on, user_id = key
        was, points = stored.get(key, 0), real.get(key, 0)
        if was == points:
            continue
        corrections.append(f"user {user_id}: {period} of {starts_on.isoformat()} points {was}→{points}")
        where = (TOTALS.c.period == period, TOTALS.c.starts_on == starts_on, TOTALS.c.user_id == user_id)
        if key not in real:
            db.session.execute(delete(TOTALS).where(*where))
        elif key in stored:
            db.session.execute(update(TOTALS).where(*where).values(points=points))
        else:
            db.session.execute(
                insert(TOTALS).values(period=period, starts_on=starts_on, user_id=user_id, points=points)
            )
    return corrections


def recount() -> list[str]:
    """Every member's balance, period totals and shown badges, proven and fixed; returns what it corrected."""
    corrections = _balances() + _period_totals() + badges.recount_cached()
    db.session.commit()
    return corrections
