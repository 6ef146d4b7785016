"""Poll answers against a live gunicorn server, many threads at once: one answer per member, a replaced answer is
never a mix of two, counters equal rows, and the posted results equal the final counts."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest
from sqlalchemy import func, select

from ideas_portal.extensions import db
from ideas_portal.models import FeedItem, Poll, PollAnswer, PollChoice, PollOption
from ideas_portal.services.polls import answers
from tests.functional.poll_helpers import PASSWORD, make_poll, option_ids

pytestmark = pytest.mark.live


def _call(base, method, path, token=None, payload=None):
    data = json.dumps(payload).encode() if payload is not None else None
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def _token(base, email):
    status, body = _call(base, "POST", "/api/v1/tokens", payload={"email": email, "password": PASSWORD})
    assert status == 201, body
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


def _rows(poll_id: int) -> tuple[int, dict[int, int], dict[int, int], int]:
    """(answer rows, choices per option, stored votes per option, stored total)."""
    db.session.expire_all()
    n = db.session.scalar(select(func.count()).select_from(PollAnswer).where(PollAnswer.poll_id == poll_id))
    chosen = dict(
        db.session.execute(
            select(PollChoice.option_id, func.count())
            .join(PollAnswer, PollAnswer.id == PollChoice.answer_id)
            .where(PollAnswer.poll_id == poll_id)
            .group_by(PollChoice.option_id)
        ).all()
    )
    stored = dict(
        db.session.execute(select(PollOption.id, PollOption.votes).where(PollOption.poll_id == poll_id)).all()
    )
    return n, chosen, stored, db.session.get_one(Poll, poll_id).total_answers


def test_many_members_answering_and_changing_at_once_keep_one_answer_each_and_exact_counters(live_server, make_user):
    poll = make_poll(make_user("staff"))
    poll_id, ids = poll.id, option_ids(poll)
    emails = [make_user().email for _ in range(12)]
    db.session.remove()
    tokens = [_token(live_server, e) for e in emails]
    results = _parallel(
        48,
        lambda i: _call(
            live_server, "PUT", f"/api/v1/polls/{poll_id}/answer", tokens[i % 12], {"options": [ids[i % 3]]}
        ),
    )
    assert {status for status, _ in results} == {200}, results
    n, chosen, stored, total = _rows(poll_id)
    assert n == 12 and total == 12
    assert sum(chosen.values()) == 12
    assert {o: stored[o] for o in ids} == {o: chosen.get(o, 0) for o in ids}
    assert answers.recount() == []


def test_one_member_answering_many_times_at_once_keeps_one_whole_answer(live_server, make_user):
    poll = make_poll(make_user("staff"), "Which days suit you?", ["Mon", "Tue", "Wed", "Thu", "Fri"], multiple=True)
    poll_id, ids = poll.id, option_ids(poll)
    email = make_user().email
    db.session.remove()
    token = _token(live_server, email)
    sets = [sorted({ids[i % 5], ids[(i * 2 + 1) % 5]}) for i in range(30)]  # answers that overlap and differ
    results = _parallel(
        30, lambda i: _call(live_server, "PUT", f"/api/v1/polls/{poll_id}/answer", token, {"options": sets[i]})
    )
    assert {status for status, _ in results} == {200}, results
    n, chosen, stored, total = _rows(poll_id)
    assert n == 1 and total == 1
    final = sorted(chosen)
    assert final in sets  # one request's answer whole, never a mix of two
    assert {o: stored[o] for o in ids} == {o: int(o in final) for o in ids}
    assert all(body["my_answer"] in sets for _, body in results)  # each saw a whole answer after its commit
    assert answers.recount() == []


def test_answers_racing_the_close_never_change_the_posted_results(live_server, make_user):
    staff = make_user("staff")
    poll = make_poll(staff)
    poll_id, ids = poll.id, option_ids(poll)
    emails, staff_email = [make_user().email for _ in range(16)], staff.email
    db.session.remove()
    tokens = [_token(live_server, e) for e in emails]
    staff_token = _token(live_server, staff_email)

    def act(i):
        if i == 8:
            return _call(live_server, "POST", f"/api/v1/polls/{poll_id}/close", staff_token)
        return _call(live_server, "PUT", f"/api/v1/polls/{poll_id}/answer", tokens[i], {"options": [ids[i % 3]]})

    results = _parallel(16, act)
    assert {status for status, _ in results} <= {200, 409}
    accepted = sum(1 for i, (status, _) in enumerate(results) if status == 200 and i != 8)
    n, chosen, stored, total = _rows(poll_id)
    assert n == total == accepted
    db.session.expire_all()
    [item] = db.session.scalars(select(FeedItem).where(FeedItem.poll_id == poll_id)).all()
    assert f"{total} member{'s' if total != 1 else ''} answered" in item.body
    texts = dict(db.session.execute(select(PollOption.id, PollOption.text).where(PollOption.poll_id == poll_id)).all())
    for option_id, votes in stored.items():
        assert f"{texts[option_id]}: {votes} vote" in item.body
    assert answers.recount() == []
