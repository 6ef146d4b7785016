"""GET /api/v1/stats: the staff dashboard's numbers as JSON (CONTRACT.md's stats row, plus the backlog, contests and
this week's top ideas)."""

from __future__ import annotations

from flask import g
from marshmallow import Schema, fields

from ..services import stats
from . import bp, require_user
from .inputs import Input
from .schemas import Time


class StatsQuery(Input):
    # Read as a string and checked by the service as the HTML page checks it (ASCII digits, no leading zero, 1..365;
    # empty means the default); described as the integer it is.
    days = fields.String(
        metadata={"type": "integer", "minimum": 1, "maximum": stats.MAX_DAYS, "description": "default 30"}
    )


DaySchema = Schema.from_dict(
    {
        "date": fields.String(required=True, metadata={"format": "date"}),
        **{name: fields.Integer(required=True) for name in stats.METRICS},
    },
    name="StatsDay",
)
BacklogSchema = Schema.from_dict(
    {
        "count": fields.Integer(required=True),
        "capped": fields.Boolean(required=True, metadata={"description": f"more than {stats.UNANSWERED_CAP} wait"}),
        "oldest": fields.List(
            fields.Integer(), required=True, metadata={"description": "idea ids, longest waiting first"}
        ),
    },
    name="StatsBacklog",
)
ContestFiguresSchema = Schema.from_dict(
    {
        "id": fields.Integer(required=True),
        "title": fields.String(required=True),
        "opens_at": Time(required=True),
        "entries": fields.Integer(required=True),
        "entrants": fields.Integer(required=True),
        "votes": fields.Integer(required=True),
    },
    name="StatsContest",
)
TopIdeaSchema = Schema.from_dict(
    {
        "id": fields.Integer(required=True),
        "title": fields.String(required=True),
        "status": fields.String(required=True),
        "upvotes_this_week": fields.Integer(required=True),
    },
    name="StatsTopIdea",
)
StatsSchema = Schema.from_dict(
    {
        "days": fields.List(fields.Nested(DaySchema), required=True),
        "status_funnel": fields.Dict(keys=fields.String(), values=fields.Integer(), required=True),
        "median_first_response_hours": fields.Float(required=True, allow_none=True),
        "unanswered": fields.Nested(BacklogSchema, required=True),
        "contests": fields.List(fields.Nested(ContestFiguresSchema), required=True),
        "top_ideas_week": fields.List(fields.Nested(TopIdeaSchema), required=True),
    },
    name="Stats",
)


@bp.route("/stats")
@require_user("staff.area")
@bp.arguments(StatsQuery, location="query", as_kwargs=True)
@bp.response(200, StatsSchema)
def read_stats(days=None):
    """The staff dashboard: activity per day (oldest first), status funnel, response time, backlog (staff)"""
    board = stats.dashboard(g.api_user, days)
    return {
        "days": [stats.day_dict(d) for d in board.days],
        "status_funnel": {status.slug: n for status, n in board.funnel},
        "median_first_response_hours": board.median_first_response_hours,
        "unanswered": {
            "count": board.backlog.count,
            "capped": board.backlog.capped,
            "oldest": [idea.id for idea in board.backlog.oldest],
        },
        "contests": [
            {
                "id": f.contest.id,
                "title": f.contest.title,
                "opens_at": f.contest.opens_at,
                "entries": f.entries,
                "entrants": f.entrants,
                "votes": f.votes,
            }
            for f in board.contests
        ],
        "top_ideas_week": [
            {"id": idea.id, "title": idea.title, "status": idea.status.slug, "upvotes_this_week": n}
            for idea, n in board.top_ideas_week
        ],
    }
