"""Builders the poll tests share."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from ideas_portal.extensions import db
from ideas_portal.models import Poll
from ideas_portal.models.types import utcnow
from ideas_portal.services import accounts
from ideas_portal.services.polls import polls

PASSWORD = "correct horse"


def make_poll(staff, question="Which drink should we add next?", options=None, **extra) -> Poll:
    data = polls.PollInput(question=question, options=options or ["Oat flat white", "Iced matcha", "Chai"], **extra)
    return polls.create(staff, data)


def end_poll(poll_id: int, ago: timedelta = timedelta(minutes=1)) -> None:
    """As if its closing time has just passed (the window CHECK needs opens_at before closes_at)."""
    poll = db.session.get_one(Poll, poll_id)
    closes = utcnow() - ago
    db.session.execute(
        update(Poll).where(Poll.id == poll_id).values(opens_at=min(poll.opens_at, closes - ago), closes_at=closes)
    )
    db.session.commit()


def token_for(client, user) -> str:
    r = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["token"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def unverified(n: int):
    return accounts.register(f"new{n}@example.com", f"Newcomer {n}", PASSWORD, verified=False)


def option_ids(poll: Poll) -> list[int]:
    return [o.id for o in poll.options]
