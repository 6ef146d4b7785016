"""Badges: the rules, declared here and nowhere else, and the one way a badge is awarded (once each)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import exists, func, select, update

from ..extensions import db
from ..models import ActiveDay, BadgeAward, ContestEntry, Idea, Status, StatusChange, User
from ..models.types import utcnow
from . import notifications
from .dialect import insert

STREAK_DAYS = 30


def _ideas(user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Idea).where(Idea.author_id == user_id)) or 0


def _reached_threshold(user_id: int) -> bool:
    threshold = current_app.config["SUCCESS_THRESHOLD"]
    return bool(db.session.scalar(select(exists().where(Idea.author_id == user_id, Idea.score >= threshold))))


def _launched(user_id: int) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists()
                .where(StatusChange.idea_id == Idea.id, Idea.author_id == user_id)
                .where(StatusChange.to_status_id == Status.id, Status.slug == "launched")
            )
        )
    )


def _entered(user_id: int) -> bool:
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
    """Active on STREAK_DAYS days in a row, ending on their latest active day."""
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
    symbol: str  # shown beside names; the name is its text alternative
    why: str  # completes "You earned it for …"
    earned: Callable[[int], bool] | None = None  # None: awarded by staff, or by its own job (top ten)


# In the order they show beside a name: the rarest first.
BADGES: dict[str, Badge] = {
    b.slug: b
    for b in (
        Badge("star-member", "Star member", "★", "being named a star member by our team"),
        Badge("contest-winner", "Contest winner", "🏆", "winning a photo contest", _won),
        Badge("idea-launched", "Idea launched", "🚀", "an idea of yours that we launched", _launched),
        Badge("top-ten-month", "Top ten of the month", "🥇", "being among the ten most active members of a month"),
        Badge("idea-success", "Crowd favourite", "🔥", "an idea that reached the vote threshold", _reached_threshold),
        Badge("streak-30", "30-day streak", "📅", f"taking part on {STREAK_DAYS} days in a row", _streak),
        Badge("ten-ideas", "Ten ideas", "🔟", "sharing ten ideas", lambda user_id: _ideas(user_id) >= 10),
        Badge("first-entry", "First contest entry", "📷", "your first approved contest entry", _entered),
        Badge("first-idea", "First idea", "💡", "sharing your first idea", lambda user_id: _ideas(user_id) >= 1),
    )
}
ORDER = {slug: i for i, slug in enumerate(BADGES)}


def _cache(user_id: int) -> None:
    """users.badge_slugs, in display order: names show their badges with no query."""
    held = db.session.scalars(select(BadgeAward.slug).where(BadgeAward.user_id == user_id)).all()
    slugs = " ".join(sorted((s for s in held if s in BADGES), key=ORDER.__getitem__))
    db.session.execute(update(User.__table__).where(User.__table__.c.id == user_id).values(badge_slugs=slugs))


def grant(user_id: int, slug: str, *, reason: str = "", note: str = "", granted_by_id: int | None = None) -> bool:
    """Awards a badge once (UNIQUE(user, slug) + ON CONFLICT); tells the member why. Caller commits."""
    badge = BADGES[slug]
    table = BadgeAward.__table__
    won = db.session.execute(
        insert(table)
        .values(
            user_id=user_id,
            slug=slug,
            reason=(reason or badge.why)[:300],
            note=note[:500],
            granted_by_id=granted_by_id,
            awarded_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["user_id", "slug"])
        .returning(table.c.id)
    ).first()
    if won is None:
        return False
    _cache(user_id)
    body = f"You earned the “{badge.name}” badge for {reason or badge.why}."
    if note:
        body += f" {note}"
    notifications.notify(
        user_id, choice="badge", kind="badge", body=body, subject=f"New badge: {badge.name}", link=None
    )
    return True


def check_member(user_id: int) -> list[str]:
    """Every rule the member meets and does not hold yet is awarded; returns the slugs awarded now. Commits."""
    member = db.session.get(User, user_id)
    if member is None or member.deleted_at is not None:
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
