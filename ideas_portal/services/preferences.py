"""Notification choices: per kind, in-app and email apart; a member without a row has the kind's default."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import ColumnElement, and_, func, literal, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import NOTIFICATION_KINDS, NotificationPreference
from .dialect import insert
from .exceptions import InvalidInput

CHANNELS = ("in_app", "email")

# (in_app, email). The digest is a weekly email that members opt in to; a badge is told in the app (email on
# request); everything else is on until switched off.
DEFAULTS: dict[str, tuple[bool, bool]] = {
    "status_change": (True, True),
    "reply": (True, True),
    "mention": (True, True),
    "contest_result": (True, True),
    "official_answer": (True, True),
    "badge": (True, False),
    "digest": (False, False),
}

LABELS = {
    "status_change": "Status changes of ideas I follow",
    "reply": "Replies to my comments",
    "mention": "Mentions of my name",
    "contest_result": "Results of contests I entered",
    "official_answer": "Staff answers on my ideas",
    "badge": "Badges I earn",
    "digest": "The weekly digest",
}

assert set(DEFAULTS) == set(NOTIFICATION_KINDS) == set(LABELS)


def settings_of(user_id: int) -> dict[str, dict[str, bool]]:
    chosen = {
        p.kind: (p.in_app, p.email)
        for p in db.session.scalars(select(NotificationPreference).where(NotificationPreference.user_id == user_id))
    }
    return {kind: dict(zip(CHANNELS, chosen.get(kind, DEFAULTS[kind]), strict=True)) for kind in NOTIFICATION_KINDS}


def _parsed(mapping) -> dict[str, dict[str, bool]]:
    if not isinstance(mapping, dict):
        raise InvalidInput('notification_settings must be an object of kinds, each {"in_app": bool, "email": bool}.')
    parsed = {}
    for kind, channels in mapping.items():
        if kind not in DEFAULTS:
            raise InvalidInput(f"Unknown notification kind {str(kind)[:40]!r}; kinds are {', '.join(DEFAULTS)}.")
        if not isinstance(channels, dict) or not channels or set(channels) - set(CHANNELS):
            raise InvalidInput(f'notification_settings.{kind} takes "in_app" and/or "email", each true or false.')
        if any(type(v) is not bool for v in channels.values()):
            raise InvalidInput(f"notification_settings.{kind}: in_app and email are true or false.")
        parsed[kind] = channels
    return parsed


def update(user_id: int, mapping) -> dict[str, dict[str, bool]]:
    """Changes only the channels given; the caller commits. Unknown kinds or non-booleans are refused whole."""
    changes = _parsed(mapping)
    current = settings_of(user_id)
    for kind, channels in changes.items():
        chosen = {**current[kind], **channels}
        db.session.execute(
            insert(NotificationPreference)
            .values(user_id=user_id, kind=kind, **chosen)
            .on_conflict_do_update(index_elements=["user_id", "kind"], set_=chosen)
        )
        current[kind] = chosen
    return current


def save(user_id: int, mapping) -> dict[str, dict[str, bool]]:
    """update() and commit: the settings form and the API's PATCH /me keep one meaning for a choice."""
    chosen = update(user_id, mapping)
    db.session.commit()
    return chosen


def set_channel(user_id: int, kind: str, channel: str, wanted: bool) -> None:
    update(user_id, {kind: {channel: wanted}})


def wants(kind: str, channel: str, user_id) -> ColumnElement[bool]:
    """SQL truth of "this member wants `kind` by `channel`", for set-based fan-outs (one row per recipient)."""
    column = getattr(NotificationPreference, channel)
    chosen = (
        select(column)
        .where(and_(NotificationPreference.user_id == user_id, NotificationPreference.kind == kind))
        .scalar_subquery()
    )
    return func.coalesce(chosen, literal(DEFAULTS[kind][CHANNELS.index(channel)]))


class Choice(NamedTuple):
    """One kind's choice joined to a set of recipients: outer-join `table` ON `on`, then read in_app / email."""

    table: type[NotificationPreference]  # an alias of it
    on: ColumnElement[bool]
    in_app: ColumnElement[bool]
    email: ColumnElement[bool]


def joined(kind: str, user_id) -> Choice:
    """The kind's choice as a LEFT JOIN for fan-outs of thousands of rows: one lookup per recipient, not one per
    channel (wants() is a correlated subquery, best in a WHERE)."""
    chosen = aliased(NotificationPreference)
    in_app, email = DEFAULTS[kind]
    return Choice(
        chosen,
        and_(chosen.user_id == user_id, chosen.kind == kind),
        func.coalesce(chosen.in_app, literal(in_app)),
        func.coalesce(chosen.email, literal(email)),
    )


def wanted(user_id: int, kind: str) -> tuple[bool, bool]:
    """(in_app, email) for one member and kind."""
    return tuple(settings_of(user_id)[kind][c] for c in CHANNELS)  # type: ignore[return-value]
