"""Photo contests: staff set them up; windows decide when entries and votes are taken."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, fields
from datetime import datetime, timezone

from sqlalchemy import case, func, select, update

from ... import outbox, policy
from ...extensions import db
from ...models import Contest, ContestEntry
from ...models.types import utcnow
from .. import lookup, markdown, text
from ..exceptions import InvalidInput, NotFound

STATES = ("upcoming", "open", "voting", "closed")


@dataclass
class ContestInput:
    """What staff may set on a contest. Each field's type and range is the API schema's and the staff form's to
    check; what must hold however a contest is entered is checked by `_checked` when it is stored."""

    title: str
    rules: str
    opens_at: datetime
    entries_close_at: datetime
    closes_at: datetime
    prize: str = ""
    max_entries_per_member: int = 1
    daily_vote_allowance: int | None = None
    moderated: bool = True
    winner_count: int = 1
    winner_method: str = "votes"
    judge_weight: int = 50


def _checked(data: ContestInput) -> ContestInput:
    """Plain text within its lengths, times in UTC between 2000 and 2200, and the windows in order."""
    data.title = text.plain(data.title, "title").strip()
    data.rules = text.plain(data.rules, "rules").strip()
    data.prize = text.plain(data.prize or "", "prize").strip()
    if not 3 <= len(data.title) <= 120:
        raise InvalidInput("The title needs 3 to 120 characters.")
    if not 1 <= len(data.rules) <= 20_000:
        raise InvalidInput("Write the rules (up to 20,000 characters): entrants must accept them.")
    if len(data.prize) > 300:
        raise InvalidInput("The prize is limited to 300 characters.")
    for name in ("opens_at", "entries_close_at", "closes_at"):
        value = getattr(data, name)
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)  # a time without a zone is the server's clock: UTC
        if not 2000 <= value.year <= 2200:
            raise InvalidInput(f"{name} must be between the years 2000 and 2200.")
        setattr(data, name, value.astimezone(timezone.utc))
    if not data.opens_at < data.entries_close_at <= data.closes_at:
        raise InvalidInput("The dates must run in order: opens_at < entries_close_at ≤ closes_at.")
    return data


def state(contest: Contest, now: datetime | None = None) -> str:
    now = now or utcnow()
    if contest.announced_at or now >= contest.closes_at:
        return "closed"
    if now < contest.opens_at:
        return "upcoming"
    return "open" if now < contest.entries_close_at else "voting"


def seed_commitment(contest: Contest) -> str:
    """Published before the draw, so anyone can check the seed revealed afterwards was fixed in advance."""
    return hashlib.sha256(contest.draw_seed.encode()).hexdigest()


def get(contest_id) -> Contest:
    contest = lookup.row(Contest, contest_id)
    if contest is None:
        raise NotFound("There is no contest with that number.")
    return contest


def create(actor, data: ContestInput) -> Contest:
    policy.require(actor, "contest.manage")
    data = _checked(data)
    contest = Contest(
        **{f.name: getattr(data, f.name) for f in fields(data)},
        rules_html=markdown.render(data.rules),
        draw_seed=secrets.token_hex(16),
        created_by_id=actor.id,
    )
    db.session.add(contest)
    db.session.flush()
    schedule_close(contest)
    db.session.commit()
    return contest


def update_contest(actor, contest_id, data: ContestInput) -> Contest:
    policy.require(actor, "contest.manage")
    contest = get(contest_id)
    if contest.announced_at:
        raise InvalidInput("This contest's winners are announced; it can no longer be changed.")
    data = _checked(data)
    for f in fields(data):
        setattr(contest, f.name, getattr(data, f.name))
    contest.rules_html = markdown.render(data.rules)
    schedule_close(contest)
    db.session.commit()
    return contest


def schedule_close(contest: Contest) -> bool:
    """Into the caller's transaction: closed when closes_at comes, by RQ's scheduler or else the outbox relay.

    The key names the closing time, so moving closes_at books a new close and the old one finds nothing to do.
    """
    at = int(contest.closes_at.timestamp())
    return outbox.enqueue(
        "contests.close_contest", contest.id, key=f"contest-close-{contest.id}-{at}", due_at=contest.closes_at
    )


def close_now(actor, contest_id) -> Contest:
    """Staff end a contest early: entries and votes stop now, then the worker picks the winners. Idempotent."""
    policy.require(actor, "contest.manage")
    contest = get(contest_id)
    now = utcnow()
    table = Contest.__table__
    db.session.execute(
        update(table)
        .where(table.c.id == contest.id, table.c.announced_at.is_(None), table.c.closes_at > now)
        .values(
            closes_at=now,
            entries_close_at=case((table.c.entries_close_at > now, now), else_=table.c.entries_close_at),
            opens_at=case((table.c.opens_at > now, now), else_=table.c.opens_at),
        )
    )
    db.session.flush()
    db.session.refresh(contest)
    if contest.announced_at is None:
        schedule_close(contest)  # closes_at is now: due at once
    db.session.commit()
    return contest


def listing(now: datetime | None = None) -> dict[str, list[Contest]]:
    """Every contest grouped by state, soonest first within a group; contests are few, entries are many."""
    rows = db.session.scalars(select(Contest).order_by(Contest.closes_at.desc(), Contest.id.desc())).all()
    groups: dict[str, list[Contest]] = {name: [] for name in STATES}
    for contest in rows:
        groups[state(contest, now)].append(contest)
    for name in ("upcoming", "open", "voting"):
        groups[name].reverse()
    return groups


def due_for_closing(now: datetime | None = None) -> list[int]:
    return list(
        db.session.scalars(
            select(Contest.id).where(Contest.announced_at.is_(None), Contest.closes_at <= (now or utcnow()))
        )
    )


def counts(contest_id: int) -> tuple[int, int]:
    row = db.session.execute(
        select(func.count(), func.coalesce(func.sum(ContestEntry.votes), 0)).where(
            ContestEntry.contest_id == contest_id, ContestEntry.state == "approved"
        )
    ).one()
    return int(row[0]), int(row[1])
