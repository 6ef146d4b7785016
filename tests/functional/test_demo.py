"""`flask seed-demo` tells one coherent story: a timeline in order, merged duplicates, rules that match the contest."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from ideas_portal.extensions import db
from ideas_portal.models import (
    Comment,
    Contest,
    ContestEntry,
    ContestVote,
    FeedItem,
    Idea,
    Notification,
    PointEntry,
    Status,
    StatusChange,
    User,
    Vote,
)
from ideas_portal.models.merges import IdeaMerge
from ideas_portal.templating import timeago

TIMED = [
    Idea,
    Comment,
    Vote,
    StatusChange,
    FeedItem,
    Notification,
    ContestEntry,
    ContestVote,
    User,
    IdeaMerge,
    PointEntry,
]
REVIEW_WORDS = ("checked by our team", "reviewed", "approved", "moderat")


def snapshot() -> dict[str, tuple]:
    """Every seeded table's row count and newest timestamp: a second run must leave all of them as they were."""
    db.session.expire_all()
    return {
        model.__name__: db.session.execute(select(func.count(), func.max(model.created_at))).one() for model in TIMED
    }


def test_seed_demo_tells_one_coherent_story_and_a_second_run_changes_nothing(app, runner, client):
    """One seed for every check: seeding makes photos and thumbnails, so it takes a while."""
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    seeded = datetime.now(timezone.utc)
    for check in (
        feed_order_by_id_is_the_order_of_the_timestamps,
        every_duplicate_is_merged_into_an_original_that_is_no_duplicate,
        contest_rules_say_entries_are_reviewed_exactly_when_they_are,
        nothing_is_dated_in_the_future_or_reads_just_now,
        the_story_spreads_over_weeks_and_each_thing_follows_what_it_is_about,
        idea_titles_are_each_written_once,
    ):
        check(client=client, seeded=seeded)
    the_history_earned_points_and_badges_that_recount_proves(client, runner)
    second_run_changes_nothing(runner)


def the_history_earned_points_and_badges_that_recount_proves(client, runner):
    """The demo's rows are written directly; its recognition seed gives them the points the services would have."""
    leaders = client.get("/api/v1/leaderboard?period=all").get_json()["items"]
    assert len(leaders) >= 10 and leaders[0]["points"] >= leaders[-1]["points"] > 0
    member_id = db.session.scalar(select(User.id).where(User.email == "member@example.com"))
    shown = client.get(f"/api/v1/users/{member_id}").get_json()
    assert {"star-member", "first-idea"} <= {b["slug"] for b in shown["badges"]} and shown["points"] > 0
    result = runner.invoke(args=["recount"])
    assert result.exit_code == 0 and result.output.strip().endswith("0 correction(s)"), result.output
    home = client.get("/").get_data(as_text=True)
    assert "Which should we try first next spring?" in home  # the open poll, featured on the home page


def second_run_changes_nothing(runner):
    before = snapshot()
    assert before["Idea"][0] > 50 and before["FeedItem"][0] > 10 and before["Notification"][0] > 0
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0 and "already present" in result.output, result.output
    assert snapshot() == before


def feed_order_by_id_is_the_order_of_the_timestamps(client, seeded):
    # Pages list these newest first by id ("Ideas you voted on", an idea's comments, the feed): ids follow time.
    for model in (FeedItem, Vote, Comment):
        rows = db.session.execute(select(model.id, model.created_at).order_by(model.id)).all()
        assert [r.id for r in rows] == [r.id for r in sorted(rows, key=lambda r: (r.created_at, r.id))], model
    page = client.get("/api/v1/feed?limit=50").get_json()["items"]
    shown = [item["created_at"] for item in page]
    assert len(shown) == 50 and shown == sorted(shown, reverse=True)
    assert {item["kind"] for item in db.session.execute(select(FeedItem.kind)).mappings()} >= {
        "status_change",
        "contest_result",
    }


def every_duplicate_is_merged_into_an_original_that_is_no_duplicate(client, seeded):
    duplicate = db.session.scalar(select(Status.id).where(Status.slug == "duplicate"))
    dupes = db.session.scalars(select(Idea).where(Idea.status_id == duplicate)).all()
    assert len(dupes) >= 3
    for idea in dupes:
        original = db.session.get(Idea, idea.merged_into_id) if idea.merged_into_id else None
        assert original is not None, f"#{idea.id} {idea.title!r} is a Duplicate of nothing"
        assert original.status_id != duplicate and original.created_at < idea.created_at
        merge = db.session.scalar(select(IdeaMerge).where(IdeaMerge.source_id == idea.id))
        assert merge is not None and merge.target_id == original.id and merge.undone_at is None
        assert db.session.scalar(select(func.count()).select_from(Vote).where(Vote.idea_id == idea.id)) == 0


def contest_rules_say_entries_are_reviewed_exactly_when_they_are(client, seeded):
    contests = db.session.scalars(select(Contest)).all()
    assert len(contests) >= 2
    for contest in contests:
        says_reviewed = any(word in contest.rules.lower() for word in REVIEW_WORDS)
        assert says_reviewed == contest.moderated, (contest.title, contest.moderated, contest.rules)
        limit = contest.max_entries_per_member
        says_limit = f"{limit} entr" in contest.rules or (limit == 1 and "one entry" in contest.rules.lower())
        assert says_limit, contest.rules


def nothing_is_dated_in_the_future_or_reads_just_now(client, seeded):
    for model in TIMED:
        newest = db.session.scalar(select(func.max(model.created_at)))
        assert newest is not None and newest <= seeded, model.__name__
    for model in (Idea, Comment, StatusChange, FeedItem, Notification, ContestEntry):
        for moment in db.session.scalars(select(model.created_at)):
            assert timeago(moment) != "just now", model.__name__


def the_story_spreads_over_weeks_and_each_thing_follows_what_it_is_about(client, seeded):
    first, last = db.session.execute(select(func.min(Idea.created_at), func.max(Idea.created_at))).one()
    assert last - first > timedelta(weeks=8)
    first, last = db.session.execute(select(func.min(FeedItem.created_at), func.max(FeedItem.created_at))).one()
    assert last - first > timedelta(weeks=4)
    for model in (Comment, StatusChange, Vote):
        early = db.session.scalar(
            select(func.count())
            .select_from(model)
            .join(Idea, Idea.id == model.idea_id)
            .where(model.created_at < Idea.created_at)
        )
        assert early == 0, f"{model.__name__} older than its idea"
    authors_too_new = db.session.scalar(
        select(func.count())
        .select_from(Idea)
        .join(User, User.id == Idea.author_id)
        .where(User.created_at > Idea.created_at)
    )
    assert authors_too_new == 0
    for contest in db.session.scalars(select(Contest).where(Contest.announced_at.is_not(None))):
        told = db.session.scalars(select(Notification.created_at).where(Notification.contest_id == contest.id)).all()
        result = db.session.scalar(select(FeedItem.created_at).where(FeedItem.contest_id == contest.id))
        assert told and all(contest.closes_at <= t <= contest.closes_at + timedelta(days=1) for t in told)
        assert contest.closes_at <= result == contest.announced_at <= contest.closes_at + timedelta(days=1)


def idea_titles_are_each_written_once(client, seeded):
    titles = db.session.scalars(select(Idea.title)).all()
    assert len({t.lower() for t in titles}) == len(titles)
    assert not any("(" in t for t in titles)  # no "(weekdays)" padding to make generated titles unique
