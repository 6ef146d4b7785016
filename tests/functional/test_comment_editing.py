"""Comments after posting: the author edits within the window (it shows "edited"), the author or staff remove it
(its replies stay under "Comment removed"), and every counter still adds up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from ideas_portal.extensions import db
from ideas_portal.models import AuditEntry, Comment, Idea
from ideas_portal.models.types import utcnow
from ideas_portal.services import voting
from tests.conftest import AuthActions
from tests.functional.helpers import make_idea


@pytest.fixture
def bearer(client):
    """Authorization headers for a given member (several members talk in one test)."""

    def headers(user) -> dict:
        r = client.post("/api/v1/tokens", json={"email": user.email, "password": "correct horse"})
        assert r.status_code == 201, r.get_json()
        return {"Authorization": f"Bearer {r.get_json()['token']}"}

    return headers


def _comment(client, headers, idea_id, body, parent_id=None) -> dict:
    r = client.post(f"/api/v1/ideas/{idea_id}/comments", json={"body": body, "parent_id": parent_id}, headers=headers)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _age(comment_id: int, age: timedelta) -> None:
    """Freezes time the other way round: the comment was posted `age` ago."""
    db.session.execute(update(Comment).where(Comment.id == comment_id).values(created_at=utcnow() - age))
    db.session.commit()


def _row(comment_id: int) -> Comment:
    db.session.expire_all()
    return db.session.get_one(Comment, comment_id)


def _count(idea_id: int) -> int:
    db.session.expire_all()
    return db.session.get_one(Idea, idea_id).comment_count


# --- editing -------------------------------------------------------------------------------------------------


def test_author_edits_own_comment_through_the_form_and_it_shows_edited(client, auth, make_user, bearer):
    idea = make_idea(make_user())
    author = make_user()
    posted = _comment(client, bearer(author), idea.id, "I like tis")
    auth.login(author.email)
    page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert f'href="/comments/{posted["id"]}/edit"' in page
    form = client.get(f"/comments/{posted['id']}/edit")
    assert form.status_code == 200 and "I like tis" in form.get_data(as_text=True)

    r = client.post(f"/comments/{posted['id']}/edit", data={"body": "I like **this**"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"#comment-{posted['id']}")
    row = _row(posted["id"])
    assert row.body == "I like **this**" and "<strong>this</strong>" in row.body_html and row.edited_at is not None
    page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "<strong>this</strong>" in page and "I like tis" not in page
    assert f'<time datetime="{row.edited_at.isoformat(timespec="seconds")}" title="Edited ' in page
    assert ">edited</time>" in page
    assert _count(idea.id) == 1


def test_api_patch_edits_own_comment_and_marks_it_edited(client, make_user, bearer):
    idea = make_idea(make_user())
    headers = bearer(make_user())
    posted = _comment(client, headers, idea.id, "first go")
    assert posted["edited"] is False and posted["edited_at"] is None
    r = client.patch(f"/api/v1/comments/{posted['id']}", json={"body": "second *go*"}, headers=headers)
    assert r.status_code == 200
    body = r.get_json()
    assert body["body"] == "second *go*" and "<em>go</em>" in body["body_html"]
    assert body["edited"] is True and body["edited_at"].endswith("Z") and body["id"] == posted["id"]
    listed = client.get(f"/api/v1/ideas/{idea.id}/comments").get_json()["items"]
    assert [(c["body"], c["edited"]) for c in listed] == [("second *go*", True)]


def test_edit_window_is_open_until_its_last_moment_and_closed_after(app, client, auth, make_user, bearer):
    idea = make_idea(make_user())
    author = make_user()
    headers = bearer(author)
    posted = _comment(client, headers, idea.id, "typo here")
    minutes = app.config["COMMENT_EDIT_MINUTES"]
    assert minutes == 15

    _age(posted["id"], timedelta(minutes=minutes) - timedelta(seconds=20))
    r = client.patch(f"/api/v1/comments/{posted['id']}", json={"body": "just in time"}, headers=headers)
    assert r.status_code == 200

    _age(posted["id"], timedelta(minutes=minutes, seconds=1))
    r = client.patch(f"/api/v1/comments/{posted['id']}", json={"body": "too late"}, headers=headers)
    assert r.status_code == 403
    assert f"within {minutes} minutes" in r.get_json()["error"]
    auth.login(author.email)
    assert client.post(f"/comments/{posted['id']}/edit", data={"body": "too late"}).status_code == 403
    page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert f"/comments/{posted['id']}/edit" not in page  # no Edit link once the window has closed
    assert _row(posted["id"]).body == "just in time"


def test_edit_window_follows_the_setting(app, client, make_user, bearer):
    app.config["COMMENT_EDIT_MINUTES"] = 60
    idea = make_idea(make_user())
    headers = bearer(make_user())
    posted = _comment(client, headers, idea.id, "typo here")
    _age(posted["id"], timedelta(minutes=45))
    assert client.patch(f"/api/v1/comments/{posted['id']}", json={"body": "fixed"}, headers=headers).status_code == 200


def test_nobody_else_edits_a_comment_not_even_staff(client, auth, make_user, bearer):
    idea = make_idea(make_user())
    posted = _comment(client, bearer(make_user()), idea.id, "my own words")
    for role in ("member", "staff", "admin"):
        other = make_user(role)
        r = client.patch(f"/api/v1/comments/{posted['id']}", json={"body": "put words"}, headers=bearer(other))
        assert r.status_code == 403 and "nobody, staff included" in r.get_json()["error"]
        auth.login(other.email)
        assert client.get(f"/comments/{posted['id']}/edit").status_code == 403
        assert client.post(f"/comments/{posted['id']}/edit", data={"body": "put words"}).status_code == 403
        assert f"/comments/{posted['id']}/edit" not in client.get(f"/ideas/{idea.id}").get_data(as_text=True)
        auth.logout()
    assert _row(posted["id"]).body == "my own words" and _row(posted["id"]).edited_at is None


def test_a_suspended_author_cannot_edit(client, make_user, bearer):
    from ideas_portal.services import moderation

    idea = make_idea(make_user())
    author = make_user()
    headers = bearer(author)
    posted = _comment(client, headers, idea.id, "before the suspension")
    moderation.ban(make_user("staff"), author.id, "Spam")
    headers = bearer(author)  # a suspension revokes tokens; signing in again still works
    r = client.patch(f"/api/v1/comments/{posted['id']}", json={"body": "after"}, headers=headers)
    assert r.status_code == 403 and "suspended" in r.get_json()["error"]
    assert _row(posted["id"]).body == "before the suspension"


def test_visitor_is_asked_to_sign_in_before_editing(client, make_user, bearer):
    idea = make_idea(make_user())
    posted = _comment(client, bearer(make_user()), idea.id, "mine")
    assert client.patch(f"/api/v1/comments/{posted['id']}", json={"body": "x"}).status_code == 401
    r = client.get(f"/comments/{posted['id']}/edit")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_bad_edits_are_refused_with_4xx_and_change_nothing(client, auth, make_user, bearer):
    idea = make_idea(make_user())
    author = make_user()
    headers = bearer(author)
    posted = _comment(client, headers, idea.id, "keep me")
    url = f"/api/v1/comments/{posted['id']}"
    for body in (
        {"body": "   "},
        {"body": ""},
        {"body": 5},
        {"body": None},
        {},
        {"body": "x" * 5001},
        {"body": "a\x00b"},
    ):
        r = client.patch(url, json=body, headers=headers)
        assert r.status_code in (400, 422), (body, r.status_code)
        assert "error" in r.get_json()
    r = client.patch(url, data="{not json", headers={**headers, "Content-Type": "application/json"})
    assert r.status_code == 400 and "error" in r.get_json()
    r = client.patch(url, data="body=hi", headers={**headers, "Content-Type": "application/x-www-form-urlencoded"})
    assert 400 <= r.status_code < 500
    for bad in ("999999999", "0", "99999999999999999999999"):
        r = client.patch(f"/api/v1/comments/{bad}", json={"body": "x"}, headers=headers)
        assert r.status_code == 404 and "error" in r.get_json()
    assert client.patch("/api/v1/comments/abc", json={"body": "x"}, headers=headers).status_code == 404

    auth.login(author.email)
    for body in ("", "   ", "x" * 5001):
        r = client.post(f"/comments/{posted['id']}/edit", data={"body": body})
        assert r.status_code == 400 and "<form" in r.get_data(as_text=True)
    assert client.get("/comments/999999999/edit").status_code == 404
    assert client.post("/comments/999999999/delete").status_code == 404
    assert _row(posted["id"]).body == "keep me" and _row(posted["id"]).edited_at is None


# --- removing ------------------------------------------------------------------------------------------------


def test_author_removes_a_comment_and_its_replies_stay_under_comment_removed(client, auth, make_user, bearer):
    idea = make_idea(make_user())
    author, replier = make_user(), make_user()
    top = _comment(client, bearer(author), idea.id, "Regrettable words")
    reply = _comment(client, bearer(replier), idea.id, "A thoughtful reply", parent_id=top["id"])
    assert _count(idea.id) == 2
    auth.login(author.email)
    page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert f'action="/comments/{top["id"]}/delete"' in page
    assert f'action="/comments/{reply["id"]}/delete"' not in page  # not theirs

    r = client.post(f"/comments/{top['id']}/delete")
    assert r.status_code == 302
    row = _row(top["id"])
    assert row.deleted_at is not None and row.body == "" and row.body_html == ""
    assert _count(idea.id) == 1
    page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "Regrettable words" not in page and "Comment removed" in page
    assert page.index("Comment removed") < page.index("A thoughtful reply")
    assert page.count(f'id="comment-{top["id"]}"') == 1
    assert "1 comment" in page  # the heading counts what is still there
    listed = client.get(f"/api/v1/ideas/{idea.id}/comments").get_json()["items"]
    assert [(c["id"], c["body"], c["removed"]) for c in listed] == [
        (top["id"], "", True),
        (reply["id"], reply["body"], False),
    ]
    assert voting.recount() == []


def test_staff_remove_any_comment_over_the_api_and_the_official_response_is_cleared(client, auth, make_user, bearer):
    idea = make_idea(make_user())
    staff = make_user("staff")
    staff_headers = bearer(staff)
    answer = _comment(client, bearer(make_user()), idea.id, "A member's answer, pinned")
    member_comment = _comment(client, bearer(make_user()), idea.id, "spam spam")
    auth.login(staff.email)
    assert client.post(f"/comments/{answer['id']}/official").status_code == 302
    db.session.expire_all()
    assert db.session.get_one(Idea, idea.id).official_comment_id == answer["id"]

    assert client.delete(f"/api/v1/comments/{member_comment['id']}", headers=staff_headers).status_code == 204
    assert client.delete(f"/api/v1/comments/{answer['id']}", headers=staff_headers).status_code == 204
    db.session.expire_all()
    assert db.session.get_one(Idea, idea.id).official_comment_id is None
    assert _count(idea.id) == 0
    assert client.get(f"/api/v1/ideas/{idea.id}/comments").get_json()["items"][0]["is_official"] is False
    assert 'id="official-heading"' not in client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert voting.recount() == []


def test_staff_removing_a_members_comment_is_audited_and_an_author_removing_their_own_is_not(client, make_user, bearer):
    idea = make_idea(make_user())
    author, staff = make_user(), make_user("staff")
    theirs = _comment(client, bearer(author), idea.id, "removed by staff")
    own = _comment(client, bearer(author), idea.id, "removed by its author")
    assert client.delete(f"/api/v1/comments/{theirs['id']}", headers=bearer(staff)).status_code == 204
    assert client.delete(f"/api/v1/comments/{own['id']}", headers=bearer(author)).status_code == 204
    db.session.expire_all()
    entries = db.session.execute(select(AuditEntry.actor_id, AuditEntry.action, AuditEntry.target_id)).all()
    assert [tuple(e) for e in entries] == [(staff.id, "delete", theirs["id"])]


def test_a_member_cannot_remove_someone_elses_comment(client, auth, make_user, bearer):
    idea = make_idea(make_user())
    posted = _comment(client, bearer(make_user()), idea.id, "mine")
    other = make_user()
    r = client.delete(f"/api/v1/comments/{posted['id']}", headers=bearer(other))
    assert r.status_code == 403 and "its author and staff" in r.get_json()["error"]
    auth.login(other.email)
    assert client.post(f"/comments/{posted['id']}/delete").status_code == 403
    assert _row(posted["id"]).deleted_at is None and _count(idea.id) == 1


def test_removing_twice_is_a_clean_409_and_counts_down_once(client, auth, make_user, bearer):
    idea = make_idea(make_user())
    author = make_user()
    headers = bearer(author)
    posted = _comment(client, headers, idea.id, "once")
    assert client.delete(f"/api/v1/comments/{posted['id']}", headers=headers).status_code == 204
    again = client.delete(f"/api/v1/comments/{posted['id']}", headers=headers)
    assert again.status_code == 409 and "removed" in again.get_json()["error"]
    auth.login(author.email)
    assert client.post(f"/comments/{posted['id']}/delete").status_code == 409
    assert _count(idea.id) == 0
    assert client.delete("/api/v1/comments/999999999", headers=headers).status_code == 404
    assert voting.recount() == []


def test_a_removed_comment_takes_no_edit_reply_or_official_mark(client, make_user, bearer):
    idea = make_idea(make_user())
    author = make_user()
    headers = bearer(author)
    posted = _comment(client, headers, idea.id, "soon gone")
    client.delete(f"/api/v1/comments/{posted['id']}", headers=headers)
    assert client.patch(f"/api/v1/comments/{posted['id']}", json={"body": "back"}, headers=headers).status_code == 409
    r = client.post(
        f"/api/v1/ideas/{idea.id}/comments", json={"body": "hello?", "parent_id": posted["id"]}, headers=headers
    )
    assert r.status_code == 409
    AuthActions(client).login(make_user("staff").email)
    assert client.post(f"/comments/{posted['id']}/official").status_code == 409
    assert _count(idea.id) == 0


def test_a_removed_comment_without_replies_leaves_no_trace_on_the_page(client, make_user, bearer):
    idea = make_idea(make_user())
    headers = bearer(make_user())
    gone = _comment(client, headers, idea.id, "vanishing")
    kept = _comment(client, headers, idea.id, "staying")
    reply = _comment(client, headers, idea.id, "a reply, removed too", parent_id=kept["id"])
    client.delete(f"/api/v1/comments/{gone['id']}", headers=headers)
    client.delete(f"/api/v1/comments/{reply['id']}", headers=headers)
    page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "Comment removed" not in page and "vanishing" not in page and "a reply, removed too" not in page
    assert "staying" in page and "1 comment" in page
    assert _count(idea.id) == 1


def test_recount_proves_comment_counts_after_many_removals(client, runner, make_user, bearer):
    ideas = [make_idea(make_user(), f"Idea number {n} for recount") for n in range(3)]
    author, staff = make_user(), make_user("staff")
    headers, staff_headers = bearer(author), bearer(staff)
    for idea in ideas:
        tops = [_comment(client, headers, idea.id, f"top {n}") for n in range(3)]
        replies = [_comment(client, headers, idea.id, "re", parent_id=t["id"]) for t in tops]
        client.delete(f"/api/v1/comments/{tops[0]['id']}", headers=headers)
        client.delete(f"/api/v1/comments/{replies[1]['id']}", headers=staff_headers)
    assert [_count(i.id) for i in ideas] == [4, 4, 4]
    result = runner.invoke(args=["recount"])
    assert result.exit_code == 0, result.output
    assert "comment_count" not in result.output
    assert voting.recount() == []
    db.session.execute(update(Idea).where(Idea.id == ideas[0].id).values(comment_count=6))
    db.session.commit()
    assert voting.recount() == [f"idea {ideas[0].id}: comment_count 6→4"]


def test_comment_pages_are_valid_html(client, auth, make_user, bearer, tmp_path):
    from tests.functional.test_html_valid import _nu_errors, _save

    idea = make_idea(make_user())
    author, ana = make_user(), make_user(name="Ana Lima")
    headers = bearer(author)
    gone = _comment(client, bearer(ana), idea.id, "soon removed")
    _comment(client, headers, idea.id, "a reply under the removed one", parent_id=gone["id"])
    mine = _comment(client, headers, idea.id, "Hello @Ana Lima")
    client.patch(f"/api/v1/comments/{mine['id']}", json={"body": "Hello @Ana Lima, edited"}, headers=headers)
    client.delete(f"/api/v1/comments/{gone['id']}", headers=bearer(ana))
    auth.login(author.email)
    _save(tmp_path, "idea-with-comment-actions", client.get(f"/ideas/{idea.id}"))
    _save(tmp_path, "comment-edit", client.get(f"/comments/{mine['id']}/edit"))
    _save(tmp_path, "comment-edit-errors", client.post(f"/comments/{mine['id']}/edit", data={"body": ""}))
    auth.logout()
    auth.login(make_user("staff").email)
    _save(tmp_path, "idea-as-staff", client.get(f"/ideas/{idea.id}"))
    errors = _nu_errors(tmp_path)
    assert not errors, "\n".join(errors)


def test_two_removals_at_once_count_the_comment_out_once(app, client, make_user, bearer):
    from tests.functional.test_verification import _at_once

    idea_id = make_idea(make_user()).id
    author = make_user()
    headers = [bearer(author), bearer(make_user("staff"))]
    posted = _comment(client, headers[0], idea_id, "removed twice at once")
    _comment(client, headers[0], idea_id, "stays")
    db.session.remove()

    def remove(i):
        with app.app_context():  # each thread its own context, session and database connection
            return app.test_client().delete(f"/api/v1/comments/{posted['id']}", headers=headers[i]).status_code

    assert sorted(_at_once(2, remove)) == [204, 409]
    assert _count(idea_id) == 1
    assert voting.recount() == []
