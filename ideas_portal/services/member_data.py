"""What is held about a member: all of it for them ("Download my data"), the public part for everyone else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import func, select

from ..extensions import db
from ..models import (
    ApiToken,
    BadgeAward,
    Comment,
    ConsentEvent,
    ContestEntrant,
    ContestEntry,
    ContestVote,
    EmailConfirmation,
    Flag,
    Follow,
    Idea,
    Notification,
    PointEntry,
    User,
    Vote,
)
from ..storage import media_url
from . import accounts, consent, lookup, pagination, preferences, profile
from .exceptions import NotFound
from .polls import answers as poll_answers

EXPORT_FORMAT = 1  # bumped when a key changes meaning, so a reader of an old download knows what it holds
PROFILE_ITEMS = 12


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z") if value else None


def _rows(stmt) -> list:
    return list(db.session.scalars(stmt).unique())


def export(user: User) -> dict:
    """Every row that names the member, as plain JSON: the same document for the API and the HTML download."""
    uid = user.id
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _iso(datetime.now(timezone.utc)),
        "profile": {
            "id": uid,
            "name": user.name,
            "email": user.email,
            "bio": user.bio,
            "role": user.role,
            "created_at": _iso(user.created_at),
            "email_verified_at": _iso(user.email_verified_at),
            "marketing_consent": user.marketing_consent,
            "points": user.points,
            "avatar_url": avatar_url(user),
            "suspended_at": _iso(user.banned_at),
            "suspension_reason": user.ban_reason,
        },
        "ideas": [
            {
                "id": i.id,
                "title": i.title,
                "body": i.body,
                "category": i.category.slug if i.category else None,
                "status": i.status.slug,
                "created_at": _iso(i.created_at),
                "updated_at": _iso(i.updated_at),
                "withdrawn_at": _iso(i.withdrawn_at),
                "hidden_at": _iso(i.hidden_at),
                "merged_into_id": i.merged_into_id,
            }
            for i in _rows(select(Idea).where(Idea.author_id == uid).order_by(Idea.id))
        ],
        "comments": [
            {
                "id": c.id,
                "idea_id": c.idea_id,
                "parent_id": c.parent_id,
                "body": c.body,
                "created_at": _iso(c.created_at),
                "edited_at": _iso(c.edited_at),
                "deleted_at": _iso(c.deleted_at),
                "hidden_at": _iso(c.hidden_at),
            }
            for c in _rows(select(Comment).where(Comment.author_id == uid).order_by(Comment.id))
        ],
        "votes": [
            {"idea_id": v.idea_id, "value": v.value, "created_at": _iso(v.created_at), "held": v.held}
            for v in _rows(select(Vote).where(Vote.user_id == uid).order_by(Vote.id))
        ],
        "entries": [
            {
                "id": e.id,
                "contest_id": e.contest_id,
                "caption": e.caption,
                "state": e.state,
                "error": e.error,
                "votes": e.votes,
                "winner_rank": e.winner_rank,
                "created_at": _iso(e.created_at),
                "image_url": media_url(e.original_key, external=True) if e.state != "failed" else None,
            }
            for e in _rows(select(ContestEntry).where(ContestEntry.user_id == uid).order_by(ContestEntry.id))
        ],
        "contest_votes": [
            {
                "entry_id": v.entry_id,
                "contest_id": v.contest_id,
                "day": v.day.isoformat(),
                "created_at": _iso(v.created_at),
                "held": v.held,
            }
            for v in _rows(select(ContestVote).where(ContestVote.user_id == uid).order_by(ContestVote.id))
        ],
        "poll_answers": [
            {**a, "created_at": _iso(a["created_at"]), "updated_at": _iso(a["updated_at"])}
            for a in poll_answers.export(uid)
        ],
        "notifications": [
            {
                "kind": n.kind,
                "body": n.body,
                "created_at": _iso(n.created_at),
                "read": n.read_at is not None,
                "idea_id": n.idea_id,
                "contest_id": n.contest_id,
                "comment_id": n.comment_id,
            }
            for n in _rows(select(Notification).where(Notification.user_id == uid).order_by(Notification.id))
        ],
        "points": [  # the ledger lines that make up `profile.points`, oldest first
            {"reason": p.reason, "amount": p.amount, "created_at": _iso(p.created_at), "idea_id": p.idea_id}
            for p in _rows(select(PointEntry).where(PointEntry.user_id == uid).order_by(PointEntry.id))
        ],
        "badges": [
            {"slug": b.slug, "reason": b.reason, "note": b.note, "awarded_at": _iso(b.awarded_at)}
            for b in _rows(select(BadgeAward).where(BadgeAward.user_id == uid).order_by(BadgeAward.id))
        ],
        "notification_settings": preferences.settings_of(uid),
        "consent_history": [
            {"given": c.given, "source": c.source, "created_at": _iso(c.created_at)}
            for c in _rows(select(ConsentEvent).where(ConsentEvent.user_id == uid).order_by(ConsentEvent.id))
        ],
        "api_tokens": [
            {"id": t.id, "created_at": _iso(t.created_at), "last_used_at": _iso(t.last_used_at)}
            for t in _rows(select(ApiToken).where(ApiToken.user_id == uid).order_by(ApiToken.id))
        ],
        "contest_entrant_details": [
            {
                "contest_id": e.contest_id,
                "accepted_rules_at": _iso(e.accepted_rules_at),
                "full_name": e.full_name,
                "phone": e.phone,
                "postal_address": e.postal_address,
                "marketing_consent": e.marketing_consent,
                "marketing_consent_at": _iso(e.marketing_consent_at),
            }
            for e in _rows(
                select(ContestEntrant).where(ContestEntrant.user_id == uid).order_by(ContestEntrant.contest_id)
            )
        ],
        "follows": [
            {"idea_id": f.idea_id, "created_at": _iso(f.created_at)}
            for f in _rows(select(Follow).where(Follow.user_id == uid).order_by(Follow.idea_id))
        ],
        "flags": [
            {
                "target_type": f.target_type,
                "target_id": f.target_id,
                "reason": f.reason,
                "created_at": _iso(f.created_at),
                "resolution": f.resolution,
            }
            for f in _rows(select(Flag).where(Flag.user_id == uid).order_by(Flag.id))
        ],
        "email_confirmations": [
            {
                "purpose": c.purpose,
                "email": c.email,
                "created_at": _iso(c.created_at),
                "expires_at": _iso(c.expires_at),
                "used_at": _iso(c.used_at),
            }
            for c in _rows(
                select(EmailConfirmation).where(EmailConfirmation.user_id == uid).order_by(EmailConfirmation.id)
            )
        ],
    }


# The public profile --------------------------------------------------------------------------------------------


def _public_ideas(user_id: int):
    """As /ideas lists them (neither withdrawn nor hidden), and not merged away into another idea."""
    return select(Idea).where(
        Idea.author_id == user_id, Idea.withdrawn_at.is_(None), Idea.hidden_at.is_(None), Idea.merged_into_id.is_(None)
    )


def _public_entries(user_id: int):
    return select(ContestEntry).where(ContestEntry.user_id == user_id, ContestEntry.state == "approved")


@dataclass
class Profile:
    user: User
    ideas_count: int
    entries_count: int


def member(user_id) -> User:
    """A member others may look up; a deleted account is not there any more, like one that never was."""
    found = lookup.row(User, user_id)
    if found is None or found.deleted_at is not None:
        raise NotFound("There is no member with that number.")
    return found


def public_profile(user_id) -> Profile:
    user = member(user_id)
    count = lambda stmt: db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0  # noqa: E731
    return Profile(user, count(_public_ideas(user.id)), count(_public_entries(user.id)))


def ideas_of(user_id: int, limit: int = PROFILE_ITEMS, cursor: str | None = None) -> pagination.Page:
    """Newest first, keyset-paged."""
    return pagination.keyset(_public_ideas(user_id), Idea.id, cursor=cursor, limit=limit)


def entries_of(user_id: int, limit: int = PROFILE_ITEMS, cursor: str | None = None) -> pagination.Page:
    return pagination.keyset(_public_entries(user_id), ContestEntry.id, cursor=cursor, limit=limit)


# Changing one's own data (PATCH /me) ----------------------------------------------------------------------------


def change(
    user: User, *, name=None, bio=None, notification_settings=None, marketing_consent=None, source="api"
) -> User:
    """Any of the fields, all or nothing: a refused one rolls back those before it. Commits."""

    try:
        user = accounts.lock_live(user)
        if notification_settings is not None:
            preferences.update(user.id, notification_settings)
        if marketing_consent is not None:
            consent.set_consent(user, marketing_consent, source)
        if name is not None or bio is not None:
            profile.update_profile(user, name=name, bio=bio)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return user


def avatar_url(user: User) -> str | None:
    """The thumbnail's absolute URL once it is made (API, export); None: the letter-initial fallback."""

    if user.deleted_at is not None or not user.avatar_key or not user.avatar_ready:
        return None
    return media_url(profile.thumbnail_key(user.avatar_key), external=True)
