"""GET /leaderboard: the most active members this week, this month and of all time, and how points are earned."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from ..models.types import utcnow
from ..services import leaderboards, rewards
from . import bp

SHOWN = 50


@bp.get("/leaderboard")
def leaderboard():
    period = leaderboards.checked_period(request.args.get("period", "week"))
    return render_template(
        "members/leaderboard.html",
        period=period,
        labels=leaderboards.LABELS,
        standings=leaderboards.board(period, SHOWN),
        mine=leaderboards.standing(current_user, period),
        ways=leaderboards.ways_to_earn(),
        shown=SHOWN,
        since=rewards.period_starts(utcnow()).get(period),
    )
