"""The staff dashboard and GET /api/v1/stats: per-day counts from the summary (finished days counted once) and live
(today), the status funnel, the median first response, the backlog, contests, top ideas, charts and CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from ideas_portal.extensions import db
from ideas_portal.models import Comment, Contest, ContestEntrant, ContestEntry, DailyCount, Idea, User, Vote
from ideas_portal.models.types import utcnow
from ideas_portal.services import accounts, comments, stats, status_catalog, voting
from ideas_portal.staff import dashboard as dashboard_views
from tests.functional.helpers import make_idea

DAY_KEYS = {"date", "new_members", "ideas", "votes", "comments", "entries"}


def _midnight(days_ago: int) -> datetime:
    return datetime.combine(utcnow().date() - timedelta(days=days_ago), time.min, tzinfo=timezone.utc)


def _at(model, row_id: int, when: datetime) -> None:
    db.session.execute(update(model).where(model.id == row_id).values(created_at=when))
    db.session.commit()


def _contest(title="Autumn colours", opened_days_ago=1):
    now = utcnow()
    contest = Contest(
        title=title,
        rules="Own photos",
        rules_html="<p>Own photos</p>",
        opens_at=now - timedelta(days=opened_days_ago),
        entries_close_at=now + timedelta(days=1),
        closes_at=now + timedelta(days=2),
        draw_seed="0" * 64,
    )
    db.session.add(contest)
    db.session.flush()
    return contest


def _entry(contest, user, votes=0, when=None):
    db.session.add(ContestEntrant(contest_id=contest.id, user_id=user.id, entries=1))
    entry = ContestEntry(
        contest_id=contest.id,
        user_id=user.id,
        caption="A photo",
        state="approved",
        original_key=f"o/{contest.id}-{user.id}.jpg",
        width=40,
        height=30,
        votes=votes,
        created_at=when or utcnow(),
    )
    db.session.add(entry)
    db.session.commit()
    return entry


def _day(body, days_ago: int) -> dict:
    wanted = (utcnow().date() - timedelta(days=days_ago)).isoformat()
    return next(d for d in body["days"] if d["date"] == wanted)


def test_each_table_counts_on_its_own_utc_day_with_midnight_as_the_boundary_and_today_live(api, make_user):
    staff = make_user("staff")
    author = make_user()
    late, early = _midnight(2) - timedelta(microseconds=1), _midnight(2)  # 23:59:59.999999 and 00:00 next day
    _at(User, author.id, late)
    idea = make_idea(author)  # its author's own up-vote comes with it
    _at(Idea, idea.id, late)
    _at(Vote, db.session.scalar(select(Vote.id).where(Vote.idea_id == idea.id)), early)
    voter = make_user()
    voting.cast_vote(voter, idea.id, -1)
    _at(Vote, db.session.scalar(select(Vote.id).where(Vote.user_id == voter.id)), early)
    comment = comments.add_comment(voter, idea.id, "Me too, every morning.")
    _at(Comment, comment.id, early)
    _entry(_contest(), voter, when=early)
    today_idea = make_idea(voter, "Serve soup in winter")  # now: today, counted live
    comments.add_comment(staff, today_idea.id, "We like this.")

    body = api.as_("staff").get("/stats?days=7").get_json()

    assert [d["date"] for d in body["days"]] == [
        (utcnow().date() - timedelta(days=n)).isoformat() for n in range(6, -1, -1)
    ]
    assert all(set(d) == DAY_KEYS for d in body["days"])
    assert _day(body, 3) == {
        "date": _day(body, 3)["date"],
        "new_members": 1,
        "ideas": 1,
        "votes": 0,
        "comments": 0,
        "entries": 0,
    }
    assert _day(body, 2) == {
        "date": _day(body, 2)["date"],
        "new_members": 0,
        "ideas": 0,
        "votes": 2,
        "comments": 1,
        "entries": 1,
    }
    today = _day(body, 0)
    # staff, voter and the API's own staff account joined today; the new idea, its author's vote, one comment
    assert (today["new_members"], today["ideas"], today["votes"], today["comments"], today["entries"]) == (
        3,
        1,
        1,
        1,
        0,
    )


def test_finished_days_are_counted_once_stored_and_reused_while_today_stays_live(api, make_user, count_queries):
    author = make_user()
    idea = make_idea(author)
    _at(Idea, idea.id, _midnight(3) + timedelta(hours=5))
    api.as_("staff")

    first = api.get("/stats?days=5").get_json()
    stored = {row.day: row for row in db.session.scalars(select(DailyCount))}
    assert sorted(stored) == [utcnow().date() - timedelta(days=n) for n in (4, 3, 2)] or sorted(stored) == [
        utcnow().date() - timedelta(days=n) for n in (4, 3, 2, 1)
    ]  # yesterday too, once it is 10 minutes past midnight
    assert stored[utcnow().date() - timedelta(days=3)].ideas == 1 and _day(first, 3)["ideas"] == 1

    # A row that appears later on a stored day is not seen (the day was counted once); today's is.
    late = make_idea(author, "Reusable cups for everyone")
    _at(Idea, late.id, _midnight(3) + timedelta(hours=6))
    make_idea(author, "A second idea for today")
    with count_queries() as seen:
        again = api.get("/stats?days=5").get_json()
    assert _day(again, 3)["ideas"] == 1
    assert _day(again, 0)["ideas"] == _day(first, 0)["ideas"] + 1
    day_counts = [s for s in seen if "FROM votes" in s and "count(" in s.lower() and "created_at <" in s]
    assert len(day_counts) <= 2, day_counts  # today (and yesterday before 00:10), never the stored days
    assert db.session.scalar(select(func.count()).select_from(DailyCount)) == len(stored)


def test_a_day_already_summarised_keeps_its_first_numbers(api, make_user):
    """Two dashboards counting the same day at once: the insert does nothing on conflict, so the first one stays."""
    day = utcnow().date() - timedelta(days=4)
    db.session.add(DailyCount(day=day, new_members=7, ideas=8, votes=9, comments=10, entries=11))
    db.session.commit()
    body = api.as_("staff").get("/stats?days=5").get_json()
    assert _day(body, 4) == {
        "date": day.isoformat(),
        "new_members": 7,
        "ideas": 8,
        "votes": 9,
        "comments": 10,
        "entries": 11,
    }
    assert db.session.get(DailyCount, day).votes == 9


def test_status_funnel_names_every_status_with_zeros(api, make_user):
    author = make_user()
    make_idea(author, "First idea here")
    make_idea(author, "Second idea here", status="coming-soon")
    make_idea(author, "Third idea here", status="coming-soon")
    funnel = api.as_("staff").get("/stats").get_json()["status_funnel"]
    assert funnel == {s.slug: 0 for s in status_catalog.statuses()} | {"new": 1, "coming-soon": 2}


def test_median_first_response_over_the_window_and_null_without_any(api, make_user, client, auth):
    author = make_user()
    api.as_("staff")
    assert api.get("/stats").get_json()["median_first_response_hours"] is None
    answered = []
    for n, hours in enumerate((1, 3, 10)):
        idea = make_idea(author, f"Answered idea number {n}")
        created = utcnow() - timedelta(days=2)
        db.session.execute(
            update(Idea)
            .where(Idea.id == idea.id)
            .values(created_at=created, first_response_at=created + timedelta(hours=hours))
        )
        answered.append(idea)
    old = make_idea(author, "Answered long ago")
    db.session.execute(
        update(Idea)
        .where(Idea.id == old.id)
        .values(created_at=utcnow() - timedelta(days=40), first_response_at=utcnow() - timedelta(days=39))
    )
    db.session.commit()
    make_idea(author, "Nobody answered this")
    assert api.get("/stats?days=30").get_json()["median_first_response_hours"] == 3.0
    assert api.get("/stats?days=60").get_json()["median_first_response_hours"] == pytest.approx(6.5, abs=0.05)

    # The real path: a staff comment on an idea posted five hours ago is its first response.
    fresh = make_idea(author, "Posted five hours ago")
    _at(Idea, fresh.id, utcnow() - timedelta(hours=5))
    auth.login(make_user("staff").email)
    assert client.post(f"/ideas/{fresh.id}/comments", data={"body": "Thanks, we are on it."}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Idea, fresh.id).first_response_at is not None
    # days=1 is today alone (from UTC midnight): before 05:00 the idea was posted yesterday, so look at two days,
    # which still leaves out the ideas posted two days ago.
    assert api.get("/stats?days=2").get_json()["median_first_response_hours"] == pytest.approx(5.0, abs=0.05)


def test_the_median_window_starts_at_utc_midnight_of_its_first_day(make_user):
    """At 03:00 an idea posted at 22:00 yesterday is outside days=1 (today) and inside days=2."""
    staff, author = make_user("staff"), make_user()
    now = datetime.combine(utcnow().date(), time(3), tzinfo=timezone.utc)
    idea = make_idea(author, "Posted late last night")
    posted = now - timedelta(hours=5)
    db.session.execute(
        update(Idea).where(Idea.id == idea.id).values(created_at=posted, first_response_at=posted + timedelta(hours=2))
    )
    db.session.commit()
    assert stats.dashboard(staff, days=1, now=now).median_first_response_hours is None
    assert stats.dashboard(staff, days=2, now=now).median_first_response_hours == 2.0


def test_backlog_contests_and_top_ideas_of_the_week(api, make_user):
    author, fan, other = make_user(), make_user(), make_user()
    waiting = make_idea(author, "Still waiting for an answer")
    _at(Idea, waiting.id, utcnow() - timedelta(days=9))
    answered = make_idea(author, "Answered already", status="reviewed")
    db.session.execute(update(Idea).where(Idea.id == answered.id).values(status_changed_at=utcnow()))
    popular = make_idea(author, "Popular this week")
    for member in (fan, other):
        voting.cast_vote(member, popular.id, 1)
    unverified = accounts.register("unverified@example.com", "Not Yet Verified", "correct horse", verified=False)
    voting.cast_vote(unverified, popular.id, 1)  # held until they verify: not counted
    hidden = make_idea(author, "Hidden but voted")
    voting.cast_vote(fan, hidden.id, 1)
    db.session.execute(update(Idea).where(Idea.id == hidden.id).values(hidden_at=utcnow()))
    last_week = make_idea(author, "Voted on last week")
    for member in (fan, other):
        voting.cast_vote(member, last_week.id, 1)
    db.session.execute(update(Vote).where(Vote.idea_id == last_week.id).values(created_at=utcnow() - timedelta(days=8)))
    db.session.commit()
    contest = _contest("Winter scenes")
    _entry(contest, fan, votes=4)
    _entry(contest, other, votes=2)
    _contest("Empty contest", opened_days_ago=3)

    body = api.as_("staff").get("/stats").get_json()

    # waiting, popular and last week's idea: not the reviewed one, nor the hidden one
    assert body["unanswered"]["count"] == 3 and body["unanswered"]["capped"] is False
    assert body["unanswered"]["oldest"][0] == waiting.id
    assert body["contests"][0] | {"opens_at": None} == {
        "id": contest.id,
        "title": "Winter scenes",
        "opens_at": None,
        "entries": 2,
        "entrants": 2,
        "votes": 6,
    }
    assert (body["contests"][1]["title"], body["contests"][1]["entries"], body["contests"][1]["votes"]) == (
        "Empty contest",
        0,
        0,
    )
    top = body["top_ideas_week"]
    assert top[0] == {"id": popular.id, "title": "Popular this week", "status": "new", "upvotes_this_week": 3}
    assert hidden.id not in [t["id"] for t in top]
    assert last_week.id not in [t["id"] for t in top]  # all its votes are eight days old


@pytest.mark.parametrize("role,expected", [(None, 401), ("member", 403), ("staff", 200), ("admin", 200)])
def test_stats_access(api, role, expected):
    api.as_(role) if role else api.anonymous()
    r = api.get("/stats")
    assert r.status_code == expected
    if expected != 200:
        assert set(r.get_json()) == {"error"}


@pytest.mark.parametrize("days", ["0", "366", "abc", "-1", "1.5", "٣", "", " 3"])
def test_bad_days_are_a_400_with_an_error(api, days):
    api.as_("staff")
    r = api.get(f"/stats?days={days}")
    if days == "":
        assert r.status_code == 200 and len(r.get_json()["days"]) == 30  # empty means the default
        return
    assert r.status_code == 400 and "days" in r.get_json()["error"]


def test_stats_answer_has_exactly_the_contract_shape(api):
    body = api.as_("staff").get("/stats?days=365").get_json()
    assert {"days", "status_funnel", "median_first_response_hours"} <= set(body)
    assert len(body["days"]) == 365 and body["days"][-1]["date"] == utcnow().date().isoformat()
    assert all(isinstance(d[k], int) for d in body["days"] for k in DAY_KEYS - {"date"})


def test_dashboard_page_draws_svg_charts_with_text_alternatives_and_no_script(client, auth, make_user):
    author = make_user()
    make_idea(author, "Chart this idea please")
    auth.login(make_user("staff").email)
    r = client.get("/staff/dashboard?days=7")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "script-src 'self'" in r.headers["Content-Security-Policy"]
    svgs = re.findall(r"<svg .*?</svg>", html, re.S)
    assert len(svgs) == 6  # five activity charts and the funnel (no contest yet)
    for svg in svgs:
        assert 'role="img"' in svg and "<title" in svg and "viewBox" in svg
        assert "<style" not in svg and "<script" not in svg and "style=" not in svg
    assert '<title id="chart-' in html and "Ideas per day, last 7 days" in html
    assert "<script>" not in html and "<style" not in html
    assert "Numbers per day" in html and html.count('<tr><th scope="row"><time') == 7
    for name in ("activity", "funnel"):
        assert f"/staff/dashboard/{name}.csv?days=7" in html
    assert 'href="/staff/dashboard"' in html  # the staff nav links it


def test_dashboard_page_refuses_a_bad_window_and_members(client, auth, make_user):
    auth.login(make_user().email)
    assert client.get("/staff/dashboard").status_code == 403
    assert client.get("/staff/dashboard/activity.csv").status_code == 403
    auth.logout()
    auth.login(make_user("staff").email)
    assert client.get("/staff/dashboard?days=abc").status_code == 400
    assert client.get("/staff/dashboard/activity.csv?days=999").status_code == 400
    assert client.get("/staff/dashboard/nothing.csv").status_code == 404
    assert client.get("/staff/dashboard/nothing.csv?days=0").status_code == 404  # no such file, whatever the window


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response.content_type == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_csv_downloads_carry_the_charts_numbers_and_defuse_formulas(client, auth, make_user):
    author = make_user()
    sneaky = make_idea(author, '=HYPERLINK("http://evil","x")')
    voting.cast_vote(make_user(), sneaky.id, 1)
    contest = _contest("@SUM(A1:A2) photos")
    _entry(contest, author, votes=3)
    staff = make_user("staff")
    auth.login(staff.email)

    assert set(dashboard_views.CHARTS) == set(dashboard_views.tables(stats.dashboard(staff, 3)))  # each has its file
    activity = _csv(client.get("/staff/dashboard/activity.csv?days=3"))
    assert activity[0] == ["date", "new_members", "ideas", "votes", "comments", "entries"]
    assert [row[0] for row in activity[1:]] == [(utcnow().date() - timedelta(days=n)).isoformat() for n in (2, 1, 0)]
    assert activity[-1][1:] == ["3", "1", "2", "0", "1"]

    funnel = _csv(client.get("/staff/dashboard/funnel.csv"))
    assert funnel[0] == ["status", "name", "ideas"] and funnel[1] == ["new", "New", "1"]
    assert len(funnel) == 1 + len(status_catalog.statuses())

    top = _csv(client.get("/staff/dashboard/top-ideas.csv"))
    assert top[1] == [str(sneaky.id), '\'=HYPERLINK("http://evil","x")', "new", "2"]

    contests = _csv(client.get("/staff/dashboard/contests.csv"))
    assert contests[1][1] == "'@SUM(A1:A2) photos" and contests[1][3:] == ["1", "1", "3"]


def test_statistics_window_is_checked_in_the_service_too():
    assert stats.checked_days(None) == 30 and stats.checked_days("7") == 7 and stats.checked_days(365) == 365
    for bad in ("0", "366", "x", True, 0):
        with pytest.raises(stats.InvalidInput):
            stats.checked_days(bad)


def test_the_weeks_ranking_is_reused_from_the_cache_but_hidden_ideas_leave_at_once(database_url, redis_url, make_user):
    from ideas_portal import create_app

    author, fan = make_user(), make_user()
    first, second = make_idea(author, "First in the ranking"), make_idea(author, "Second in the ranking")
    voting.cast_vote(fan, first.id, 1)
    staff_email = make_user("staff").email
    first_id, second_id, fan_id = first.id, second.id, fan.id
    db.session.remove()
    cached = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": redis_url,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "k",
            "CACHE_TYPE": "SimpleCache",
        }
    )
    with cached.app_context():
        staff = db.session.scalar(select(User).where(User.email == staff_email))
        assert [(i.id, n) for i, n in stats.dashboard(staff, 7).top_ideas_week] == [(first_id, 2), (second_id, 1)]
        voting.cast_vote(db.session.get(User, fan_id), second_id, 1)
        db.session.commit()
        voting.cast_vote(make_user(), second_id, 1)
        db.session.commit()
        # Within RANKING_SECONDS the ranking is the one counted before; the ideas are read fresh.
        assert [(i.id, n) for i, n in stats.dashboard(staff, 7).top_ideas_week] == [(first_id, 2), (second_id, 1)]
        db.session.execute(update(Idea).where(Idea.id == first_id).values(hidden_at=utcnow()))
        db.session.commit()
        assert [i.id for i, _ in stats.dashboard(staff, 7).top_ideas_week] == [second_id]
        db.session.remove()
