"""`flask recount` for recognition: the cached balances, the period totals and the badges shown beside names, proven
from the ledger and the awards (the only truth) and corrected where they drifted."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import cast, delete, func, literal, null, select, union_all, update

from ..extensions import db
from ..models import PointEntry, PointTotal, User
from . import badges
from .dialect import insert
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
        # By the difference: a point earned since the read above stays in the balance.
        db.session.execute(update(USERS).where(USERS.c.id == user_id).values(points=USERS.c.points + (points - stored)))
    return corrections


def _period_totals() -> list[str]:
    """Summed in Python: each line's ISO week and month in UTC are the rewards module's own rule, on any database.

    The lines and the stored totals come from one statement (one snapshot): a point earned while the recount runs
    is in both or in neither, and a correction adds the difference, so it never undoes such a point."""
    lines = select(
        literal(True).label("line"),
        PointEntry.user_id,
        PointEntry.amount,
        PointEntry.created_at,
        cast(null(), PointTotal.period.type).label("period"),
        cast(null(), PointTotal.starts_on.type).label("starts_on"),
    )
    totals = select(
        literal(False),
        PointTotal.user_id,
        PointTotal.points,
        cast(null(), PointEntry.created_at.type),
        PointTotal.period,
        PointTotal.starts_on,
    )
    real: dict[tuple[str, date, int], int] = defaultdict(int)
    stored: dict[tuple[str, date, int], int] = {}
    for is_line, user_id, amount, at, period, starts_on in db.session.execute(
        union_all(lines, totals).execution_options(yield_per=5000)
    ):
        if is_line:
            for line_period, line_starts_on in period_starts(at).items():
                real[(line_period, line_starts_on, user_id)] += amount
        else:
            stored[(period, starts_on, user_id)] = amount
    corrections = []
    for key in sorted(set(real) | set(stored), key=lambda k: (k[2], k[0], k[1])):
        period, starts_on, user_id = key
        was, points = stored.get(key, 0), real.get(key, 0)
        if was == points:
            continue
        corrections.append(f"user {user_id}: {period} of {starts_on.isoformat()} points {was}→{points}")
        where = (TOTALS.c.period == period, TOTALS.c.starts_on == starts_on, TOTALS.c.user_id == user_id)
        db.session.execute(
            insert(TOTALS)
            .values(period=period, starts_on=starts_on, user_id=user_id, points=points - was)
            .on_conflict_do_update(
                index_elements=["period", "starts_on", "user_id"], set_={"points": TOTALS.c.points + (points - was)}
            )
        )
        if key not in real:
            db.session.execute(delete(TOTALS).where(*where, TOTALS.c.points == 0))
    return corrections


def recount() -> list[str]:
    """Every member's balance, period totals and shown badges, proven and fixed; returns what it corrected."""
    corrections = _balances() + _period_totals() + badges.recount_cached()
    db.session.commit()
    return corrections
