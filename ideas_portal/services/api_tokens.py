"""API bearer tokens: issued at sign-in, listed and revoked by their owner, all revoked on a reset or suspension."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from sqlalchemy import CursorResult, delete, or_, select, update

from ..extensions import db
from ..models import ApiToken, User
from ..models.types import is_id, utcnow
from . import dialect
from .exceptions import NotFound

TOUCH_EVERY = timedelta(minutes=1)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue(user: User) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=digest(token)))
    db.session.commit()
    return token


@dataclass(frozen=True)
class Bearer:
    user: User
    token_id: int


def authenticate(token: str) -> Bearer | None:
    """One query per call; `last_used_at` is written only when a minute has passed since the last write."""
    row = db.session.execute(
        select(User, ApiToken.id, ApiToken.last_used_at)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == digest(token), User.deleted_at.is_(None))  # one issued as it was deleted
    ).first()
    if row is None:
        return None
    user, token_id, last_used = row
    now = utcnow()
    if last_used is None or now - last_used >= TOUCH_EVERY:
        with dialect.writing():  # also on a GET; conditional, so a request that touched it meanwhile wins
            db.session.execute(
                update(ApiToken)
                .where(
                    ApiToken.id == token_id,
                    or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - TOUCH_EVERY),
                )
                .values(last_used_at=now)
            )
            db.session.commit()
    return Bearer(user, token_id)


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke(user: User, token_id) -> None:
    """Another member's token is simply not found, so ids reveal nothing."""
    done = (
        is_id(token_id)
        and cast(
            CursorResult,
            db.session.execute(delete(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)),
        ).rowcount
    )
    if not done:
        db.session.rollback()
        raise NotFound("You have no API token with that id.")
    db.session.commit()


def revoke_all(user_id: int) -> int:
    """Part of the caller's transaction: the caller commits together with what made the tokens go."""
    return cast(CursorResult, db.session.execute(delete(ApiToken).where(ApiToken.user_id == user_id))).rowcount
