"""What the HTML pages say: headings that match the list, honest sort labels, staff tools that make sense."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from ideas_portal.extensions import db
from ideas_portal.models import Contest, Idea, Notification, StatusChange
from ideas_portal.models.types import utcnow
from ideas_portal.services import comments, follows, merges, notifications, status_changes, voting
from ideas_portal.services.contests import contests

from tests.functional.helpers import make_idea


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _comments_section(html: str) -> str:
    return html[html.index('<section id="comments"') :]


def test_only_comment_pinned_as_official_leaves_no_count_above_an_empty_list(client, make_user):
    staff = make_user("staff")
    idea = make_idea(make_user())
    official = comments.add_comment(staff, idea.id, "We are trying this in ten stores.")
    comments.set_official(staff, official.id, True)

    section = _comments_section(_html(client.get(f"/ideas/{idea.id}")))
    heading = re.search(r'<h2 id="comments-heading">([^<]*)</h2>', section).group(1)
    assert heading == "Other comments"
    assert "No other comments yet." in section
    assert "1 comment" not in section


def test_comment_heading_counts_the_comments_listed_under_it(client, make_user):
    staff, member = make_user("staff"), make_user()
    idea = make_idea(make_user())
    official = comments.add_comment(staff, idea.id, "Official words")
    comments.set_official(staff, official.id, True)
    reply_to_official = comments.add_comment(member, idea.id, "Thanks for the answer!", official.id)
    first = comments.add_comment(member, idea.id, "Me too")
    comments.add_comment(staff, idea.id, "Noted", first.id)

    html = _html(client.get(f"/ideas/{idea.id}"))
    section = _comments_section(html)
    assert '<h2 id="comments-heading">2 other comments</h2>' in section
    official_section = html[html.index('<section class="official-response"') : html.index('<section id="comments"')]
    assert f'id="comment-{reply_to_official.id}"' in official_section  # a reply to the answer stays with it


def test_close_now_is_offered_only_while_a_contest_runs(client, auth, make_user):
    staff = make_user("staff")
    now = utcnow()
    contest = contests.create(
        staff,
        contests.ContestInput(
            title="Autumn colours",
            rules="Your own photo",
            opens_at=now - timedelta(hours=1),
            entries_close_at=now + timedelta(days=1),
            closes_at=now + timedelta(days=2),
        ),
    )
    auth.login(staff.email)
    assert "Close now" in _html(client.get(f"/contests/{contest.id}"))

    assert client.post(f"/contests/{contest.id}/close").status_code == 302
    page = _html(client.get(f"/contests/{contest.id}"))
    assert db.session.get(Contest, contest.id).announced_at is None  # closed, winners not counted yet
    assert "Close now" not in page
    assert f'action="/contests/{contest.id}/close"' not in page


def test_notifications_show_a_markdown_status_note_as_plain_text(client, auth, make_user):
    staff, member = make_user("staff"), make_user()
    idea = make_idea(make_user(), "Serve soup in winter")
    follows.set_following(member, idea.id, True)
    status_changes.change_status(
        staff, idea.id, "coming-soon", "We start **in January**, see [the menu](https://example.com)."
    )
    change_id = db.session.scalar(select(StatusChange.id).where(StatusChange.idea_id == idea.id))
    notifications.fan_out(change_id)
    stored = db.session.scalar(select(Notification.body).where(Notification.user_id == member.id))
    assert "**" not in stored and "](" not in stored
    assert "We start in January, see the menu." in stored

    db.session.execute(update(Notification).values(body="“Old” is now Coming soon. Stored **before** the fix."))
    db.session.commit()
    auth.login(member.email)
    html = _html(client.get("/notifications"))
    assert "Stored before the fix." in html
    assert "**" not in html


def test_top_sort_says_what_it_ranks_by_and_shows_it_on_each_card(client, make_user):
    voters = [make_user() for _ in range(5)]
    liked = make_idea(voters[0], "Loved by many voters")
    split = make_idea(voters[0], "Splits the room in two")
    for v in voters[1:]:
        voting.record_vote(v.id, liked.id, liked.author_id, 1)
    for n, v in enumerate(voters[1:]):
        voting.record_vote(v.id, split.id, split.author_id, 1 if n % 2 else -1)
    db.session.commit()
    voting.recount([liked.id, split.id])
    db.session.commit()

    html = _html(client.get("/ideas?sort=top"))
    assert "ranked by the share of up-votes" in html
    assert "100% up of 5 votes" in html
    assert "60% up of 5 votes" in html
    assert html.index("Loved by many voters") < html.index("Splits the room in two")
    assert "% up of" not in _html(client.get("/ideas?sort=new"))


def test_staff_find_the_merge_target_by_searching_and_merge_without_javascript(client, auth, make_user):
    staff = make_user("staff")
    source = make_idea(make_user(), "Oat milk at every counter")
    target = make_idea(make_user(), "Offer oat milk in every store")
    merged_away = make_idea(make_user(), "Oat milk for lattes")
    merges.merge(staff, merged_away.id, target.id)
    make_idea(make_user(), "Longer opening hours")
    auth.login(staff.email)

    idea_page = _html(client.get(f"/ideas/{source.id}"))
    assert f'action="/ideas/{source.id}/merge"' in idea_page and 'method="get"' in idea_page
    assert "Merge into idea number" not in idea_page

    results = _html(client.get(f"/ideas/{source.id}/merge?q=oat milk"))
    assert "Offer oat milk in every store" in results
    assert target.status.name in results
    assert re.search(r"\b2 votes\b", results)  # the target's own vote plus the one merged in
    assert "Oat milk for lattes" not in results  # already a duplicate: not a target
    assert '<button type="submit" class="button button-small">Merge into this' in results
    assert f'name="into" value="{target.id}"' in results
    assert f'name="into" value="{source.id}"' not in results

    response = client.post(f"/ideas/{source.id}/merge", data={"into": str(target.id)})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/ideas/{target.id}")
    assert db.session.get(Idea, source.id).merged_into_id == target.id


def test_merge_search_without_a_query_suggests_ideas_like_this_one(client, auth, make_user):
    staff = make_user("staff")
    source = make_idea(make_user(), "Vegan cakes on Sundays")
    make_idea(make_user(), "More vegan cakes please")
    auth.login(staff.email)
    html = _html(client.get(f"/ideas/{source.id}/merge"))
    assert 'value="Vegan cakes on Sundays"' in html
    assert "More vegan cakes please" in html
    assert client.get(f"/ideas/{source.id}/merge?q=x").status_code == 200
    auth.logout()
    member = make_user()
    auth.login(member.email)
    assert client.get(f"/ideas/{source.id}/merge?q=vegan").status_code == 403


def test_similar_ideas_point_past_a_merged_duplicate_to_its_target(client, make_user, api):
    staff = make_user("staff")
    target = make_idea(make_user(), "Reusable cups with a deposit")
    duplicate = make_idea(make_user(), "Deposit for reusable coffee cups")
    another = make_idea(make_user(), "Reusable cup discount")
    merges.merge(staff, duplicate.id, target.id)
    merges.merge(staff, another.id, target.id)

    items = api.get("/ideas/similar?q=reusable coffee cups deposit").get_json()["items"]
    ids = [i["id"] for i in items]
    assert target.id in ids
    assert duplicate.id not in ids and another.id not in ids
    assert ids.count(target.id) == 1
    assert all(i["status"] != "duplicate" for i in items)
