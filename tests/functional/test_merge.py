from sqlalchemy import func, select

from ideas_portal.extensions import db
from ideas_portal.models import Comment, Follow, Idea, Vote
from ideas_portal.services import voting
from tests.functional.helpers import make_idea


def _votes(idea_id):
    return dict(db.session.execute(select(Vote.user_id, Vote.value).where(Vote.idea_id == idea_id)).all())


def _setup(api, make_user):
    a_author, b_author = make_user(), make_user()
    a = make_idea(a_author, "Oat milk in all stores please")
    b = make_idea(b_author, "Offer oat milk everywhere")
    both = api.as_("member")  # votes on both: must keep exactly one vote
    both.put(f"/ideas/{a.id}/vote", json={"value": -1})
    both.put(f"/ideas/{b.id}/vote", json={"value": 1})
    both_id = both.user.id
    only_a = api.as_("member")
    only_a.put(f"/ideas/{a.id}/vote", json={"value": 1})
    only_a.post(f"/ideas/{a.id}/comments", json={"body": "I said this first"})
    only_a_id = only_a.user.id
    return a.id, b.id, a_author.id, b_author.id, both_id, only_a_id


def test_merge_moves_votes_once_per_member_and_comments_and_followers(api, make_user, client):
    a, b, a_author, b_author, both, only_a = _setup(api, make_user)
    api.as_("staff")
    r = api.post(f"/ideas/{a}/merge", json={"into": b})
    assert r.status_code == 200 and r.get_json()["id"] == b
    assert _votes(a) == {}
    assert _votes(b) == {b_author: 1, both: 1, only_a: 1, a_author: 1}
    target, source = db.session.get(Idea, b), db.session.get(Idea, a)
    assert (target.upvotes, target.downvotes, target.comment_count) == (4, 0, 1)
    assert (source.upvotes, source.comment_count, source.status.slug, source.merged_into_id) == (0, 0, "duplicate", b)
    assert db.session.scalar(select(func.count()).select_from(Comment).where(Comment.idea_id == b)) == 1
    followers = set(db.session.scalars(select(Follow.user_id).where(Follow.idea_id == b)))
    assert {a_author, b_author, both, only_a} <= followers
    assert voting.recount() == []
    assert f'href="/ideas/{b}"' in client.get(f"/ideas/{a}").get_data(as_text=True)


def test_undo_merge_restores_everything(api, make_user):
    a, b, a_author, b_author, both, only_a = _setup(api, make_user)
    before_a, before_b = _votes(a), _votes(b)
    api.as_("staff")
    api.post(f"/ideas/{a}/merge", json={"into": b})
    r = api.post(f"/ideas/{a}/unmerge")
    assert r.status_code == 200 and r.get_json()["status"] == "new"
    assert _votes(a) == before_a and _votes(b) == before_b
    source = db.session.get(Idea, a)
    assert source.merged_into_id is None and source.comment_count == 1
    assert voting.recount() == []
    assert api.post(f"/ideas/{a}/unmerge").status_code == 409


def test_merge_rules(api, make_user):
    a = make_idea(make_user())
    b = make_idea(make_user(), "Another idea to merge")
    c = make_idea(make_user(), "A third idea here")
    assert api.as_("member").post(f"/ideas/{a.id}/merge", json={"into": b.id}).status_code == 403
    assert api.anonymous().post(f"/ideas/{a.id}/merge", json={"into": b.id}).status_code == 401
    assert merged_into(a, b, c) == [None, None, None]
    api.as_("staff")
    assert api.post(f"/ideas/{a.id}/merge", json={"into": a.id}).status_code == 400
    assert api.post(f"/ideas/{a.id}/merge", json={"into": "b"}).status_code == 400
    assert api.post(f"/ideas/{a.id}/merge", json={}).status_code == 400
    assert api.post(f"/ideas/{a.id}/merge", json={"into": 999999}).status_code == 404
    assert api.post(f"/ideas/{a.id}/merge", json={"into": b.id}).status_code == 200
    assert api.post(f"/ideas/{a.id}/merge", json={"into": c.id}).status_code == 409
    assert api.post(f"/ideas/{c.id}/merge", json={"into": a.id}).status_code == 409
    assert merged_into(a, b, c) == [b.id, None, None]  # the refused merges moved nothing


def merged_into(*ideas) -> list[int | None]:
    db.session.expire_all()
    return [db.session.get(Idea, idea.id).merged_into_id for idea in ideas]


def test_html_merge_and_undo_for_staff(client, auth, make_user):
    a = make_idea(make_user())
    b = make_idea(make_user(), "Target of the merge")
    auth.login(make_user(role="staff").email)
    r = client.post(f"/ideas/{a.id}/merge", data={"into": str(b.id)})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/ideas/{b.id}")
    assert "Undo the merge" in client.get(f"/ideas/{a.id}").get_data(as_text=True)
    assert client.post(f"/ideas/{a.id}/unmerge").status_code == 302
    db.session.expire_all()
    assert db.session.get(Idea, a.id).merged_into_id is None


def test_undo_after_members_followed_the_duplicate_keeps_both_follows(api, make_user):
    a = make_idea(make_user())
    b = make_idea(make_user(), "Target of the merge")
    fan = api.as_("member")
    fan.put(f"/ideas/{a.id}/follow")
    fan_id, fan_token = fan.user.id, fan.token
    api.as_("staff").post(f"/ideas/{a.id}/merge", json={"into": b.id})
    staff_token = api.token
    api.token = fan_token
    assert api.put(f"/ideas/{a.id}/follow").status_code == 200  # follows the duplicate again
    api.token = staff_token
    assert api.post(f"/ideas/{a.id}/unmerge").status_code == 200
    assert {a.id, b.id} <= set(db.session.scalars(select(Follow.idea_id).where(Follow.user_id == fan_id)))
