"""Public profiles, /users/<id> in HTML and the API: who a member is and what they shared, and nothing hidden."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from ideas_portal.extensions import db
from ideas_portal.models import Contest, ContestEntry, Idea, User
from ideas_portal.models.types import utcnow
from ideas_portal.services import comments, member_data, rewards
from tests.functional.helpers import make_idea


def _contest():
    now = utcnow()
    contest = Contest(
        title="Autumn colours",
        rules="Own photos",
        rules_html="<p>Own photos</p>",
        opens_at=now - timedelta(days=1),
        entries_close_at=now + timedelta(days=1),
        closes_at=now + timedelta(days=2),
        draw_seed="0" * 64,
    )
    db.session.add(contest)
    db.session.flush()
    return contest


def _entry(contest, user, caption, state):
    entry = ContestEntry(
        contest_id=contest.id,
        user_id=user.id,
        caption=caption,
        state=state,
        original_key=f"o/{caption}.jpg",
        width=40,
        height=30,
    )
    db.session.add(entry)
    return entry


def _member_with_things(make_user):
    member = make_user(name="Grace Hopper")
    db.session.execute(update(User).where(User.id == member.id).values(bio="Finds bugs.\nFixes them."))
    shown = make_idea(member, "Library open on Sundays")
    withdrawn = make_idea(member, "Withdrawn plan for parking")
    hidden = make_idea(member, "Hidden rant about neighbours")
    merged = make_idea(member, "Merged away duplicate idea")
    target = make_idea(make_user(), "Someone else's library idea")
    now = utcnow()
    db.session.execute(update(Idea).where(Idea.id == withdrawn.id).values(withdrawn_at=now))
    db.session.execute(update(Idea).where(Idea.id == hidden.id).values(hidden_at=now))
    db.session.execute(update(Idea).where(Idea.id == merged.id).values(merged_into_id=target.id))
    contest = _contest()
    _entry(contest, member, "Golden leaves", "approved")
    _entry(contest, member, "Waiting photo", "pending_review")
    _entry(contest, member, "Rejected photo", "rejected")
    db.session.commit()
    return member, shown


def test_profile_page_shows_name_bio_joined_visible_ideas_and_approved_entries(client, make_user):
    member, shown = _member_with_things(make_user)
    r = client.get(f"/users/{member.id}")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "Grace Hopper" in page and "Finds bugs." in page and "Member since" in page
    assert member.created_at.strftime("%B %Y") in page
    assert "Library open on Sundays" in page and f"/ideas/{shown.id}" in page
    for absent in ("Withdrawn plan", "Hidden rant", "Merged away", "Waiting photo", "Rejected photo"):
        assert absent not in page
    assert "Golden leaves" in page and "Autumn colours" in page
    assert "1 idea" in page and "1 contest photo" in page


def test_profile_api_counts_what_the_page_shows(client, make_user):
    member, _ = _member_with_things(make_user)
    r = client.get(f"/api/v1/users/{member.id}")
    assert r.status_code == 200
    body = r.get_json()
    assert {"id", "name", "points", "badges", "ideas_count", "entries_count"} <= set(body)
    assert (body["id"], body["name"], body["badges"]) == (member.id, "Grace Hopper", [])
    assert body["points"] == 4 * rewards.POINTS["idea"]  # each idea shared earned; the ledger does not forget
    assert (body["ideas_count"], body["entries_count"]) == (1, 1)
    assert body["bio"] == "Finds bugs.\nFixes them." and body["joined"].endswith("Z")
    assert "email" not in body


def test_unknown_members_are_not_found(client):
    assert client.get("/users/999999").status_code == 404
    r = client.get("/api/v1/users/999999")
    assert r.status_code == 404 and r.get_json()["error"]


def test_a_suspended_member_keeps_their_profile_without_a_mark(client, make_user):
    member, _ = _member_with_things(make_user)
    db.session.execute(update(User).where(User.id == member.id).values(banned_at=utcnow(), ban_reason="Spam"))
    db.session.commit()
    page = client.get(f"/users/{member.id}").get_data(as_text=True)
    assert "Grace Hopper" in page and "Spam" not in page and "uspended" not in page


def test_ideas_page_on_with_a_more_link(client, make_user):
    member = make_user(name="Prolific Member")
    for n in range(member_data.PROFILE_ITEMS + 2):
        make_idea(member, f"Numbered idea number {n:02d}")
    page = client.get(f"/users/{member.id}").get_data(as_text=True)
    assert "Numbered idea number 13" in page and "Numbered idea number 01" not in page
    assert "More ideas" in page
    cursor = member_data.ideas_of(member.id).next_cursor
    rest = client.get(f"/users/{member.id}?ideas={cursor}").get_data(as_text=True)
    assert "Numbered idea number 01" in rest and "Numbered idea number 00" in rest
    assert "Numbered idea number 13" not in rest and "More ideas" not in rest
    assert client.get(f"/users/{member.id}?ideas=not-a-cursor!").status_code == 400


def test_author_names_link_to_their_profiles(client, make_user):
    author, commenter = make_user(name="Idea Author"), make_user(name="Comment Writer")
    idea = make_idea(author, "Benches along the river")
    comments.add_comment(commenter, idea.id, "I would sit there")
    show = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert f'href="/users/{author.id}"' in show and f'href="/users/{commenter.id}"' in show
    listing = client.get("/ideas?sort=new").get_data(as_text=True)
    assert f'href="/users/{author.id}"' in listing


def test_own_profile_links_to_settings(client, auth, make_user):
    member = make_user(name="Self Viewer")
    auth.login(member.email)
    assert "Edit your profile" in client.get(f"/users/{member.id}").get_data(as_text=True)
    other = make_user()
    assert "Edit your profile" not in client.get(f"/users/{other.id}").get_data(as_text=True)


def test_photographers_names_link_to_their_profiles(client, make_user):
    member = make_user(name="Lens Person")
    contest = _contest()
    entry = _entry(contest, member, "Misty hills", "approved")
    db.session.commit()
    link = f'href="/users/{member.id}"'
    assert link in client.get(f"/entries/{entry.id}").get_data(as_text=True)
    assert link in client.get(f"/contests/{contest.id}").get_data(as_text=True)
