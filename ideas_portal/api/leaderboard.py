"""GET /api/v1/leaderboard: the most active members this week, this month or of all time."""

from __future__ import annotations

from marshmallow import fields

from ..services import leaderboards
from . import answers, bp
from .inputs import Input, Limit
from .schemas import Out, UserRefSchema, page_of


class LeaderboardQuery(Input):
    # A string the service checks, as the HTML page does: an unknown period is a 400 with the choices.
    period = fields.String(load_default="week", metadata={"enum": list(leaderboards.PERIODS)})
    limit = Limit(metadata={"description": "1 to 100, default 10"})


class StandingSchema(Out):
    user = fields.Nested(UserRefSchema, required=True)
    points = fields.Integer(required=True, metadata={"description": "earned in the period (all: the balance)"})
    rank = fields.Integer(required=True, metadata={"description": "equal points share a rank"})


@bp.route("/leaderboard")
@bp.arguments(LeaderboardQuery, location="query", as_kwargs=True)
@bp.response(200, page_of(StandingSchema, cursor=False))
@answers()
def leaderboard(period="week", limit=10):
    """Members ranked by points, highest first (staff and suspended members are not ranked)"""
    return {"items": leaderboards.board(period, limit)}
