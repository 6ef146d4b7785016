"""Deleting one's own account: the person goes, what they gave the community stays under "Deleted member".

In one transaction the personal data is erased and the rows that only mattered to the person are deleted;
ideas, comments, contest entries and votes stay, linked to the now anonymous row, so every counter still adds
up (`flask recount` finds nothing to correct). The avatar's files go from storage once that has committed.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update

from ..extensions import db
from ..models import (
    ApiToken,
    BadgeAward,
    ConsentEvent,
    ContestEntrant,
    EmailConfirmation,
    Follow,
    Notification,
    NotificationPreference,
    OutboundEmail,
    PasswordReset,
    User,
)
from ..models.types import utcnow
from ..models.users import new_session_token
from ..storage import storage
from . import accounts, profile
from .exceptions import Conflict, InvalidInput, NotAllowed

DELETED_NAME = accounts.DELETED_NAME
UNUSABLE_PASSWORD = "!deleted"  # not a werkzeug hash: check_password_hash says no to every password
WRONG_PASSWORD = "That is not your password. Your account is unchanged."
LAST_ADMIN = "You are the only admin: make another member an admin first, then delete your account."

# Rows that only mattered to the person: deleted outright.
_LINKS = (EmailConfirmation, PasswordReset)
_THEIRS = (ApiToken, Notification, NotificationPreference, ConsentEvent, Follow, BadgeAward)


def placeholder_email(user_id: int) -> str:
    """Unique (the column is) and no address anyone can receive mail at or sign in with (.invalid, RFC 2606)."""
    return f"deleted-{user_id}@invalid"


def _refuse_last_admin(user: User) -> None:
    if user.role != "admin":
        return
    # Locks the admins' rows (PostgreSQL), so two admins deleting themselves at once cannot both pass.
    admins = db.session.scalars(
        select(User.id).where(User.role == "admin", User.deleted_at.is_(None)).with_for_update()
    ).all()
    if not set(admins) - {user.id}:
        raise Conflict(LAST_ADMIN)


def delete_account(user: User, password) -> None:
    """Asks for the password first; a wrong one changes nothing. Commits."""
    if user.deleted_at is not None:
        raise Conflict("This account is already deleted.")
    if not isinstance(password, str) or not password:
        raise InvalidInput("Enter your password to delete your account.")
    try:
        # The single-use links go first: opening one locks its row, then the member's, so taking them in the
        # same order cannot deadlock. Then the member's row, locked (PostgreSQL): a second deletion or a change
        # already under way waits, then sees it.
        for link in _LINKS:
            db.session.execute(delete(link).where(link.user_id == user.id))
        db.session.refresh(user, with_for_update=True)
        if user.deleted_at is not None:
            raise Conflict("This account is already deleted.")
        if not user.check_password(password):
            raise NotAllowed(WRONG_PASSWORD)
        _refuse_last_admin(user)
        avatar = user.avatar_key
        old_email = user.email
        for model in _THEIRS:
            db.session.execute(delete(model).where(model.user_id == user.id))
        db.session.execute(delete(OutboundEmail).where(OutboundEmail.to == old_email, OutboundEmail.sent_at.is_(None)))
        db.session.execute(
            update(ContestEntrant)
            .where(ContestEntrant.user_id == user.id)
            .values(full_name="", phone="", postal_address="", marketing_consent=False, marketing_consent_at=None)
        )
        db.session.execute(
            update(User)
            .where(User.id == user.id, User.deleted_at.is_(None))
            .values(
                email=placeholder_email(user.id),
                name=DELETED_NAME,
                bio="",
                avatar_key=None,
                avatar_ready=False,
                badge_slugs="",  # a badge is about the person: "Deleted member" holds none
                password_hash=UNUSABLE_PASSWORD,
                session_token=new_session_token(),
                marketing_consent=False,
                role="member",  # a deleted account holds no staff rights
                deleted_at=utcnow(),
            )
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    db.session.expire(user)
    if avatar:
        store = storage()
        store.delete(profile.thumbnail_key(avatar))
        store.delete(avatar)
