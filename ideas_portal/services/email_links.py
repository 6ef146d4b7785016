"""Links that prove an address (sign-up verification, a change of address): random, kept only as a SHA-256,
single-use, dead after their lifetime. Consumed by a conditional UPDATE, so two clicks at once win once."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import cast

from sqlalchemy import CursorResult, delete, or_, select, update

from ..extensions import db
from ..models import EmailConfirmation
from ..models.types import utcnow
from . import api_tokens
from .exceptions import DeadLink

LIFETIME = {"verify": timedelta(days=7), "change_email": timedelta(hours=24)}
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
WHAT = {"verify": "verification link", "change_email": "confirmation link"}


def issue(user_id: int, purpose: str, email: str) -> str:
    """A new link for `email`; it replaces the member's older unused links of the same purpose. Caller commits."""
    now = utcnow()
    db.session.execute(
        delete(EmailConfirmation).where(
            EmailConfirmation.user_id == user_id,
            EmailConfirmation.purpose == purpose,
            or_(EmailConfirmation.used_at.is_(None), EmailConfirmation.expires_at < now),
        )
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        EmailConfirmation(
            user_id=user_id,
            purpose=purpose,
            email=email,
            token_hash=api_tokens.digest(token),
            created_at=now,
            expires_at=now + LIFETIME[purpose],
        )
    )
    return token


def check(token: str, purpose: str) -> EmailConfirmation:
    """The link's row while it can still be used, else DeadLink saying why (404 unknown, 400 used or expired)."""
    row = None
    if isinstance(token, str) and TOKEN_SHAPE.fullmatch(token):
        row = db.session.scalar(
            select(EmailConfirmation).where(
                EmailConfirmation.token_hash == api_tokens.digest(token), EmailConfirmation.purpose == purpose
            )
        )
    what = WHAT[purpose]
    if row is None:
        raise DeadLink(f"This {what} is not valid. It may have been replaced by a newer one.", status_code=404)
    if row.used_at is not None:
        raise DeadLink(f"This {what} has already been used.")
    if row.expires_at <= utcnow():
        raise DeadLink(f"This {what} has expired.")
    return row


def consume(token: str, purpose: str) -> EmailConfirmation | None:
    """Marks the link used; returns its row to exactly one caller, None to a parallel loser (already used).
    Does not commit: the caller does its work (verify, change address) in the same transaction."""
    row = check(token, purpose)
    now = utcnow()
    won = cast(
        CursorResult,
        db.session.execute(
            update(EmailConfirmation)
            .where(
                EmailConfirmation.id == row.id,
                EmailConfirmation.used_at.is_(None),
                EmailConfirmation.expires_at > now,
            )
            .values(used_at=now)
        ),
    ).rowcount
    return row if won else None
