"""The staff dashboard: activity per day, the status funnel, response times, contests and this week's top ideas.

Each chart is drawn from one table of numbers; the page prints that table and /staff/dashboard/<chart>.csv
downloads it, so the picture, its text alternative and the export can never disagree.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from flask import Response, abort, render_template, request
from flask_login import current_user

from ..policy import requires
from ..services import stats
from ..services.contests.entrants_csv import spreadsheet_cell
from . import bp, charts

METRIC_LABELS = {
    "new_members": "New members",
    "ideas": "Ideas",
    "votes": "Votes",
    "comments": "Comments",
    "entries": "Contest entries",
}
METRIC_COLOURS = {
    "new_members": "#0f766e",
    "ideas": "#2563eb",
    "votes": "#b45309",
    "comments": "#7c3aed",
    "entries": "#be185d",
}
WINDOWS = (7, 30, 90, 365)


Table = tuple[list[str], list[list]]
# (header, rows) of every export, named as its CSV file is; a download builds only its own.
EXPORTS: dict[str, Callable[[stats.Dashboard], Table]] = {
    "activity": lambda board: (
        ["date", *stats.METRICS],
        [[d.date.isoformat(), *(getattr(d, m) for m in stats.METRICS)] for d in board.days],
    ),
    "funnel": lambda board: (["status", "name", "ideas"], [[s.slug, s.name, n] for s, n in board.funnel]),
    "contests": lambda board: (
        ["contest_id", "title", "opens_at", "entries", "entrants", "votes"],
        [[f.contest.id, f.contest.title, f.contest.opens_at, f.entries, f.entrants, f.votes] for f in board.contests],
    ),
    "top-ideas": lambda board: (
        ["idea_id", "title", "status", "upvotes_this_week"],
        [[idea.id, idea.title, idea.status.slug, n] for idea, n in board.top_ideas_week],
    ),
}
CHARTS = tuple(EXPORTS)


def tables(board: stats.Dashboard) -> dict[str, Table]:
    """Every export's (header, rows)."""
    return {name: build(board) for name, build in EXPORTS.items()}


def _board() -> tuple[stats.Dashboard, int]:
    days = stats.checked_days(request.args.get("days"))
    return stats.dashboard(current_user, days), days


@bp.route("/dashboard")
@requires("staff.area")
def dashboard():
    board, days = _board()
    activity = {
        name: charts.columns(
            f"{label} per day, last {days} days", [(d.date, getattr(d, name)) for d in board.days], METRIC_COLOURS[name]
        )
        for name, label in METRIC_LABELS.items()
    }
    funnel_chart = charts.bars(
        "Ideas per status",
        [(s.name, n) for s, n in board.funnel],
        {s.name: s.colour for s, _ in board.funnel},
    )
    contest_chart = (
        charts.bars(
            "Entrants per recent contest", [(f"#{f.contest.id} {f.contest.title}", f.entrants) for f in board.contests]
        )
        if board.contests
        else None
    )
    return render_template(
        "staff/dashboard.html",
        board=board,
        days=days,
        windows=WINDOWS,
        labels=METRIC_LABELS,
        totals=board.totals(),
        activity=activity,
        funnel_chart=funnel_chart,
        contest_chart=contest_chart,
    )


@bp.route("/dashboard/<chart>.csv")
@requires("staff.area")
def dashboard_csv(chart: str):
    build = EXPORTS.get(chart)
    if build is None:
        abort(404)  # before the window is checked or anything is counted
    board, days = _board()
    header, rows = build(board)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel reads a CSV as UTF-8 only after this mark
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([spreadsheet_cell(v) for v in row] for row in rows)
    return Response(
        buffer.getvalue(),
        content_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="dashboard-{chart}-{days}d.csv"',
            "Cache-Control": "no-store",
        },
    )
