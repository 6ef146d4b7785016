"""One-click unsubscribe (RFC 8058): a signed link per member and kind that works without signing in."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ..extensions import db
from ..hosts import absolute_url
from ..models import NOTIFICATION_KINDS, User
from . import preferences
from .exceptions import DeadLink

ALL = "all"  # mail that is not a notice (sign-up, password): its link stops every notice email


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="unsubscribe")


def token(user_id: int, kind: str) -> str:
    return _signer().dumps([user_id, kind])


def url(user_id: int, kind: str) -> str:
    return absolute_url("account.unsubscribe", token=token(user_id, kind))


def read(value: str) -> tuple[User, str]:
    """The member and kind a link names; a forged, altered or stale link is a DeadLink (400), never a 500."""
    try:
        user_id, kind = _signer().loads(value if isinstance(value, str) else "")
    except (BadSignature, ValueError, TypeError):
        raise DeadLink("This unsubscribe link is not valid. Change your email choices in your settings.") from None
    if type(user_id) is not int or (kind != ALL and kind not in NOTIFICATION_KINDS):
        raise DeadLink("This unsubscribe link is not valid. Change your email choices in your settings.")
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise DeadLink("This account no longer exists, so it gets no email from us.", status_code=404)
    return user, kind


def apply(value: str) -> tuple[User, str]:
    """Turns the email channel off for the link's kind (or all kinds); doing it twice changes nothing."""
    user, kind = read(value)
    kinds = NOTIFICATION_KINDS if kind == ALL else (kind,)
    preferences.update(user.id, {k: {"email": False} for k in kinds})
    db.session.commit()
    return user, kind
