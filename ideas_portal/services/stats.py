"""The staff dashboard's numbers, each read from an index or a summary so no request scans the vote table.

Finished UTC days are counted once (an index range count per table) and kept in daily_counts; today is counted
live. The status funnel is read from the ideas.status_id index alone: every idea counts under the status it has
now, a withdrawn one under the status it had when withdrawn, a merged one under Duplicate (where the merge put it).
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from .. import policy
from ..extensions import cache, db
from ..models import Comment, Contest, ContestEntrant, ContestEntry, DailyCount, Idea, Status, User, Vote
from ..models.types import utcnow
from . import dialect, unanswered
from .exceptions import InvalidInput
from .rewards import period_starts
from .text import whole_number

MAX_DAYS, DEFAULT_DAYS = 365, 30
# A day is summarised only this long after its midnight, so a transaction that began before midnight and commits
# just after it is still counted; until then the day is counted live like today.
SETTLE = timedelta(minutes=10)
METRICS = ("new_members", "ideas", "votes", "comments", "entries")
COLUMNS = {
    "new_members": User.created_at,
    "ideas": Idea.created_at,
    "votes": Vote.created_at,  # votes cast that day, held ones included
    "comments": Comment.created_at,
    "entries": ContestEntry.created_at,
}
UNANSWERED_CAP = 1000  # the backlog is counted up to here ("1,000+"), so the count stays a bounded read
RECENT_CONTESTS, TOP_IDEAS = 5, 10
RANKING_SECONDS = 300  # how long this week's up-vote ranking is reused


@dataclass(frozen=True)
class Day:
    date: date
    new_members: int
    ideas: int
    votes: int
    comments: int
    entries: int


def checked_days(raw, default: int = DEFAULT_DAYS) -> int:
    """The window in whole days (1..365) from a query string, where 'abc', '0' and '٣' are all refused."""
    if raw is None or raw == "":
        return default
    days = raw if isinstance(raw, int) and not isinstance(raw, bool) else whole_number(raw)
    if days is None or not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"days must be a whole number from 1 to {MAX_DAYS}.")
    return days


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def _count(start: datetime, end: datetime) -> dict[str, int]:
    """One round trip: each table's rows created in [start, end), each an index range count."""
    row = db.session.execute(
        select(
            *(
                select(func.count()).where(column >= start, column < end).scalar_subquery().label(name)
                for name, column in COLUMNS.items()
            )
        )
    ).one()
    return {name: int(row._mapping[name]) for name in METRICS}


def _settled(now: datetime) -> date:
    """The last day whose counts can no longer change."""
    return (now - SETTLE).date() - timedelta(days=1)


def daily(days: int = DEFAULT_DAYS, now: datetime | None = None) -> list[Day]:
    """The window's days, oldest first: finished days from the summary (counted and stored once if missing,
    race-safe), the rest live."""
    now = now or utcnow()
    today = now.date()
    first = today - timedelta(days=days - 1)
    settled = _settled(now)
    stored = {
        row.day: row
        for row in db.session.scalars(select(DailyCount).where(DailyCount.day >= first, DailyCount.day <= settled))
    }
    result, missing = [], []
    day = first
    while day <= today:
        if day in stored:
            row = stored[day]
            counts = {name: getattr(row, name) for name in METRICS}
        else:
            counts = _count(_midnight(day), _midnight(day + timedelta(days=1)))
            if day <= settled:
                missing.append({"day": day, **counts, "counted_at": now})
        result.append(Day(date=day, **counts))
        day += timedelta(days=1)
    if missing:
        # Two dashboards counting the same day write the same numbers; the first one stays.
        with dialect.writing():
            db.session.execute(
                dialect.insert(DailyCount).values(missing).on_conflict_do_nothing(index_elements=["day"])
            )
            db.session.commit()
    return result


def status_funnel() -> list[tuple[Status, int]]:
    """Every status in workflow order with its ideas, zeros included; counted from the status_id index."""
    counts = dict(db.session.execute(select(Idea.status_id, func.count()).group_by(Idea.status_id)).all())
    return [
        (s, int(counts.get(s.id, 0))) for s in db.session.scalars(select(Status).order_by(Status.position, Status.id))
    ]


def median_first_response_hours(since: datetime) -> float | None:
    """Median hours from posting to the first staff answer, over the ideas posted since then that have one."""
    rows = db.session.execute(
        select(Idea.created_at, Idea.first_response_at).where(
            Idea.created_at >= since, Idea.first_response_at.is_not(None)
        )
    ).all()
    if not rows:
        return None
    hours = [(answered - created).total_seconds() / 3600 for created, answered in rows if answered is not None]
    return round(statistics.median(hours), 1)


@dataclass(frozen=True)
class Backlog:
    count: int
    capped: bool  # more than UNANSWERED_CAP wait: count is the cap
    oldest: list[Idea]


def backlog(oldest: int = 5) -> Backlog:
    """The unanswered ideas (as the staff queue lists them): a bounded count and the longest waiting."""
    capped = select(Idea.id).where(*unanswered.waiting()).limit(UNANSWERED_CAP + 1).subquery()
    count = int(db.session.scalar(select(func.count()).select_from(capped)) or 0)
    return Backlog(
        count=min(count, UNANSWERED_CAP), capped=count > UNANSWERED_CAP, oldest=unanswered.page(limit=oldest).items
    )


@dataclass(frozen=True)
class ContestFigures:
    contest: Contest
    entries: int
    entrants: int
    votes: int


def contest_participation(limit: int = RECENT_CONTESTS) -> list[ContestFigures]:
    """The latest contests (by opening) with their entries, entrants and votes, from the entries' counters."""
    contests = list(
        db.session.scalars(select(Contest).order_by(Contest.opens_at.desc(), Contest.id.desc()).limit(limit))
    )
    ids = [c.id for c in contests]
    if not ids:
        return []
    entries = dict(
        (cid, (int(n), int(v or 0)))
        for cid, n, v in db.session.execute(
            select(ContestEntry.contest_id, func.count(), func.sum(ContestEntry.votes))
            .where(ContestEntry.contest_id.in_(ids))
            .group_by(ContestEntry.contest_id)
        )
    )
    entrants = dict(
        db.session.execute(
            select(ContestEntrant.contest_id, func.count())
            .where(ContestEntrant.contest_id.in_(ids))
            .group_by(ContestEntrant.contest_id)
        ).all()
    )
    return [
        ContestFigures(c, entries.get(c.id, (0, 0))[0], int(entrants.get(c.id, 0)), entries.get(c.id, (0, 0))[1])
        for c in contests
    ]


def _week_ranking(since: datetime, limit: int) -> list[tuple[int, int]]:
    """[(idea id, up-votes since then)], highest first: one range of the votes.created_at index, never the whole
    table. At a million votes a busy week is tens of thousands of rows (about 80 ms on PostgreSQL), so the ranking
    is kept for a few minutes in the app's cache; the ideas themselves are read fresh."""
    key = f"stats:week-ranking:{since.date().isoformat()}:{limit}"
    ranking = cache.get(key)
    if ranking is None:
        ranking = [
            (int(idea_id), int(ups))
            for idea_id, ups in db.session.execute(
                select(Vote.idea_id, func.count().label("ups"))
                .where(Vote.created_at >= since, Vote.value == 1, Vote.held.is_(False))
                .group_by(Vote.idea_id)
                .order_by(func.count().desc(), Vote.idea_id)
                .limit(limit)
            )
        ]
        cache.set(key, ranking, timeout=RANKING_SECONDS)
    return ranking


def top_ideas_week(limit: int = TOP_IDEAS, now: datetime | None = None) -> list[tuple[Idea, int]]:
    """The ideas with the most up-votes cast since Monday (UTC). Held votes do not count; hidden, withdrawn and
    merged ideas are left out (checked now, so a hidden idea leaves the list at once)."""
    ranking = _week_ranking(_midnight(period_starts(now or utcnow())["week"]), limit * 3)
    if not ranking:
        return []
    listed = {
        idea.id: idea
        for idea in db.session.scalars(
            select(Idea).where(
                Idea.id.in_([idea_id for idea_id, _ in ranking]),
                Idea.hidden_at.is_(None),
                Idea.withdrawn_at.is_(None),
                Idea.merged_into_id.is_(None),
            )
        ).unique()
    }
    return [(listed[idea_id], ups) for idea_id, ups in ranking if idea_id in listed][:limit]


@dataclass(frozen=True)
class Dashboard:
    days: list[Day]
    funnel: list[tuple[Status, int]]
    median_first_response_hours: float | None
    backlog: Backlog
    contests: list[ContestFigures]
    top_ideas_week: list[tuple[Idea, int]]

    def totals(self) -> dict[str, int]:
        return {name: sum(getattr(d, name) for d in self.days) for name in METRICS}


def dashboard(actor, days=DEFAULT_DAYS, now: datetime | None = None) -> Dashboard:
    """Everything the dashboard and GET /api/v1/stats show, for the last `days` days (today included)."""
    policy.require(actor, "staff.area")
    days = checked_days(days)
    now = now or utcnow()
    window = daily(days, now)
    return Dashboard(
        days=window,
        funnel=status_funnel(),
        median_first_response_hours=median_first_response_hours(_midnight(window[0].date)),
        backlog=backlog(),
        contests=contest_participation(),
        top_ideas_week=top_ideas_week(now=now),
    )


def day_dict(day: Day) -> dict:
    values = asdict(day)
    values["date"] = day.date.isoformat()
    return values
