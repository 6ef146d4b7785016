"""Stored ranking scores: Wilson lower bound for top, time-decayed log score for hot.

The database computes the same on the vote path: SQL functions ideas_wilson and ideas_hot, written in SQL on
PostgreSQL (migration 0010) and these very functions on SQLite (extensions.configure_sqlite)."""

from __future__ import annotations

import math
from datetime import datetime, timezone

_EPOCH = 1134028003  # Reddit's epoch; only differences matter
_Z = 1.959963984540054  # 95 % confidence


def wilson_lower_bound(up: int, down: int) -> float:
    n = up + down
    if n <= 0:
        return 0.0
    phat = up / n
    z2 = _Z * _Z
    centre = phat + z2 / (2 * n)
    margin = _Z * math.sqrt((phat * (1 - phat) + z2 / (4 * n)) / n)
    return (centre - margin) / (1 + z2 / n)


def hot_score(up: int, down: int, created_at: datetime) -> float:
    net = up - down
    order = math.log10(max(abs(net), 1))
    sign = (net > 0) - (net < 0)
    return round(sign * order + (created_at.timestamp() - _EPOCH) / 45000, 7)


def hot_score_of_stored(up: int, down: int, created_at: str) -> float:
    """hot_score for SQLite's SQL function ideas_hot: SQLite hands over created_at as stored (naive UTC text)."""
    return hot_score(up, down, datetime.fromisoformat(created_at).replace(tzinfo=timezone.utc))
