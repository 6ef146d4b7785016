from datetime import timedelta

import pytest
from sqlalchemy import select

from ideas_portal.extensions import db
from ideas_portal.models import Idea, Vote
from tests.functional.helpers import make_idea


def test_member_submits_idea_through_the_form_and_it_starts_with_their_vote(client, auth, make_user):
    user = make_user()
    auth.login(user.email)
    r = client.post(
        "/ideas/new",
        data={"title": "Open earlier on Sundays", "body": "Many of us start at 6.", "category": "experience"},
    )
    assert r.status_code == 302
    idea = db.session.scalar(select(Idea))
    assert r.headers["Location"].endswith(f"/ideas/{idea.id}")
    assert (idea.upvotes, idea.downvotes, idea.score, idea.status.slug, idea.category.slug) == (
        1,
        0,
        1,
        "new",
        "experience",
    )
    assert db.session.scalar(select(Vote.value).where(Vote.idea_id == idea.id, Vote.user_id == user.id)) == 1


def test_submitting_needs_an_account(client):
    r = client.get("/ideas/new")
    assert r.status_code == 302 and "/login?next=" in r.headers["Location"]


@pytest.mark.parametrize("title", ["Tiny", "x" * 121, "   \t   "])
def test_title_length_is_enforced(client, auth, make_user, title):
    auth.login(make_user().email)
    r = client.post("/ideas/new", data={"title": title, "body": "body"})
    assert r.status_code == 400
    assert db.session.scalar(select(Idea)) is None


def test_body_markdown_is_rendered_and_sanitised(client, make_user):
    idea = make_idea(make_user(), body="**Bold** <script>alert('x')</script> [a](javascript:evil())")
    html = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "<strong>Bold</strong>" in html
    assert "<script>alert" not in html and 'href="javascript' not in html


def test_author_can_edit_within_the_window(client, auth, make_user):
    user = make_user()
    idea = make_idea(user)
    auth.login(user.email)
    r = client.post(f"/ideas/{idea.id}/edit", data={"title": "A better title here", "body": "New body"})
    assert r.status_code == 302
    db.session.refresh(idea)
    assert idea.title == "A better title here"


def test_edit_after_thirty_minutes_is_refused(client, auth, make_user):
    user = make_user()
    idea = make_idea(user, age=timedelta(minutes=31))
    auth.login(user.email)
    r = client.post(f"/ideas/{idea.id}/edit", data={"title": "A better title here", "body": "New body"})
    assert r.status_code == 409
    assert "30 minutes" in r.get_data(as_text=True)
    db.session.refresh(idea)
    assert (idea.title, idea.body) == ("Offer oat milk in every store", "Because many of us drink it.")


def test_only_the_author_can_edit(client, auth, make_user):
    idea = make_idea(make_user())
    auth.login(make_user().email)
    assert client.get(f"/ideas/{idea.id}/edit").status_code == 403
    r = client.post(f"/ideas/{idea.id}/edit", data={"title": "Taken over by someone else", "body": "Mine now"})
    assert r.status_code == 403
    db.session.refresh(idea)
    assert (idea.title, idea.body) == ("Offer oat milk in every store", "Because many of us drink it.")


def test_withdrawn_idea_leaves_the_lists_but_keeps_its_page(client, auth, make_user):
    user = make_user()
    idea = make_idea(user)
    auth.login(user.email)
    assert client.post(f"/ideas/{idea.id}/withdraw").status_code == 302
    assert idea.title not in client.get("/ideas").get_data(as_text=True)
    page = client.get(f"/ideas/{idea.id}")
    assert page.status_code == 200 and "withdrew" in page.get_data(as_text=True)


def test_unknown_idea_is_a_404_page(client):
    r = client.get("/ideas/999999")
    assert r.status_code == 404 and "no idea with that number" in r.get_data(as_text=True)


def test_browse_sorts_and_filters(client, make_user, api):
    author = make_user()
    old = make_idea(author, "An old but loved idea", age=timedelta(days=20))
    fresh = make_idea(author, "A brand new proposal", category="rewards")
    closed = make_idea(author, "Something already launched", status="launched")
    api.as_("member")
    for _ in range(3):
        voter = api.as_("member")
        assert voter.put(f"/ideas/{old.id}/vote", json={"value": 1}).status_code == 200
    ids = lambda **q: [i["id"] for i in api.get("/ideas", query_string=q).get_json()["items"]]  # noqa: E731
    assert ids(sort="top")[0] == old.id
    assert ids(sort="new")[0] == closed.id
    assert ids(sort="hot")[0] in (fresh.id, closed.id)
    assert ids(category="rewards") == [fresh.id]
    assert ids(status="launched") == [closed.id]
    html = client.get("/ideas?sort=top&status=launched").get_data(as_text=True)
    assert "Something already launched" in html and "An old but loved idea" not in html


@pytest.mark.parametrize("sort", ["top", "hot", "new", "discussed"])
def test_keyset_pages_cover_every_idea_exactly_once(api, make_user, sort):
    author = make_user()
    made = {make_idea(author, f"Idea number {n:02d} here", age=timedelta(minutes=n)).id for n in range(23)}
    seen, cursor = [], None
    while True:
        q = {"sort": sort, "limit": 5, **({"cursor": cursor} if cursor else {})}
        data = api.get("/ideas", query_string=q).get_json()
        seen += [i["id"] for i in data["items"]]
        cursor = data["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 23 and set(seen) == made


def test_html_browse_has_a_working_next_page_link(client, make_user):
    author = make_user()
    for n in range(25):
        make_idea(author, f"Paged idea number {n:02d}")
    first = client.get("/ideas?sort=new").get_data(as_text=True)
    assert 'rel="next"' in first
    import re

    href = re.search(r'href="([^"]+)" rel="next"|rel="next" href="([^"]+)"', first)
    nxt = (href.group(1) or href.group(2)).replace("&amp;", "&")
    second = client.get(nxt).get_data(as_text=True)
    assert "Paged idea number 04" in second and "Paged idea number 24" not in second


def test_search_finds_words_in_title_and_body(api, make_user):
    author = make_user()
    milk = make_idea(author, "Offer oat milk everywhere", "Plant based please")
    make_idea(author, "Longer opening hours", "Open at six")
    assert [i["id"] for i in api.get("/ideas?q=plant").get_json()["items"]] == [milk.id]
    assert [i["id"] for i in api.get("/ideas?q=oat%20mil").get_json()["items"]] == [milk.id]  # prefix while typing
    assert api.get("/ideas?q=%22%27%29(*").get_json()["items"] == []  # punctuation only: no error, no match


def test_similar_ideas_suggest_likely_duplicates(api, make_user):
    author = make_user()
    milk = make_idea(author, "Offer oat milk in every store")
    make_idea(author, "Longer opening hours on Sunday")
    items = api.get("/ideas/similar?q=please add oat milk").get_json()["items"]
    assert [i["id"] for i in items] == [milk.id]
    assert api.get("/ideas/similar?q=").get_json() == {"items": []}


def test_home_shows_hot_and_new(client, make_user):
    make_idea(make_user(), "Seen on the home page")
    html = client.get("/").get_data(as_text=True)
    assert "Hot right now" in html and "Newest" in html and "Seen on the home page" in html


@pytest.mark.parametrize("path", ["/", "/ideas?sort=top", "/api/v1/ideas?sort=top&limit=100"])
def test_list_pages_run_a_constant_number_of_queries(client, make_user, auth, count_queries, path):
    viewer = make_user()
    auth.login(viewer.email)
    authors = [make_user() for _ in range(3)]
    make_idea(authors[0], "The very first idea")
    with count_queries() as few:
        assert client.get(path).status_code == 200
    for n in range(24):
        make_idea(authors[n % 3], f"Another idea number {n}", category="app" if n % 2 else None)
    with count_queries() as many:
        assert client.get(path).status_code == 200
    assert len(few) == len(many), many


def test_idea_page_runs_a_constant_number_of_queries(client, make_user, count_queries):
    from ideas_portal.services import comments

    idea = make_idea(make_user())
    comments.add_comment(make_user(), idea.id, "first")
    with count_queries() as few:
        client.get(f"/ideas/{idea.id}")
    for n in range(10):
        parent = comments.add_comment(make_user(), idea.id, f"comment {n}")
        comments.add_comment(make_user(), idea.id, "reply", parent.id)
    with count_queries() as many:
        client.get(f"/ideas/{idea.id}")
    assert len(few) == len(many)
