"""Issue 11 attacked from outside, as black-box acceptance checks would: the contract rows and their OpenAPI
description over real responses, CSRF on every form, hostile bytes, privacy after deletion."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from PIL import Image
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from sqlalchemy import func, select

from ideas_portal.extensions import db
from ideas_portal.models import Comment, ConsentEvent, Notification, OutboundEmail, User
from ideas_portal.services import account_deletion, api_tokens, comments, email_links, member_data, preferences, profile
from ideas_portal.services.exceptions import Conflict, DomainError
from tests.conftest import BACKEND, wait_until
from tests.functional.helpers import make_idea

PASSWORD = "correct horse"


# Every settings and comment form POST needs its CSRF token (the one-click unsubscribe POST is the exception)

CSRF_FORMS = [
    "/settings/profile",
    "/settings/avatar",
    "/settings/avatar/remove",
    "/settings/password",
    "/settings/email",
    "/settings/consent",
    "/settings/notifications",
    "/settings/delete",
    "/settings/sign-out-everywhere",
    "/settings/tokens/{token}/revoke",
    "/settings/verification/resend",
    "/comments/{comment}/edit",
    "/comments/{comment}/delete",
]


@pytest.mark.parametrize("path", CSRF_FORMS)
def test_every_settings_and_comment_form_refuses_a_post_without_its_csrf_token(app, client, auth, make_user, path):
    member = make_user()
    idea = make_idea(member)
    comment = comments.add_comment(member, idea.id, "A comment to keep")
    token = client.post("/api/v1/tokens", json={"email": member.email, "password": PASSWORD}).get_json()
    auth.login(member.email)
    before = _state(member.id)
    data = {
        "name": "Changed Name",
        "bio": "changed",
        "current_password": PASSWORD,
        "password": PASSWORD,
        "new_password": "another horse battery",
        "confirm": "another horse battery",
        "email": "changed@example.com",
        "marketing_consent": "y",
        "confirm_delete": "y",
        "confirmed": "y",
        "body": "Edited by a forged form",
        "mention-in_app": "y",
    }
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        token_id = client.get("/api/v1/tokens", headers={"Authorization": f"Bearer {token['token']}"}).get_json()[
            "items"
        ][0]["id"]
        r = client.post(path.format(token=token_id, comment=comment.id), data=data)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert r.status_code == 400, (path, r.status_code)
    assert "csrf" in r.get_data(as_text=True).lower() or "form" in r.get_data(as_text=True).lower()
    assert _state(member.id) == before
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token['token']}"}).status_code == 200


def _state(user_id: int) -> tuple:
    db.session.expire_all()
    user = db.session.get_one(User, user_id)
    texts = tuple(db.session.scalars(select(Comment.body).where(Comment.author_id == user_id)))
    return (
        user.name,
        user.bio,
        user.email,
        user.password_hash,
        user.marketing_consent,
        user.deleted_at,
        user.session_token,
        texts,
        tuple(sorted((k, tuple(sorted(v.items()))) for k, v in preferences.settings_of(user_id).items())),
    )


# The contract rows, answered for real and checked against the OpenAPI document the API serves


class Described:
    """Checks a real response against what /api/v1/openapi.json says that operation answers."""

    def __init__(self, client):
        self.doc = client.get("/api/v1/openapi.json").get_json()
        self.registry = Registry().with_resource("urn:api", DRAFT202012.create_resource(self.doc))

    def check(self, method: str, template: str, response) -> None:
        operation = self.doc["paths"][template][method.lower()]
        status = str(response.status_code)
        assert status in operation["responses"], (method, template, status, response.get_data(as_text=True))
        content = operation["responses"][status].get("content")
        if content is None:
            assert response.get_data() == b"", (method, template, status)
            return
        schema = content["application/json"]["schema"]
        pointer = {"$ref": "urn:api#" + schema["$ref"][1:]} if "$ref" in schema else schema
        errors = list(Draft202012Validator(pointer, registry=self.registry).iter_errors(response.get_json()))
        assert not errors, (method, template, status, [e.message for e in errors[:5]])


def test_me_token_comment_and_user_rows_answer_as_the_contract_and_the_openapi_document_say(client, api, make_user):
    described = Described(client)
    other = make_user()
    idea = make_idea(other, "An idea to comment on and vote for")
    api.as_("member")
    me = api.user
    h = {"Authorization": f"Bearer {api.token}"}
    assert api.put(f"/ideas/{idea.id}/vote", json={"value": 1}).status_code == 200
    comment = api.post(f"/ideas/{idea.id}/comments", json={"body": "First, @" + other.name}).get_json()
    reply = client.post(
        f"/api/v1/ideas/{idea.id}/comments", json={"body": "A reply", "parent_id": comment["id"]}, headers=h
    )
    assert reply.status_code == 201

    r = api.get("/me")
    described.check("GET", "/me", r)
    body = r.get_json()
    assert set(body) >= {"id", "name", "email", "bio", "email_verified", "points", "notification_settings"}
    assert "marketing_consent" in body and body["id"] == me.id and body["email"] == me.email
    assert all(set(v) >= {"in_app", "email"} for v in body["notification_settings"].values())
    assert all(type(c) is bool for v in body["notification_settings"].values() for c in v.values())
    assert type(body["email_verified"]) is bool and type(body["marketing_consent"]) is bool

    r = client.patch("/api/v1/me", json={"bio": "Hello", "marketing_consent": True}, headers=h)
    described.check("PATCH", "/me", r)
    assert r.get_json()["bio"] == "Hello" and r.get_json()["marketing_consent"] is True
    for bad in ({"name": 5}, {"email": "x@example.com"}, {"notification_settings": {"nope": {}}}):
        r = client.patch("/api/v1/me", json=bad, headers=h)
        described.check("PATCH", "/me", r)
        assert r.status_code == 400 and isinstance(r.get_json()["error"], str)

    r = api.get("/me/export")
    described.check("GET", "/me/export", r)
    export = r.get_json()
    for key in ("profile", "ideas", "comments", "votes", "entries", "contest_votes", "poll_answers"):
        assert key in export, key
    assert "notifications" in export and "points" in export
    assert [c["id"] for c in export["comments"]] == [comment["id"], reply.get_json()["id"]] or sorted(
        c["id"] for c in export["comments"]
    ) == sorted([comment["id"], reply.get_json()["id"]])
    assert [v["idea_id"] for v in export["votes"]] == [idea.id]
    assert export["profile"]["email"] == me.email

    r = api.get(f"/users/{other.id}")
    described.check("GET", "/users/{id}", r)
    member = r.get_json()
    assert {"id", "name", "points", "badges", "ideas_count", "entries_count"} <= set(member)
    assert member["ideas_count"] == 1 and member["entries_count"] == 0 and member["badges"] == []
    assert "email" not in member
    r = api.get("/users/999999")
    described.check("GET", "/users/{id}", r)
    assert r.status_code == 404 and r.get_json()["error"]

    r = client.patch(f"/api/v1/comments/{comment['id']}", json={"body": "First, edited"}, headers=h)
    described.check("PATCH", "/comments/{id}", r)
    assert r.status_code == 200 and r.get_json()["body"] == "First, edited"
    assert {"id", "body", "author", "is_official", "created_at"} <= set(r.get_json())
    r = client.patch(f"/api/v1/comments/{comment['id']}", json={"body": ""}, headers=h)
    described.check("PATCH", "/comments/{id}", r)
    assert r.status_code == 400
    r = api.delete(f"/comments/{comment['id']}")
    described.check("DELETE", "/comments/{id}", r)
    assert r.status_code == 204
    r = api.delete(f"/comments/{comment['id']}")
    described.check("DELETE", "/comments/{id}", r)
    assert r.status_code == 409 and r.get_json()["error"]

    r = api.get("/tokens")
    described.check("GET", "/tokens", r)
    items = r.get_json()["items"]
    assert len(items) == 1 and items[0]["current"] is True
    assert {"id", "created_at", "last_used_at", "current"} <= set(items[0])
    r = api.delete("/tokens/999999")
    described.check("DELETE", "/tokens/{id}", r)
    assert r.status_code == 404

    for bad in ({}, {"password": 1}, {"password": "wrong"}):
        r = client.delete("/api/v1/me", json=bad, headers=h)
        described.check("DELETE", "/me", r)
        assert r.status_code in (400, 403) and r.get_json()["error"]
    r = client.delete("/api/v1/me", json={"password": PASSWORD}, headers=h)
    described.check("DELETE", "/me", r)
    assert r.status_code == 204
    for path in ("/me", "/me/export", "/tokens"):
        r = api.get(path)
        described.check("GET", path, r)
        assert r.status_code == 401 and r.get_json()["error"]
    r = api.anonymous().get(f"/users/{me.id}")
    described.check("GET", "/users/{id}", r)
    assert r.status_code == 404


# A deleted account stays erased, even against a change that was already on its way


def _loaded_before_deletion(app, member_id: int) -> User:
    """The member's row as a request that authenticated just before the deletion committed holds it."""
    stale = db.session.get_one(User, member_id)
    assert stale.deleted_at is None and stale.name  # loaded now, not re-read later
    db.session.expunge(stale)
    db.session.commit()  # SQLite: our transaction would hold the write lock the deletion needs
    with app.app_context():  # another request, with a session of its own, deletes the account meanwhile
        account_deletion.delete_account(db.session.get_one(User, member_id), PASSWORD)
        db.session.remove()
    db.session.add(stale)  # as it was loaded: nothing re-reads it
    return stale


def _erased(member_id: int) -> None:
    db.session.rollback()
    db.session.expire_all()
    row = db.session.get_one(User, member_id)
    assert (row.name, row.bio, row.marketing_consent, row.avatar_key) == ("Deleted member", "", False, None)
    assert (
        db.session.scalar(select(func.count()).select_from(ConsentEvent).where(ConsentEvent.user_id == member_id)) == 0
    )


def test_a_profile_or_consent_change_that_started_before_the_deletion_does_not_write_the_person_back(app, make_user):
    member = make_user(name="Alice Private")
    stale = _loaded_before_deletion(app, member.id)
    with pytest.raises(DomainError):
        member_data.change(stale, name="Alice Private", bio="my bio", marketing_consent=True, source="api")
    _erased(member.id)


def test_an_avatar_upload_that_started_before_the_deletion_stores_no_picture_of_the_person(app, make_user):
    member = make_user(name="Alice Private")
    stale = _loaded_before_deletion(app, member.id)
    with pytest.raises(DomainError):
        profile.set_avatar(stale, _png())
    _erased(member.id)
    media = Path(app.config["MEDIA_DIR"])
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]


def test_a_second_deletion_already_under_way_is_a_clean_409(app, make_user):
    member = make_user(name="Alice Private")
    stale = _loaded_before_deletion(app, member.id)
    with pytest.raises(Conflict):
        account_deletion.delete_account(stale, PASSWORD)
    _erased(member.id)


def _png() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(out, "PNG")
    out.seek(0)
    return out


# Names others read: nobody passes for a deleted member, and no name turns the text after it around


@pytest.mark.parametrize(
    "name",
    [
        "Deleted\u200b member",  # zero-width space: looks the same
        "Deleted\u00ad member",  # soft hyphen: invisible
        "\uff24eleted member",  # fullwidth D
        "Deleted member\u2060",  # word joiner
    ],
)
def test_a_name_that_reads_as_deleted_member_is_refused(api, client, name):
    api.as_("member")
    r = client.patch("/api/v1/me", json={"name": name}, headers={"Authorization": f"Bearer {api.token}"})
    assert r.status_code == 400 and "Deleted member" in r.get_json()["error"]
    assert api.get("/me").get_json()["name"] == api.user.name


@pytest.mark.parametrize("control", ["\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u200f", "\u061c"])
def test_a_name_with_a_bidirectional_control_is_refused(api, client, auth, control):
    api.as_("member")
    r = client.patch(
        "/api/v1/me", json={"name": f"Eve {control}nomis"}, headers={"Authorization": f"Bearer {api.token}"}
    )
    assert r.status_code == 400 and "direction" in r.get_json()["error"]
    r = client.post("/signup", data={"email": "eve@example.com", "name": f"Eve {control}x", "password": PASSWORD})
    assert r.status_code == 400


@pytest.mark.parametrize(
    "name",
    [
        "\u200b\u200b\u200b",  # zero-width spaces
        "\ufeff\ufeff",  # byte order marks
        "\u00ad\u00ad",  # soft hyphens
        "\u2060\u2060",  # word joiners
        "\u2800\u2800",  # Braille blanks
        "\u3164\u3164",  # Hangul fillers
        "\u0301\u0301\u0301",  # combining marks on nothing
        "A\u200b",  # one visible character
    ],
)
def test_a_name_nobody_can_see_is_refused_on_the_api_and_every_form(api, client, auth, name):
    api.as_("member")
    r = client.patch("/api/v1/me", json={"name": name}, headers={"Authorization": f"Bearer {api.token}"})
    assert r.status_code == 400 and r.get_json()["error"] == "Display names need at least two visible characters."
    assert api.get("/me").get_json()["name"] == api.user.name
    r = client.post("/signup", data={"email": "ghost@example.com", "name": name, "password": PASSWORD})
    assert r.status_code == 400 and "two visible characters" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "ghost@example.com")) == 0


def test_names_with_accents_emoji_and_joiners_still_work(api, client):
    api.as_("member")
    for name in ("Élise Dupont", "Zoë 👩‍👩‍👧", "Δημήτρης", "李小龍", "علي", "Jo", "A.", "😀😀", "हिन्दी"):
        r = client.patch("/api/v1/me", json={"name": name}, headers={"Authorization": f"Bearer {api.token}"})
        assert r.status_code == 200 and r.get_json()["name"] == name


def test_the_openapi_document_refuses_what_the_api_refuses_for_me_and_my_deletion(client):
    """A client generated from the document (or a fuzzer) is not told that an unknown kind or an empty
    password is fine, only to get a 400."""
    described = Described(client)

    def accepted(name: str, body) -> bool:
        schema = {"$ref": f"urn:api#/components/schemas/{name}"}
        return Draft202012Validator(schema, registry=described.registry).is_valid(body)

    assert accepted("MeChange", {"notification_settings": {"mention": {"email": False}}})
    assert not accepted("MeChange", {"notification_settings": {"x-unknown": {"email": False}}})
    assert not accepted("MeChange", {"notification_settings": {"reply": {}}})
    assert accepted("DeleteMe", {"password": "x"})
    assert not accepted("DeleteMe", {"password": ""})
    me = described.doc["components"]["schemas"]["Me"]["properties"]["notification_settings"]
    assert set(me["required"]) == set(preferences.DEFAULTS) and me["additionalProperties"] is False


# A comment removed while its author's edit is on its way stays removed


def test_an_edit_that_started_before_the_removal_does_not_bring_the_words_back(app, make_user, monkeypatch):
    author, staff, named = make_user(), make_user(role="staff"), make_user(name="Nadia Named")
    idea = make_idea(author)
    comment = comments.add_comment(author, idea.id, "Words staff will remove")
    real_present, staff_id = comments._present, staff.id

    def present_then_removed(comment_id):
        found = real_present(comment_id)  # the edit has read the comment: not removed yet
        monkeypatch.setattr(comments, "_present", real_present)  # the removal reads it as usual
        db.session.expunge(found)
        db.session.commit()  # SQLite: our transaction would hold the write lock the removal needs
        with app.app_context():  # staff remove it meanwhile, in a request of their own
            comments.delete_comment(db.session.get_one(User, staff_id), comment_id)
            db.session.remove()
        db.session.add(found)  # as the edit read it
        return found

    monkeypatch.setattr(comments, "_present", present_then_removed)
    author = db.session.get_one(User, author.id)
    with pytest.raises(Conflict):
        comments.edit_comment(author, comment.id, "The words again, and @Nadia Named")
    db.session.rollback()
    db.session.expire_all()
    row = db.session.get_one(Comment, comment.id)
    assert row.deleted_at is not None and row.body == "" and row.body_html == ""
    assert (
        db.session.scalar(select(func.count()).select_from(Notification).where(Notification.user_id == named.id)) == 0
    )


# Links in mail come from SITE_URL or a trusted host, never from a forged Host header


@pytest.mark.parametrize(
    "path, data",
    [
        ("/settings/email", {"email": "new.address@example.com", "password": PASSWORD}),
        ("/settings/verification/resend", {}),
        ("/signup", {"email": "someone@example.com", "name": "Some One", "password": PASSWORD}),
        ("/password/forgot", {"email": "member1@example.com"}),
    ],
)
def test_a_forged_host_header_mails_no_link(client, auth, make_user, path, data):
    member = make_user()
    auth.login(member.email)
    before = db.session.scalar(select(func.count()).select_from(OutboundEmail))
    r = client.post(path, data=data, headers={"Host": "evil.example"})
    assert r.status_code == 400
    db.session.expire_all()
    mailed = db.session.scalars(select(OutboundEmail).offset(before)).all()
    assert not mailed and "evil.example" not in r.get_data(as_text=True)


@pytest.mark.skipif(BACKEND != "postgresql", reason="row locks: PostgreSQL")
def test_an_address_link_opened_while_the_account_is_deleted_neither_deadlocks_nor_brings_the_address_back(
    app, make_user
):
    member = make_user()
    member_id = member.id
    token = email_links.issue(member_id, "change_email", "new.address@example.com")
    db.session.commit()
    consumed, outcome = threading.Event(), {}

    def deleting():
        consumed.wait(10)
        with app.app_context():
            try:
                account_deletion.delete_account(db.session.get_one(User, member_id), PASSWORD)
                outcome["deletion"] = "done"
            except Exception as exc:  # noqa: BLE001 - the test reports whatever went wrong
                outcome["deletion"] = repr(exc)
            db.session.remove()

    thread = threading.Thread(target=deleting)
    thread.start()
    with app.app_context():  # the link is opened: its row is taken, then the deletion starts and must wait
        assert email_links.consume(token, "change_email") is not None
        consumed.set()
        wait_until(lambda: _waiting_on_a_lock(), timeout=10, what="the deletion to wait for the link's row")
        user = db.session.get_one(User, member_id)
        user.email = "new.address@example.com"
        db.session.commit()
        db.session.remove()
    thread.join(20)
    assert outcome.get("deletion") == "done", outcome
    db.session.expire_all()
    assert db.session.get_one(User, member_id).email == account_deletion.placeholder_email(member_id)


def _waiting_on_a_lock() -> bool:
    with db.engine.connect() as conn:
        return bool(
            conn.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            ).scalar()
        )


def test_a_token_issued_by_a_sign_in_that_raced_the_deletion_answers_401(app, client, make_user):
    """The sign-in checked the password just before the account was deleted; its token row lands just after."""
    member = make_user()
    member_id = member.id
    account_deletion.delete_account(member, PASSWORD)
    token = api_tokens.issue(db.session.get_one(User, member_id))
    r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and r.get_json()["error"]
