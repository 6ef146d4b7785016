"""An unverified member's votes are kept but held: no counter, ranking, promotion or result sees them until the
member verifies, and then each counts exactly once."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from ideas_portal.extensions import db
from ideas_portal.models import Contest, ContestEntry, ContestVote, DailyVoteUse, Idea, OutboundEmail, User, Vote
from ideas_portal.models.types import utcnow
from ideas_portal.services import accounts, email_links, merges, verification, voting
from ideas_portal.services.contests import votes as contest_votes
from tests.functional.helpers import make_idea

PASSWORD = "correct horse"


@pytest.fixture
def make_unverified(app):
    """A member as sign-up leaves them: signed in fine, address not proven yet."""
    counter = itertools.count(1)

    def make():
        n = next(counter)
        return accounts.register(f"new{n}@example.com", f"Newcomer {n}", PASSWORD, verified=False)

    return make


def token_for(client, user) -> str:
    r = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["token"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def link_for(user) -> str:
    token = email_links.issue(user.id, "verify", user.email)
    db.session.commit()
    return f"/verify/{token}"


def counters(idea_id: int) -> tuple[int, int, int]:
    db.session.expire_all()
    idea = db.session.get_one(Idea, idea_id)
    return idea.upvotes, idea.downvotes, idea.score


def held_flags(user_id: int) -> list[bool]:
    return list(db.session.scalars(select(Vote.held).where(Vote.user_id == user_id).order_by(Vote.idea_id)))


def test_unverified_members_vote_is_kept_and_shown_to_them_but_moves_no_counter(client, make_user, make_unverified):
    idea = make_idea(make_user())
    newcomer = make_unverified()
    headers = bearer(token_for(client, newcomer))
    before = db.session.execute(select(Idea.wilson, Idea.hot).where(Idea.id == idea.id)).one()
    r = client.put(f"/api/v1/ideas/{idea.id}/vote", json={"value": 1}, headers=headers)
    assert r.status_code == 200
    assert (r.get_json()["upvotes"], r.get_json()["score"], r.get_json()["my_vote"]) == (1, 1, 1)
    assert r.get_json()["my_vote_held"] is True  # why the counters did not move
    mine = client.get(f"/api/v1/ideas/{idea.id}", headers=headers).get_json()
    assert (mine["my_vote"], mine["my_vote_held"]) == (1, True)
    listed = client.get("/api/v1/ideas?sort=new", headers=headers).get_json()["items"]
    assert [(i["my_vote"], i["my_vote_held"]) for i in listed if i["id"] == idea.id] == [(1, True)]
    anonymous = client.get(f"/api/v1/ideas/{idea.id}").get_json()
    assert (anonymous["upvotes"], anonymous["my_vote_held"]) == (1, None)  # the author's own vote only
    assert held_flags(newcomer.id) == [True]
    assert counters(idea.id) == (1, 0, 1)
    assert db.session.execute(select(Idea.wilson, Idea.hot).where(Idea.id == idea.id)).one() == before
    assert voting.recount() == []


def test_a_held_vote_is_switched_and_withdrawn_without_touching_counters(client, make_user, make_unverified):
    idea = make_idea(make_user())
    headers = bearer(token_for(client, make_unverified()))
    client.put(f"/api/v1/ideas/{idea.id}/vote", json={"value": 1}, headers=headers)
    r = client.put(f"/api/v1/ideas/{idea.id}/vote", json={"value": -1}, headers=headers)
    assert r.get_json()["my_vote"] == -1 and counters(idea.id) == (1, 0, 1)
    assert db.session.scalar(select(Vote.value).where(Vote.idea_id == idea.id, Vote.held)) == -1
    r = client.delete(f"/api/v1/ideas/{idea.id}/vote", headers=headers)
    assert r.get_json()["my_vote"] is None and counters(idea.id) == (1, 0, 1)
    assert db.session.scalar(select(Vote.id).where(Vote.idea_id == idea.id, Vote.held)) is None
    assert voting.recount() == []


def test_an_unverified_authors_own_first_vote_is_held_too(make_unverified):
    author = make_unverified()
    idea = make_idea(author)
    assert counters(idea.id) == (0, 0, 0)
    assert held_flags(author.id) == [True]
    assert voting.recount() == []


def test_html_shows_the_pressed_button_and_says_the_vote_is_held(client, auth, make_user, make_unverified):
    idea = make_idea(make_user())
    newcomer = make_unverified()
    auth.login(newcomer.email)
    assert client.post(f"/ideas/{idea.id}/vote", data={"value": "1"}).status_code == 302
    page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert 'class="vote up active" aria-pressed="true"' in page
    assert "Your up-vote is held: it counts once you" in page
    assert "Confirm your address to make your votes count" in page  # the site-wide notice
    assert counters(idea.id) == (1, 0, 1)


def test_verifying_counts_held_votes_once_with_rankings_and_recount_agreeing(client, make_user, make_unverified):
    up, down = make_idea(make_user()), make_idea(make_user(), "Longer opening hours")
    newcomer = make_unverified()
    headers = bearer(token_for(client, newcomer))
    client.put(f"/api/v1/ideas/{up.id}/vote", json={"value": 1}, headers=headers)
    client.put(f"/api/v1/ideas/{down.id}/vote", json={"value": -1}, headers=headers)
    link = link_for(newcomer)
    page = client.get(link)
    assert page.status_code == 200 and "your address is confirmed" in page.get_data(as_text=True)
    assert counters(up.id) == (2, 0, 2) and counters(down.id) == (1, 1, 0)
    assert held_flags(newcomer.id) == [False, False]
    assert voting.recount() == []  # wilson and hot were recomputed with the counters
    assert client.get(link).status_code == 400  # used: nothing is counted twice
    assert counters(up.id) == (2, 0, 2)
    r = client.put(f"/api/v1/ideas/{up.id}/vote", json={"value": -1}, headers=headers)  # verified now: it counts
    assert (r.get_json()["upvotes"], r.get_json()["downvotes"], r.get_json()["my_vote_held"]) == (1, 1, False)


def test_a_held_vote_that_reaches_the_threshold_promotes_the_idea_when_released(
    app, client, make_user, make_unverified
):
    app.config["SUCCESS_THRESHOLD"] = 2
    idea = make_idea(make_user())
    newcomer = make_unverified()
    client.put(f"/api/v1/ideas/{idea.id}/vote", json={"value": 1}, headers=bearer(token_for(client, newcomer)))
    db.session.expire_all()
    assert db.session.get_one(Idea, idea.id).status.slug == "new"  # a held vote promotes nothing
    assert client.get(link_for(newcomer)).status_code == 200
    db.session.expire_all()
    assert db.session.get_one(Idea, idea.id).status.slug == "under-review"


def test_recount_ignores_held_votes_and_corrects_a_counter_that_counted_one(make_user, make_unverified):
    idea = make_idea(make_user())
    newcomer = make_unverified()
    voting.cast_vote(newcomer, idea.id, 1)
    db.session.execute(update(Idea).where(Idea.id == idea.id).values(upvotes=2, score=2))
    db.session.commit()
    assert voting.recount() == [f"idea {idea.id}: upvotes 2→1, score 2→1"]


def test_merging_keeps_held_votes_held_and_counters_exact(make_user, make_unverified):
    staff = make_user("staff")
    source, target = make_idea(make_user()), make_idea(make_user(), "Oat milk please")
    moved, both = make_unverified(), make_unverified()
    voting.cast_vote(moved, source.id, 1)
    voting.cast_vote(both, source.id, -1)
    voting.cast_vote(both, target.id, 1)
    merges.merge(staff, source.id, target.id)
    assert counters(target.id) == (2, 0, 2)  # the two authors; both held votes moved or dropped, uncounted
    assert db.session.scalars(select(Vote.held).where(Vote.idea_id == target.id, Vote.user_id == moved.id)).all() == [
        True
    ]
    assert voting.recount() == []
    merges.undo(staff, source.id)
    assert counters(source.id) == (1, 0, 1) and counters(target.id) == (1, 0, 1)
    assert held_flags(moved.id) == [True] and held_flags(both.id) == [True, True]  # the dropped one came back held
    assert voting.recount() == []
    verification.mark_verified(db.session.get_one(User, both.id))
    db.session.commit()
    assert counters(source.id) == (1, 1, 0) and counters(target.id) == (2, 0, 2)
    assert voting.recount() == []


# Contest entries -------------------------------------------------------------------------------------------------


@pytest.fixture
def gallery(app, make_user):
    """An open contest with two approved entries, allowing two votes a day."""
    now = utcnow()
    contest = Contest(
        title="Autumn light",
        rules="Your own photo.",
        rules_html="<p>Your own photo.</p>",
        opens_at=now - timedelta(hours=1),
        entries_close_at=now + timedelta(days=1),
        closes_at=now + timedelta(days=2),
        draw_seed="0" * 64,
        moderated=False,
        daily_vote_allowance=2,
    )
    db.session.add(contest)
    db.session.flush()
    entrant = make_user()
    entries = [
        ContestEntry(
            contest_id=contest.id,
            user_id=entrant.id,
            caption=f"Leaves {n}",
            state="approved",
            original_key=f"originals/none{n}.jpg",
            width=800,
            height=600,
        )
        for n in range(3)
    ]
    db.session.add_all(entries)
    db.session.commit()
    return contest, [e.id for e in entries]


def entry_votes(entry_ids) -> list[int]:
    db.session.expire_all()
    return [db.session.get_one(ContestEntry, i).votes for i in entry_ids]


def test_held_entry_votes_use_the_allowance_show_as_mine_and_count_once_verified(client, gallery, make_unverified):
    contest, ids = gallery
    newcomer = make_unverified()
    headers = bearer(token_for(client, newcomer))
    for entry_id in ids[:2]:
        r = client.put(f"/api/v1/entries/{entry_id}/vote", headers=headers)
        assert r.status_code == 200 and r.get_json()["votes"] == 0
    assert client.get(f"/api/v1/entries/{ids[0]}", headers=headers).get_json()["voted"] is True
    third = client.put(f"/api/v1/entries/{ids[2]}/vote", headers=headers)
    assert third.status_code == 409 and "today's 2 votes" in third.get_json()["error"]  # held votes use it up
    assert entry_votes(ids) == [0, 0, 0] and contest_votes.recount() == []
    client.delete(f"/api/v1/entries/{ids[1]}/vote", headers=headers)  # withdrawn: allowance back, no counter
    assert db.session.scalar(select(DailyVoteUse.used).where(DailyVoteUse.user_id == newcomer.id)) == 1
    assert entry_votes(ids) == [0, 0, 0]
    assert client.get(link_for(newcomer)).status_code == 200
    assert entry_votes(ids) == [1, 0, 0]
    assert contest_votes.recount() == []


def test_html_entry_page_says_the_vote_is_held(client, auth, gallery, make_unverified):
    _, ids = gallery
    newcomer = make_unverified()
    auth.login(newcomer.email)
    client.post(f"/entries/{ids[0]}/vote", data={"action": "vote"})
    page = client.get(f"/entries/{ids[0]}").get_data(as_text=True)
    assert "✓ Voted — withdraw" in page and "Your vote is held" in page
    assert entry_votes(ids[:1]) == [0]


def test_a_held_vote_in_a_contest_that_closed_stays_out_of_it(client, gallery, make_unverified):
    contest, ids = gallery
    newcomer = make_unverified()
    contest_votes.vote(newcomer, ids[0])
    db.session.execute(
        update(Contest)
        .where(Contest.id == contest.id)
        .values(entries_close_at=utcnow() - timedelta(minutes=2), closes_at=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()
    page = client.get(link_for(newcomer))
    assert page.status_code == 200
    assert "1 contest vote you gave earlier stayed out" in page.get_data(as_text=True)
    assert entry_votes(ids[:1]) == [0]
    assert db.session.scalar(select(ContestVote.held).where(ContestVote.user_id == newcomer.id)) is True
    assert contest_votes.recount() == []


def test_a_completed_password_reset_proves_the_address_and_counts_held_votes(client, make_user, make_unverified):
    """The reset link reached the inbox, as a verification link would have."""
    idea = make_idea(make_user())
    newcomer = make_unverified()
    client.put(f"/api/v1/ideas/{idea.id}/vote", json={"value": 1}, headers=bearer(token_for(client, newcomer)))
    assert counters(idea.id) == (1, 0, 1)
    assert client.post("/password/forgot", data={"email": newcomer.email}).status_code == 302
    body = db.session.scalars(
        select(OutboundEmail).where(OutboundEmail.to == newcomer.email).order_by(OutboundEmail.id.desc())
    ).first()
    link = re.search(r"http://localhost(/password/reset/\S+)", body.body).group(1)
    assert client.post(link, data={"password": "a brand new pass", "confirm": "a brand new pass"}).status_code == 302
    assert counters(idea.id) == (2, 0, 2)
    assert held_flags(newcomer.id) == [False]
    assert db.session.get_one(User, newcomer.id).email_verified_at is not None
