"""Star members named by staff (API and profile form), and badges where members see them: beside names on idea
cards, comments and the contest gallery (from the cached slugs, no query), on profiles, /badges and the export."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from ideas_portal.extensions import db
from ideas_portal.models import BadgeAward, Contest, ContestEntry, Notification, User
from ideas_portal.models.types import utcnow
from ideas_portal.services import badges, comments
from tests.conftest import AuthActions
from tests.functional.helpers import make_idea

STAR = "star-member"


def _headers(client, user) -> dict:
    r = client.post("/api/v1/tokens", json={"email": user.email, "password": "correct horse"})
    assert r.status_code == 201
    return {"Authorization": f"Bearer {r.get_json()['token']}"}


def _award(user_id: int, *slugs: str) -> None:
    for slug in slugs:
        badges.grant(user_id, slug)
    db.session.commit()


def _symbols(html: str) -> list[str]:
    """The accessible names of the badge symbols on a page, in order."""
    return re.findall(r'class="badge-symbol"[^>]*role="img" aria-label="([^"]+) badge"', html)


@pytest.fixture
def staff_api(client, make_user):
    return _headers(client, make_user("staff"))


def test_staff_name_a_star_member_over_the_api_with_a_note_shown_on_the_profile(client, make_user, staff_api):
    member = make_user(name="Ada Lovelace")
    member_id = member.id
    r = client.post(f"/api/v1/users/{member_id}/badges", json={"slug": STAR, "note": "Answers every newcomer."})
    assert r.status_code == 401
    r = client.post(
        f"/api/v1/users/{member_id}/badges", headers=staff_api, json={"slug": STAR, "note": "Answers every newcomer."}
    )
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert {k: body[k] for k in ("slug", "name", "note")} == {
        "slug": STAR,
        "name": "Star member",
        "note": "Answers every newcomer.",
    }
    assert body["awarded_at"].endswith("Z")
    shown = client.get(f"/api/v1/users/{member_id}").get_json()["badges"]
    assert [(b["slug"], b["name"]) for b in shown] == [(STAR, "Star member")] and shown[0]["awarded_at"]
    page = client.get(f"/users/{member_id}").get_data(as_text=True)
    assert "Star member" in page and "Answers every newcomer." in page and "being named a star member" in page
    notice = db.session.scalars(select(Notification.body).where(Notification.user_id == member_id)).all()
    assert notice == [
        "You earned the “Star member” badge for being named a star member by our team. "
        "Our team says: “Answers every newcomer.”"
    ]
    again = client.post(f"/api/v1/users/{member_id}/badges", headers=staff_api, json={"slug": STAR})
    assert again.status_code == 409 and "already a star member" in again.get_json()["error"]


def test_granting_by_hand_refuses_members_other_badges_bad_notes_and_missing_members(client, make_user, staff_api):
    target, member = make_user(), make_user()
    target_id, mine = target.id, _headers(client, member)
    url = f"/api/v1/users/{target_id}/badges"
    refused = client.post(url, headers=mine, json={"slug": STAR})
    assert refused.status_code == 403 and refused.get_json()["error"]
    for body, status in [
        ({"slug": "first-idea"}, 400),
        ({"slug": "no-such-badge"}, 400),
        ({}, 400),
        ({"slug": STAR, "note": "x" * 501}, 400),
        ({"slug": STAR, "note": "bell\x07"}, 400),
        ({"slug": STAR, "note": 5}, 400),
    ]:
        r = client.post(url, headers=staff_api, json=body)
        assert r.status_code == status and r.get_json()["error"], (body, r.get_json())
    assert client.post("/api/v1/users/999999/badges", headers=staff_api, json={"slug": STAR}).status_code == 404
    gone = make_user()
    gone_id = gone.id
    db.session.execute(update(User).where(User.id == gone_id).values(deleted_at=utcnow()))
    db.session.commit()
    assert client.post(f"/api/v1/users/{gone_id}/badges", headers=staff_api, json={"slug": STAR}).status_code == 404
    assert db.session.scalar(select(BadgeAward.id)) is None
    ok = client.post(url, headers=staff_api, json={"slug": STAR, "note": "x" * 500})
    assert ok.status_code == 201


def test_staff_take_a_star_back_and_names_and_profile_stop_showing_it(client, make_user, staff_api):
    member = make_user()
    member_id = member.id
    make_idea(member, "Refill stations for water bottles")
    assert client.post(f"/api/v1/users/{member_id}/badges", headers=staff_api, json={"slug": STAR}).status_code == 201
    assert "Star member" in _symbols(client.get("/ideas").get_data(as_text=True))
    assert client.delete(f"/api/v1/users/{member_id}/badges/star-member", headers=staff_api).status_code == 204
    assert client.delete(f"/api/v1/users/{member_id}/badges/star-member", headers=staff_api).status_code == 404
    assert client.get(f"/api/v1/users/{member_id}").get_json()["badges"] == []
    assert "Star member" not in _symbols(client.get("/ideas").get_data(as_text=True))
    assert "Answers" not in client.get(f"/users/{member_id}").get_data(as_text=True)


def test_staff_name_a_star_member_from_the_profile_form_members_see_no_form(client, make_user):
    member, staff = make_user(name="Grace Hopper"), make_user("staff")
    member_id, staff_email, member_email = member.id, staff.email, member.email
    auth = AuthActions(client)
    auth.login(member_email)
    assert "Name a star member" not in client.get(f"/users/{member_id}").get_data(as_text=True)
    assert client.post(f"/users/{member_id}/star-member", data={"note": "Me!"}).status_code == 403
    auth.logout()
    auth.login(staff_email)
    page = client.get(f"/users/{member_id}").get_data(as_text=True)
    assert "Name a star member" in page and 'name="note"' in page
    too_long = client.post(f"/users/{member_id}/star-member", data={"note": "x" * 501})
    assert too_long.status_code == 400 and db.session.scalar(select(BadgeAward.id)) is None
    r = client.post(f"/users/{member_id}/star-member", data={"note": "Found the <b>bug</b> in the map."})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/users/{member_id}#badges")
    page = client.get(f"/users/{member_id}").get_data(as_text=True)
    assert "Found the &lt;b&gt;bug&lt;/b&gt; in the map." in page  # escaped
    assert "Name a star member" not in page and "Take the star member badge back" in page
    assert client.post(f"/users/{member_id}/star-member", data={"note": ""}).status_code == 409
    assert client.post(f"/users/{member_id}/star-member/remove").status_code == 302
    assert db.session.scalar(select(BadgeAward.id)) is None


def _gallery_entry(user_id: int) -> int:
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
    entry = ContestEntry(
        contest_id=contest.id,
        user_id=user_id,
        caption="Golden leaves",
        state="approved",
        original_key="o/leaves.jpg",
        width=40,
        height=30,
    )
    db.session.add(entry)
    db.session.commit()
    return contest.id


def test_badges_show_beside_names_on_cards_comments_and_the_gallery_without_a_query(client, make_user, count_queries):
    ann, bob = make_user(name="Ann"), make_user(name="Bob")
    ann_id, bob_id = ann.id, bob.id
    idea = make_idea(bob, "Bike racks at every branch")
    comments.add_comment(ann, idea.id, "Yes please, and covered ones.")
    contest_id = _gallery_entry(ann_id)
    _award(ann_id, "first-idea", "first-entry", "streak-30", STAR)  # four held: three shown, the rarest first
    _award(bob_id, "first-idea")
    shown = ["Star member", "30-day streak", "First contest entry"]
    with count_queries() as statements:
        home = client.get("/").get_data(as_text=True)
        card = client.get("/ideas").get_data(as_text=True)
    assert not [s for s in statements if "badge_awards" in s]  # names read users.badge_slugs
    assert "First idea" in _symbols(card) and 'title="First idea"' in card
    assert "First idea" in _symbols(home)  # the home page's cards
    page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert _symbols(page) == ["First idea"] + shown  # the idea's author (Bob), then Ann beside her comment
    gallery = client.get(f"/contests/{contest_id}").get_data(as_text=True)
    assert _symbols(gallery) == shown


def test_profile_lists_each_badge_with_why_and_when_and_those_still_to_earn(client, make_user):
    member = make_user(name="Grace Hopper")
    member_id = member.id
    _award(member_id, "first-idea")
    badges.grant(member_id, "top-ten-month", reason="being among the ten most active members of November 2026")
    db.session.commit()
    page = client.get(f"/users/{member_id}").get_data(as_text=True)
    section = page[page.index('id="badges"') : page.index('id="profile-ideas"')]
    assert section.index("Top ten of the month") < section.index("First idea")
    assert "For being among the ten most active members of November 2026" in section
    assert "For sharing a first idea" in section
    todo = section[section.index("Still to earn") :]
    assert "Star member" in todo and "Share ten ideas." in todo and "First idea" not in todo
    assert "Share an idea that reaches 100 net votes." in todo
    rules = client.get("/badges").get_data(as_text=True)
    assert all(b.name in rules for b in badges.BADGES.values())


def test_a_deleted_member_keeps_no_badges_and_their_name_shows_none(client, make_user):
    member = make_user()
    member_id = member.id
    idea = make_idea(member, "Longer opening hours in winter")
    _award(member_id, "first-idea", STAR)
    headers = _headers(client, member)
    export = client.get("/api/v1/me/export", headers=headers).get_json()
    assert sorted(b["slug"] for b in export["badges"]) == ["first-idea", STAR]
    assert client.delete("/api/v1/me", headers=headers, json={"password": "correct horse"}).status_code == 204
    assert db.session.scalar(select(BadgeAward.id).where(BadgeAward.user_id == member_id)) is None
    assert _symbols(client.get(f"/ideas/{idea.id}").get_data(as_text=True)) == []
