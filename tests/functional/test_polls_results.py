"""A poll's end is posted to Ideas in Action once (the worker's sweep or staff closing early, however often);
unverified members' answers are held until they verify; a deleted account's answers stay, anonymous."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ideas_portal.extensions import db
from ideas_portal.models import FeedItem, PointEntry, Poll, PollAnswer, PollOption, User
from ideas_portal.services import email_links, verification
from ideas_portal.services.polls import answers, results
from tests.conftest import run_worker_burst
from tests.functional.poll_helpers import PASSWORD, bearer, end_poll, make_poll, option_ids, token_for, unverified


@pytest.fixture
def staff(make_user):
    return make_user("staff")


def answer_as(client, user, poll, *indexes):
    ids = [option_ids(poll)[i] for i in indexes]
    r = client.put(f"/api/v1/polls/{poll.id}/answer", json={"options": ids}, headers=bearer(token_for(client, user)))
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def poll_items() -> list[FeedItem]:
    db.session.expire_all()
    return list(db.session.scalars(select(FeedItem).where(FeedItem.poll_id.isnot(None))))


def counts(poll_id: int) -> tuple[list[int], int]:
    db.session.expire_all()
    votes = db.session.scalars(select(PollOption.votes).where(PollOption.poll_id == poll_id).order_by(PollOption.id))
    return list(votes), db.session.get_one(Poll, poll_id).total_answers


@pytest.mark.worker
def test_the_worker_posts_an_ended_polls_results_once_and_every_feed_shows_them(
    client, staff, make_user, database_url, redis_url, tmp_path
):
    poll = make_poll(staff, "Which drink should we add next?")
    for indexes in ((0,), (0,), (2,)):
        answer_as(client, make_user(), poll, *indexes)
    poll_id = poll.id
    end_poll(poll_id)
    run_worker_burst(database_url, redis_url, tmp_path)
    run_worker_burst(database_url, redis_url, tmp_path)
    [item] = poll_items()
    assert item.kind == "post" and item.post_id is None and item.idea_id is None
    assert item.title == "Poll results: Which drink should we add next?"
    assert "Oat flat white: 2 votes (67%)" in item.body and "Iced matcha: 0 votes (0%)" in item.body
    assert "Chai: 1 vote (33%)" in item.body and "3 members answered" in item.body
    assert "<strong>Oat flat white</strong>: 2 votes (67%)" in item.body_html

    api_items = client.get("/api/v1/feed").get_json()["items"]
    shown = next(i for i in api_items if i.get("poll_id") == poll_id)
    assert shown["kind"] == "post" and shown["url"].endswith(f"/polls/{poll_id}")
    page = client.get("/ideas-in-action").get_data(as_text=True)
    assert f'href="/polls/{poll_id}">Poll results: Which drink' in page and "Poll results</span>" in page
    atom = client.get("/feed.atom").get_data(as_text=True)
    assert f"/polls/{poll_id}" in atom and "Poll results: Which drink" in atom


def test_closing_early_posts_the_results_once_however_often_it_is_closed_or_swept(client, staff, make_user):
    poll = make_poll(staff)
    answer_as(client, make_user(), poll, 1)
    staff_token = token_for(client, staff)
    for _ in range(2):
        assert client.post(f"/api/v1/polls/{poll.id}/close", headers=bearer(staff_token)).status_code == 200
    assert results.sweep() == 0 and results.sweep() == 0
    [item] = poll_items()
    assert "Iced matcha: 1 vote (100%)" in item.body
    assert db.session.get_one(Poll, poll.id).results_posted_at is not None


def test_the_sweep_posts_each_ended_poll_once_and_leaves_open_ones(staff):
    ended, still_open = make_poll(staff, "Ended question?"), make_poll(staff, "Open question?")
    end_poll(ended.id)
    assert results.sweep() == 1
    assert results.sweep() == 0
    assert [i.poll_id for i in poll_items()] == [ended.id]
    assert db.session.get_one(Poll, still_open.id).results_posted_at is None


def test_a_quiet_poll_keeps_its_results_on_its_own_page(client, staff, make_user):
    poll = make_poll(staff, featured=False)
    answer_as(client, make_user(), poll, 0)
    end_poll(poll.id)
    assert results.sweep() == 1 and results.sweep() == 0
    assert poll_items() == []
    shown = client.get(f"/api/v1/polls/{poll.id}").get_json()
    assert [o["votes"] for o in shown["options"]] == [1, 0, 0]


def test_a_question_too_long_for_a_feed_title_is_shortened_there(staff):
    question = "Which " + "very " * 56 + "long question?"
    assert len(question) <= 300
    poll = make_poll(staff, question)
    results.close_now(staff, poll.id)
    [item] = poll_items()
    assert len(item.title) == 200 and item.title.endswith("…")
    assert question in item.body


def test_option_text_is_shown_as_written_in_the_results_post(staff):
    poll = make_poll(staff, "Markup?", ["<script>alert(1)</script>", "**bold** [x](javascript:alert(1))"])
    results.close_now(staff, poll.id)
    [item] = poll_items()
    assert "<script>" not in item.body_html and "&lt;script&gt;" in item.body_html
    assert "javascript:" not in item.body_html.replace("[x](javascript:alert(1))", "")
    assert "**bold**" in item.body_html


def link_for(user) -> str:
    token = email_links.issue(user.id, "verify", user.email)
    db.session.commit()
    return f"/verify/{token}"


def test_an_unverified_members_answer_is_held_then_counts_once_they_verify(client, staff):
    poll = make_poll(staff)
    newcomer = unverified(1)
    shown = answer_as(client, newcomer, poll, 1)
    assert shown["my_answer"] == [option_ids(poll)[1]] and shown["my_answer_held"] is True
    assert counts(poll.id) == ([0, 0, 0], 0)
    assert verification.still_held(newcomer.id)["poll_answers"] == 1
    assert client.get(link_for(newcomer)).status_code == 200
    assert counts(poll.id) == ([0, 1, 0], 1)
    assert db.session.scalar(select(PollAnswer.held).where(PollAnswer.user_id == newcomer.id)) is False
    assert db.session.scalar(select(func.count()).select_from(PointEntry).where(PointEntry.reason == "poll")) == 1
    assert client.get(link_for(newcomer)).status_code in (200, 400)  # a second link releases nothing twice
    assert counts(poll.id) == ([0, 1, 0], 1)
    assert answers.recount() == []


def test_a_held_answer_replaced_before_verifying_counts_as_its_last_choice(client, staff):
    poll = make_poll(staff)
    newcomer = unverified(2)
    answer_as(client, newcomer, poll, 0)
    answer_as(client, newcomer, poll, 2)
    assert counts(poll.id) == ([0, 0, 0], 0)
    client.get(link_for(newcomer))
    assert counts(poll.id) == ([0, 0, 1], 1)
    assert answers.recount() == []


def test_a_held_answer_to_a_poll_that_closed_meanwhile_stays_out(client, staff):
    poll = make_poll(staff)
    newcomer = unverified(3)
    answer_as(client, newcomer, poll, 0)
    results.close_now(staff, poll.id)
    client.get(link_for(newcomer))
    assert counts(poll.id) == ([0, 0, 0], 0)
    assert verification.still_held(newcomer.id)["poll_answers"] == 1
    assert db.session.scalar(select(func.count()).select_from(PointEntry).where(PointEntry.reason == "poll")) == 0


def test_a_deleted_accounts_answers_stay_anonymous_and_the_counts_still_add_up(client, staff, make_user):
    """Like votes: the published results keep adding up; the answer names nobody once the person is erased."""
    poll = make_poll(staff)
    member = make_user()
    answer_as(client, member, poll, 1)
    token = token_for(client, member)
    r = client.delete("/api/v1/me", json={"password": PASSWORD}, headers=bearer(token))
    assert r.status_code == 204
    assert counts(poll.id) == ([0, 1, 0], 1)
    db.session.expire_all()
    assert db.session.get_one(User, member.id).name == "Deleted member"
    assert answers.recount() == []


def test_results_stay_final_after_the_post(client, staff, make_user):
    poll = make_poll(staff)
    answer_as(client, make_user(), poll, 0)
    end_poll(poll.id, ago=timedelta(seconds=5))
    results.sweep()
    late = client.put(
        f"/api/v1/polls/{poll.id}/answer",
        json={"options": option_ids(poll)[1:2]},
        headers=bearer(token_for(client, make_user())),
    )
    assert late.status_code == 409
    assert counts(poll.id) == ([1, 0, 0], 1)
