"""The vote box (templating.vote_box) drawn on every card and on the idea page: what each viewer can do with it."""

import re

from ideas_portal.extensions import db
from ideas_portal.models import User
from ideas_portal.services import status_changes
from tests.functional.helpers import make_idea


def box_of(html: str, idea_id: int) -> str:
    match = re.search(rf'<div class="vote-box[^"]*" data-vote-box="{idea_id}">(.*?)</div>', html, re.S)
    assert match, f"no vote box for idea {idea_id}"
    return match.group(0)


def test_a_member_gets_two_forms_with_the_token_the_way_back_and_their_vote_pressed(client, auth, make_user):
    idea_id = make_idea(make_user(), title='Cups "to go" & <lids>').id
    auth.login(make_user().email)
    client.post(f"/ideas/{idea_id}/vote", data={"value": "-1", "next": "/ideas"})
    listed = client.get("/ideas?sort=new&category=")
    box = box_of(listed.get_data(as_text=True), idea_id)
    assert box.startswith('<div class="vote-box compact"')
    assert box.count(f'<form method="post" action="/ideas/{idea_id}/vote" data-vote-form>') == 2
    assert box.count('name="csrf_token" value="') == 2
    assert box.count('name="next" value="/ideas?sort=new&amp;category="') == 2  # back to this very page
    assert 'class="vote up" aria-pressed="false" aria-label="Vote up: Cups &#34;to go&#34; &amp; &lt;lids&gt;"' in box
    assert 'class="vote down active" aria-pressed="true"' in box
    assert "<span data-vote-score>0</span>" in box and 'title="1 up, 1 down"' in box  # and the author's own
    page = client.get(f"/ideas/{idea_id}").get_data(as_text=True)
    assert box_of(page, idea_id).startswith('<div class="vote-box" ')  # full size on the idea's own page
    # The token in the box is one the vote form takes.
    token = re.search(r'name="csrf_token" value="([^"]+)"', box).group(1)
    client.application.config["WTF_CSRF_ENABLED"] = True
    try:
        answer = client.post(f"/ideas/{idea_id}/vote", data={"value": "1", "next": "/ideas", "csrf_token": token})
    finally:
        client.application.config["WTF_CSRF_ENABLED"] = False
    assert answer.status_code == 302
    assert 'class="vote up active" aria-pressed="true"' in box_of(client.get("/ideas").get_data(as_text=True), idea_id)


def test_a_closed_idea_shows_its_score_with_both_buttons_disabled(client, auth, make_user):
    idea_id = make_idea(make_user(), title="Recycled straws").id
    status_changes.change_status(db.session.get(User, make_user("staff").id), idea_id, "launched", "Done!")
    # A visitor is not sent to sign in for a vote nobody can cast: the same two disabled buttons, no links.
    box = box_of(client.get("/ideas").get_data(as_text=True), idea_id)
    assert "href=" not in box and "Sign in to vote" not in box and "<form" not in box
    assert box.count(" disabled ") == 2 and 'aria-label="Voting is closed: Recycled straws"' in box
    auth.login(make_user().email)
    box = box_of(client.get("/ideas").get_data(as_text=True), idea_id)
    assert box.count(" disabled ") == 2


def test_a_visitor_gets_sign_in_links_and_no_form(client, make_user):
    idea_id = make_idea(make_user(), title="Free refills").id
    box = box_of(client.get("/ideas").get_data(as_text=True), idea_id)
    assert "<form" not in box and "csrf_token" not in box
    login = f'href="/login?next=/ideas/{idea_id}"'
    assert box.count(login) == 2 and "Sign in to vote down: Free refills" in box
