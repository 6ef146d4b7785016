"""Polls over the API: staff create them, members answer once (a second answer replaces the first), results hide
until the caller may see them, a closed poll takes no answer, and bad input is a clear 4xx."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from ideas_portal.extensions import db
from ideas_portal.models import PointEntry, Poll, PollAnswer, PollChoice, PollOption, User
from ideas_portal.models.types import utcnow
from ideas_portal.services.polls import answers
from tests.functional.poll_helpers import bearer, end_poll, make_poll, option_ids, token_for


@pytest.fixture
def staff(make_user):
    return make_user("staff")


def votes_of(poll_id: int) -> list[int]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(PollOption.votes).where(PollOption.poll_id == poll_id).order_by(PollOption.id))
    )


def total_of(poll_id: int) -> int:
    db.session.expire_all()
    return db.session.get_one(Poll, poll_id).total_answers


def test_staff_create_a_poll_and_anyone_reads_it_in_the_contract_shape(api):
    api.as_("staff")
    closes = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    r = api.post(
        "/polls",
        json={"question": "What next?", "options": ["Oat milk", "Soy milk"], "closes_at": closes.isoformat()},
    )
    assert r.status_code == 201, r.get_json()
    poll = r.get_json()
    assert {"id", "question", "options", "multiple", "closes_at", "state", "my_answer", "total_answers"} <= set(poll)
    assert poll["question"] == "What next?" and poll["multiple"] is False and poll["state"] == "open"
    assert [o["text"] for o in poll["options"]] == ["Oat milk", "Soy milk"]
    assert all(set(o) >= {"id", "text", "votes"} for o in poll["options"])
    assert poll["closes_at"] == closes.isoformat().replace("+00:00", "Z")
    assert poll["my_answer"] is None and poll["total_answers"] == 0
    assert poll["url"].endswith(f"/polls/{poll['id']}")
    anyone = api.anonymous().get(f"/polls/{poll['id']}")
    assert anyone.status_code == 200
    assert anyone.get_json()["my_answer"] is None
    assert [o["votes"] for o in anyone.get_json()["options"]] == [None, None]  # after_vote: hidden until answered


def test_members_cannot_create_polls_and_unknown_polls_are_404(api):
    api.as_("member")
    assert api.post("/polls", json={"question": "Mine?", "options": ["a", "b"]}).status_code == 403
    assert api.get("/polls/999999").status_code == 404
    assert api.put("/polls/999999/answer", json={"options": [1]}).status_code == 404


def test_a_second_answer_replaces_the_first_and_moves_the_counters(client, staff, make_user):
    poll = make_poll(staff)
    a, b, c = option_ids(poll)
    token = token_for(client, make_user())
    first = client.put(f"/api/v1/polls/{poll.id}/answer", json={"options": [a]}, headers=bearer(token))
    assert first.status_code == 200
    assert first.get_json()["my_answer"] == [a]
    assert [o["votes"] for o in first.get_json()["options"]] == [1, 0, 0]  # answered: the results show
    second = client.put(f"/api/v1/polls/{poll.id}/answer", json={"options": [c]}, headers=bearer(token))
    assert second.status_code == 200 and second.get_json()["my_answer"] == [c]
    assert votes_of(poll.id) == [0, 0, 1] and total_of(poll.id) == 1
    assert db.session.scalar(select(func.count()).select_from(PollAnswer)) == 1
    assert answers.recount() == []


def test_multiple_choice_takes_several_and_single_choice_exactly_one(client, staff, make_user):
    single = make_poll(staff)
    multi = make_poll(staff, "Which days suit you?", ["Monday", "Tuesday", "Friday"], multiple=True)
    token = token_for(client, make_user())
    s1, s2, _ = option_ids(single)
    m1, m2, m3 = option_ids(multi)
    two = client.put(f"/api/v1/polls/{single.id}/answer", json={"options": [s1, s2]}, headers=bearer(token))
    assert two.status_code == 400 and "exactly one" in two.get_json()["error"]
    r = client.put(f"/api/v1/polls/{multi.id}/answer", json={"options": [m3, m1]}, headers=bearer(token))
    assert r.status_code == 200 and r.get_json()["my_answer"] == [m1, m3]
    r = client.put(f"/api/v1/polls/{multi.id}/answer", json={"options": [m1, m2]}, headers=bearer(token))
    assert r.get_json()["my_answer"] == [m1, m2]
    assert votes_of(multi.id) == [1, 1, 0] and total_of(multi.id) == 1
    assert votes_of(single.id) == [0, 0, 0] and total_of(single.id) == 0


def test_a_closed_poll_refuses_answers_with_409_and_keeps_the_earlier_one(client, staff, make_user):
    poll = make_poll(staff)
    a, b, _ = option_ids(poll)
    token = token_for(client, make_user())
    client.put(f"/api/v1/polls/{poll.id}/answer", json={"options": [a]}, headers=bearer(token))
    end_poll(poll.id)
    r = client.put(f"/api/v1/polls/{poll.id}/answer", json={"options": [b]}, headers=bearer(token))
    assert r.status_code == 409 and r.get_json() == {"error": "This poll is closed."}
    got = client.get(f"/api/v1/polls/{poll.id}", headers=bearer(token)).get_json()
    assert got["state"] == "closed" and got["my_answer"] == [a]
    assert votes_of(poll.id) == [1, 0, 0]


def test_staff_closing_early_ends_answers(client, staff, make_user):
    poll = make_poll(staff)
    staff_token, token = token_for(client, staff), token_for(client, make_user())
    r = client.post(f"/api/v1/polls/{poll.id}/close", headers=bearer(staff_token))
    assert r.status_code == 200 and r.get_json()["state"] == "closed" and r.get_json()["closed_at"]
    again = client.post(f"/api/v1/polls/{poll.id}/close", headers=bearer(staff_token))
    assert again.status_code == 200 and again.get_json()["closed_at"] == r.get_json()["closed_at"]
    late = client.put(f"/api/v1/polls/{poll.id}/answer", json={"options": option_ids(poll)[:1]}, headers=bearer(token))
    assert late.status_code == 409


def test_a_poll_not_open_yet_takes_no_answer(client, staff, make_user):
    poll = make_poll(staff, opens_at=utcnow() + timedelta(hours=2), closes_at=utcnow() + timedelta(days=1))
    token = token_for(client, make_user())
    r = client.put(f"/api/v1/polls/{poll.id}/answer", json={"options": option_ids(poll)[:1]}, headers=bearer(token))
    assert r.status_code == 409 and "not open yet" in r.get_json()["error"]
    assert client.get(f"/api/v1/polls/{poll.id}").get_json()["state"] == "closed"


def test_results_after_close_stay_hidden_until_it_closes_but_staff_always_see_them(client, staff, make_user):
    poll = make_poll(staff, results_shown="after_close")
    a = option_ids(poll)[0]
    token, staff_token = token_for(client, make_user()), token_for(client, staff)
    answered = client.put(f"/api/v1/polls/{poll.id}/answer", json={"options": [a]}, headers=bearer(token)).get_json()
    assert answered["my_answer"] == [a] and answered["results_visible"] is False
    assert [o["votes"] for o in answered["options"]] == [None, None, None]
    seen_by_staff = client.get(f"/api/v1/polls/{poll.id}", headers=bearer(staff_token)).get_json()
    assert [o["votes"] for o in seen_by_staff["options"]] == [1, 0, 0]
    end_poll(poll.id)
    after = client.get(f"/api/v1/polls/{poll.id}").get_json()  # anyone, once it has closed
    assert [o["votes"] for o in after["options"]] == [1, 0, 0] and after["total_answers"] == 1


def test_the_first_counted_answer_earns_points_once(client, staff, make_user):
    poll = make_poll(staff)
    member = make_user()
    token = token_for(client, member)
    for option in option_ids(poll) + option_ids(poll)[:1]:
        assert (
            client.put(f"/api/v1/polls/{poll.id}/answer", json={"options": [option]}, headers=bearer(token)).status_code
            == 200
        )
    lines = db.session.scalars(select(PointEntry).where(PointEntry.user_id == member.id)).all()
    assert [(p.reason, p.amount) for p in lines] == [("poll", 2)]
    db.session.expire_all()
    assert db.session.get_one(User, member.id).points == 2


def test_a_suspended_member_may_read_but_not_answer(client, staff, make_user):
    poll = make_poll(staff)
    member = make_user()
    token = token_for(client, member)
    db.session.execute(update(User).where(User.id == member.id).values(banned_at=utcnow(), ban_reason="Spam"))
    db.session.commit()
    r = client.put(f"/api/v1/polls/{poll.id}/answer", json={"options": option_ids(poll)[:1]}, headers=bearer(token))
    assert r.status_code == 403 and "suspended" in r.get_json()["error"]
    assert client.get(f"/api/v1/polls/{poll.id}", headers=bearer(token)).status_code == 200


def test_listing_open_and_closed_polls_keyset_paged(client, staff):
    made = [make_poll(staff, f"Question number {n}?") for n in range(3)]
    end_poll(made[0].id)
    first = client.get("/api/v1/polls?limit=1").get_json()
    assert [p["id"] for p in first["items"]] == [made[2].id] and first["next_cursor"]
    second = client.get(f"/api/v1/polls?limit=1&cursor={first['next_cursor']}").get_json()
    assert [p["id"] for p in second["items"]] == [made[1].id] and second["next_cursor"] is None
    closed = client.get("/api/v1/polls?state=closed").get_json()
    assert [p["id"] for p in closed["items"]] == [made[0].id]
    assert client.get("/api/v1/polls?state=maybe").status_code == 400


@pytest.mark.parametrize(
    "options, status",
    [
        ([True], 400),
        ([1.0], 400),
        (["1"], 400),
        ([2**31], 400),
        ([2**63], 400),
        ([10**400], 400),
        ([-1], 400),
        ([0], 400),
        ([], 400),
        ("1", 400),
        (None, 400),
        ({"id": 1}, 400),
        ("<first><first>", 400),  # duplicates
        ("<other>", 400),  # another poll's option
        ("<unknown>", 400),
    ],
)
def test_bad_answers_are_refused_with_a_sentence_and_change_nothing(client, staff, make_user, options, status):
    poll, other = make_poll(staff), make_poll(staff, "Another question?", ["Yes", "No"])
    first = option_ids(poll)[0]
    named = {"<first><first>": [first, first], "<other>": [option_ids(other)[0]], "<unknown>": [2**31 - 1]}
    token = token_for(client, make_user())
    body = {"options": named.get(options, options) if isinstance(options, str) else options}
    r = client.put(f"/api/v1/polls/{poll.id}/answer", json=body, headers=bearer(token))
    assert r.status_code == status, r.get_json()
    assert isinstance(r.get_json()["error"], str) and r.get_json()["error"]
    assert db.session.scalar(select(func.count()).select_from(PollChoice)) == 0
    assert total_of(poll.id) == 0


def test_an_answer_body_that_is_not_an_object_or_misses_options_is_400(client, staff, make_user):
    poll = make_poll(staff)
    headers = {**bearer(token_for(client, make_user())), "Content-Type": "application/json"}
    for body in (b"[1]", b"", b"{", b'{"option": [1]}', b'{"options": [1e400]}', b'{"options": [NaN]}'):
        r = client.put(f"/api/v1/polls/{poll.id}/answer", data=body, headers=headers)
        assert r.status_code == 400, (body, r.get_json())


@pytest.mark.parametrize(
    "change, words",
    [
        ({"options": ["Only one"]}, "2 to 10"),
        ({"options": [f"Option {n}" for n in range(11)]}, "2 to 10"),
        ({"options": ["Same", "same "]}, "different"),
        ({"options": ["Fine", "   "]}, "empty"),
        ({"options": ["Fine", "x" * 201]}, "200"),
        ({"options": ["Fine", 3]}, "options"),
        ({"options": "a,b"}, "options"),
        ({"question": ""}, "question"),
        ({"question": "q" * 301}, "300"),
        ({"question": "Line\x00break?"}, "control"),
        ({"multiple": 1}, "multiple"),
        ({"multiple": "yes"}, "multiple"),
        ({"featured": 0}, "featured"),
        ({"results_shown": "never"}, "results_shown"),
        ({"closes_at": "2001-01-01T00:00:00Z"}, "future"),
        ({"closes_at": "tomorrow"}, "closes_at"),
        ({"opens_at": "2100-01-02T00:00:00Z", "closes_at": "2100-01-01T00:00:00Z"}, "after opens_at"),
        ({"closes_at": "9999-01-01T00:00:00Z"}, "2200"),
    ],
)
def test_bad_polls_are_refused_with_a_sentence(api, change, words):
    api.as_("staff")
    r = api.post("/polls", json={"question": "A fine question?", "options": ["Yes", "No"], **change})
    assert r.status_code == 400, r.get_json()
    assert words in r.get_json()["error"]
    assert db.session.scalar(select(func.count()).select_from(Poll)) == 0


def test_the_export_lists_the_callers_answers(client, staff, make_user):
    poll = make_poll(staff, "Which days suit you?", ["Monday", "Tuesday", "Friday"], multiple=True)
    m1, _, m3 = option_ids(poll)
    member = make_user()
    token = token_for(client, member)
    client.put(f"/api/v1/polls/{poll.id}/answer", json={"options": [m3, m1]}, headers=bearer(token))
    exported = client.get("/api/v1/me/export", headers=bearer(token)).get_json()["poll_answers"]
    assert len(exported) == 1
    row = exported[0]
    assert row["poll_id"] == poll.id and row["question"] == "Which days suit you?"
    assert row["options"] == ["Monday", "Friday"] and row["held"] is False
    assert row["created_at"].endswith("Z") and row["updated_at"].endswith("Z")
    other = token_for(client, make_user())
    assert client.get("/api/v1/me/export", headers=bearer(other)).get_json()["poll_answers"] == []


def test_recount_proves_the_poll_counters_from_rows(client, runner, staff, make_user):
    poll = make_poll(staff)
    a, b, _ = option_ids(poll)
    for option in (a, a, b):
        token = token_for(client, make_user())
        client.put(f"/api/v1/polls/{poll.id}/answer", json={"options": [option]}, headers=bearer(token))
    db.session.execute(update(PollOption).where(PollOption.id == a).values(votes=7))
    db.session.execute(update(Poll).where(Poll.id == poll.id).values(total_answers=0))
    db.session.commit()
    result = runner.invoke(args=["recount"])
    assert result.exit_code == 0, result.output
    assert f"poll {poll.id} option {a}: votes 7→2" in result.output
    assert f"poll {poll.id}: total_answers 0→3" in result.output
    assert votes_of(poll.id) == [2, 1, 0] and total_of(poll.id) == 3
    assert "poll" not in runner.invoke(args=["recount"]).output.replace("0 correction(s)", "")
