"""Points: every earning event writes one ledger line in its own transaction, an undone one takes its points back,
nothing counts twice (not even two at once), and `flask recount` proves the cached balances from the ledger."""

from __future__ import annotations

import random
import threading

import pytest
from sqlalchemy import func, select, update

from ideas_portal.extensions import db
from ideas_portal.models import ActiveDay, PointEntry, PointTotal, User, Vote
from ideas_portal.models.types import utcnow
from ideas_portal.services import accounts, email_links, rewards
from ideas_portal.services.contests import results
from tests.functional.test_contest_results import closed_contest
from tests.functional import test_contests
from tests.functional.test_contests import Caller, approved_entries, new_contest

person, worker = test_contests.person, test_contests.worker  # the same fixtures as the contest tests
POINTS = rewards.POINTS
IDEA = POINTS["idea"]


def balance(user_id: int) -> int:
    db.session.expire_all()
    return db.session.get_one(User, user_id).points


def ledger(user_id: int) -> list[tuple[str, int, str]]:
    db.session.expire_all()
    return [
        tuple(row)
        for row in db.session.execute(
            select(PointEntry.reason, PointEntry.amount, PointEntry.source)
            .where(PointEntry.user_id == user_id)
            .order_by(PointEntry.id)
        )
    ]


def proven(user_id: int) -> int:
    """The balance as the ledger says it; every test also checks the cache agrees."""
    total = db.session.scalar(select(func.sum(PointEntry.amount)).where(PointEntry.user_id == user_id)) or 0
    assert balance(user_id) == total
    return total


@pytest.fixture
def idea_of(person):
    """A member (an API caller) and an idea of theirs, posted through the API."""

    def make(title="Oat milk in every store"):
        author = person()
        r = author.post("/ideas", json={"title": title, "body": "Many of us drink it."})
        assert r.status_code == 201, r.get_json()
        return author, r.get_json()["id"]

    return make


def vote(caller: Caller, idea_id: int, value: int | None):
    r = (
        caller.delete(f"/ideas/{idea_id}/vote")
        if value is None
        else caller.put(f"/ideas/{idea_id}/vote", json={"value": value})
    )
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_an_idea_earns_its_author_points_once_and_their_own_vote_earns_nothing(idea_of):
    author, idea_id = idea_of()
    assert ledger(author.id) == [("idea", IDEA, f"idea:{idea_id}#0")]
    vote(author, idea_id, None)
    vote(author, idea_id, 1)  # their own up-vote, withdrawn and given again
    assert proven(author.id) == IDEA


def test_an_up_vote_earns_one_point_and_withdrawing_or_switching_takes_it_back(idea_of, person):
    author, idea_id = idea_of()
    voter = person()
    steps = [(1, 1), (None, 0), (1, 1), (-1, 0), (1, 1), (1, 1)]  # the last: the same vote again changes nothing
    for value, held in steps:
        vote(voter, idea_id, value)
        assert proven(author.id) == IDEA + held, (value, held)
    lines = [line for line in ledger(author.id) if line[0] == "upvote"]
    subject = f"vote:{idea_id}:{voter.id}"
    assert lines == [("upvote", 1, f"{subject}#0"), ("upvote", -1, f"{subject}#1"), ("upvote", 1, f"{subject}#2"),
                     ("upvote", -1, f"{subject}#3"), ("upvote", 1, f"{subject}#4")]  # fmt: skip
    assert balance(voter.id) == 0  # voting earns the voter nothing


def test_a_down_vote_earns_nothing_and_the_html_button_earns_like_the_api(idea_of, person, client, auth, make_user):
    author, idea_id = idea_of()
    vote(person(), idea_id, -1)
    assert proven(author.id) == IDEA
    member = make_user()
    auth.login(member.email)
    assert client.post(f"/ideas/{idea_id}/vote", data={"value": "1"}).status_code in (200, 302)
    assert proven(author.id) == IDEA + 1
    client.post(f"/ideas/{idea_id}/vote", data={"value": "1"})  # the same button again withdraws it
    assert proven(author.id) == IDEA


def test_a_vote_marks_the_voter_active_today(idea_of, person):
    _, idea_id = idea_of()
    voter = person()
    vote(voter, idea_id, -1)
    days = db.session.scalars(select(ActiveDay.day).where(ActiveDay.user_id == voter.id)).all()
    assert days == [utcnow().date()]


def test_a_held_vote_earns_nothing_until_its_member_verifies(idea_of, client):
    author, idea_id = idea_of()
    newcomer = accounts.register("new@example.com", "Newcomer", "correct horse", verified=False)
    newcomer_id = newcomer.id
    caller = Caller(client, newcomer)
    vote(caller, idea_id, 1)
    assert proven(author.id) == IDEA  # held: outside every counter, the author's points too
    token = email_links.issue(newcomer_id, "verify", "new@example.com")
    db.session.commit()
    assert client.get(f"/verify/{token}").status_code == 200
    assert proven(author.id) == IDEA + 1
    vote(caller, idea_id, None)
    assert proven(author.id) == IDEA


def test_up_votes_earn_at_most_the_daily_cap_and_a_capped_vote_takes_nothing_back(idea_of, person, monkeypatch):
    monkeypatch.setattr(rewards, "UPVOTE_DAILY_CAP", 3)
    author, idea_id = idea_of()
    voters = [person() for _ in range(5)]
    for voter in voters:
        vote(voter, idea_id, 1)
    assert proven(author.id) == IDEA + 3
    vote(voters[4], idea_id, None)  # over the cap it earned nothing, so it takes nothing
    assert proven(author.id) == IDEA + 3
    vote(voters[0], idea_id, None)  # a counted one gives its point back, and makes room under today's cap
    assert proven(author.id) == IDEA + 2
    vote(voters[4], idea_id, 1)
    assert proven(author.id) == IDEA + 3


def test_status_bonuses_are_earned_once_per_status(idea_of, person):
    author, idea_id = idea_of()
    staff = person("staff")
    for slug in ("under-review", "reviewed", "coming-soon", "launched", "reviewed", "launched"):
        r = staff.post(f"/ideas/{idea_id}/status", json={"status": slug, "note": ""})
        assert r.status_code == 200, r.get_json()
    bonuses = [line for line in ledger(author.id) if line[0] == "status"]
    assert bonuses == [
        ("status", POINTS["status:reviewed"], f"status:{idea_id}:reviewed#0"),
        ("status", POINTS["status:coming-soon"], f"status:{idea_id}:coming-soon#0"),
        ("status", POINTS["status:launched"], f"status:{idea_id}:launched#0"),
    ]
    assert proven(author.id) == IDEA + 50 + 150 + 500


def test_an_official_answer_earns_the_author_once_but_staff_answering_their_own_idea_nothing(
    idea_of, person, client, auth, make_user
):
    author, idea_id = idea_of()
    staff = make_user("staff")
    staff_id, staff_email = staff.id, staff.email
    staff_api = Caller(client, staff)
    first = staff_api.post(f"/ideas/{idea_id}/comments", json={"body": "We are on it."}).get_json()["id"]
    second = staff_api.post(f"/ideas/{idea_id}/comments", json={"body": "Update: trial next month."}).get_json()["id"]
    own_idea = staff_api.post("/ideas", json={"title": "A staff idea", "body": "Ours."}).get_json()["id"]
    own_answer = staff_api.post(f"/ideas/{own_idea}/comments", json={"body": "Doing it."}).get_json()["id"]
    auth.login(staff_email)
    for comment_id in (first, second, first, own_answer):
        assert client.post(f"/comments/{comment_id}/official").status_code == 302
    assert [line for line in ledger(author.id) if line[0] == "official_answer"] == [
        ("official_answer", POINTS["official_answer"], f"answer:{idea_id}#0")
    ]
    assert proven(staff_id) == IDEA  # their own idea; answering it earns nothing


def test_an_approved_entry_earns_and_rejecting_it_takes_the_points_back(person, worker):
    staff, entrant = person("staff"), person()
    contest_id = new_contest(staff)["id"]
    (entry_id,) = approved_entries(staff, worker, contest_id, [entrant])
    assert proven(entrant.id) == POINTS["entry"]
    for decision, expected in (("reject", 0), ("reject", 0), ("approve", POINTS["entry"])):
        r = staff.post(f"/entries/{entry_id}/review", json={"decision": decision})
        assert r.status_code == 200, r.get_json()
        assert proven(entrant.id) == expected, decision
    assert [source for _, _, source in ledger(entrant.id)] == [f"entry:{entry_id}#{n}" for n in range(3)]


def test_an_unmoderated_entry_earns_when_the_worker_approves_it(person, worker):
    staff, entrant = person("staff"), person()
    contest_id = new_contest(staff, moderated=False)["id"]
    entrant.enter_ok(contest_id, 1)
    assert proven(entrant.id) == 0  # still processing
    worker()
    worker()  # a second run of the same job writes nothing more
    assert proven(entrant.id) == POINTS["entry"]


def test_contest_winners_earn_their_place_once(person, worker):
    staff, (ann, bob, cat), (a1, a2, b1, c1), contest_id = closed_contest(person, worker)
    assert staff.post(f"/contests/{contest_id}/close").status_code == 202  # closing again pays nothing again
    assert results.win_points(1) == POINTS["contest_win"]
    assert proven(ann.id) == 2 * POINTS["entry"] + results.win_points(1)
    assert proven(bob.id) == POINTS["entry"] + results.win_points(2)  # tied with Cat, entered first
    assert proven(cat.id) == POINTS["entry"]
    assert ("contest_win", results.win_points(1), f"win:{a1}#0") in ledger(ann.id)


def test_votes_moved_by_a_merge_earn_nothing_anew_and_can_be_withdrawn_and_unmerged(idea_of, person):
    source_author, source_id = idea_of("Oat milk please")
    target_author, target_id = idea_of("Offer oat milk")
    voter, staff = person(), person("staff")
    vote(voter, source_id, 1)
    assert staff.post(f"/ideas/{source_id}/merge", json={"into": target_id}).status_code == 200
    assert proven(source_author.id) == IDEA + 1 and proven(target_author.id) == IDEA
    vote(voter, target_id, None)
    assert proven(source_author.id) == IDEA + 1 and proven(target_author.id) == IDEA
    vote(voter, target_id, 1)  # a vote given on the target now is the target's
    assert proven(target_author.id) == IDEA + 1
    assert staff.post(f"/ideas/{source_id}/unmerge").status_code == 200


def test_me_shows_the_balance_and_the_export_lists_the_ledger(idea_of, person):
    author, idea_id = idea_of()
    vote(person(), idea_id, 1)
    me = author.get("/me").get_json()
    assert me["points"] == IDEA + 1
    lines = author.get("/me/export").get_json()["points"]
    assert [(p["reason"], p["amount"], p["idea_id"]) for p in lines] == [
        ("idea", IDEA, idea_id),
        ("upvote", 1, idea_id),
    ]
    assert all(p["created_at"].endswith("Z") for p in lines)


def test_profile_shows_the_members_points(idea_of, client):
    author, _ = idea_of()
    html = client.get(f"/users/{author.id}").get_data(as_text=True)
    assert f"{IDEA} points</a>" in html


# Two at once -------------------------------------------------------------------------------------------------


def _at_once(app, n: int, fn) -> list:
    """n threads released together, each in its own app context (own session, own connection)."""
    results_, barrier = [None] * n, threading.Barrier(n)

    def run(i):
        with app.app_context():
            barrier.wait()
            try:
                results_[i] = fn(i)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results_


def test_the_same_event_handled_many_times_at_once_counts_once(app, make_user):
    member_id = make_user().id
    db.session.remove()

    def handle(_):
        earned = rewards.award(member_id, "status", "status:1:launched", amount=500)
        db.session.commit()
        return earned

    assert sorted(_at_once(app, 8, handle)) == [False] * 7 + [True]
    assert proven(member_id) == 500
    totals = db.session.scalars(select(PointTotal.points).where(PointTotal.user_id == member_id)).all()
    assert totals == [500, 500]  # its week and its month


def test_many_members_up_voting_at_once_earn_the_author_one_point_each(app, idea_of, person):
    author, idea_id = idea_of()
    voters = [person() for _ in range(12)]
    twice = voters[0]
    db.session.remove()
    callers = voters + [twice] * 4  # one member clicking five times at once counts once

    def up(i):
        return app.test_client().put(f"/api/v1/ideas/{idea_id}/vote", json={"value": 1}, headers=callers[i].headers)

    assert {r.status_code for r in _at_once(app, len(callers), up)} == {200}
    assert proven(author.id) == IDEA + 12


def test_a_storm_of_votes_withdrawals_and_switches_leaves_one_point_per_counted_up_vote(app, idea_of, person):
    author, idea_id = idea_of()
    voters = [person() for _ in range(6)]
    rng = random.Random(12)
    plan = [(voters[i % 6], rng.choice([1, -1, None])) for i in range(36)]
    db.session.remove()

    def act(i):
        caller, value = plan[i]
        client = app.test_client()
        path = f"/api/v1/ideas/{idea_id}/vote"
        if value is None:
            return client.delete(path, headers=caller.headers)
        return client.put(path, json={"value": value}, headers=caller.headers)

    assert {r.status_code for r in _at_once(app, len(plan), act)} == {200}
    db.session.expire_all()
    ups = db.session.scalar(
        select(func.count()).where(Vote.idea_id == idea_id, Vote.value == 1, Vote.user_id != author.id)
    )
    assert proven(author.id) == IDEA + ups
    for voter in voters:  # and each vote's own lines hold exactly what it is worth now
        held = db.session.scalar(
            select(func.coalesce(func.sum(PointEntry.amount), 0)).where(
                PointEntry.subject == f"vote:{idea_id}:{voter.id}"
            )
        )
        value = db.session.scalar(select(Vote.value).where(Vote.idea_id == idea_id, Vote.user_id == voter.id))
        assert held == int(value == 1), (voter.id, value, held)


# flask recount ---------------------------------------------------------------------------------------------


def test_recount_proves_balances_period_totals_and_badges_from_the_rows_and_fixes_them(idea_of, person, runner):
    author, idea_id = idea_of()
    vote(person(), idea_id, 1)
    assert runner.invoke(args=["recount"]).output.endswith("0 correction(s)\n")
    week = rewards.period_starts(utcnow())["week"]
    db.session.execute(update(User).where(User.id == author.id).values(points=99, badge_slugs="star-member"))
    db.session.execute(
        update(PointTotal).where(PointTotal.user_id == author.id, PointTotal.period == "week").values(points=3)
    )
    db.session.add(PointTotal(period="month", starts_on=week.replace(day=1, year=2001), user_id=author.id, points=7))
    db.session.commit()
    out = runner.invoke(args=["recount"]).output
    assert f"user {author.id}: points 99→{IDEA + 1}" in out
    assert f"user {author.id}: week of {week.isoformat()} points 3→{IDEA + 1}" in out
    assert f"user {author.id}: month of 2001-{week.month:02d}-01 points 7→0" in out
    assert f"user {author.id}: badges “star-member”→“" in out
    assert proven(author.id) == IDEA + 1
    db.session.expire_all()
    assert db.session.get_one(User, author.id).badge_slugs != "star-member"
    assert runner.invoke(args=["recount"]).output.endswith("0 correction(s)\n")
