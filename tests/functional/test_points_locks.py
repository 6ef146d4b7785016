"""Lock order of the points ledger against a verification: members' rows before ideas' rows, everywhere.

A verification locks the member, then the ideas of their held votes (their own new idea among them, which starts
with their held up-vote). An up-vote on that idea used to lock the idea, then its author (for the point): the
opposite order, so the two deadlocked and PostgreSQL aborted one of them with a 500.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, update

from ideas_portal.extensions import db
from ideas_portal.models import User
from ideas_portal.services import ideas, verification, voting
from tests.conftest import BACKEND, wait_until

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="row locks: PostgreSQL")


def _waiting_on_a_lock() -> bool:
    with db.engine.connect() as conn:
        return bool(
            conn.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            ).scalar()
        )


def test_an_up_vote_on_a_new_members_idea_while_they_verify_neither_deadlocks_nor_loses_its_point(app, make_user):
    author, voter = make_user(), make_user()
    db.session.execute(update(User).where(User.id == author.id).values(email_verified_at=None))
    db.session.commit()
    author = db.session.get_one(User, author.id)
    idea_id = ideas.create_idea(author, "Refill stations in every store", "Bring your own bottle.").id
    author_id, voter_id = author.id, voter.id
    db.session.remove()
    outcome: dict[str, str] = {}

    def voting_thread():
        with app.app_context():
            try:
                voting.cast_vote(db.session.get_one(User, voter_id), idea_id, 1)
                outcome["vote"] = "done"
            except Exception as exc:  # noqa: BLE001 - the test reports whatever went wrong
                outcome["vote"] = repr(exc)
            db.session.remove()

    with app.app_context():
        # The verification's first step: the member's row is taken…
        member = db.session.execute(
            select(User).where(User.id == author_id).with_for_update(key_share=True)  # as its UPDATE takes it
        ).scalar_one()
        thread = threading.Thread(target=voting_thread)
        thread.start()
        wait_until(_waiting_on_a_lock, timeout=10, what="the vote to wait for a row")
        try:
            verification.mark_verified(member)  # …then its held votes' ideas: the idea the vote is about
            db.session.commit()
            outcome["verification"] = "done"
        except Exception as exc:  # noqa: BLE001
            outcome["verification"] = repr(exc)
        db.session.remove()
    thread.join(20)
    assert outcome == {"vote": "done", "verification": "done"}
    db.session.expire_all()
    assert db.session.get_one(User, author_id).points == 10 + 1  # the idea, and the other member's up-vote
