"""Email verification: the link sign-up sends, and the moment a member's held votes start to count.

Until a member proves their address, their votes are kept but held (outside every counter): the simplest fraud
control there is. Verifying releases them exactly once, in the transaction that verifies, however often and
however simultaneously the link is clicked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from flask import current_app
from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..hosts import absolute_url
from ..models import ContestVote, PollAnswer, User, Vote
from ..models.types import utcnow
from . import dialect, email_links, mail, unsubscribe, voting
from .contests import votes as contest_votes
from .polls import answers as poll_answers
from .exceptions import Conflict, DeadLink

# Every kind of held vote: its rows (a model with user_id and held) and its release, fn(user_id) -> how many now
# count, run together when a member verifies. A new kind adds its pair here, and nowhere else.
HELD: dict[str, tuple[type[Vote] | type[ContestVote] | type[PollAnswer], Callable[[int], int]]] = {
    "votes": (Vote, voting.release_held),
    "contest_votes": (ContestVote, contest_votes.release_held),
    "poll_answers": (PollAnswer, poll_answers.release_held),
}


def send_link(user: User) -> None:
    """Mails a fresh link (older unused ones stop working); commits. Conflict if the address is already proven."""
    if user.email_verified_at is not None:
        raise Conflict("Your address is already confirmed.")
    token = email_links.issue(user.id, "verify", user.email)
    site, days = current_app.config["SITE_NAME"], email_links.LIFETIME["verify"].days
    mail.send(
        user.email,
        f"Confirm your address at {site}",
        f"Hello {user.name},\n\nplease confirm that this is your address by opening this link:\n\n"
        f"{absolute_url('auth.verify_email', token=token)}\n\n"
        f"It works once, for {days} days. Until then you can sign in, share ideas and comment; your votes are kept "
        "but held, and count from the moment you confirm.\n\n"
        "If you did not sign up, ignore this message.\n",
        unsubscribe_url=unsubscribe.url(user.id, unsubscribe.ALL),
    )


def mark_verified(user: User) -> dict[str, int]:
    """Marks the address proven and releases the member's held votes, once: only the caller whose conditional
    UPDATE wins releases them (returns how many of each kind; {} when already verified). Caller commits."""
    now = utcnow()
    won = cast(
        CursorResult,
        db.session.execute(
            update(User)
            .where(User.id == user.id, User.email_verified_at.is_(None))
            .values(email_verified_at=now)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if not won:
        return {}
    set_committed_value(user, "email_verified_at", now)  # the loaded object tells the truth, with no second write
    return {kind: release(user.id) for kind, (_, release) in HELD.items()}


def verify(token: str) -> User:
    """The mailed link, opened: its member is verified and their held votes count.

    Of two clicks at the same moment one consumes the link and releases; the other finds it used (DeadLink).
    """
    with dialect.writing():  # a GET (the mailed link) that writes
        row = email_links.consume(token, "verify")
        if row is None:
            db.session.rollback()
            raise DeadLink(f"This {email_links.WHAT['verify']} has already been used.")
        user = db.session.get_one(User, row.user_id)
        if user.deleted_at is not None or user.email != row.email:
            db.session.rollback()
            raise DeadLink("This link was sent to an address your account no longer uses.")
        mark_verified(user)
        db.session.commit()
        return user


def still_held(user_id: int) -> dict[str, int]:
    """A member's held votes per kind: before verifying, what will count; after, what stays out (contests that
    closed before they verified)."""
    return {
        kind: db.session.scalar(select(func.count()).select_from(model).where(model.user_id == user_id, model.held))
        or 0
        for kind, (model, _) in HELD.items()
    }
