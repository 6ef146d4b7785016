"""Password-reset links: random, single-use, stored only as a SHA-256, dead after an hour, renewable once dead."""

import hashlib
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from ideas_portal.extensions import db
from ideas_portal.models import ApiToken, OutboundEmail, PasswordReset, User
from ideas_portal.models.types import utcnow

NEW = {"password": "a brand new pass", "confirm": "a brand new pass"}


def _ask_for_link(client, email) -> str:
    assert client.post("/password/forgot", data={"email": email}).status_code == 302
    body = (
        db.session.scalars(select(OutboundEmail).where(OutboundEmail.to == email).order_by(OutboundEmail.id.desc()))
        .first()
        .body
    )
    return re.search(r"http://localhost(/password/reset/\S+)", body).group(1)


def _offers_a_new_link(html: str) -> bool:
    return 'action="/password/forgot"' in html and 'name="email"' in html


def test_reset_token_is_random_and_only_its_hash_is_stored(client, make_user):
    user = make_user()
    token = _ask_for_link(client, user.email).rsplit("/", 1)[1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token), "a random token, not a signed payload"
    row = db.session.scalar(select(PasswordReset).where(PasswordReset.user_id == user.id))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert row.used_at is None
    assert timedelta(minutes=59) < row.expires_at - row.created_at <= timedelta(hours=1)
    password_hash = db.session.get(User, user.id).password_hash
    assert not any(password_hash[i : i + 8] in token for i in range(0, len(password_hash) - 8))


def test_reset_link_works_once_and_the_used_link_offers_a_new_one(client, make_user):
    user = make_user()
    link = _ask_for_link(client, user.email)
    assert client.post(link, data=NEW).status_code == 302
    assert client.post("/login", data={"email": user.email, "password": NEW["password"]}).status_code == 302
    client.post("/logout")
    for again in (
        client.get(link),
        client.post(link, data={"password": "yet another one", "confirm": "yet another one"}),
    ):
        html = again.get_data(as_text=True)
        assert again.status_code == 400 and "already been used" in html
        assert _offers_a_new_link(html)
    assert client.post("/login", data={"email": user.email, "password": "yet another one"}).status_code == 401


def test_reset_link_expires_after_an_hour_and_offers_a_new_one(client, make_user):
    user = make_user()
    link = _ask_for_link(client, user.email)
    db.session.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    r = client.post(link, data=NEW)
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "expired" in html and _offers_a_new_link(html)
    assert client.post("/login", data={"email": user.email, "password": NEW["password"]}).status_code == 401


def test_a_new_link_replaces_the_older_one(client, make_user):
    user = make_user()
    old = _ask_for_link(client, user.email)
    new = _ask_for_link(client, user.email)
    assert old != new
    r = client.get(old)
    assert r.status_code == 404 and _offers_a_new_link(r.get_data(as_text=True))
    assert client.post(old, data=NEW).status_code == 404
    assert client.get(new).status_code == 200


def test_too_short_a_password_does_not_use_up_the_link(client, make_user):
    user = make_user()
    link = _ask_for_link(client, user.email)
    assert client.post(link, data={"password": "short", "confirm": "short"}).status_code == 400
    assert client.post(link, data=NEW).status_code == 302


def test_two_parallel_resets_with_one_link_exactly_one_wins(app, client, make_user):
    from ideas_portal.services import password_resets
    from ideas_portal.services.exceptions import DomainError

    user = make_user()
    user_id, token = user.id, _ask_for_link(client, user.email).rsplit("/", 1)[1]
    db.session.remove()
    barrier, outcomes = threading.Barrier(2), [None, None]

    def reset(i):
        with app.app_context():
            barrier.wait()
            try:
                password_resets.reset(token, f"password number {i}")
                outcomes[i] = "won"
            except DomainError as exc:
                outcomes[i] = exc.message
            finally:
                db.session.remove()

    threads = [threading.Thread(target=reset, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes, key=str) == sorted(["won", "This reset link has already been used."], key=str), outcomes
    winner = outcomes.index("won")
    assert db.session.get(User, user_id).check_password(f"password number {winner}")


def test_password_reset_revokes_every_api_token_and_session(app, client, api, make_user):
    api.as_("member")
    second = client.post("/api/v1/tokens", json={"email": api.user.email, "password": "correct horse"}).get_json()
    assert api.get("/tokens").status_code == 200
    other = app.test_client()
    other.post("/login", data={"email": api.user.email, "password": "correct horse"})
    assert api.user.name in other.get("/").get_data(as_text=True)

    assert client.post(_ask_for_link(client, api.user.email), data=NEW).status_code == 302
    assert api.get("/tokens").status_code == 401
    assert client.get("/api/v1/tokens", headers={"Authorization": f"Bearer {second['token']}"}).status_code == 401
    assert db.session.scalar(select(ApiToken).where(ApiToken.user_id == api.user.id)) is None
    assert "Sign in" in other.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "token", ["x" * 5000, "%00%00", "%ED%A0%80", "%FF%FE%FD", "..%2F..%2Fetc", "%C3%BC" * 40, "a b", "A" * 43]
)
def test_hostile_reset_tokens_get_a_clean_4xx_page(client, token):
    for r in (client.get("/password/reset/" + token), client.post("/password/reset/" + token, data=NEW)):
        assert 400 <= r.status_code < 500
        assert r.mimetype == "text/html"
