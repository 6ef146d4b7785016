import re
from datetime import datetime

import pytest
from openapi_spec_validator import validate

from tests.functional.helpers import make_idea

IDEA_KEYS = {
    "id",
    "title",
    "body",
    "category",
    "status",
    "author",
    "upvotes",
    "downvotes",
    "score",
    "comment_count",
    "created_at",
    "url",
    "my_vote",
}


def test_token_exchange(api, make_user, client):
    user = make_user(role="staff")
    r = client.post("/api/v1/tokens", json={"email": user.email, "password": "correct horse"})
    assert r.status_code == 201
    body = r.get_json()
    assert set(body) >= {"token", "user"} and body["user"] == {"id": user.id, "name": user.name, "role": "staff"}
    bad = client.post("/api/v1/tokens", json={"email": user.email, "password": "nope"})
    assert bad.status_code == 401 and bad.get_json()["error"]


@pytest.mark.parametrize("payload", [None, [], {"email": "a@b.c"}, {"email": 1, "password": "x"}, "text"])
def test_token_exchange_with_bad_body_is_400(client, payload):
    r = (
        client.post("/api/v1/tokens", json=payload)
        if payload != "text"
        else client.post("/api/v1/tokens", data="email=x", content_type="text/plain")
    )
    assert r.status_code == 400 and isinstance(r.get_json()["error"], str)


def test_idea_object_has_the_contract_fields(api, make_user):
    idea = make_idea(make_user(), category="app")
    api.as_("member")
    body = api.get(f"/ideas/{idea.id}").get_json()
    assert IDEA_KEYS <= set(body)
    assert body["author"]["id"] == idea.author_id and body["category"] == "app" and body["status"] == "new"
    assert datetime.fromisoformat(body["created_at"]).utcoffset().total_seconds() == 0
    assert body["url"].endswith(f"/ideas/{idea.id}") and body["my_vote"] is None


def test_post_idea_returns_201_with_author_vote(api):
    api.as_("member")
    r = api.post("/ideas", json={"title": "Self-service coffee refills", "body": "Please", "category": "products"})
    assert r.status_code == 201
    body = r.get_json()
    assert body["my_vote"] == 1 and body["upvotes"] == 1 and body["category"] == "products"


@pytest.mark.parametrize(
    "payload,fragment",
    [
        ({"title": "tiny", "body": "x"}, "title"),
        ({"title": "A fine long title", "body": ""}, "Describe"),
        ({"title": "A fine long title", "body": "x", "category": "nope"}, "Unknown category"),
        ({"title": "A fine long title", "body": "x", "category": ["a"]}, "Unknown category"),
        ({"body": "x"}, "title"),
        ({"title": 12345, "body": "x"}, "title"),
    ],
)
def test_post_idea_validation_errors(api, payload, fragment):
    api.as_("member")
    r = api.post("/ideas", json=payload)
    assert r.status_code == 400 and fragment in r.get_json()["error"]


def test_post_idea_needs_a_token(api):
    assert api.anonymous().post("/ideas", json={"title": "Anonymous idea", "body": "x"}).status_code == 401


def test_unknown_idea_is_404_json(api):
    r = api.get("/ideas/99999")
    assert r.status_code == 404 and r.get_json()["error"]


@pytest.mark.parametrize(
    "query", ["sort=best", "limit=0", "limit=abc", "cursor=garbage", "status=nope", "category=nope"]
)
def test_list_with_bad_parameters_is_400(api, query):
    r = api.get(f"/ideas?{query}")
    assert r.status_code == 400 and r.get_json()["error"]


def test_statuses_are_seeded_in_order(api):
    items = api.get("/statuses").get_json()["items"]
    assert [(s["slug"], s["is_closed"]) for s in items] == [
        ("new", False),
        ("under-review", False),
        ("reviewed", False),
        ("coming-soon", False),
        ("launched", True),
        ("not-planned", True),
        ("duplicate", True),
    ]
    assert all(re.fullmatch(r"#[0-9a-f]{6}", s["colour"]) for s in items)


def test_my_vote_reflects_the_caller(api, make_user):
    idea = make_idea(make_user())
    api.as_("member").put(f"/ideas/{idea.id}/vote", json={"value": -1})
    assert api.get("/ideas").get_json()["items"][0]["my_vote"] == -1
    assert api.anonymous().get("/ideas").get_json()["items"][0]["my_vote"] is None


def test_openapi_document_is_valid(api):
    r = api.get("/openapi.json")
    assert r.status_code == 200
    doc = r.get_json()
    validate(doc)
    for path in [
        "/tokens",
        "/ideas",
        "/ideas/{id}",
        "/ideas/similar",
        "/ideas/{id}/vote",
        "/ideas/{id}/comments",
        "/statuses",
    ]:
        assert path in doc["paths"]


def test_api_ignores_session_cookies(client, auth, make_user):
    """Cookies never authenticate the API, so cross-site requests cannot vote."""
    idea = make_idea(make_user())
    auth.login(make_user().email)
    assert client.put(f"/api/v1/ideas/{idea.id}/vote", json={"value": 1}).status_code == 401


@pytest.mark.parametrize("path", ["/ideas/99999999999999999999", "/ideas/2147483648/comments", "/ideas/0"])
def test_ids_out_of_range_are_404_not_500(api, path):
    r = api.get(path)
    assert r.status_code == 404 and r.get_json()["error"]


@pytest.mark.parametrize(
    "payload",
    [
        {"title": "Nul \x00 byte title", "body": "x"},
        {"title": "A decent title", "body": "nul\x00"},
        {"title": "A decent title", "body": "x", "category": 99999999999999999999},
    ],
)
def test_hostile_text_is_a_clear_400(api, payload):
    api.as_("member")
    r = api.post("/ideas", json=payload)
    assert r.status_code == 400 and r.get_json()["error"]


@pytest.mark.parametrize(
    "query",
    [
        "status=%00",
        "q=a_b%00c",
        "q=%22%20OR%20*",
        "category=%00",
        "cursor=WzEuMGUzMDgsIDk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5XQ",
        "q=" + "x" * 5000,
    ],
)
def test_hostile_query_parameters_never_500(api, query):
    assert api.get(f"/ideas?{query}").status_code in (200, 400)


def test_hostile_comment_parent_is_400(api, make_user):
    idea = make_idea(make_user())
    api.as_("member")
    r = api.post(f"/ideas/{idea.id}/comments", json={"body": "x", "parent_id": 2**70})
    assert r.status_code == 400
