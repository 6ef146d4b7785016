"""Marketing consent: the member's current choice on `users`, every change kept in `consent_events` with its
time and where it was made, so staff can show when consent was given."""

from __future__ import annotations

from typing import cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models import ConsentEvent, User
from ..models.types import utcnow
from . import accounts
from .exceptions import InvalidInput

SOURCE_MAX = 40  # consent_events.source


def set_consent(user, given: bool, source: str) -> bool:
    """Gives or withdraws consent; True if that changed it. Only a change is recorded. Caller commits.

    A conditional UPDATE decides, so two requests at once (settings and a contest form) record one change."""
    user = accounts.lock_live(user)
    if not isinstance(given, bool):
        raise InvalidInput("marketing_consent must be true or false.")
    if not source or len(source) > SOURCE_MAX:
        raise ValueError(f"consent source must be 1 to {SOURCE_MAX} characters")
    changed = cast(
        CursorResult,
        db.session.execute(
            update(User)
            .where(User.id == user.id, User.marketing_consent != given)
            .values(marketing_consent=given)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    set_committed_value(user, "marketing_consent", given)  # the caller's object agrees with the row
    if changed:
        db.session.add(ConsentEvent(user_id=user.id, given=given, source=source, created_at=utcnow()))
        db.session.flush()
    return bool(changed)


def history(user_id: int) -> list[ConsentEvent]:
    """Every change, newest first: what the member and staff are shown."""
    return list(
        db.session.scalars(select(ConsentEvent).where(ConsentEvent.user_id == user_id).order_by(ConsentEvent.id.desc()))
    )


def given_at_column(user_id_column):
    """When consent was last given (a correlated subquery for exports): the time current consent dates from."""
    return (
        select(func.max(ConsentEvent.created_at))
        .where(ConsentEvent.user_id == user_id_column, ConsentEvent.given.is_(True))
        .scalar_subquery()
    )


def source_label(source: str) -> str:
    """ "contest 12" → "the entry form of contest 12": how the member reads their own history."""
    if source == "settings":
        return "your settings"
    if source == "api":
        return "the API"
    if source.startswith("contest "):
        return f"the entry form of contest {source.removeprefix('contest ')}"
    return source
