"""Moderation: flags hide items, staff decide, suspended members cannot take part, every action is audited."""

import pytest
from sqlalchemy import func, select

from ideas_portal.extensions import db
from ideas_portal.models import AuditEntry, Comment, Flag, Idea, User, Vote
from ideas_portal.services import comments, moderation
from tests.conftest import csrf_token_from
from tests.functional.helpers import make_idea


def _flag(api, path, reason="Rude and off topic"):
    return api.as_("member").post(path, json={"reason": reason})


def _audit(action=None):
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return list(db.session.scalars(stmt).unique())


def _hide_by_flags(api, path, n=3):
    for _ in range(n):
        assert _flag(api, path).status_code == 201


# --- flags and the automatic hide ---------------------------------------------------------------


def test_three_flags_from_distinct_members_hide_an_idea_and_two_do_not(api, make_user):
    idea = make_idea(make_user())
    for _ in range(2):
        r = _flag(api, f"/ideas/{idea.id}/flags", "Spam link")
        assert r.status_code == 201
    body = r.get_json()
    assert set(body) >= {"id", "target_type", "target_id", "reason", "created_at"}
    assert (body["target_type"], body["target_id"], body["reason"]) == ("idea", idea.id, "Spam link")
    assert body["created_at"].endswith("Z")
    assert api.anonymous().get(f"/ideas/{idea.id}").status_code == 200
    assert _audit("auto_hide") == []

    assert _flag(api, f"/ideas/{idea.id}/flags").status_code == 201
    assert api.anonymous().get(f"/ideas/{idea.id}").status_code == 404
    assert api.as_("member").get(f"/ideas/{idea.id}").status_code == 404
    assert api.as_("staff").get(f"/ideas/{idea.id}").status_code == 200
    [entry] = _audit("auto_hide")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (None, "idea", idea.id)
    assert "3 members" in entry.reason


def test_flags_beyond_the_threshold_do_not_hide_twice(api, make_user):
    idea = make_idea(make_user())
    _hide_by_flags(api, f"/ideas/{idea.id}/flags", 5)
    assert len(_audit("auto_hide")) == 1


def test_hide_threshold_comes_from_config(app, api, make_user):
    app.config["FLAG_HIDE_THRESHOLD"] = 1
    idea = make_idea(make_user())
    assert _flag(api, f"/ideas/{idea.id}/flags").status_code == 201
    db.session.expire_all()
    assert db.session.get(Idea, idea.id).hidden_at is not None


def test_three_flags_hide_a_comment(api, make_user):
    idea = make_idea(make_user())
    comment = comments.add_comment(make_user(), idea.id, "Buy cheap watches at spam.example")
    _hide_by_flags(api, f"/comments/{comment.id}/flags")
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).hidden_at is not None
    assert [(e.target_type, e.target_id) for e in _audit("auto_hide")] == [("comment", comment.id)]


def test_second_flag_by_the_same_member_is_409(api, make_user):
    idea = make_idea(make_user())
    api.as_("member")
    assert api.post(f"/ideas/{idea.id}/flags", json={"reason": "spam"}).status_code == 201
    r = api.post(f"/ideas/{idea.id}/flags", json={"reason": "still spam"})
    assert r.status_code == 409 and "already flagged" in r.get_json()["error"]
    assert db.session.scalar(select(func.count()).select_from(Flag)) == 1


@pytest.mark.parametrize(
    "payload", [{}, {"reason": ""}, {"reason": "   "}, {"reason": 5}, {"reason": "x" * 501}, {"reason": "nul\x00"}]
)
def test_flag_needs_a_reason_of_1_to_500_characters(api, make_user, payload):
    idea = make_idea(make_user())
    r = api.as_("member").post(f"/ideas/{idea.id}/flags", json=payload)
    assert r.status_code == 400 and r.get_json()["error"]
    assert db.session.scalar(select(func.count()).select_from(Flag)) == 0


def test_members_cannot_flag_their_own_posts(api, make_user):
    api.as_("member")
    idea = make_idea(api.user)
    comment = comments.add_comment(api.user, idea.id, "my own words")
    for path in (f"/ideas/{idea.id}/flags", f"/comments/{comment.id}/flags"):
        r = api.post(path, json={"reason": "oops"})
        assert r.status_code == 400 and "your own" in r.get_json()["error"]
    assert db.session.scalar(select(func.count()).select_from(Flag)) == 0


def test_flagging_unknown_items_is_404(api):
    api.as_("member")
    for path in ("/ideas/999999/flags", "/comments/999999/flags", "/ideas/2147483648/flags"):
        assert api.post(path, json={"reason": "x"}).status_code == 404


def test_openapi_documents_the_flag_endpoints(api):
    doc = api.get("/openapi.json").get_json()
    assert "201" in doc["paths"]["/ideas/{id}/flags"]["post"]["responses"]
    assert "409" in doc["paths"]["/comments/{id}/flags"]["post"]["responses"]
    assert "Flag" in doc["components"]["schemas"]


# --- what members and staff see -----------------------------------------------------------------


def test_hidden_idea_leaves_lists_search_and_similar(api, client, make_user):
    idea = make_idea(make_user(), "Purple llama parking spaces", "Llamas need room too.")
    make_idea(make_user(), "Purple llama crossing signs", "Another llama idea, harmless.")
    _hide_by_flags(api, f"/ideas/{idea.id}/flags")
    api.anonymous()
    for path in ("/ideas", "/ideas?q=llama", "/ideas?sort=new", "/ideas/similar?q=purple+llama+parking"):
        ids = [i["id"] for i in api.get(path).get_json()["items"]]
        assert idea.id not in ids and ids, path
    for path in ("/", "/ideas", "/ideas?q=llama"):
        assert "Purple llama parking" not in client.get(path).get_data(as_text=True)


def test_hidden_idea_page_shows_a_notice_to_members_and_everything_to_staff(api, client, auth, make_user):
    idea = make_idea(make_user(), body="The secret body text")
    _hide_by_flags(api, f"/ideas/{idea.id}/flags")
    page = client.get(f"/ideas/{idea.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "hidden pending review" in html
    assert "secret body text" not in html and idea.title not in html and 'name="robots" content="noindex"' in html
    auth.login(make_user("staff").email)
    html = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "secret body text" in html and "Hidden from members" in html and "3 open flags" in html


def test_hidden_comment_shows_a_placeholder_to_members_and_its_text_to_staff(api, client, auth, make_user):
    idea = make_idea(make_user())
    comment = comments.add_comment(make_user(), idea.id, "Some offensive words")
    comments.add_comment(make_user(), idea.id, "A kind comment")
    _hide_by_flags(api, f"/comments/{comment.id}/flags")
    html = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "This comment is hidden pending review" in html and "offensive" not in html and "A kind comment" in html
    items = api.as_("member").get(f"/ideas/{idea.id}/comments").get_json()["items"]
    assert [(c["hidden"], c["body"]) for c in items] == [(True, ""), (False, "A kind comment")]
    items = api.as_("staff").get(f"/ideas/{idea.id}/comments").get_json()["items"]
    assert items[0]["body"] == "Some offensive words"
    auth.login(api.user.email)
    html = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "Some offensive words" in html and "Restore" in html


def test_hidden_idea_takes_no_votes_or_comments(api, make_user):
    idea = make_idea(make_user())
    _hide_by_flags(api, f"/ideas/{idea.id}/flags")
    api.as_("member")
    assert api.put(f"/ideas/{idea.id}/vote", json={"value": 1}).status_code == 409
    assert api.post(f"/ideas/{idea.id}/comments", json={"body": "hello"}).status_code == 409
    assert api.get(f"/ideas/{idea.id}/comments").status_code == 404
    db.session.expire_all()
    hidden = db.session.get(Idea, idea.id)
    assert (hidden.upvotes, hidden.comment_count) == (1, 0)  # only the author's own vote
    assert db.session.scalar(select(func.count()).select_from(Vote).where(Vote.user_id == api.user.id)) == 0


def test_idea_page_offers_the_flag_form_and_says_when_you_flagged(client, auth, make_user):
    idea = make_idea(make_user())
    comment = comments.add_comment(make_user(), idea.id, "a comment")
    member = make_user()
    auth.login(member.email)
    html = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert f'action="/ideas/{idea.id}/flags"' in html and f'action="/comments/{comment.id}/flags"' in html
    assert 'href="/guidelines"' in html
    r = client.post(f"/comments/{comment.id}/flags", data={"reason": "Personal data"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/ideas/{idea.id}#comment-{comment.id}")
    html = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "You flagged this comment" in html and f'action="/comments/{comment.id}/flags"' not in html
    assert client.post(f"/comments/{comment.id}/flags", data={"reason": "again"}).status_code == 409


def test_flag_form_checks_the_csrf_token(app, client, auth, make_user):
    idea = make_idea(make_user())
    auth.login(make_user().email)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/ideas/{idea.id}/flags", data={"reason": "spam"}).status_code == 400
    token = csrf_token_from(client.get(f"/ideas/{idea.id}").get_data(as_text=True))
    assert client.post(f"/ideas/{idea.id}/flags", data={"reason": "spam", "csrf_token": token}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Flag)) == 1


def test_flag_form_with_an_empty_reason_explains_itself(client, auth, make_user):
    idea = make_idea(make_user())
    auth.login(make_user().email)
    r = client.post(f"/ideas/{idea.id}/flags", data={"reason": ""}, follow_redirects=True)
    assert "This field is required" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Flag)) == 0


# --- suspended members --------------------------------------------------------------------------


def _banned_member_api(api, make_user):
    staff = make_user("staff")
    api.as_("member")
    moderation.ban(staff, api.user.id, "Spam, again")
    assert api.get("/tokens").status_code == 401  # the suspension revoked the member's tokens;
    # a suspended member may still sign in, to read
    api.token = None
    api.token = api.post("/tokens", json={"email": api.user.email, "password": "correct horse"}).get_json()["token"]
    return api


def test_suspended_member_gets_403_from_every_way_to_take_part_in_the_api(api, make_user):
    idea = make_idea(make_user())
    comment = comments.add_comment(make_user(), idea.id, "a comment")
    api = _banned_member_api(api, make_user)
    calls = [
        api.post("/ideas", json={"title": "A brand new idea", "body": "text"}),
        api.post(f"/ideas/{idea.id}/comments", json={"body": "hello"}),
        api.put(f"/ideas/{idea.id}/vote", json={"value": 1}),
        api.delete(f"/ideas/{idea.id}/vote"),
        api.post(f"/ideas/{idea.id}/flags", json={"reason": "spam"}),
        api.post(f"/comments/{comment.id}/flags", json={"reason": "spam"}),
    ]
    for r in calls:
        assert r.status_code == 403, r.get_json()
        assert r.get_json()["error"] == "Your account is suspended: Spam, again"
    for column in (Idea.author_id, Comment.author_id, Vote.user_id, Flag.user_id):  # nothing of theirs was stored
        assert db.session.scalar(select(func.count()).where(column == api.user.id)) == 0, column
    assert api.get(f"/ideas/{idea.id}").status_code == 200  # reading is still fine


def test_suspended_member_gets_403_from_every_form(client, auth, make_user):
    idea = make_idea(make_user())
    comment = comments.add_comment(make_user(), idea.id, "a comment")
    member = make_user()
    moderation.ban(make_user("staff"), member.id, "Trolling")
    auth.login(member.email)
    for path, data in [
        ("/ideas/new", {"title": "A brand new idea", "body": "text"}),
        (f"/ideas/{idea.id}/comments", {"body": "hello"}),
        (f"/ideas/{idea.id}/vote", {"value": "1"}),
        (f"/ideas/{idea.id}/flags", {"reason": "spam"}),
        (f"/comments/{comment.id}/flags", {"reason": "spam"}),
    ]:
        r = client.post(path, data=data)
        assert r.status_code == 403, path
        assert "Your account is suspended: Trolling" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Vote).where(Vote.user_id == member.id)) == 0
    assert 'action="/ideas/%d/flags"' % idea.id not in client.get(f"/ideas/{idea.id}").get_data(as_text=True)


def test_staff_suspend_and_lift_a_suspension(client, auth, make_user, api):
    member, staff = make_user(), make_user("staff")
    auth.login(staff.email)
    assert client.post(f"/staff/members/{member.id}/ban", data={"reason": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, member.id).banned_at is None  # a reason is required
    r = client.post(f"/staff/members/{member.id}/ban", data={"reason": "Repeated spam"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/staff/suspended")
    db.session.expire_all()
    assert db.session.get(User, member.id).ban_reason == "Repeated spam"
    assert client.post(f"/staff/members/{member.id}/ban", data={"reason": "x"}).status_code == 409
    html = client.get("/staff/suspended").get_data(as_text=True)
    assert member.name in html and "Repeated spam" in html
    assert client.post(f"/staff/members/{member.id}/unban", data={"note": "Apologised"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, member.id).banned_at is None
    assert [(e.action, e.actor_id, e.target_id, e.reason) for e in _audit()] == [
        ("ban", staff.id, member.id, "Repeated spam"),
        ("unban", staff.id, member.id, "Apologised"),
    ]
    assert client.post(f"/staff/members/{member.id}/unban").status_code == 409
    other = make_user("staff")
    assert client.post(f"/staff/members/{other.id}/ban", data={"reason": "x"}).status_code == 403
    assert client.post("/staff/members/999999/ban", data={"reason": "x"}).status_code == 404


# --- the staff queue and decisions --------------------------------------------------------------


def test_queue_lists_flagged_items_oldest_first_with_reasons(api, client, auth, make_user):
    first = make_idea(make_user(), "The first flagged idea")
    second = make_idea(make_user(), "The second flagged idea")
    comment = comments.add_comment(make_user(name="Carl Commenter"), second.id, "Comment that got flagged")
    assert _flag(api, f"/ideas/{first.id}/flags", "Looks like spam").status_code == 201
    assert _flag(api, f"/comments/{comment.id}/flags", "Insulting").status_code == 201
    assert _flag(api, f"/ideas/{first.id}/flags", "Advertising").status_code == 201
    auth.login(make_user("staff").email)
    html = client.get("/staff/moderation").get_data(as_text=True)
    assert html.index("The first flagged idea") < html.index("Comment that got flagged")
    for text in ("Looks like spam", "Advertising", "Insulting", "2 flags", "Suspend Carl Commenter"):
        assert text in html
    page = moderation.queue(limit=1)
    assert [(i.target_type, i.target_id, i.count) for i in page.items] == [("idea", first.id, 2)]
    page = moderation.queue(limit=1, cursor=page.next_cursor)
    assert [(i.target_type, i.target_id, i.count) for i in page.items] == [("comment", comment.id, 1)]
    assert page.items[0].idea.id == second.id and page.next_cursor is None
    assert moderation.open_item_count() == 2
    assert "2 flagged items" in client.get("/staff/").get_data(as_text=True)


def test_queue_pages_with_a_cursor_link(api, client, auth, make_user):
    authors = [make_user() for _ in range(3)]
    for n in range(21):
        idea = make_idea(authors[n % 3], f"Flagged idea number {n:02d}")
        assert _flag(api, f"/ideas/{idea.id}/flags").status_code == 201
    auth.login(make_user("staff").email)
    html = client.get("/staff/moderation").get_data(as_text=True)
    assert "Flagged idea number 19" in html and "Flagged idea number 20" not in html
    cursor = html.split("/staff/moderation?cursor=")[1].split('"')[0]
    html = client.get(f"/staff/moderation?cursor={cursor}").get_data(as_text=True)
    assert "Flagged idea number 20" in html and "Flagged idea number 19" not in html
    assert client.get("/staff/moderation?cursor=nonsense").status_code == 400


def test_staff_approve_restores_the_item_and_closes_its_flags(api, client, auth, make_user):
    idea = make_idea(make_user())
    _hide_by_flags(api, f"/ideas/{idea.id}/flags")
    staff = make_user("staff")
    auth.login(staff.email)
    r = client.post(
        f"/staff/moderation/idea/{idea.id}",
        data={"decision": "approve", "note": "Harmless", "next": "/staff/moderation"},
    )
    assert r.status_code == 302 and r.headers["Location"].endswith("/staff/moderation")
    assert api.anonymous().get(f"/ideas/{idea.id}").status_code == 200
    assert set(db.session.scalars(select(Flag.resolution))) == {"approved"}
    assert "Nothing to review" in client.get("/staff/moderation").get_data(as_text=True)
    [entry] = _audit("approve")
    assert (entry.actor_id, entry.target_id, entry.reason) == (staff.id, idea.id, "Harmless")
    # An approved item needs fresh flags from other members to be hidden again.
    assert _flag(api, f"/ideas/{idea.id}/flags").status_code == 201
    assert api.anonymous().get(f"/ideas/{idea.id}").status_code == 200


def test_staff_hide_keeps_an_item_hidden_as_removed(api, client, auth, make_user):
    idea = make_idea(make_user())
    assert _flag(api, f"/ideas/{idea.id}/flags").status_code == 201
    auth.login(make_user("staff").email)
    assert client.post(f"/staff/moderation/idea/{idea.id}", data={"decision": "hide"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Idea, idea.id).hidden_at is not None
    assert set(db.session.scalars(select(Flag.resolution))) == {"hidden"}
    auth.logout()
    html = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "removed by a moderator" in html and idea.body not in html


def test_staff_delete_erases_a_comment_but_keeps_its_place(api, client, auth, make_user):
    idea = make_idea(make_user())
    comment = comments.add_comment(make_user(), idea.id, "My phone number is 555-1234")
    _hide_by_flags(api, f"/comments/{comment.id}/flags")
    auth.login(make_user("staff").email)
    r = client.post(f"/staff/moderation/comment/{comment.id}", data={"decision": "delete"})
    assert r.status_code == 302
    db.session.expire_all()
    deleted = db.session.get(Comment, comment.id)
    assert (deleted.body, deleted.hidden_at) == ("[removed by moderator]", None)
    assert db.session.get(Idea, idea.id).comment_count == 1
    auth.logout()
    html = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "[removed by moderator]" in html and "555-1234" not in html
    assert [e.action for e in _audit()] == ["auto_hide", "delete"]


def test_staff_delete_of_an_idea_is_soft(api, client, auth, make_user):
    idea = make_idea(make_user())
    assert _flag(api, f"/ideas/{idea.id}/flags").status_code == 201
    auth.login(make_user("staff").email)
    assert client.post(f"/staff/moderation/idea/{idea.id}", data={"decision": "delete"}).status_code == 302
    db.session.expire_all()
    kept = db.session.get(Idea, idea.id)
    assert kept.hidden_at is not None and kept.upvotes == 1
    assert set(db.session.scalars(select(Flag.resolution))) == {"deleted"}
    assert api.anonymous().get(f"/ideas/{idea.id}").status_code == 404
    assert "Hidden from members" in client.get(f"/ideas/{idea.id}").get_data(as_text=True)


def test_staff_hide_and_restore_from_the_idea_page(client, auth, make_user, api):
    idea = make_idea(make_user())
    auth.login(make_user("staff").email)
    r = client.post(f"/staff/moderation/idea/{idea.id}", data={"decision": "hide", "next": f"/ideas/{idea.id}"})
    assert r.headers["Location"].endswith(f"/ideas/{idea.id}")
    assert api.anonymous().get(f"/ideas/{idea.id}").status_code == 404
    client.post(f"/staff/moderation/idea/{idea.id}", data={"decision": "approve"})
    assert api.anonymous().get(f"/ideas/{idea.id}").status_code == 200
    assert [e.action for e in _audit()] == ["hide", "approve"]


def test_decisions_are_checked(client, auth, make_user):
    idea = make_idea(make_user())
    auth.login(make_user("staff").email)
    assert client.post(f"/staff/moderation/idea/{idea.id}", data={"decision": "burn"}).status_code == 400
    assert client.post("/staff/moderation/idea/999999", data={"decision": "hide"}).status_code == 404
    assert client.post(f"/staff/moderation/user/{idea.id}", data={"decision": "hide"}).status_code == 404


# --- guidelines and the audit log ---------------------------------------------------------------


def test_guidelines_are_public_linked_and_editable_by_staff(client, auth, make_user):
    html = client.get("/guidelines").get_data(as_text=True)
    assert "Community guidelines" in html and "<strong>Be respectful.</strong>" in html
    assert 'href="/guidelines"' in client.get("/").get_data(as_text=True)
    staff = make_user("staff")
    auth.login(staff.email)
    assert "Edit the guidelines" in client.get("/guidelines").get_data(as_text=True)
    assert client.get("/guidelines/edit").status_code == 200
    r = client.post(
        "/guidelines/edit",
        data={"title": "House rules", "summary": "Shorter", "body": "Be **kind**.\n\n<script>alert(1)</script>"},
    )
    assert r.status_code == 302
    html = client.get("/guidelines").get_data(as_text=True)
    assert "House rules" in html and "<strong>kind</strong>" in html and "<script>alert" not in html
    assert client.post("/guidelines/edit", data={"title": "x", "body": ""}).status_code == 400
    [entry] = _audit("edit_page")
    assert (entry.actor_id, entry.target_type, entry.reason) == (staff.id, "page", "Shorter")


def test_audit_log_lists_every_action_newest_first_for_admins(api, client, auth, make_user):
    idea = make_idea(make_user(), "An idea that gets flagged")
    _hide_by_flags(api, f"/ideas/{idea.id}/flags")
    staff = make_user("staff", name="Sam Staff")
    member = make_user(name="Tom Troll")
    moderation.decide(staff, "idea", idea.id, "approve", "False alarm")
    moderation.ban(staff, member.id, "Insults")
    auth.login(make_user("admin").email)
    html = client.get("/staff/audit").get_data(as_text=True)
    assert html.index("Suspended") < html.index("Approved") < html.index("Hidden by flags")
    for text in ("Tom Troll", "Insults", "by Sam Staff", "automatically", "An idea that gets flagged", "False alarm"):
        assert text in html
    from ideas_portal.services import audit

    admin = db.session.scalar(select(User).where(User.role == "admin"))
    page = audit.entries(admin, limit=2)
    assert [e.action for e in page.items] == ["ban", "approve"]
    assert [e.action for e in audit.entries(admin, limit=2, cursor=page.next_cursor).items] == ["auto_hide"]


def test_suspended_member_sees_why_on_every_page(client, auth, make_user):
    member = make_user()
    moderation.ban(make_user("staff"), member.id, "Spam, three times.")
    auth.login(member.email)
    assert "Your account is suspended: Spam, three times." in client.get("/").get_data(as_text=True)


def test_queue_runs_a_constant_number_of_queries(api, client, auth, make_user, count_queries):
    def flag_new_items(n):
        for _ in range(n):
            idea = make_idea(make_user())
            comment = comments.add_comment(make_user(), idea.id, "flag me")
            assert _flag(api, f"/ideas/{idea.id}/flags").status_code == 201
            assert _flag(api, f"/comments/{comment.id}/flags").status_code == 201

    flag_new_items(1)
    auth.login(make_user("staff").email)
    db.session.expire_all()  # both requests start from the same cold identity map
    with count_queries() as few:
        assert client.get("/staff/moderation").status_code == 200
    flag_new_items(4)
    db.session.expire_all()
    with count_queries() as many:
        assert client.get("/staff/moderation").status_code == 200
    assert len(few) == len(many), many
