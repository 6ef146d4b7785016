"""The API's /me: reading and changing one's own account, and downloading everything held about it."""

from __future__ import annotations

import pytest

from ideas_portal.extensions import db
from ideas_portal.models import ConsentEvent, ContestEntrant, Contest, ContestEntry, User
from ideas_portal.models.types import utcnow
from ideas_portal.services import comments, follows, voting
from tests.functional.helpers import make_idea

ME_KEYS = {"id", "name", "email", "bio", "email_verified", "points", "notification_settings", "marketing_consent"}
EXPORT_KEYS = {
    "profile",
    "ideas",
    "comments",
    "votes",
    "entries",
    "contest_votes",
    "poll_answers",
    "notifications",
    "points",
    "consent_history",
    "notification_settings",
    "api_tokens",
    "contest_entrant_details",
}


@pytest.fixture
def me(api):
    api.as_("member")
    return api


def _patch(client, api, body):
    return client.patch("/api/v1/me", json=body, headers={"Authorization": f"Bearer {api.token}"})


def test_me_describes_the_caller_with_every_contract_field(me):
    r = me.get("/me")
    assert r.status_code == 200
    body = r.get_json()
    assert ME_KEYS <= set(body)
    assert body["id"] == me.user.id and body["email"] == me.user.email and body["name"] == me.user.name
    assert isinstance(body["email_verified"], bool) and body["marketing_consent"] is False and body["points"] == 0
    assert body["notification_settings"]["reply"] == {"in_app": True, "email": True}
    assert body["notification_settings"]["digest"] == {"in_app": False, "email": False}


def test_me_needs_a_token(api):
    assert api.anonymous().get("/me").status_code == 401
    assert api.get("/me/export").status_code == 401


def test_patch_changes_name_bio_choices_and_consent_together(client, me):
    r = _patch(
        client,
        me,
        {
            "name": "  Ada   Lovelace ",
            "bio": "Counts things.",
            "notification_settings": {"reply": {"email": False}, "digest": {"in_app": True, "email": True}},
            "marketing_consent": True,
        },
    )
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["name"] == "Ada Lovelace" and body["bio"] == "Counts things."
    assert body["notification_settings"]["reply"] == {"in_app": True, "email": False}
    assert body["notification_settings"]["digest"] == {"in_app": True, "email": True}
    assert body["marketing_consent"] is True
    assert me.get("/me").get_json() == body
    events = db.session.query(ConsentEvent).filter_by(user_id=me.user.id).all()
    assert [(e.given, e.source) for e in events] == [(True, "api")]


@pytest.mark.parametrize(
    "body, says",
    [
        ({"marketing_consent": "true"}, "marketing_consent"),
        ({"marketing_consent": 1}, "marketing_consent"),
        ({"name": 42}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x"}, "name"),
        ({"bio": "b" * 501}, "bio"),
        ({"bio": None}, "bio"),
        ({"notification_settings": {"gossip": {"email": False}}}, "gossip"),
        ({"notification_settings": {"reply": {"email": "no"}}}, "email"),
        ({"notification_settings": {"reply": {"sms": True}}}, "sms"),
        ({"notification_settings": {"reply": {}}}, "reply"),
        ({"notification_settings": ["reply"]}, "notification_settings"),
        # Exact sentences: the field's own path, no marshmallow internals ("value"), no "send a JSON object".
        ({"notification_settings": {"reply": True}}, "'notification_settings.reply' must be an object."),
        ({"notification_settings": {"reply": {"in_app": 1}}}, "'notification_settings.reply.in_app' must be true or"),
    ],
)
def test_patch_refuses_wrong_types_and_values_with_a_sentence(client, me, body, says):
    before = me.get("/me").get_json()
    r = _patch(client, me, body)
    assert r.status_code == 400, r.get_json()
    assert says in r.get_json()["error"]
    assert me.get("/me").get_json() == before


def test_a_refused_field_changes_none_of_the_others(client, me):
    before = me.get("/me").get_json()
    r = _patch(
        client, me, {"notification_settings": {"reply": {"email": False}}, "marketing_consent": True, "bio": "b" * 501}
    )
    assert r.status_code == 400
    assert me.get("/me").get_json() == before


def test_patch_with_an_email_explains_the_confirmation_it_needs(client, me):
    r = _patch(client, me, {"email": "new@example.com", "name": "Renamed"})
    assert r.status_code == 400
    message = r.get_json()["error"]
    assert "confirm" in message and "/settings" in message
    assert me.get("/me").get_json()["email"] == me.user.email
    assert me.get("/me").get_json()["name"] != "Renamed"


def test_patch_ignores_unknown_fields_as_the_rest_of_the_api_does(client, me):
    r = _patch(client, me, {"bio": "Hi", "favourite_colour": "teal"})
    assert r.status_code == 200 and r.get_json()["bio"] == "Hi"


def _world(me, make_user):
    """The member's own rows of every kind, and another member's rows beside them."""
    user = db.session.get(User, me.user.id)
    other = make_user(name="Other Person", email="other@example.com")
    idea = make_idea(user, "Longer opening hours please")
    theirs = make_idea(other, "Someone else's secret plan")
    comments.add_comment(user, theirs.id, "My very own comment")
    comments.add_comment(other, idea.id, "Their comment on mine")
    voting.cast_vote(user, theirs.id, -1)
    follows.follow(user.id, theirs.id)
    now = utcnow()
    contest = Contest(
        title="Spring",
        rules="Own photos",
        rules_html="<p>Own photos</p>",
        opens_at=now,
        entries_close_at=now,
        closes_at=now,
        draw_seed="0" * 64,
    )
    db.session.add(contest)
    db.session.flush()
    db.session.add_all(
        [
            ContestEntrant(
                contest_id=contest.id,
                user_id=user.id,
                full_name="Ada Real Name",
                phone="+44 1",
                postal_address="1 Lane",
            ),
            ContestEntrant(contest_id=contest.id, user_id=other.id, full_name="Other Real Name", phone="+44 2"),
            ContestEntry(
                contest_id=contest.id, user_id=user.id, caption="Mine", original_key="o/a.jpg", width=10, height=10
            ),
            ContestEntry(
                contest_id=contest.id, user_id=other.id, caption="Theirs", original_key="o/b.jpg", width=10, height=10
            ),
        ]
    )
    db.session.commit()
    return user, other, idea, theirs


def test_export_holds_every_listed_key_and_the_members_own_rows_only(me, make_user):
    user, other, idea, theirs = _world(me, make_user)
    r = me.get("/me/export")
    assert r.status_code == 200
    data = r.get_json()
    assert EXPORT_KEYS <= set(data)
    assert data["profile"]["email"] == user.email and data["profile"]["id"] == user.id
    assert [i["title"] for i in data["ideas"]] == ["Longer opening hours please"]
    assert [c["body"] for c in data["comments"]] == ["My very own comment"]
    assert {(v["idea_id"], v["value"]) for v in data["votes"]} == {(idea.id, 1), (theirs.id, -1)}
    assert [e["caption"] for e in data["entries"]] == ["Mine"]
    assert [d["full_name"] for d in data["contest_entrant_details"]] == ["Ada Real Name"]
    assert len(data["api_tokens"]) == 1 and "token_hash" not in data["api_tokens"][0]
    assert data["poll_answers"] == []
    assert [(p["reason"], p["amount"], p["idea_id"]) for p in data["points"]] == [("idea", 10, idea.id)]
    assert data["notification_settings"]["reply"] == {"in_app": True, "email": True}
    text = r.get_data(as_text=True)
    for foreign in ("other@example.com", "Other Person", "Someone else's secret plan", "Their comment", "Other Real"):
        assert foreign not in text


def test_export_lists_consent_history_and_notifications(client, me, make_user):
    _patch(client, me, {"marketing_consent": True})
    _patch(client, me, {"marketing_consent": False})
    user, other, idea, _ = _world(me, make_user)
    comments.add_comment(other, idea.id, "Replying to nothing in particular")
    data = me.get("/me/export").get_json()
    assert [c["given"] for c in data["consent_history"]] == [True, False]
    assert all(c["created_at"].endswith("Z") for c in data["consent_history"])
    assert isinstance(data["notifications"], list)


def test_me_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get", "patch", "delete"} <= set(paths["/me"])
    assert "get" in paths["/me/export"] and "get" in paths["/users/{id}"]
    assert "403" in paths["/me"]["delete"]["responses"] and "409" in paths["/me"]["delete"]["responses"]
