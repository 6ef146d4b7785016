"""Badges through the real path: an HTTP action, the outbox, a real `flask worker --burst`, then what the member
sees (GET /users/{id}, the cached slugs, the notice in the app and over the API). Each rule once, awarded once."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import insert, select

from ideas_portal import outbox, workers
from ideas_portal.extensions import db
from ideas_portal.models import ActiveDay, BadgeAward, OutboxJob, User
from ideas_portal.models.types import utcnow
from ideas_portal.services import badges, rewards
from ideas_portal.services.exceptions import InvalidInput
from tests.conftest import AuthActions
from tests.functional import test_contests
from tests.functional.test_contests import Caller, approved_entries, new_contest

person, worker = test_contests.person, test_contests.worker  # API callers of their own, the real worker


def post_idea(caller: Caller, n: int = 1) -> int:
    r = caller.post("/ideas", json={"title": f"Idea number {n} for the stores", "body": "Because we would use it."})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def held(caller: Caller) -> list[str]:
    r = caller.get(f"/users/{caller.id}")
    assert r.status_code == 200
    return [b["slug"] for b in r.get_json()["badges"]]


def badge_notices(caller: Caller) -> list[str]:
    return [n["body"] for n in caller.get("/notifications").get_json()["items"] if n["kind"] == "badge"]


def cached(user_id: int) -> str:
    db.session.expire_all()
    return db.session.scalar(select(User.badge_slugs).where(User.id == user_id))


def check_again(user_id: int, key: str) -> None:
    """The job once more, as a retry or a second event would run it."""
    outbox.enqueue("badges.check_member", user_id, key=key)
    db.session.commit()


def test_first_idea_is_awarded_by_the_worker_once_with_a_notice_in_the_app_and_the_api(person, worker, client):
    ann = person()
    post_idea(ann)
    assert held(ann) == []  # not before the job has run
    worker()
    assert held(ann) == ["first-idea"]
    assert cached(ann.id) == "first-idea"
    notice = "You earned the “First idea” badge for sharing a first idea."
    assert badge_notices(ann) == [notice]
    AuthActions(client).login(ann.email)
    page = client.get("/notifications").get_data(as_text=True)
    assert notice in page and f'href="/users/{ann.id}#badges"' in page
    post_idea(ann, 2)  # another earning event: its job finds first-idea held
    check_again(ann.id, "badges-again")
    worker()
    assert held(ann) == ["first-idea"] and badge_notices(ann) == [notice]
    assert db.session.scalar(select(BadgeAward.id).where(BadgeAward.user_id == ann.id).limit(2).offset(1)) is None


def test_ten_ideas_counts_the_ideas_still_shown(person, worker, client):
    bob = person()
    ids = [post_idea(bob, n) for n in range(1, 11)]
    AuthActions(client).login(bob.email)
    assert client.post(f"/ideas/{ids[0]}/withdraw").status_code == 302  # withdrawn before the jobs run
    worker()
    assert held(bob) == ["first-idea"]  # nine still shown
    post_idea(bob, 11)
    worker()
    assert held(bob) == ["ten-ideas", "first-idea"]  # display order: the rarer first
    assert cached(bob.id) == "ten-ideas first-idea"


def test_an_idea_reaching_the_vote_threshold_earns_crowd_favourite_through_its_promotion(
    person, worker, app, monkeypatch
):
    monkeypatch.setenv("SUCCESS_THRESHOLD", "3")  # the worker process reads it from its environment
    monkeypatch.setitem(app.config, "SUCCESS_THRESHOLD", 3)
    author, v1, v2 = person(), person(), person()
    idea_id = post_idea(author)
    worker()
    assert held(author) == ["first-idea"]
    for voter in (v1, v2):  # up-votes enqueue no badge check: the promotion at 3 is the event
        assert voter.put(f"/ideas/{idea_id}/vote", json={"value": 1}).status_code == 200
    assert author.get(f"/ideas/{idea_id}").get_json()["status"] == "under-review"
    assert outbox.status(f"badges-success-{idea_id}") == "pending"
    worker()
    assert held(author) == ["idea-success", "first-idea"]
    assert "You earned the “Crowd favourite” badge for an idea that reached 3 net votes." in badge_notices(author)


def test_an_idea_reaching_launched_earns_idea_launched(person, worker):
    author, staff = person(), person("staff")
    idea_id = post_idea(author)
    worker()
    r = staff.post(f"/ideas/{idea_id}/status", json={"status": "coming-soon"})
    assert r.status_code == 200, r.get_json()
    worker()
    assert "idea-launched" not in held(author)
    assert staff.post(f"/ideas/{idea_id}/status", json={"status": "launched"}).status_code == 200
    worker()
    assert held(author) == ["idea-launched", "first-idea"]
    assert staff.post(f"/ideas/{idea_id}/status", json={"status": "coming-soon"}).status_code == 200
    check_again(author.id, "badges-after-launch")
    worker()
    assert held(author) == ["idea-launched", "first-idea"]  # kept once earned


def test_first_entry_needs_the_photo_approved_and_winning_earns_contest_winner(person, worker):
    staff, ann, bob, voter = person("staff"), person(), person(), person()
    contest_id = new_contest(staff, winner_count=1)["id"]
    waiting = bob.enter_ok(contest_id, 3)
    a1, _ = approved_entries(staff, worker, contest_id, [ann, person()])
    worker()
    assert held(ann) == ["first-entry"]
    assert held(bob) == []  # processed, waiting for review: a photo not approved earns nothing
    r = staff.post(f"/entries/{waiting}/review", json={"decision": "reject", "reason": "Not your own photo."})
    assert r.status_code == 200, r.get_json()
    worker()
    assert held(bob) == []
    assert voter.put(f"/entries/{a1}/vote").status_code == 200
    assert staff.post(f"/contests/{contest_id}/close").status_code == 202
    worker()  # the close job awards the win, whose badge check runs next
    worker()
    assert held(ann) == ["contest-winner", "first-entry"]
    assert "You earned the “Contest winner” badge for winning a photo contest." in badge_notices(ann)


def _active_days(user_id: int, days: list) -> None:
    db.session.execute(insert(ActiveDay), [{"user_id": user_id, "day": d} for d in days])
    db.session.commit()


@pytest.mark.parametrize("gap, earned", [(None, True), (12, False)])
def test_thirty_days_in_a_row_earn_the_streak_on_the_thirtieth(person, worker, gap, earned, monkeypatch):
    dee, author = person(), person()
    idea_id = post_idea(author)
    today = utcnow().date()
    _active_days(dee.id, [today - timedelta(days=n) for n in range(1, 30) if n != gap])
    worker()
    assert held(dee) == []
    # The comment counts on `today` even if UTC midnight passes while the worker runs.
    monkeypatch.setattr(rewards, "utcnow", lambda: datetime.combine(today, time(12), tzinfo=timezone.utc))
    r = dee.post(f"/ideas/{idea_id}/comments", json={"body": "Day thirty, still here."})  # acts on day 30
    assert r.status_code == 201, r.get_json()
    worker()
    assert ("streak-30" in held(dee)) is earned


def _month_edges() -> tuple[datetime, datetime]:
    """The first moment of a month long past (UTC) and the last second of the month before. Not this month: the
    worker's own tick ranks last month in the first week of each month, and a month turning while a test runs
    would make it rank the test's month too."""
    first = datetime(2020, 2, 1, tzinfo=timezone.utc)
    return first, first - timedelta(seconds=1)


def test_the_ten_members_with_most_points_last_month_get_top_ten_once_the_month_is_over(person, worker, make_user):
    first, last_second = _month_edges()
    members = [person() for _ in range(11)]
    for rank, who in enumerate(members):  # 110, 100, … 10 points, all in the month's last second
        rewards.award(who.id, "idea", f"test-month:{who.id}", amount=110 - 10 * rank, at=last_second)
    newcomer, staff_id = person(), make_user("staff").id
    rewards.award(newcomer.id, "idea", "test-month:new", amount=1000, at=first)  # this month: not last month's
    rewards.award(staff_id, "idea", "test-month:staff", amount=1000, at=last_second)  # staff are not ranked
    db.session.commit()
    assert badges.schedule_top_ten(now=first + timedelta(seconds=30)) is True
    assert badges.schedule_top_ten(now=first + timedelta(minutes=1)) is False  # the key: once
    worker()
    month = badges.month_name(last_second.date())
    assert [("top-ten-month" in held(who)) for who in members] == [True] * 10 + [False]
    assert "top-ten-month" not in held(newcomer)
    assert db.session.scalar(select(User.badge_slugs).where(User.id == staff_id)) == ""
    notice = f"You earned the “Top ten of the month” badge for being among the ten most active members of {month}."
    assert notice in badge_notices(members[0])
    outbox.enqueue("badges.award_top_ten", f"{last_second:%Y-%m}", key="top-ten-again")  # run twice: awarded once
    db.session.commit()
    worker()
    assert badge_notices(members[0]).count(notice) == 1


def test_the_worker_tick_writes_the_month_job_in_the_first_week_only(app, monkeypatch):
    first, last_second = _month_edges()
    key = f"top-ten-{last_second:%Y-%m}"
    monkeypatch.setattr(badges, "utcnow", lambda: first + timedelta(days=8))
    workers.tick()
    assert outbox.status(key) is None  # a week on: the outbox may have forgotten the key, so nothing is written
    monkeypatch.setattr(badges, "utcnow", lambda: first + timedelta(hours=2))
    workers.tick()
    workers.tick()
    assert db.session.scalars(select(OutboxJob.name).where(OutboxJob.key == key)).all() == ["badges.award_top_ten"]


def test_the_month_job_does_nothing_for_a_month_not_over(app, make_user):
    this_month = utcnow().date().replace(day=1)
    member = make_user()
    rewards.award(member.id, "idea", "test-month:now", amount=50)
    db.session.commit()
    assert badges.award_top_ten(f"{this_month:%Y-%m}") == []
    for wrong in ("2026-13", "26-11", "not-a-month", "２０２６-１１"):
        with pytest.raises(InvalidInput, match="YYYY-MM"):
            badges.award_top_ten(wrong)
