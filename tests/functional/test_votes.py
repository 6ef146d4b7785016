from sqlalchemy import func, select, update

from ideas_portal.extensions import db
from ideas_portal.models import Idea, Vote
from tests.functional.helpers import make_idea


def assert_votes_stayed(idea) -> None:
    """Only the author's own first vote: nothing refused was counted or stored."""
    db.session.refresh(idea)
    assert (idea.upvotes, idea.downvotes, idea.score) == (1, 0, 1)
    assert db.session.scalars(select(Vote.user_id).where(Vote.idea_id == idea.id)).all() == [idea.author_id]


def test_up_vote_then_switch_then_withdraw(api, make_user):
    idea = make_idea(make_user())
    api.as_("member")
    r = api.put(f"/ideas/{idea.id}/vote", json={"value": 1})
    assert r.status_code == 200
    body = r.get_json()
    assert (body["upvotes"], body["downvotes"], body["score"], body["my_vote"]) == (2, 0, 2, 1)
    body = api.put(f"/ideas/{idea.id}/vote", json={"value": -1}).get_json()
    assert (body["upvotes"], body["downvotes"], body["score"], body["my_vote"]) == (1, 1, 0, -1)
    body = api.delete(f"/ideas/{idea.id}/vote").get_json()
    assert (body["upvotes"], body["downvotes"], body["score"], body["my_vote"]) == (1, 0, 1, None)
    assert db.session.scalar(select(func.count()).select_from(Vote).where(Vote.idea_id == idea.id)) == 1


def test_second_identical_vote_changes_nothing(api, make_user):
    idea = make_idea(make_user())
    api.as_("member")
    api.put(f"/ideas/{idea.id}/vote", json={"value": 1})
    body = api.put(f"/ideas/{idea.id}/vote", json={"value": 1}).get_json()
    assert body["upvotes"] == 2
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 2


def test_vote_on_closed_idea_answers_409_with_reason(api, make_user):
    idea = make_idea(make_user(), status="launched")
    api.as_("member")
    r = api.put(f"/ideas/{idea.id}/vote", json={"value": 1})
    assert r.status_code == 409
    assert "Voting is closed" in r.get_json()["error"]
    assert api.delete(f"/ideas/{idea.id}/vote").status_code == 409
    assert_votes_stayed(idea)


def test_vote_values_other_than_plus_minus_one_are_refused(api, make_user):
    idea = make_idea(make_user())
    api.as_("member")
    for bad in ({"value": 2}, {"value": "1"}, {"value": True}, {"value": None}, {}, []):
        r = api.put(f"/ideas/{idea.id}/vote", json=bad)
        assert r.status_code == 400 and "error" in r.get_json(), bad
    r = api.put(f"/ideas/{idea.id}/vote", data="not json", content_type="application/json")
    assert r.status_code == 400
    assert_votes_stayed(idea)


def test_voting_needs_a_valid_token(api, make_user):
    idea = make_idea(make_user())
    assert api.anonymous().put(f"/ideas/{idea.id}/vote", json={"value": 1}).status_code == 401
    api.token = "forged"
    r = api.put(f"/ideas/{idea.id}/vote", json={"value": 1})
    assert r.status_code == 401 and "error" in r.get_json()
    assert_votes_stayed(idea)


def test_vote_on_unknown_idea_is_404(api):
    api.as_("member")
    assert api.put("/ideas/424242/vote", json={"value": 1}).status_code == 404


def test_html_vote_button_toggles(client, auth, make_user):
    idea = make_idea(make_user())
    auth.login(make_user().email)
    client.post(f"/ideas/{idea.id}/vote", data={"value": "1"})
    db.session.refresh(idea)
    assert idea.upvotes == 2
    client.post(f"/ideas/{idea.id}/vote", data={"value": "1"})  # clicking again withdraws
    db.session.refresh(idea)
    assert idea.upvotes == 1
    r = client.post(f"/ideas/{idea.id}/vote", data={"value": "-1"}, headers={"Accept": "application/json"})
    assert r.get_json() == {"score": 0, "upvotes": 1, "downvotes": 1, "my_vote": -1}


def test_html_vote_rejects_bad_values(client, auth, make_user):
    idea = make_idea(make_user())
    auth.login(make_user().email)
    assert client.post(f"/ideas/{idea.id}/vote", data={"value": "5"}).status_code == 400


def test_ranking_scores_move_with_votes(api, make_user):
    idea = make_idea(make_user())
    before = (idea.wilson, idea.hot)
    api.as_("member").put(f"/ideas/{idea.id}/vote", json={"value": 1})
    db.session.refresh(idea)
    assert idea.wilson > before[0] and idea.hot > before[1]


def test_recount_repairs_counters_and_says_what_it_fixed(runner, make_user):
    idea = make_idea(make_user())
    db.session.execute(update(Idea).where(Idea.id == idea.id).values(upvotes=40, comment_count=7, score=-3))
    db.session.commit()
    result = runner.invoke(args=["recount"])
    assert result.exit_code == 0
    assert f"idea {idea.id}: upvotes 40→1" in result.output and "comment_count 7→0" in result.output
    db.session.refresh(idea)
    assert (idea.upvotes, idea.score, idea.comment_count) == (1, 1, 0)
    assert "0 correction(s)" in runner.invoke(args=["recount"]).output


def test_the_vote_that_reaches_the_threshold_answers_with_the_new_status_and_counts(app, api, make_user):
    app.config["SUCCESS_THRESHOLD"] = 3
    idea = make_idea(make_user())
    idea_id = idea.id
    api.as_("member")
    body = api.put(f"/ideas/{idea_id}/vote", json={"value": 1}).get_json()
    assert (body["score"], body["status"]) == (2, "new")
    api.as_("member")
    body = api.put(f"/ideas/{idea_id}/vote", json={"value": 1}).get_json()
    assert (body["upvotes"], body["score"], body["status"]) == (3, 3, "under-review")


def test_the_answer_counts_the_votes_others_cast_meanwhile(api, make_user):
    idea = make_idea(make_user())
    idea_id = idea.id
    other = make_user()
    db.session.execute(update(Idea).where(Idea.id == idea_id).values(upvotes=Idea.upvotes + 5, score=Idea.score + 5))
    db.session.commit()  # as another voter's committed vote would have moved them
    api.as_("member")
    body = api.put(f"/ideas/{idea_id}/vote", json={"value": 1}).get_json()
    assert (body["upvotes"], body["score"]) == (7, 7)
    del other
