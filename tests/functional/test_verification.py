"""Email verification through the real path: the mailed link, asking again, dead links, what an unverified member
may do, and held votes counted exactly once however many clicks arrive at the same moment."""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from ideas_portal.extensions import db
from ideas_portal.models import Comment, EmailConfirmation, Idea, OutboundEmail, User, Vote
from ideas_portal.models.types import utcnow
from ideas_portal.services import accounts, verification, voting
from ideas_portal.services.contests import votes as contest_votes
from tests.functional.helpers import make_idea

PASSWORD = "correct horse"
LINK = re.compile(r"https?://[^/\s]+(/verify/[A-Za-z0-9_-]+)")


def mails_to(address: str) -> list[OutboundEmail]:
    return list(db.session.scalars(select(OutboundEmail).where(OutboundEmail.to == address).order_by(OutboundEmail.id)))


def mailed_link(address: str) -> str:
    """The site path of the newest verification link mailed to the address."""
    match = LINK.search(mails_to(address)[-1].body)
    assert match, "no verification link in the mail"
    return match.group(1)


def member(address: str) -> User:
    db.session.expire_all()
    return db.session.scalars(select(User).where(User.email == address)).one()


def sign_up(client, address="new@example.com", name="New Person") -> User:
    r = client.post("/signup", data={"email": address, "name": name, "password": PASSWORD})
    assert r.status_code == 302
    return member(address)


def test_sign_up_mails_a_link_that_confirms_the_address_without_signing_in(app, client):
    newcomer = sign_up(client)
    assert newcomer.email_verified_at is None
    [mail] = mails_to("new@example.com")
    assert mail.subject.startswith("Confirm your address")
    assert "7 days" in mail.body and "held" in mail.body
    assert mail.unsubscribe_url and "/unsubscribe/" in mail.unsubscribe_url
    sent = client.get("/signup/sent").get_data(as_text=True)
    assert "confirm your address" in sent and "held until you confirm" in sent
    page = client.get(mailed_link("new@example.com"))
    assert page.status_code == 200
    assert "your address is confirmed" in page.get_data(as_text=True)
    assert member("new@example.com").email_verified_at is not None


def test_a_used_forged_expired_or_garbage_link_is_a_clear_4xx_page(app, client):
    sign_up(client)
    link = mailed_link("new@example.com")
    assert client.get(link).status_code == 200
    used = client.get(link)
    assert used.status_code == 400 and "already been used" in used.get_data(as_text=True)
    for bad in (
        "/verify/" + "A" * 43,
        "/verify/short",
        "/verify/%00%ff",
        "/verify/" + "é" * 43,
        "/verify/" + "x" * 5000,
    ):
        r = client.get(bad)
        assert r.status_code == 404, (bad[:30], r.status_code)
        assert "not valid" in r.get_data(as_text=True)
    other = sign_up(client, "late@example.com", "Late Person")
    db.session.execute(
        update(EmailConfirmation)
        .where(EmailConfirmation.user_id == other.id)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    expired = client.get(mailed_link("late@example.com"))
    assert expired.status_code == 400 and "expired" in expired.get_data(as_text=True)
    assert member("late@example.com").email_verified_at is None


def test_a_link_for_an_address_the_account_no_longer_uses_verifies_nothing(app, client):
    newcomer = sign_up(client)
    link = mailed_link("new@example.com")
    db.session.execute(update(User).where(User.id == newcomer.id).values(email="changed@example.com"))
    db.session.commit()
    r = client.get(link)
    assert r.status_code == 400 and "no longer uses" in r.get_data(as_text=True)
    assert member("changed@example.com").email_verified_at is None


def test_asking_again_sends_a_new_link_and_the_old_one_stops_working(app, client, auth):
    sign_up(client)
    first = mailed_link("new@example.com")
    auth.login("new@example.com")
    settings = client.get("/settings").get_data(as_text=True)
    assert "is not confirmed yet" in settings and "Send me a new confirmation link" in settings
    r = client.post("/settings/verification/resend", follow_redirects=True)
    assert "A new confirmation link is on its way" in r.get_data(as_text=True)
    second = mailed_link("new@example.com")
    assert second != first and len(mails_to("new@example.com")) == 2
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    r = client.post("/settings/verification/resend", follow_redirects=True)
    assert "already confirmed" in r.get_data(as_text=True)
    assert len(mails_to("new@example.com")) == 2  # nothing sent to an address already proven
    assert "is confirmed (since" in client.get("/settings").get_data(as_text=True)


def test_asking_again_is_rate_limited(app, make_user, database_url):
    from ideas_portal import create_app

    accounts.register("limit@example.com", "Limited Member", PASSWORD, verified=False)
    db.session.remove()
    limited = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "k",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SERVER_NAME": "localhost",
            "REDIS_URL": app.config["REDIS_URL"],
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_ENABLED": True,
            "CACHE_TYPE": "NullCache",
            "MAIL_DIR": app.config["MAIL_DIR"],
            "WTF_CSRF_ENABLED": False,
        }
    ).test_client()
    limited.post("/login", data={"email": "limit@example.com", "password": PASSWORD})
    codes = [limited.post("/settings/verification/resend").status_code for _ in range(6)]
    assert codes == [302] * 5 + [429]


def test_the_notice_shows_only_to_signed_in_unverified_members(app, client, auth, make_user):
    assert "Confirm your address" not in client.get("/").get_data(as_text=True)
    sign_up(client)
    auth.login("new@example.com")
    page = client.get("/").get_data(as_text=True)
    assert "Confirm your address to make your votes count" in page and "resend link" in page
    client.get(mailed_link("new@example.com"))
    assert "Confirm your address" not in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login(make_user().email)  # operators' and existing accounts are verified
    assert "Confirm your address" not in client.get("/").get_data(as_text=True)


def test_unverified_members_sign_in_read_submit_and_comment(app, client, auth):
    sign_up(client)
    assert auth.login("new@example.com").status_code == 302
    token = client.post("/api/v1/tokens", json={"email": "new@example.com", "password": PASSWORD})
    assert token.status_code == 201
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    created = client.post(
        "/api/v1/ideas", json={"title": "Bike racks at every store", "body": "Many of us cycle."}, headers=headers
    )
    assert created.status_code == 201, created.get_json()
    idea_id = created.get_json()["id"]
    assert created.get_json()["my_vote"] == 1 and created.get_json()["upvotes"] == 0  # the author's vote is held
    r = client.post(f"/api/v1/ideas/{idea_id}/comments", json={"body": "And a pump."}, headers=headers)
    assert r.status_code == 201
    assert client.post(f"/ideas/{idea_id}/comments", data={"body": "Covered, please."}).status_code == 302
    assert db.session.query(Comment).filter_by(idea_id=idea_id).count() == 2
    assert client.get(f"/ideas/{idea_id}").status_code == 200


def test_operators_accounts_are_verified(runner):
    result = runner.invoke(args=["users", "create", "op@example.com", "--password", PASSWORD, "--name", "Operator"])
    assert result.exit_code == 0, result.output
    assert member("op@example.com").email_verified_at is not None


# Two clicks at the same moment -----------------------------------------------------------------------------------


def _held_votes_world(make_user) -> tuple[str, list[int], str]:
    """An unverified member with held votes on three ideas; returns their address, the ideas and a link path."""
    authors = [make_user() for _ in range(3)]
    ideas = [make_idea(a, f"Idea number {n}") for n, a in enumerate(authors)]
    newcomer = accounts.register("racer@example.com", "Racing Member", PASSWORD, verified=False)
    for idea, value in zip(ideas, (1, 1, -1)):
        voting.cast_vote(newcomer, idea.id, value)
    verification.send_link(newcomer)
    return newcomer.email, [i.id for i in ideas], mailed_link(newcomer.email)


def _assert_counted_once(email: str, idea_ids: list[int]) -> None:
    db.session.expire_all()
    counts = [
        db.session.execute(select(Idea.upvotes, Idea.downvotes, Idea.score).where(Idea.id == i)).one() for i in idea_ids
    ]
    assert [tuple(c) for c in counts] == [(2, 0, 2), (2, 0, 2), (1, 1, 0)]
    user = member(email)
    assert user.email_verified_at is not None
    assert db.session.scalars(select(Vote.held).where(Vote.user_id == user.id)).all() == [False] * 3
    assert voting.recount() == [] and contest_votes.recount() == []


def _at_once(n: int, fn) -> list:
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


def test_two_clicks_at_once_in_two_threads_count_held_votes_exactly_once(app, make_user):
    email, idea_ids, link = _held_votes_world(make_user)
    db.session.remove()

    def click(_):
        with app.app_context():  # each thread its own context, session and database connection
            return app.test_client().get(link).status_code

    assert sorted(_at_once(2, click)) == [200, 400]
    _assert_counted_once(email, idea_ids)


@pytest.mark.live
def test_many_clicks_at_once_against_a_live_server_count_held_votes_exactly_once(live_server, make_user):
    email, idea_ids, link = _held_votes_world(make_user)
    db.session.remove()

    def click(_):
        try:
            with urllib.request.urlopen(live_server + link, timeout=60) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    assert sorted(_at_once(6, click)) == [200] + [400] * 5
    _assert_counted_once(email, idea_ids)


def test_verification_pages_are_valid_html(app, client, auth, make_user, tmp_path):
    from tests.functional.test_html_valid import _nu_errors, _save

    idea = make_idea(make_user())
    sign_up(client)
    _save(tmp_path, "signup-sent", client.get("/signup/sent"))
    _save(tmp_path, "dead-anonymous", client.get("/verify/" + "A" * 43))
    auth.login("new@example.com")
    client.post(f"/ideas/{idea.id}/vote", data={"value": "1"})
    for name, path in {"home": "/", "idea": f"/ideas/{idea.id}", "settings": "/settings"}.items():
        _save(tmp_path, f"unverified-{name}", client.get(path))
    _save(tmp_path, "dead-unverified", client.get("/verify/" + "A" * 43))
    _save(tmp_path, "verified", client.get(mailed_link("new@example.com")))
    _save(tmp_path, "dead-verified", client.get(mailed_link("new@example.com")))
    _save(tmp_path, "settings-verified", client.get("/settings"))
    assert _nu_errors(tmp_path) == []


def test_votes_cast_while_the_link_is_opened_are_neither_lost_nor_left_held(app, client, make_user):
    """The vote path reads the member's verification under their row lock: a vote racing the verification either
    lands before it (and is released by it) or after it (and counts at once)."""
    ideas = [make_idea(make_user(), f"Racing idea {n}") for n in range(7)]
    idea_ids = [i.id for i in ideas]
    newcomer = accounts.register("racer@example.com", "Racing Member", PASSWORD, verified=False)
    verification.send_link(newcomer)
    link, user_id = mailed_link("racer@example.com"), newcomer.id
    token = client.post("/api/v1/tokens", json={"email": "racer@example.com", "password": PASSWORD}).get_json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    db.session.remove()

    def act(i):
        with app.app_context():
            c = app.test_client()
            if i == 0:
                return c.get(link).status_code
            return c.put(f"/api/v1/ideas/{idea_ids[i - 1]}/vote", json={"value": 1}, headers=headers).status_code

    assert _at_once(8, act) == [200] * 8
    db.session.expire_all()
    assert db.session.scalars(select(Vote.held).where(Vote.user_id == user_id)).all() == [False] * 7
    assert [db.session.get_one(Idea, i).upvotes for i in idea_ids] == [2] * 7
    assert voting.recount() == []
