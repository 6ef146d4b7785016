"""The poll pages without JavaScript: a form that posts radio buttons or checkboxes, then a redirect; results
as bars with their figures in words; staff create and close polls; the box on the home page and in the feed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from ideas_portal.extensions import db
from ideas_portal.models import FeedItem, Poll
from ideas_portal.models.types import utcnow
from tests.functional.poll_helpers import PASSWORD, end_poll, make_poll, option_ids, unverified


@pytest.fixture
def staff(make_user):
    return make_user("staff")


def sign_in(client, user):
    r = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert r.status_code == 302


def test_a_visitor_sees_the_question_and_options_and_is_asked_to_sign_in(client, staff):
    poll = make_poll(staff)
    page = client.get(f"/polls/{poll.id}").get_data(as_text=True)
    assert "Which drink should we add next?" in page and "Iced matcha" in page
    assert "Sign in to answer" in page and f'action="/polls/{poll.id}/answer"' not in page
    assert "The results are shown once you have answered." in page and "%" not in page.split("<main")[1]


def test_a_member_answers_with_the_form_then_sees_the_results_and_can_change_it(client, staff, make_user):
    poll = make_poll(staff)
    a, b, _ = option_ids(poll)
    sign_in(client, make_user())
    page = client.get(f"/polls/{poll.id}").get_data(as_text=True)
    assert page.count('type="radio" name="options"') == 3 and 'name="csrf_token"' in page
    r = client.post(f"/polls/{poll.id}/answer", data={"options": str(a)})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/polls/{poll.id}")
    page = client.get(f"/polls/{poll.id}").get_data(as_text=True)
    assert "Thanks, your answer is in." in page
    assert "You answered: <strong>Oat flat white</strong>" in page
    assert "<strong>100%</strong>" in page and "1 vote" in page and "--share: 100.0%" in page
    assert "Change your answer" in page and re.search(rf'value="{a}"\s+checked', page)
    client.post(f"/polls/{poll.id}/answer", data={"options": str(b)})
    page = client.get(f"/polls/{poll.id}").get_data(as_text=True)
    assert "Your answer is changed." in page and "You answered: <strong>Iced matcha</strong>" in page
    db.session.expire_all()
    assert [o.votes for o in db.session.get_one(Poll, poll.id).options] == [0, 1, 0]


def test_a_multiple_choice_poll_has_checkboxes_and_takes_several(client, staff, make_user):
    poll = make_poll(staff, "Which days suit you?", ["Monday", "Tuesday", "Friday"], multiple=True)
    m1, _, m3 = option_ids(poll)
    sign_in(client, make_user())
    page = client.get(f"/polls/{poll.id}").get_data(as_text=True)
    assert page.count('type="checkbox" name="options"') == 3 and "Choose as many as you like." in page
    r = client.post(f"/polls/{poll.id}/answer", data={"options": [str(m1), str(m3)]})
    assert r.status_code == 302
    page = client.get(f"/polls/{poll.id}").get_data(as_text=True)
    assert "You answered: <strong>Monday, Friday</strong>" in page and "add up to more than 100%" in page


@pytest.mark.parametrize("options", [[], ["x"], ["１"], ["999999"], ["1", "1"]])
def test_a_bad_form_answer_is_a_4xx_page_saying_why(client, staff, make_user, options):
    poll = make_poll(staff)
    sign_in(client, make_user())
    data = {"options": [str(option_ids(poll)[0])] * 2 if options == ["1", "1"] else options}
    r = client.post(f"/polls/{poll.id}/answer", data=data)
    assert r.status_code == 400
    assert 'class="flash flash-error"' in r.get_data(as_text=True)
    assert db.session.get_one(Poll, poll.id).total_answers == 0


def test_a_closed_poll_shows_its_results_and_refuses_the_form(client, staff, make_user):
    poll = make_poll(staff)
    a = option_ids(poll)[0]
    sign_in(client, make_user())
    client.post(f"/polls/{poll.id}/answer", data={"options": str(a)})
    end_poll(poll.id)
    page = client.get(f"/polls/{poll.id}").get_data(as_text=True)
    assert ">Closed<" in page and "<h2>Results</h2>" in page and f'action="/polls/{poll.id}/answer"' not in page
    r = client.post(f"/polls/{poll.id}/answer", data={"options": str(option_ids(poll)[1])})
    assert r.status_code == 409 and "This poll is closed." in r.get_data(as_text=True)


def test_results_after_close_are_not_shown_to_a_member_who_answered(client, staff, make_user):
    poll = make_poll(staff, results_shown="after_close")
    sign_in(client, make_user())
    client.post(f"/polls/{poll.id}/answer", data={"options": str(option_ids(poll)[0])})
    page = client.get(f"/polls/{poll.id}").get_data(as_text=True)
    assert "You answered" in page and "The results are shown when the poll closes." in page
    assert "poll-results" not in page and "--share" not in page


def test_an_unverified_members_page_says_the_answer_counts_once_confirmed(client, staff):
    poll = make_poll(staff)
    sign_in(client, unverified(7))
    client.post(f"/polls/{poll.id}/answer", data={"options": str(option_ids(poll)[0])})
    page = client.get(f"/polls/{poll.id}").get_data(as_text=True)
    assert "It counts once you have" in page and "confirmed your email address" in page
    assert "0 members answered" in page
    assert "Held for now: 1 poll answer." in client.get("/settings").get_data(as_text=True)


def test_staff_create_a_poll_with_the_form_and_close_it_with_the_button(client, staff):
    sign_in(client, staff)
    form = client.get("/polls/new").get_data(as_text=True)
    assert 'name="options"' in form and 'name="results_shown"' in form and 'href="/polls/new"' in form
    closes = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    r = client.post(
        "/polls/new",
        data={
            "question": "Where should we open next?",
            "options": "Leeds\r\n\r\nYork\r\n  Hull  \r\n",
            "closes_at": closes,
            "results_shown": "after_close",
            "featured": "y",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    poll = db.session.scalars(select(Poll)).one()
    assert [o.text for o in poll.options] == ["Leeds", "York", "Hull"]
    assert poll.results_shown == "after_close" and poll.featured and not poll.multiple
    assert poll.closes_at.strftime("%Y-%m-%dT%H:%M") == closes
    page = client.get(f"/polls/{poll.id}").get_data(as_text=True)
    assert "Close the poll now and post its results" in page
    assert client.post(f"/polls/{poll.id}/close").status_code == 302
    page = client.get(f"/polls/{poll.id}").get_data(as_text=True)
    assert "The poll is closed and its results are posted." in page and "Close the poll now" not in page
    assert db.session.scalars(select(FeedItem).where(FeedItem.poll_id == poll.id)).one()


@pytest.mark.parametrize(
    "data, words",
    [
        ({"question": "Fine question?", "options": "Only one"}, "2 to 10"),
        ({"question": "Fine question?", "options": "Same\nsame"}, "different"),
        ({"question": "Fine question?", "options": "A\nB", "closes_at": "2001-01-01T10:00"}, "future"),
        ({"question": "", "options": "A\nB"}, "This field is required."),
    ],
)
def test_the_create_form_says_what_is_wrong(client, staff, data, words):
    sign_in(client, staff)
    r = client.post("/polls/new", data={"results_shown": "after_vote", **data})
    assert r.status_code == 400 and words in r.get_data(as_text=True)
    assert db.session.scalars(select(Poll)).first() is None


def test_the_home_page_and_the_feed_carry_the_featured_open_poll(client, staff, make_user):
    poll = make_poll(staff, "Which drink should we add next?")
    make_poll(staff, "A quiet question?", featured=False)
    for path in ("/", "/ideas-in-action"):
        page = client.get(path).get_data(as_text=True)
        assert "Which drink should we add next?" in page and "A quiet question?" not in page
        assert "Sign in to answer" in page
    sign_in(client, make_user())
    page = client.get("/").get_data(as_text=True)
    assert f'action="/polls/{poll.id}/answer"' in page and '<input type="hidden" name="next" value="/">' in page
    r = client.post(f"/polls/{poll.id}/answer", data={"options": str(option_ids(poll)[2]), "next": "/"})
    assert r.status_code == 302 and r.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Change your answer →" in page and "<strong>100%</strong>" in page
    end_poll(poll.id)
    assert "Which drink should we add next?" not in client.get("/").get_data(as_text=True)


def test_the_polls_page_lists_open_and_closed_polls(client, staff):
    still_open, ended = make_poll(staff, "Still open?"), make_poll(staff, "Already ended?")
    end_poll(ended.id)
    page = client.get("/polls").get_data(as_text=True)
    open_part, closed_part = page.split('id="closed-heading"')
    assert f'href="/polls/{still_open.id}"' in open_part and f'href="/polls/{ended.id}"' in closed_part
    assert "New poll" not in page
    assert client.get("/polls/999999").status_code == 404
