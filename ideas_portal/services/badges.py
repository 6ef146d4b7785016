"""Badges: the rules, declared here and nowhere else, and the one way a badge is awarded (once each)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, exists, func, select, update

from .. import outbox, policy
from ..extensions import db
from ..hosts import absolute_url
from ..models import ActiveDay, BadgeAward, ContestEntry, Idea, Status, StatusChange, User
from ..models.types import utcnow
from . import leaderboards, lookup, notifications, text
from .dialect import insert
from .exceptions import Conflict, InvalidInput, NotFound

STREAK_DAYS = 30
NOTE_MAX = 500
STAR = "star-member"
MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
MONTHS = "January February March April May June July August September October November December".split()


def _live_ideas(user_id: int):
    """Ideas the member shared and still shows: neither withdrawn nor hidden by moderation (ix_ideas_author_id)."""
    return select(Idea.id).where(Idea.author_id == user_id, Idea.withdrawn_at.is_(None), Idea.hidden_at.is_(None))


def _ideas_at_least(n: int) -> Callable[[int], bool]:
    def earned(user_id: int) -> bool:
        found = select(func.count()).select_from(_live_ideas(user_id).limit(n).subquery())
        return (db.session.scalar(found) or 0) >= n

    return earned


def _reached_threshold(user_id: int) -> bool:
    threshold = current_app.config["SUCCESS_THRESHOLD"]
    return bool(db.session.scalar(select(_live_ideas(user_id).where(Idea.score >= threshold).exists())))


def _launched(user_id: int) -> bool:
    """Reached Launched once, even if it moved on since (ix_ideas_author_id, then ix_status_changes_idea_id_id)."""
    launched = select(Status.id).where(Status.slug == "launched").scalar_subquery()
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    StatusChange.idea_id == Idea.id, Idea.author_id == user_id, StatusChange.to_status_id == launched
                )
            )
        )
    )


def _entered(user_id: int) -> bool:
    """An entry staff approved (or an unmoderated contest showed): a refused photo earns nothing."""
    return bool(
        db.session.scalar(select(exists().where(ContestEntry.user_id == user_id, ContestEntry.state == "approved")))
    )


def _won(user_id: int) -> bool:
    return bool(
        db.session.scalar(
            select(exists().where(ContestEntry.user_id == user_id, ContestEntry.winner_rank.is_not(None)))
        )
    )


def _streak(user_id: int) -> bool:
    """Active on STREAK_DAYS days in a row, ending on their latest active day: the days are the primary key, so
    STREAK_DAYS of them in that window are all of its days. Checked on each first activity of a day."""
    last = db.session.scalar(select(func.max(ActiveDay.day)).where(ActiveDay.user_id == user_id))
    if last is None:
        return False
    first = last - timedelta(days=STREAK_DAYS - 1)
    days = db.session.scalar(
        select(func.count()).where(ActiveDay.user_id == user_id, ActiveDay.day >= first, ActiveDay.day <= last)
    )
    return (days or 0) >= STREAK_DAYS


@dataclass(frozen=True)
class Badge:
    slug: str
    name: str
    symbol: str  # shown beside names (a text glyph every font has); the name is its text alternative
    why: str  # completes "You earned it for …" and the profile's "For …"; {threshold} is SUCCESS_THRESHOLD
    how: str  # how to earn it: the profile's "Still to earn" and /badges
    earned: Callable[[int], bool] | None = None  # None: awarded by staff, or by its own job (top ten)


# In the order they show beside a name: the rarest first.
BADGES: dict[str, Badge] = {
    b.slug: b
    for b in (
        Badge(STAR, "Star member", "★", "being named a star member by our team", "Our team names star members."),
        Badge(
            "contest-winner",
            "Contest winner",
            "♛",
            "winning a photo contest",
            "Be among a photo contest's winners.",
            _won,
        ),
        Badge(
            "idea-launched",
            "Idea launched",
            "✈",
            "an idea that we launched",
            "Share an idea that we launch.",
            _launched,
        ),
        Badge(
            "top-ten-month",
            "Top ten of the month",
            "✪",
            "being among the ten most active members of a month",
            "Be among the ten members with the most points in a calendar month.",
        ),
        Badge(
            "idea-success",
            "Crowd favourite",
            "♥",
            "an idea that reached {threshold} net votes",
            "Share an idea that reaches {threshold} net votes.",
            _reached_threshold,
        ),
        Badge(
            "streak-30",
            "30-day streak",
            "⚡",
            f"taking part on {STREAK_DAYS} days in a row",
            f"Take part (share an idea, comment, vote or enter a contest) on {STREAK_DAYS} days in a row.",
            _streak,
        ),
        Badge("ten-ideas", "Ten ideas", "10", "sharing ten ideas", "Share ten ideas.", _ideas_at_least(10)),
        Badge(
            "first-entry",
            "First contest entry",
            "◉",
            "a contest photo that we approved",
            "Enter a photo contest and have your photo approved.",
            _entered,
        ),
        Badge("first-idea", "First idea", "✦", "sharing a first idea", "Share your first idea.", _ideas_at_least(1)),
    )
}
ORDER = {slug: i for i, slug in enumerate(BADGES)}
SHOWN_BESIDE_NAMES = 3


def _filled(words: str) -> str:
    return words.format(threshold=current_app.config["SUCCESS_THRESHOLD"])


def how_to_earn(badge: Badge) -> str:
    return _filled(badge.how)


def beside_name(user) -> list[Badge]:
    """The first few badges a name shows, from the cached users.badge_slugs: no query."""
    if user is None or getattr(user, "deleted_at", None) is not None:
        return []
    slugs = (getattr(user, "badge_slugs", "") or "").split()
    return [BADGES[s] for s in slugs if s in BADGES][:SHOWN_BESIDE_NAMES]


def _shown(held) -> str:
    return " ".join(sorted((s for s in held if s in BADGES), key=ORDER.__getitem__))


def _cache(user_id: int) -> None:
    """users.badge_slugs, in display order: names show their badges with no query."""
    held = db.session.scalars(select(BadgeAward.slug).where(BadgeAward.user_id == user_id)).all()
    slugs = _shown(held)
    db.session.execute(update(User.__table__).where(User.__table__.c.id == user_id).values(badge_slugs=slugs))


def _rechecked(user_id: int) -> tuple[str, str]:
    """(shown, held) read again under the member's row lock, which every award and revoke takes first."""
    stored = db.session.scalar(select(User.badge_slugs).where(User.id == user_id).with_for_update(key_share=True))
    return stored or "", _shown(db.session.scalars(select(BadgeAward.slug).where(BadgeAward.user_id == user_id)))


def recount_cached() -> list[str]:
    """users.badge_slugs proven from badge_awards (flask recount); returns what it corrected. Caller commits."""
    held: dict[int, list[str]] = {}
    for user_id, slug in db.session.execute(select(BadgeAward.user_id, BadgeAward.slug)):
        held.setdefault(user_id, []).append(slug)
    corrections = []
    for user_id, stored in db.session.execute(select(User.id, User.badge_slugs).order_by(User.id)).all():
        real = _shown(held.get(user_id, ()))
        if (stored or "") != real:
            stored, real = _rechecked(user_id)  # a badge awarded while the recount read is no drift
        if (stored or "") != real:
            corrections.append(f"user {user_id}: badges “{stored or ''}”→“{real}”")
            db.session.execute(update(User.__table__).where(User.__table__.c.id == user_id).values(badge_slugs=real))
    return corrections


def _lock_member(user_id: int) -> bool:
    """The member's row, locked (PostgreSQL) so two awards to one member write the cache one after the other, each
    seeing the other's award; False for a deleted or unknown member."""
    return (
        db.session.scalar(
            select(User.id).where(User.id == user_id, User.deleted_at.is_(None)).with_for_update(key_share=True)
        )
        is not None
    )


def grant(user_id: int, slug: str, *, reason: str = "", note: str = "", granted_by_id: int | None = None) -> bool:
    """Awards a badge once (UNIQUE(user, slug) + ON CONFLICT); tells the member why. Caller commits."""
    badge = BADGES[slug]
    if not _lock_member(user_id):
        return False
    reason = reason or _filled(badge.why)
    table = BadgeAward.__table__
    won = db.session.execute(
        insert(table)
        .values(
            user_id=user_id,
            slug=slug,
            reason=reason[:300],
            note=note[:NOTE_MAX],
            granted_by_id=granted_by_id,
            awarded_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["user_id", "slug"])
        .returning(table.c.id)
    ).first()
    if won is None:
        return False
    _cache(user_id)
    body = f"You earned the “{badge.name}” badge for {reason}."
    if note:
        body += f" Our team says: “{note}”"
    notifications.notify(
        user_id,
        choice="badge",
        kind="badge",
        body=body,
        subject=f"New badge: {badge.name}",
        link=absolute_url("members.profile", user_id=user_id, _anchor="badges"),
    )
    return True


def check_member(user_id: int) -> list[str]:
    """Every rule the member meets and does not hold yet is awarded; returns the slugs awarded now. Commits."""
    if not _lock_member(user_id):
        db.session.rollback()
        return []
    held = set(db.session.scalars(select(BadgeAward.slug).where(BadgeAward.user_id == user_id)))
    awarded = [
        badge.slug
        for badge in BADGES.values()
        if badge.earned is not None and badge.slug not in held and badge.earned(user_id) and grant(user_id, badge.slug)
    ]
    db.session.commit()
    return awarded


# Reading ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    badge: Badge
    award: BadgeAward


def held(user_id: int) -> list[Held]:
    """The badges a member holds, in display order, with why and when (one query on UNIQUE(user_id, slug))."""
    awards = db.session.scalars(select(BadgeAward).where(BadgeAward.user_id == user_id)).all()
    return sorted((Held(BADGES[a.slug], a) for a in awards if a.slug in BADGES), key=lambda h: ORDER[h.badge.slug])


def to_earn(holding: list[Held]) -> list[Badge]:
    """The badges not held yet, in display order: what a member can still aim for."""
    have = {h.badge.slug for h in holding}
    return [b for b in BADGES.values() if b.slug not in have]


# Staff name star members ----------------------------------------------------------------------------------------


def _member(user_id) -> User:
    found = lookup.row(User, user_id)
    if found is None or found.deleted_at is not None:
        raise NotFound("There is no member with that number.")
    return found


def _by_hand(slug) -> None:
    if slug != STAR:
        raise InvalidInput(f"Only '{STAR}' is granted by hand; every other badge is earned by its rule.")


def grant_by_hand(actor, user_id, slug=STAR, note="") -> BadgeAward:
    """Staff name a member a star member, with an optional note shown with the badge. Commits."""
    policy.require(actor, "badges.grant")
    _by_hand(slug)
    note = " ".join(text.plain(note, "note").split())
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"The note is limited to {NOTE_MAX} characters.")
    member = _member(user_id)
    if not grant(member.id, STAR, note=note, granted_by_id=actor.id):
        db.session.rollback()
        raise Conflict(f"{member.name} is already a star member.")
    award = db.session.scalars(select(BadgeAward).where(BadgeAward.user_id == member.id, BadgeAward.slug == STAR)).one()
    db.session.expunge(award)  # read in this transaction: a revoke racing in right after the commit cannot void it
    db.session.commit()
    return award


def revoke_by_hand(actor, user_id, slug=STAR) -> None:
    """Staff take a star back; the name and the profile stop showing it. Commits."""
    policy.require(actor, "badges.grant")
    _by_hand(slug)
    member = _member(user_id)
    _lock_member(member.id)
    gone = db.session.execute(
        delete(BadgeAward).where(BadgeAward.user_id == member.id, BadgeAward.slug == STAR).returning(BadgeAward.id)
    ).first()
    if gone is None:
        db.session.rollback()
        raise NotFound(f"{member.name} is not a star member.")
    _cache(member.id)
    db.session.commit()


# The top ten of each month --------------------------------------------------------------------------------------


def month_name(starts_on: date) -> str:
    return f"{MONTHS[starts_on.month - 1]} {starts_on.year}"


def schedule_top_ten(now: datetime | None = None) -> bool:
    """Every worker tick: the month just ended gets its award job once (the outbox key). Only in a month's first
    KEEP_DONE days, while the outbox still remembers the key; returns whether the job was written. Commits."""
    now = now or utcnow()
    this_month = now.date().replace(day=1)
    if now.date() - this_month >= outbox.KEEP_DONE:
        return False
    month = f"{(this_month - timedelta(days=1)).replace(day=1):%Y-%m}"
    key = f"top-ten-{month}"
    if outbox.status(key) is not None:  # a read first: no insert (nor sequence number) every minute of the week
        db.session.rollback()
        return False
    written = outbox.enqueue("badges.award_top_ten", month, key=key)
    db.session.commit()
    return written


def award_top_ten(month: str, now: datetime | None = None) -> list[int]:
    """The ten members with the most points in a month that has ended (its period totals) get the badge; returns
    those awarded now (a member holds it once, from the first month they made it). Commits."""
    try:
        year, number = (int(part) for part in MONTH.fullmatch(month).groups())  # type: ignore[union-attr]
        starts_on = date(year, number, 1)
    except (AttributeError, TypeError, ValueError):
        raise InvalidInput("month must be YYYY-MM.") from None
    if starts_on >= (now or utcnow()).date().replace(day=1):
        db.session.rollback()
        return []  # not over yet: its ranking can still change
    reason = f"being among the ten most active members of {month_name(starts_on)}"
    members = sorted(user.id for user, _ in leaderboards.top("month", 10, starts_on=starts_on))
    awarded = [user_id for user_id in members if grant(user_id, "top-ten-month", reason=reason)]  # locks in id order
    db.session.commit()
    return awarded
