"""Idea cards are kept per process under what they show: every change shows at once, nothing personal is shared."""

from sqlalchemy import update

from ideas_portal.extensions import db
from ideas_portal.fragments import FRAGMENTS
from ideas_portal.models import User
from ideas_portal.services import comments, ideas, profile, status_changes
from tests.functional.helpers import make_idea


def listed(client) -> str:
    response = client.get("/ideas?sort=new")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_card_is_kept_and_every_change_to_what_it_shows_is_seen_on_the_next_page(app, client, auth, make_user):
    author = make_user(name="Ada Author")
    idea = make_idea(author, title="Oat milk in every store")
    idea_id, author_id = idea.id, author.id
    staff = make_user("staff")
    auth.login(make_user().email)
    listed(client)  # the sign-in's flash message is shown once

    page = listed(client)
    assert "Oat milk in every store" in page and "0 comments" in page
    kept = [key for key in FRAGMENTS._items if key[0] == "idea-card" and key[2] == idea_id]
    assert kept, "the card was not kept"
    assert listed(client) == page  # the kept card gives the same page

    ideas.edit_idea(db.session.get(User, author_id), idea_id, "Oat milk in every single store", "Please.")
    assert "Oat milk in every single store" in listed(client)

    comments.add_comment(make_user(), idea_id, "Yes, please!")
    assert "1 comment" in listed(client)

    status_changes.change_status(db.session.get(User, staff.id), idea_id, "under-review", "Looking into it.")
    assert "Under review" in listed(client)

    profile.update_profile(db.session.get(User, author_id), name="Ada Lovelace")
    db.session.commit()
    assert "Ada Lovelace" in listed(client)

    db.session.execute(update(User).where(User.id == author_id).values(badge_slugs="star-member"))
    db.session.commit()
    assert 'data-badge="star-member"' in listed(client)


def test_what_is_personal_stays_out_of_the_kept_card(app, client, auth, make_user):
    idea_id = make_idea(make_user(), title="Seasonal pumpkin bread").id
    first, second = make_user(), make_user()
    auth.login(first.email)
    client.post(f"/ideas/{idea_id}/vote", data={"value": "1", "next": "/ideas"})
    mine = listed(client)
    assert 'class="vote up active"' in mine
    auth.logout()
    auth.login(second.email)
    theirs = listed(client)
    assert "Seasonal pumpkin bread" in theirs and 'class="vote up active"' not in theirs
    auth.logout()
    assert "Sign in to vote up: Seasonal pumpkin bread" in listed(client)
