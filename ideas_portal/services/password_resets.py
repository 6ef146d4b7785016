"""Password-reset links: random, kept only as a SHA-256, single-use, dead after an hour."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import cast

from sqlalchemy import CursorResult, delete, or_, select, update

from ..extensions import db
from ..hosts import absolute_url
from ..models import PasswordReset, User
from ..models.types import utcnow
from ..models.users import new_session_token
from . import accounts, api_tokens, mail, verification, unsubscribe
from .exceptions import DeadLink, InvalidInput

LIFETIME = timedelta(hours=1)
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
USED = "This reset link has already been used."


def request_reset(email: str) -> None:
    """Quiet about whether the address exists, so accounts cannot be enumerated; a new link replaces older ones."""
    try:
        address = accounts.normalise_email(email)
    except InvalidInput:
        return
    user = db.session.scalar(select(User).where(User.email == address))
    if user is None:
        return
    now = utcnow()
    db.session.execute(
        delete(PasswordReset).where(
            PasswordReset.user_id == user.id, or_(PasswordReset.used_at.is_(None), PasswordReset.expires_at < now)
        )
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        PasswordReset(user_id=user.id, token_hash=api_tokens.digest(token), created_at=now, expires_at=now + LIFETIME)
    )
    db.session.commit()
    link = absolute_url("auth.reset_password", token=token)
    mail.send(
        user.email,
        "Reset your password",
        f"Hello {user.name},\n\nSomeone (hopefully you) asked to reset your password.\n"
        f"Open this link within an hour to choose a new one. It works once:\n\n{link}\n\n"
        "If it was not you, ignore this message; your password stays as it is.\n",
        unsubscribe_url=unsubscribe.url(user.id, unsubscribe.ALL),
    )


def check(token: str) -> PasswordReset:
    """The link's row while it can still be used, else DeadLink saying why."""
    row = None
    if TOKEN_SHAPE.fullmatch(token or ""):
        row = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == api_tokens.digest(token)))
    if row is None:
        raise DeadLink("This reset link is not valid. It may have been replaced by a newer one.", status_code=404)
    if row.used_at is not None:
        raise DeadLink(USED)
    if row.expires_at <= utcnow():
        raise DeadLink("This reset link has expired.")
    return row


def reset(token: str, new_password: str) -> User:
    """Consumed by `UPDATE … WHERE used_at IS NULL`: of two parallel resets with one link, exactly one wins."""
    accounts.check_password_rules(new_password)  # a refused password leaves the link usable
    row = check(token)
    now = utcnow()
    won = cast(
        CursorResult,
        db.session.execute(
            update(PasswordReset)
            .where(
                PasswordReset.id == row.id,
                PasswordReset.used_at.is_(None),
                PasswordReset.expires_at > now,
            )
            .values(used_at=now)
        ),
    ).rowcount
    if not won:
        db.session.rollback()
        raise DeadLink(USED)
    user = db.session.get_one(User, row.user_id)
    user.set_password(new_password)
    user.session_token = new_session_token()  # every session and remember cookie ends
    api_tokens.revoke_all(user.id)
    verification.mark_verified(user)  # the link reached the inbox, as a verification link would have
    db.session.execute(delete(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None)))
    db.session.commit()
    return user
