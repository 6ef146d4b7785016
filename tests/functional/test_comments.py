from ideas_portal.extensions import db
from tests.functional.helpers import make_idea


def test_comment_via_form_counts_and_shows(client, auth, make_user):
    idea = make_idea(make_user())
    auth.login(make_user().email)
    r = client.post(f"/ideas/{idea.id}/comments", data={"body": "I *love* this"})
    assert r.status_code == 302 and "#comment-" in r.headers["Location"]
    db.session.refresh(idea)
    assert idea.comment_count == 1
    assert "<em>love</em>" in client.get(f"/ideas/{idea.id}").get_data(as_text=True)


def test_reply_to_a_reply_stays_one_level_deep(api, make_user):
    idea = make_idea(make_user())
    api.as_("member")
    top = api.post(f"/ideas/{idea.id}/comments", json={"body": "top"}).get_json()
    reply = api.post(f"/ideas/{idea.id}/comments", json={"body": "reply", "parent_id": top["id"]}).get_json()
    deeper = api.post(f"/ideas/{idea.id}/comments", json={"body": "deeper", "parent_id": reply["id"]})
    assert deeper.status_code == 201 and deeper.get_json()["parent_id"] == top["id"]


def test_reply_to_a_comment_of_another_idea_is_refused(api, make_user):
    a, b = make_idea(make_user()), make_idea(make_user(), "Another idea entirely")
    api.as_("member")
    top = api.post(f"/ideas/{a.id}/comments", json={"body": "top"}).get_json()
    r = api.post(f"/ideas/{b.id}/comments", json={"body": "x", "parent_id": top["id"]})
    assert r.status_code == 400
    assert api.get(f"/ideas/{b.id}/comments").get_json()["items"] == []
    db.session.refresh(b)
    assert b.comment_count == 0


def test_empty_comment_is_refused(api, make_user):
    idea = make_idea(make_user())
    api.as_("member")
    for body in ({"body": "   "}, {"body": 5}, {}):
        assert api.post(f"/ideas/{idea.id}/comments", json=body).status_code == 400
    assert api.get(f"/ideas/{idea.id}/comments").get_json()["items"] == []
    db.session.refresh(idea)
    assert idea.comment_count == 0


def test_staff_marks_official_response_pinned_first_with_badge(client, auth, make_user, api):
    idea = make_idea(make_user())
    api.as_("member").post(f"/ideas/{idea.id}/comments", json={"body": "member chatter"})
    staff_comment = api.as_("staff").post(f"/ideas/{idea.id}/comments", json={"body": "We are on it"}).get_json()
    staff = api.user
    auth.login(staff.email)
    assert client.post(f"/comments/{staff_comment['id']}/official").status_code == 302
    html = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert html.index("Official response") < html.index("member chatter")
    assert "badge-staff" in html
    items = api.get(f"/ideas/{idea.id}/comments").get_json()["items"]
    assert [c["is_official"] for c in items] == [False, True]


def test_member_cannot_mark_official(client, auth, make_user, api):
    idea = make_idea(make_user())
    comment = api.as_("member").post(f"/ideas/{idea.id}/comments", json={"body": "mine"}).get_json()
    auth.login(api.user.email)
    assert client.post(f"/comments/{comment['id']}/official").status_code == 403
    db.session.refresh(idea)
    assert idea.official_comment_id is None
    assert [c["is_official"] for c in api.get(f"/ideas/{idea.id}/comments").get_json()["items"]] == [False]


def test_comments_are_paged_with_a_cursor(api, make_user):
    idea = make_idea(make_user())
    api.as_("member")
    for n in range(7):
        api.post(f"/ideas/{idea.id}/comments", json={"body": f"c{n}"})
    first = api.get(f"/ideas/{idea.id}/comments?limit=4").get_json()
    second = api.get(f"/ideas/{idea.id}/comments?limit=4&cursor={first['next_cursor']}").get_json()
    assert [c["body"] for c in first["items"] + second["items"]] == [f"c{n}" for n in range(7)]
    assert second["next_cursor"] is None
