"""Deleting one's own account: personal data erased, contributions kept under "Deleted member", counters intact."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from ideas_portal.extensions import db
from ideas_portal.models import (
    ApiToken,
    Comment,
    ConsentEvent,
    Contest,
    ContestEntrant,
    ContestEntry,
    ContestVote,
    EmailConfirmation,
    Follow,
    Idea,
    Notification,
    NotificationPreference,
    OutboundEmail,
    PasswordReset,
    User,
    Vote,
)
from ideas_portal.models.types import utcnow
from ideas_portal.services import (
    accounts,
    api_tokens,
    comments,
    consent,
    email_links,
    follows,
    mail,
    preferences,
    profile,
    voting,
)
from ideas_portal.services.contests import votes as contest_votes
from ideas_portal.storage import storage
from tests.conftest import ROOT, server_env
from tests.functional.helpers import make_idea

PASSWORD = "correct horse"
PERSONAL_TABLES = (
    ApiToken,
    Notification,
    NotificationPreference,
    ConsentEvent,
    EmailConfirmation,
    PasswordReset,
    Follow,
)


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def _png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 80, 40)).save(buffer, "PNG")
    buffer.seek(0)
    return buffer


@pytest.fixture
def leaving(app, make_user):
    """A member with a row of every kind, beside another member whose ideas and entry they took part in."""
    user, other = make_user(name="Ada Leaving", email="ada@example.com"), make_user(name="Bo Staying")
    mine = make_idea(user, "Bike racks at every station")
    theirs = make_idea(other, "Free water fountains in parks")
    comments.add_comment(user, theirs.id, "Yes please, in summer especially")
    comments.add_comment(other, mine.id, "Great idea")
    voting.cast_vote(user, theirs.id, -1)
    follows.follow(user.id, theirs.id)
    preferences.update(user.id, {"reply": {"email": False}})
    consent.set_consent(user, True, "settings")
    email_links.issue(user.id, "change_email", "ada.new@example.com")
    now = utcnow()
    db.session.add(PasswordReset(user_id=user.id, token_hash="r" * 64, expires_at=now + timedelta(hours=1)))
    db.session.add(Notification(user_id=user.id, kind="reply", body="Bo replied"))
    db.session.commit()
    mail.send(user.email, "Pending for Ada", "Not yet sent")
    mail.send(other.email, "Pending for Bo", "Not yet sent")
    contest = Contest(
        title="Summer",
        rules="Own photos",
        rules_html="<p>Own photos</p>",
        opens_at=now - timedelta(days=1),
        entries_close_at=now + timedelta(days=1),
        closes_at=now + timedelta(days=2),
        draw_seed="0" * 64,
        moderated=False,
    )
    db.session.add(contest)
    db.session.flush()
    db.session.add_all(
        [
            ContestEntrant(
                contest_id=contest.id,
                user_id=user.id,
                entries=1,
                full_name="Ada Real Name",
                phone="+44 1234",
                postal_address="1 Lane, Town",
                marketing_consent=True,
                marketing_consent_at=now,
            ),
            ContestEntrant(contest_id=contest.id, user_id=other.id, entries=1, full_name="Bo Real Name"),
        ]
    )
    my_entry = ContestEntry(
        contest_id=contest.id,
        user_id=user.id,
        caption="Ada's sunset",
        state="approved",
        original_key="o/a.jpg",
        width=10,
        height=10,
    )
    their_entry = ContestEntry(
        contest_id=contest.id,
        user_id=other.id,
        caption="Bo's dawn",
        state="approved",
        original_key="o/b.jpg",
        width=10,
        height=10,
    )
    db.session.add_all([my_entry, their_entry])
    db.session.commit()
    user = db.session.get(User, user.id)
    contest_votes.vote(user, their_entry.id)
    profile.set_avatar(user, _png())
    user = db.session.get(User, user.id)
    storage().write(profile.thumbnail_key(user.avatar_key), b"thumb")
    token = api_tokens.issue(user)
    return {
        "user": user,
        "other": other,
        "mine": mine.id,
        "theirs": theirs.id,
        "my_entry": my_entry.id,
        "their_entry": their_entry.id,
        "token": token,
        "avatar": user.avatar_key,
    }


def _counters():
    ideas = db.session.execute(select(Idea.id, Idea.upvotes, Idea.downvotes, Idea.score, Idea.comment_count)).all()
    entries = db.session.execute(select(ContestEntry.id, ContestEntry.votes)).all()
    return sorted(ideas), sorted(entries)


def _recount_output(database_url, redis_url, tmp_path) -> str:
    """`flask recount` as an operator runs it, in its own process."""
    db.session.remove()
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "recount"],
        cwd=ROOT,
        env=server_env(database_url, redis_url, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_deletion_erases_the_person_and_keeps_what_they_gave(client, leaving, database_url, redis_url, tmp_path):
    user_id, token = leaving["user"].id, leaving["token"]
    before = _counters()
    r = client.delete("/api/v1/me", json={"password": PASSWORD}, headers=_bearer(token))
    assert r.status_code == 204 and r.data == b""

    user = db.session.get(User, user_id)
    assert user.email == f"deleted-{user_id}@invalid" and user.name == "Deleted member"
    assert user.bio == "" and user.avatar_key is None and user.deleted_at is not None
    assert user.marketing_consent is False and not user.check_password(PASSWORD)
    for model in PERSONAL_TABLES:
        assert db.session.scalar(select(func.count()).select_from(model).where(model.user_id == user_id)) == 0, model
    entrant = db.session.scalars(select(ContestEntrant).where(ContestEntrant.user_id == user_id)).one()
    assert (entrant.full_name, entrant.phone, entrant.postal_address) == ("", "", "")
    assert entrant.marketing_consent is False and entrant.marketing_consent_at is None
    assert [e.subject for e in db.session.scalars(select(OutboundEmail).where(OutboundEmail.sent_at.is_(None)))] == [
        "Pending for Bo"
    ]
    assert not storage().exists(leaving["avatar"]) and not storage().exists(profile.thumbnail_key(leaving["avatar"]))

    # Kept: ideas, comments, entries, and the votes still counted, linked to the anonymous row.
    assert db.session.get(Idea, leaving["mine"]).author_id == user_id
    assert db.session.scalar(select(func.count()).select_from(Comment).where(Comment.author_id == user_id)) == 1
    assert db.session.get(ContestEntry, leaving["my_entry"]).user_id == user_id
    assert db.session.scalar(select(Vote.value).where(Vote.user_id == user_id, Vote.idea_id == leaving["theirs"])) == -1
    assert db.session.scalar(select(func.count()).select_from(ContestVote).where(ContestVote.user_id == user_id)) == 1
    assert _counters() == before
    output = _recount_output(database_url, redis_url, tmp_path)
    assert output.strip().splitlines() == ["0 correction(s)"], output

    page = client.get(f"/ideas/{leaving['theirs']}").get_data(as_text=True)
    assert "Yes please, in summer especially" in page and "Deleted member" in page and "Ada Leaving" not in page
    assert "Deleted member" in client.get(f"/ideas/{leaving['mine']}").get_data(as_text=True)


def test_a_deleted_member_cannot_sign_in_and_their_tokens_and_sessions_are_dead(app, client, leaving):
    email, token = leaving["user"].email, leaving["token"]
    session = app.test_client()
    assert session.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    assert session.get("/settings").status_code == 200
    assert client.delete("/api/v1/me", json={"password": PASSWORD}, headers=_bearer(token)).status_code == 204
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 401
    assert client.post("/api/v1/tokens", json={"email": email, "password": PASSWORD}).status_code == 401
    deleted = f"deleted-{leaving['user'].id}@invalid"
    assert client.post("/api/v1/tokens", json={"email": deleted, "password": PASSWORD}).status_code == 401
    assert session.get("/settings").status_code == 302  # the old session cookie no longer signs anyone in
    fresh = app.test_client()
    fresh.post("/login", data={"email": email, "password": PASSWORD})
    assert fresh.get("/settings").status_code == 302
    again = accounts.register(email, "Ada Again", PASSWORD)  # the address is free for a new account
    assert again.id != leaving["user"].id


def test_a_deleted_members_profile_is_not_found(client, leaving):
    user_id = leaving["user"].id
    assert client.get(f"/users/{user_id}").status_code == 200
    assert client.get(f"/api/v1/users/{user_id}").status_code == 200
    client.delete("/api/v1/me", json={"password": PASSWORD}, headers=_bearer(leaving["token"]))
    assert client.get(f"/users/{user_id}").status_code == 404
    r = client.get(f"/api/v1/users/{user_id}")
    assert r.status_code == 404 and "error" in r.get_json()


@pytest.mark.parametrize(
    "body, status", [({"password": "not my password"}, 403), ({}, 400), ({"password": ""}, 400), ({"password": 7}, 400)]
)
def test_a_wrong_or_missing_password_deletes_nothing(client, leaving, body, status):
    r = client.delete("/api/v1/me", json=body, headers=_bearer(leaving["token"]))
    assert r.status_code == status and r.get_json()["error"]
    user = db.session.get(User, leaving["user"].id)
    assert user.deleted_at is None and user.email == "ada@example.com"
    assert client.get("/api/v1/me", headers=_bearer(leaving["token"])).status_code == 200


def test_the_only_admin_cannot_delete_themselves_but_one_of_two_can(client, make_user):
    first = make_user("admin")
    first_token = api_tokens.issue(first)
    r = client.delete("/api/v1/me", json={"password": PASSWORD}, headers=_bearer(first_token))
    assert r.status_code == 409 and "admin" in r.get_json()["error"]
    assert db.session.get(User, first.id).deleted_at is None
    second = make_user("admin")
    assert client.delete("/api/v1/me", json={"password": PASSWORD}, headers=_bearer(first_token)).status_code == 204
    assert db.session.get(User, first.id).role == "member"
    second_token = api_tokens.issue(second)
    assert client.delete("/api/v1/me", json={"password": PASSWORD}, headers=_bearer(second_token)).status_code == 409


def test_staff_may_delete_their_account(client, make_user):
    staff = make_user("staff")
    token = api_tokens.issue(staff)
    assert client.delete("/api/v1/me", json={"password": PASSWORD}, headers=_bearer(token)).status_code == 204


def test_settings_offer_the_download_and_the_deletion(client, auth, leaving):
    auth.login("ada@example.com")
    page = client.get("/settings").get_data(as_text=True)
    assert "Download my data" in page and "Delete my account" in page
    assert 'action="/settings/delete"' in page and 'name="password"' in page and 'name="confirm"' in page


def test_the_download_is_the_apis_export_as_a_file(client, auth, leaving):
    auth.login("ada@example.com")
    api_export = client.get("/api/v1/me/export", headers=_bearer(leaving["token"])).get_json()  # touches the token
    r = client.get("/settings/export")
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert r.headers["Content-Disposition"].startswith("attachment;")
    download = json.loads(r.get_data(as_text=True))
    download.pop("exported_at"), api_export.pop("exported_at")
    assert download == api_export
    assert download["profile"]["email"] == "ada@example.com"


def test_deleting_from_settings_needs_the_password_and_the_confirmation(client, auth, leaving):
    auth.login("ada@example.com")
    r = client.post("/settings/delete", data={"password": PASSWORD})
    assert r.status_code == 400 and "Tick the box" in r.get_data(as_text=True)
    r = client.post("/settings/delete", data={"password": "wrong password", "confirm": "y"})
    assert r.status_code == 403 and "not your password" in r.get_data(as_text=True)
    assert db.session.get(User, leaving["user"].id).deleted_at is None


def test_deleting_from_settings_signs_out_and_says_goodbye(client, auth, leaving):
    auth.login("ada@example.com")
    r = client.post("/settings/delete", data={"password": PASSWORD, "confirm": "y"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/goodbye")
    page = client.get("/goodbye")
    assert page.status_code == 200 and "Your account is deleted" in page.get_data(as_text=True)
    assert client.get("/goodbye").status_code == 302  # shown once
    assert client.get("/settings").status_code == 302
    assert db.session.get(User, leaving["user"].id).deleted_at is not None
