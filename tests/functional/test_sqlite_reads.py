"""On SQLite, pages read beside a writer instead of queuing for its lock; writes still take turns (WAL)."""

import sqlite3
import threading

import pytest
from sqlalchemy import func, select

from ideas_portal.extensions import db
from ideas_portal.models import Idea, Vote
from tests.functional.helpers import make_idea

pytestmark = pytest.mark.skipif(
    "os.environ.get('IDEAS_TEST_DB') == 'postgresql'", reason="SQLite's locking; PostgreSQL never locks readers"
)


class Writer:
    """Another process's write transaction: holds SQLite's write lock with a row nobody else sees yet."""

    def __init__(self, database_url: str):
        self.conn = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute("UPDATE ideas SET title = 'Not committed yet'")

    def commit(self):
        self.conn.execute("COMMIT")
        self.conn.close()


def in_thread(app, fn, timeout: float):
    """fn() in a thread; its answer, or None when it is still waiting after `timeout` seconds."""
    done = {}

    def run():
        with app.app_context():
            done["answer"] = fn()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    return done.get("answer"), thread


def test_pages_are_read_while_another_connection_holds_the_write_lock(app, client, make_user, database_url):
    idea = make_idea(make_user(), title="Oat milk at every store")
    idea_id = idea.id
    db.session.remove()
    writer = Writer(database_url)
    try:
        # Before: every request began IMMEDIATE and waited up to the 30 s busy timeout behind the writer.
        for path in ("/ideas?sort=top", f"/ideas/{idea_id}", "/", "/api/v1/ideas?sort=top"):
            answer, _ = in_thread(app, lambda path=path: client.get(path), timeout=5)
            assert answer is not None, f"GET {path} waited for the writer"
            assert answer.status_code == 200
            assert "Oat milk at every store" in answer.get_data(as_text=True)  # its snapshot, not the writer's row
    finally:
        writer.commit()
    assert "Not committed yet" in client.get(f"/ideas/{idea_id}").get_data(as_text=True)


def test_a_write_waits_its_turn_behind_the_writer_and_then_counts(app, client, api, make_user, database_url):
    idea = make_idea(make_user())
    idea_id = idea.id
    api.as_()
    db.session.remove()
    writer = Writer(database_url)
    answer, thread = in_thread(app, lambda: api.put(f"/ideas/{idea_id}/vote", json={"value": 1}), timeout=1)
    assert answer is None  # queued for the lock (BEGIN IMMEDIATE), not failed
    writer.commit()
    thread.join(20)
    assert not thread.is_alive()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Vote).where(Vote.idea_id == idea_id)) == 2
        assert db.session.get(Idea, idea_id).upvotes == 2
