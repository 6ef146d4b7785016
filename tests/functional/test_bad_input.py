"""Bad input gets a clear 4xx and changes nothing: JSON depth, code points, Unicode digits, huge ids."""

import base64

import pytest
from sqlalchemy import func, select

from ideas_portal.extensions import db
from ideas_portal.models import Comment, Idea, Vote
from tests.functional.helpers import make_idea

BIG = "99999999999999999999999"  # beyond 64 bits
IDEA_BODY = b'"body": "A body that is long enough to pass"'


def _idea_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Idea))


def _raw(api, method: str, path: str, body: bytes, content_type: str = "application/json"):
    return getattr(api, method)(path, data=body, content_type=content_type)


# --- the JSON body ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b'{"title": "Deep but not too deep", ' + IDEA_BODY + b', "x": ' + b"[" * 40 + b"]" * 40 + b"}",
    ],
)
def test_deeply_nested_json_is_400_and_creates_nothing(api, body):
    api.as_("member")
    before = _idea_count()
    r = _raw(api, "post", "/ideas", body)
    assert r.status_code == 400 and "nested" in r.get_json()["error"]
    assert _idea_count() == before


def test_json_nested_within_the_limit_is_accepted(api):
    api.as_("member")
    r = _raw(api, "post", "/ideas", b'{"title": "Nested a little", ' + IDEA_BODY + b', "x": [[[{"a": [1]}]]]}')
    assert r.status_code == 201, r.get_json()


@pytest.mark.parametrize(
    "body",
    [
        b'{"title": "\\ud800 a lone high surrogate", ' + IDEA_BODY + b"}",
        b'{"title": "A fine title here", "body": "ends in a low one \\udfff"}',
        b'{"title\\ud800": "x", "title": "The key is the bad part", ' + IDEA_BODY + b"}",
        b'{"title": "Deep inside a list", ' + IDEA_BODY + b', "x": [{"y": ["\\udbff"]}]}',
    ],
)
def test_lone_surrogate_anywhere_in_json_is_400_and_creates_nothing(api, body):
    api.as_("member")
    before = _idea_count()
    r = _raw(api, "post", "/ideas", body)
    assert r.status_code == 400 and "surrogate" in r.get_json()["error"]
    assert _idea_count() == before


def test_a_proper_surrogate_pair_is_just_an_emoji(api):
    api.as_("member")
    r = _raw(api, "post", "/ideas", b'{"title": "Smile \\ud83d\\ude00 please", ' + IDEA_BODY + b"}")
    assert r.status_code == 201 and r.get_json()["title"] == "Smile \U0001f600 please"


@pytest.mark.parametrize(
    "body",
    [
        b'{"title": "\xff\xfe not UTF-8", ' + IDEA_BODY + b"}",
        b'{"title": "half a character \xc3", ' + IDEA_BODY + b"}",
    ],
)
def test_invalid_utf8_json_body_is_400(api, body):
    api.as_("member")
    r = _raw(api, "post", "/ideas", body)
    assert r.status_code == 400 and r.get_json()["error"]
    assert _idea_count() == 0


@pytest.mark.parametrize("value", [b"NaN", b"Infinity", b"-Infinity", b"1e400", b"9" * 30, b"9" * 5000])
def test_nan_infinity_and_huge_numbers_are_400(api, make_user, value):
    idea = make_idea(make_user())
    api.as_("member")
    r = _raw(api, "post", f"/ideas/{idea.id}/comments", b'{"body": "hi there", "parent_id": ' + value + b"}")
    assert r.status_code == 400 and r.get_json()["error"]
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 0


# --- the vote value --------------------------------------------------------------------------------


def test_api_vote_value_must_be_exactly_the_integer_1_or_minus_1(api, make_user):
    idea = make_idea(make_user())
    api.as_("member")
    for body in (
        b'{"value": 1.0}',
        b'{"value": -1.0}',
        b'{"value": true}',
        b'{"value": "1"}',
        b'{"value": 1e0}',
        b'{"value": [1]}',
        b'{"value": {"": 1}}',
    ):
        r = _raw(api, "put", f"/ideas/{idea.id}/vote", body)
        assert r.status_code == 400 and "value" in r.get_json()["error"], body
    db.session.refresh(idea)
    assert (idea.upvotes, idea.downvotes) == (1, 0)  # only the author's own vote
    assert _raw(api, "put", f"/ideas/{idea.id}/vote", b'{"value": -1}').get_json()["my_vote"] == -1


def test_html_vote_value_must_be_exactly_1_or_minus_1(client, auth, make_user):
    idea = make_idea(make_user())
    auth.login(make_user().email)
    for value in ("1.0", "١", "+1", " 1", "1 ", "01", "²", "1_0", "-١", "１", "0x1", ""):
        assert client.post(f"/ideas/{idea.id}/vote", data={"value": value}).status_code == 400, value
    db.session.refresh(idea)
    assert (idea.upvotes, idea.downvotes) == (1, 0)
    assert client.post(f"/ideas/{idea.id}/vote", data={"value": "-1"}).status_code == 302
    db.session.refresh(idea)
    assert (idea.upvotes, idea.downvotes) == (1, 1)


# --- Unicode digits in numeric form fields -------------------------------------------------------


@pytest.mark.parametrize("parent", ["²", "١", "１", BIG, "-1", "1.5"])
def test_comment_parent_must_be_an_ascii_comment_number(client, auth, make_user, parent):
    idea = make_idea(make_user())
    auth.login(make_user().email)
    r = client.post(f"/ideas/{idea.id}/comments", data={"body": "A reply to nothing", "parent_id": parent})
    assert r.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 0


def test_a_reply_to_a_comment_that_does_not_exist_says_so(api, make_user):
    idea = make_idea(make_user())
    api.as_("member")
    r = api.post(f"/ideas/{idea.id}/comments", json={"body": "A reply to nothing", "parent_id": 999999})
    assert r.status_code == 400 and r.get_json()["error"] == "There is no comment 999999 to reply to."
    other = api.post(f"/ideas/{make_idea(make_user(), 'Another idea').id}/comments", json={"body": "Elsewhere"})
    r = api.post(f"/ideas/{idea.id}/comments", json={"body": "Wrong idea", "parent_id": other.get_json()["id"]})
    assert r.status_code == 400 and r.get_json()["error"] == "You can only reply to a comment on the same idea."
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 1


@pytest.mark.parametrize("into", ["٢", "²", "２", BIG, "2.0"])
def test_merge_target_must_be_an_ascii_idea_number(client, auth, make_user, into):
    author = make_user()
    source, target = make_idea(author, "First idea to merge"), make_idea(author, "Second idea to keep")
    assert target.id == 2  # so "٢" would name it if Unicode digits were read
    auth.login(make_user("staff").email)
    r = client.post(f"/ideas/{source.id}/merge", data={"into": into})
    assert r.status_code == 400
    db.session.refresh(source)
    assert source.merged_into_id is None and source.status.slug != "duplicate"


@pytest.mark.parametrize("ids", ["²", "١", "1, ２", BIG])
def test_post_linked_ideas_must_be_ascii_numbers(client, auth, make_user, ids):
    from ideas_portal.models import FeedItem

    make_idea(make_user())
    auth.login(make_user("staff").email)
    r = client.post("/ideas-in-action/new", data={"title": "We did it", "body": "Story", "idea_ids": ids})
    assert r.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(FeedItem).where(FeedItem.kind == "post")) == 0


@pytest.mark.parametrize(
    "field,value",
    [
        ("max_entries_per_member", "١"),
        ("winner_count", "٣"),
        ("judge_weight", "٥٠"),
        ("daily_vote_allowance", "²"),
        ("max_entries_per_member", "３"),
    ],
)
def test_contest_form_numbers_must_be_ascii(client, auth, make_user, field, value):
    from ideas_portal.models import Contest

    auth.login(make_user("staff").email)
    data = {
        "title": "Digits contest",
        "rules": "Rules",
        "opens_at": "2030-01-01T00:00",
        "entries_close_at": "2030-01-02T00:00",
        "closes_at": "2030-01-03T00:00",
        "max_entries_per_member": "1",
        "winner_count": "1",
        "judge_weight": "50",
        "winner_method": "votes",
        field: value,
    }
    r = client.post("/contests/new", data=data)
    assert r.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Contest)) == 0


def test_limit_must_be_ascii_digits(api):
    for query in ("limit=١", "limit=%C2%B2", "limit=%EF%BC%95", "limit=+5", "limit=5%20", "limit=" + "9" * 5000):
        r = api.get(f"/ideas?{query}")
        assert r.status_code == 400 and "limit" in r.get_json()["error"], query
    assert api.get("/ideas?limit=5").status_code == 200


# --- ids beyond 64 bits, and odd ids --------------------------------------------------------------


def test_huge_or_non_ascii_ids_on_html_pages_are_404(client, auth, make_user):
    make_idea(make_user())  # idea 1 exists, so "١" must not find it
    auth.login(make_user("staff").email)
    for path in (
        f"/ideas/{BIG}",
        f"/ideas/{BIG}/edit",
        f"/ideas/{BIG}/feed.atom",
        f"/contests/{BIG}",
        f"/contests/{BIG}/enter",
        f"/entries/{BIG}",
        f"/contests/{BIG}/entrants.csv",
        f"/contests/{BIG}/review",
        f"/contests/{BIG}/edit",
        "/ideas/%D9%A1",
        "/ideas/%EF%BC%91",
        "/ideas/2147483648",
        "/ideas/18446744073709551616",
    ):
        r = client.get(path)
        assert r.status_code == 404 and r.mimetype == "text/html", path
    assert client.get("/ideas/1").status_code == 200


def test_huge_ids_in_html_form_actions_are_404_and_change_nothing(client, auth, make_user):
    idea = make_idea(make_user())
    auth.login(make_user().email)
    for path, data in (
        (f"/ideas/{BIG}/vote", {"value": "1"}),
        (f"/ideas/{BIG}/comments", {"body": "hello"}),
        (f"/ideas/{BIG}/follow", {}),
        (f"/ideas/{BIG}/flags", {"reason": "spam"}),
        (f"/entries/{BIG}/vote", {}),
        ("/ideas/%D9%A1/vote", {"value": "1"}),
        (f"/comments/{BIG}/flags", {"reason": "spam"}),
        (f"/ideas/{BIG}/withdraw", {}),
    ):
        assert client.post(path, data=data).status_code == 404, path
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 1
    db.session.refresh(idea)
    assert idea.upvotes == 1 and idea.comment_count == 0


def test_huge_ids_in_api_paths_are_404(api, make_user):
    make_idea(make_user())
    for path in (f"/ideas/{BIG}", f"/contests/{BIG}", f"/entries/{BIG}", "/ideas/%D9%A1", f"/ideas/{BIG}/comments"):
        r = api.get(path)
        assert r.status_code == 404 and r.get_json()["error"], path


def _nested_cursor() -> str:
    return base64.urlsafe_b64encode(b"[" * 2500).decode().rstrip("=")


def test_deeply_nested_cursor_is_400(client, make_user):
    from tests.functional.test_fuzz import _contest_with_an_entry

    staff = make_user("staff")
    make_idea(staff)
    _contest_with_an_entry(staff, make_user())
    for path in (
        "/api/v1/ideas?sort=new&cursor=",
        "/api/v1/ideas?sort=top&cursor=",
        "/api/v1/ideas/1/comments?cursor=",
        "/api/v1/feed?cursor=",
        "/ideas?sort=new&cursor=",
        "/ideas-in-action?cursor=",
        "/contests/1?cursor=",
        "/api/v1/contests/1/entries?cursor=",
    ):
        assert client.get(path + _nested_cursor()).status_code == 400, path
        assert client.get(path.replace("cursor=", "limit=1")).status_code == 200, path


# --- headers and cookies -------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1|\xff\xfe", "1|é", "\xff|abc"])
def test_non_ascii_remember_cookie_leaves_the_visitor_anonymous(client, value):
    client.set_cookie("remember_token", value)
    r = client.get("/")
    assert r.status_code == 200 and "Sign in" in r.get_data(as_text=True)


# --- the text rules themselves ---------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["\ud800", "x\udfffy", "c1 control \x85 here", "\x9b"])
def test_text_with_lone_surrogates_or_c1_controls_is_refused(app, make_user, bad):
    from ideas_portal.services import ideas
    from ideas_portal.services.exceptions import InvalidInput

    with pytest.raises(InvalidInput):
        ideas.create_idea(make_user(), f"A title with {bad} inside", "body text")
    with pytest.raises(InvalidInput):
        ideas.create_idea(make_user(), "A fine title", f"body {bad} text")
    assert _idea_count() == 0


def test_an_id_no_row_can_have_is_404_whatever_the_method(api, make_user):
    make_idea(make_user())
    api.as_("member")
    for bad in ("0", "2147483648", "9999999999999999999"):
        for method, path in (
            ("put", f"/ideas/{bad}/vote"),
            ("delete", f"/ideas/{bad}/vote"),
            ("post", f"/ideas/{bad}/comments"),
            ("get", f"/contests/{bad}/entries"),
            ("delete", f"/entries/{bad}/vote"),
        ):
            r = getattr(api, method)(
                path, **({"json": {"value": 1, "body": "hi"}} if method in ("put", "post") else {})
            )
            assert r.status_code == 404 and r.get_json()["error"], (method, path, r.status_code)


@pytest.mark.parametrize("q", ["%00", "tea%00cups", "%1B%5B31m", "%7F"])
def test_a_search_with_control_characters_is_a_clear_400_never_echoed(client, auth, make_user, q):
    """The browse page would otherwise print them back (a NUL in the title and the search box)."""
    r = client.get(f"/ideas?q={q}")
    assert r.status_code == 400 and "control characters" in r.get_data(as_text=True)
    assert "\x00" not in r.get_data(as_text=True) and "\x1b" not in r.get_data(as_text=True)
    assert client.get("/api/v1/ideas?q=" + q).status_code == 400
    auth.login(make_user().email)
    r = client.get(f"/users/suggest?q={q}")  # a JSON endpoint outside /api: a JSON error, whatever Accept says
    assert r.status_code == 400 and r.is_json and "control characters" in r.get_json()["error"]
    assert client.get("/ideas?q=tea+cups").status_code == 200
