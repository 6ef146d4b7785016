"""Votes against a live gunicorn server, many threads at once: one row per member, counters match rows."""

import json
import threading
import urllib.error
import urllib.request

import pytest
from sqlalchemy import func, select

from ideas_portal.extensions import db
from ideas_portal.models import Idea, Vote
from ideas_portal.services import voting
from tests.functional.helpers import make_idea

pytestmark = pytest.mark.live


def _call(base, method, path, token=None, payload=None):
    data = json.dumps(payload).encode() if payload is not None else None
    req = urllib.request.Request(
        base + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})},
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def _token(base, email):
    status, body = _call(base, "POST", "/api/v1/tokens", payload={"email": email, "password": "correct horse"})
    assert status == 201
    return body["token"]


def _parallel(n, fn):
    results, barrier = [None] * n, threading.Barrier(n)

    def run(i):
        barrier.wait()
        results[i] = fn(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_fifty_identical_parallel_votes_leave_one_row(live_server, make_user):
    idea = make_idea(make_user())
    voter = make_user()
    idea_id, email = idea.id, voter.email
    db.session.remove()
    token = _token(live_server, email)
    results = _parallel(50, lambda i: _call(live_server, "PUT", f"/api/v1/ideas/{idea_id}/vote", token, {"value": 1}))
    assert {status for status, _ in results} == {200}
    rows = db.session.scalar(select(func.count()).select_from(Vote).where(Vote.idea_id == idea_id))
    assert rows == 2  # the author's and the voter's
    assert db.session.get(Idea, idea_id).upvotes == 2
    assert voting.recount() == []


def test_many_members_voting_and_switching_at_once_keep_counters_exact(live_server, make_user):
    idea = make_idea(make_user())
    idea_id = idea.id
    emails = [make_user().email for _ in range(20)]
    db.session.remove()
    tokens = [_token(live_server, e) for e in emails]

    def storm(i):
        token = tokens[i % 20]
        value = 1 if i % 3 else -1
        if i % 7 == 0:
            return _call(live_server, "DELETE", f"/api/v1/ideas/{idea_id}/vote", token)
        return _call(live_server, "PUT", f"/api/v1/ideas/{idea_id}/vote", token, {"value": value})

    results = _parallel(60, storm)
    assert all(status == 200 for status, _ in results), [s for s, _ in results]
    assert voting.recount() == []  # stored counters equal the rows
    up, down = db.session.execute(select(Idea.upvotes, Idea.downvotes).where(Idea.id == idea_id)).one()
    rows = db.session.scalar(select(func.count()).select_from(Vote).where(Vote.idea_id == idea_id))
    assert up + down == rows
