"""Leaderboards: this week, this month and all time, read from the period totals (never the ledger), with their
edges in UTC, only members ranked, on /leaderboard, the home page and the API."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from markupsafe import escape

from ideas_portal.extensions import db
from ideas_portal.services import account_deletion, leaderboards, moderation, rewards
from ideas_portal.models.types import utcnow

SUNDAY_LATE = datetime(2026, 11, 29, 23, 59, 59, tzinfo=timezone.utc)
MONDAY = datetime(2026, 11, 30, 0, 0, 0, tzinfo=timezone.utc)


def earn(user, amount: int, at: datetime | None = None, subject: str | None = None) -> None:
    rewards.award(user.id, "idea", subject or f"test:{user.id}:{amount}:{(at or utcnow()).isoformat()}", amount, at=at)
    db.session.commit()


def names(period: str, now: datetime) -> list[tuple[str, int]]:
    return [(user.name, points) for user, points in leaderboards.top(period, 10, now=now)]


def test_a_line_at_sunday_23_59_59_is_that_weeks_and_monday_00_00_the_next(make_user):
    ann, bob = make_user(name="Ann"), make_user(name="Bob")
    earn(ann, 5, SUNDAY_LATE)
    earn(bob, 3, MONDAY)
    assert names("week", SUNDAY_LATE) == [("Ann", 5)]
    assert names("week", MONDAY) == [("Bob", 3)]
    assert names("week", MONDAY + timedelta(days=6, hours=23, minutes=59, seconds=59)) == [("Bob", 3)]
    assert names("week", MONDAY + timedelta(days=7)) == []
    assert names("month", MONDAY) == [("Ann", 5), ("Bob", 3)]  # both in November
    assert names("all", MONDAY) == [("Ann", 5), ("Bob", 3)]


def test_the_month_turns_at_midnight_utc_on_the_first(make_user):
    ann, bob = make_user(name="Ann"), make_user(name="Bob")
    last_of_november = datetime(2026, 11, 30, 23, 59, 59, tzinfo=timezone.utc)
    first_of_december = datetime(2026, 12, 1, 0, 0, 0, tzinfo=timezone.utc)
    earn(ann, 5, last_of_november)
    earn(bob, 3, first_of_december)
    assert names("month", last_of_november) == [("Ann", 5)]
    assert names("month", first_of_december) == [("Bob", 3)]
    assert names("week", first_of_december) == [("Ann", 5), ("Bob", 3)]  # the same ISO week
    # An offset time is the same moment: 00:30 in Paris on the 1st is still November in UTC.
    paris = timezone(timedelta(hours=1))
    assert names("month", datetime(2026, 12, 1, 0, 30, tzinfo=paris)) == [("Ann", 5)]


def test_the_api_ranks_this_week_from_monday_00_00_utc(api, make_user):
    now = utcnow()
    monday = datetime.combine(rewards.period_starts(now)["week"], datetime.min.time(), tzinfo=timezone.utc)
    ann, bob, cat = make_user(name="Ann"), make_user(name="Bob"), make_user(name="Cat")
    earn(ann, 7, monday)
    earn(bob, 50, monday - timedelta(seconds=1))  # last week's
    earn(cat, 7, monday)
    earn(bob, 2, now)
    body = api.get("/leaderboard?period=week").get_json()
    assert body == {
        "items": [
            {"user": {"id": ann.id, "name": "Ann", "role": "member"}, "points": 7, "rank": 1},
            {"user": {"id": cat.id, "name": "Cat", "role": "member"}, "points": 7, "rank": 1},  # equal points
            {"user": {"id": bob.id, "name": "Bob", "role": "member"}, "points": 2, "rank": 3},
        ]
    }
    everything = api.get("/leaderboard?period=all").get_json()["items"]
    assert [(i["user"]["name"], i["points"], i["rank"]) for i in everything] == [
        ("Bob", 52, 1),
        ("Ann", 7, 2),
        ("Cat", 7, 2),
    ]
    assert api.get("/leaderboard").get_json() == body  # the week by default
    assert [i["user"]["name"] for i in api.get("/leaderboard?period=all&limit=1").get_json()["items"]] == ["Bob"]


@pytest.mark.parametrize("query", ["period=year", "period=", "period=WEEK", "limit=0", "limit=101", "limit=ten"])
def test_bad_leaderboard_queries_are_400_with_a_message(api, client, query):
    r = api.get(f"/leaderboard?{query}")
    assert r.status_code == 400 and r.get_json()["error"], r.get_json()
    if query.startswith("period"):
        page = client.get(f"/leaderboard?{query}")
        assert page.status_code == 400 and "period must be one of" in page.get_data(as_text=True)


def test_staff_suspended_and_deleted_members_are_not_ranked(api, make_user):
    staff, admin = make_user("staff", name="Stella"), make_user("admin", name="Ada")
    banned, leaving, kept = make_user(name="Barry"), make_user(name="Lea"), make_user(name="Kim")
    for who in (staff, admin, banned, leaving, kept):
        earn(who, 10)
    moderation.ban(staff, banned.id, "Spam")
    account_deletion.delete_account(leaving, "correct horse")
    for period in leaderboards.PERIODS:
        items = api.get(f"/leaderboard?period={period}").get_json()["items"]
        assert [i["user"]["name"] for i in items] == ["Kim"], period
    db.session.expire_all()
    assert leaderboards.standing(staff, "week") is None and leaderboards.standing(banned, "all") is None


def test_leaderboard_page_shows_tabs_ranks_the_points_table_and_my_position(client, auth, make_user):
    ann, bob, me = make_user(name="Ann"), make_user(name="Bob"), make_user(name="Mia")
    earn(ann, 30)
    earn(me, 20)
    earn(bob, 10)
    earn(bob, 500, utcnow() - timedelta(days=40), subject="old")  # long ago: all time only
    html = client.get("/leaderboard").get_data(as_text=True)
    assert [a for a in re.findall(r'<a href="/leaderboard\?period=(\w+)"', html)] == ["week", "month", "all"]
    assert 'href="/leaderboard?period=week" aria-current="page"' in html
    assert re.findall(r'class="member-link" href="/users/\d+">(\w+)</a>', html.split("<main")[1]) == [
        "Ann",
        "Mia",
        "Bob",
    ]
    for what, points in leaderboards.ways_to_earn():  # the table says what the ledger gives, and nothing else
        assert f'<tr><td>{escape(what)}</td><td class="num">{points}</td></tr>' in html
    assert str(rewards.UPVOTE_DAILY_CAP) in html and "Launched" in html
    assert "You are <strong>#" not in html  # a visitor has no position
    auth.login(me.email)
    mine = client.get("/leaderboard?period=week").get_data(as_text=True)
    assert "You are <strong>#2</strong> with <strong>20 points</strong> this week." in mine
    alltime = client.get("/leaderboard?period=all").get_data(as_text=True)
    assert re.findall(r'class="member-link" href="/users/\d+">(\w+)</a>', alltime.split("<main")[1])[0] == "Bob"
    assert "You are <strong>#3</strong>" in alltime


def test_every_reason_in_the_points_table_is_explained_on_the_page(app):
    explained = {points for _, points in leaderboards.ways_to_earn()}
    assert set(rewards.POINTS.values()) <= explained
    assert len(leaderboards.ways_to_earn()) >= len(rewards.POINTS)


def test_empty_leaderboard_says_so(client, auth, make_user):
    html = client.get("/leaderboard?period=month").get_data(as_text=True)
    assert "Nobody has earned points this month." in html
    member = make_user()
    auth.login(member.email)
    assert "You have no points this month" in client.get("/leaderboard?period=month").get_data(as_text=True)


def test_home_shows_this_weeks_top_five_and_links_to_the_leaderboard(client, make_user):
    assert "Nobody has earned points this week yet" in client.get("/").get_data(as_text=True)
    members = [make_user(name=f"Member {chr(65 + n)}") for n in range(7)]
    for n, member in enumerate(members):
        earn(member, 70 - n)
    html = client.get("/").get_data(as_text=True)
    widget = html.split('id="leaders-heading"')[1].split("</section>")[0]
    assert re.findall(r">(Member \w)</a>", widget) == [f"Member {c}" for c in "ABCDE"]
    assert 'href="/leaderboard"' in widget
    assert re.search(r'href="/leaderboard"[^>]*>Leaderboard</a>', html.split("</header>")[0])  # in the header too


def test_leaderboards_never_read_the_ledger(client, api, auth, make_user, count_queries):
    member = make_user()
    earn(member, 5)
    auth.login(member.email)
    with count_queries() as seen:
        for period in leaderboards.PERIODS:
            assert client.get(f"/leaderboard?period={period}").status_code == 200
            assert api.get(f"/leaderboard?period={period}").status_code == 200
        assert client.get("/").status_code == 200
    assert seen and not [s for s in seen if "point_entries" in s]
