"""What a weekly digest tells: the week's news, read once per run from indexed columns, and each member's text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import and_, func, or_, select

from ..extensions import db
from ..hosts import absolute_url, site_root
from ..models import Contest, FeedItem, Follow, Idea, Poll, Status, Vote
from ..models.types import utcnow
from .exceptions import InvalidInput

TOP_IDEAS = 5
STATUS_CHANGES = 10  # in one member's digest, the ideas they follow first
CHANGES_READ = 200  # the week's latest status changes that member digests pick from
OPEN_POLLS = 5
_WEEK = re.compile(r"([0-9]{4})-W([0-9]{2})", re.ASCII)


@dataclass(frozen=True)
class Week:
    """An ISO week, Monday 00:00 UTC up to (not including) the next Monday 00:00 UTC."""

    year: int
    number: int

    @property
    def label(self) -> str:
        return f"{self.year:04d}-W{self.number:02d}"

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(date.fromisocalendar(self.year, self.number, 1), datetime.min.time(), timezone.utc)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(days=7)

    @classmethod
    def containing(cls, at: datetime) -> Week:
        iso = at.astimezone(timezone.utc).isocalendar()
        return cls(iso.year, iso.week)

    def previous(self) -> Week:
        return Week.containing(self.starts_at - timedelta(days=1))

    def dates(self) -> str:
        """ "23–29 November 2026", "30 November – 6 December 2026", "29 December 2025 – 4 January 2026"."""
        first, last = self.starts_at.date(), self.starts_at.date() + timedelta(days=6)
        if first.year != last.year:
            return f"{first.day} {first:%B %Y} – {last.day} {last:%B %Y}"
        if first.month != last.month:
            return f"{first.day} {first:%B} – {last.day} {last:%B %Y}"
        return f"{first.day}–{last.day} {last:%B %Y}"


def parse_week(value, now: datetime | None = None) -> Week:
    """ "2026-W48" exactly (ASCII digits, a week that year has); a week that has not begun yet is refused."""
    match = _WEEK.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise InvalidInput("Write the week as YYYY-Www, for example 2026-W48.")
    year, number = int(match[1]), int(match[2])
    try:
        week = Week(year, number)
        week.starts_at  # noqa: B018 — date.fromisocalendar refuses W00, W54 and a W53 the year lacks
    except ValueError:
        raise InvalidInput(f"{year:04d} has no week {number:02d}: ISO weeks run from W01 to W52 or W53.") from None
    if week.starts_at > (now or utcnow()):
        raise InvalidInput(f"{week.label} has not begun yet; the digest tells a week that has.")
    return week


@dataclass(frozen=True)
class Item:
    """One line of the digest: what it says, the idea it is about (for "ideas you follow") and its link."""

    text: str
    link: str
    detail: str = ""
    idea_id: int | None = None


@dataclass
class News:
    """The week's news, the same for every member; only the order of status changes is personal."""

    week: Week
    top: list[Item] = field(default_factory=list)
    changes: list[Item] = field(default_factory=list)
    results: list[Item] = field(default_factory=list)
    polls: list[Item] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.top or self.changes or self.results or self.polls)

    def changed_idea_ids(self) -> list[int]:
        return [item.idea_id for item in self.changes if item.idea_id is not None]


def _visible():
    return and_(Idea.hidden_at.is_(None), Idea.withdrawn_at.is_(None), Idea.merged_into_id.is_(None))


def _in(column, week: Week):
    return and_(column >= week.starts_at, column < week.ends_at)


def top_ideas(week: Week) -> list[Item]:
    """The ideas that won the most up-votes cast that week (ix_votes_created_at; held votes do not count yet)."""
    won = (
        select(Vote.idea_id, func.count().label("votes"))
        .where(_in(Vote.created_at, week), Vote.value == 1, Vote.held.is_(False))
        .group_by(Vote.idea_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Idea.id, Idea.title, won.c.votes)
        .join(won, won.c.idea_id == Idea.id)
        .where(_visible())
        .order_by(won.c.votes.desc(), Idea.id)
        .limit(TOP_IDEAS)
    )
    return [
        Item(f"“{title}” — {votes} new vote{'s' if votes != 1 else ''}", absolute_url("ideas.show", idea_id=idea_id))
        for idea_id, title, votes in rows
    ]


def status_changes(week: Week) -> list[Item]:
    """Each idea's latest status change that week, newest first (the feed's created_at index)."""
    rows = db.session.execute(
        select(FeedItem.idea_id, Idea.title, Status.name)
        .join(Idea, Idea.id == FeedItem.idea_id)
        .join(Status, Status.id == FeedItem.status_id)
        .where(FeedItem.kind == "status_change", _in(FeedItem.created_at, week), _visible())
        .order_by(FeedItem.created_at.desc(), FeedItem.id.desc())
        .limit(CHANGES_READ)
    ).all()
    seen: dict[int, Item] = {}
    for idea_id, title, status in rows:
        if idea_id is not None and idea_id not in seen:  # the join already leaves no None
            seen[idea_id] = Item(
                f"“{title}” is now {status}", absolute_url("ideas.show", idea_id=idea_id), idea_id=idea_id
            )
    return list(seen.values())


def contest_results(week: Week) -> list[Item]:
    """Contests whose winners were announced that week (ix_contests_announced_at_closes_at), with the result."""
    rows = db.session.execute(
        select(Contest.id, Contest.title, FeedItem.body)
        .outerjoin(FeedItem, and_(FeedItem.contest_id == Contest.id, FeedItem.kind == "contest_result"))
        .where(_in(Contest.announced_at, week))
        .order_by(Contest.announced_at, Contest.id)
    )
    return [
        Item(f"Winners of “{title}”", absolute_url("contests.show", contest_id=contest_id), detail=body or "")
        for contest_id, title, body in rows
    ]


def open_polls(week: Week, now: datetime | None = None) -> list[Item]:
    """Featured polls opened by the week's end that members can still answer when the digest goes out."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Poll.id, Poll.question, Poll.closes_at)
        .where(
            Poll.opens_at <= now,
            Poll.opens_at < week.ends_at,
            or_(Poll.closes_at.is_(None), Poll.closes_at > now),
            Poll.closed_at.is_(None),
            Poll.featured.is_(True),
        )
        .order_by(Poll.id.desc())
        .limit(OPEN_POLLS)
    )
    return [
        Item(
            question,
            f"{site_root()}/polls/{poll_id}",  # the path CONTRACT.md fixes
            detail=f"Open until {closes_at.day} {closes_at:%B %Y, %H:%M} UTC" if closes_at else "",
        )
        for poll_id, question, closes_at in rows
    ]


def gather(week: Week, now: datetime | None = None) -> News:
    return News(week, top_ideas(week), status_changes(week), contest_results(week), open_polls(week, now))


def followed(user_ids: list[int], idea_ids: list[int]) -> dict[int, set[int]]:
    """Which of the week's changed ideas each member of a batch follows (the follows primary key)."""
    found: dict[int, set[int]] = {}
    if user_ids and idea_ids:
        for user_id, idea_id in db.session.execute(
            select(Follow.user_id, Follow.idea_id).where(Follow.user_id.in_(user_ids), Follow.idea_id.in_(idea_ids))
        ):
            found.setdefault(user_id, set()).add(idea_id)
    return found


def _section(heading: str, items: list[Item]) -> list[str]:
    lines = ["", heading, "-" * len(heading)]
    for item in items:
        lines.append(f"* {item.text}")
        if item.detail:
            lines.append(f"  {item.detail}")
        lines.append(f"  {item.link}")
    return lines


def subject(news: News) -> str:
    return f"Your weekly digest: {news.week.dates()}"


def body(news: News, name: str, follows: set[int]) -> str:
    """Plain text (mail.py sends text only); mail.py adds the one-click unsubscribe footer on delivery."""
    site = current_app.config["SITE_NAME"]
    lines = [f"Hello {name},", "", f"This is what happened on {site} in the week of {news.week.dates()}."]
    if news.top:
        lines += _section("Top ideas of the week", news.top)
    mine = [item for item in news.changes if item.idea_id in follows]
    others = [item for item in news.changes if item.idea_id not in follows]
    shown_mine = mine[:STATUS_CHANGES]
    shown_others = others[: STATUS_CHANGES - len(shown_mine)]
    if shown_mine:
        lines += _section("Ideas you follow", shown_mine)
    if shown_others:
        lines += _section("Other status changes" if shown_mine else "Status changes", shown_others)
    if news.results:
        lines += _section("Contest results", news.results)
    if news.polls:
        lines += _section("Open polls: tell us what you think", news.polls)
    lines += ["", "You get this email because you chose the weekly digest. The link below stops it."]
    return "\n".join(lines) + "\n"
