"""The weekly digest: only to members who opted in, at most one per member and ISO week however often (or however
concurrently) it runs, telling that week's news and nothing of the weeks around it, with a working unsubscribe."""

import email
import email.policy
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from ideas_portal.extensions import db
from ideas_portal.jobs import run
from ideas_portal.models import (
    Contest,
    DigestSend,
    FeedItem,
    OutboundEmail,
    OutboxJob,
    Poll,
    PollOption,
    User,
    Vote,
)
from ideas_portal.models.types import utcnow
from ideas_portal import outbox
from ideas_portal.services import accounts, digest, follows, preferences, status_catalog, status_changes
from ideas_portal.services.digest_news import Week, parse_week
from tests.conftest import BACKEND, run_worker_burst
from tests.functional.helpers import make_idea

SITE = "https://ideas.example.com"
US = timedelta(microseconds=1)


@pytest.fixture
def site(app):
    app.config["SITE_URL"] = SITE
    yield
    app.config.pop("SITE_URL")


def opt_in(*users, wanted=True):
    for user in users:
        preferences.update(user.id, {"digest": {"email": wanted}})
    db.session.commit()


def vote_at(idea, voter, when):
    """An up-vote cast at `when` (the author's own first vote is moved out of every week the tests look at)."""
    db.session.add(Vote(idea_id=idea.id, user_id=voter.id, value=1, created_at=when))
    db.session.commit()


def quiet_idea(author, title):
    """An idea whose author's first vote lies years back, so only the votes a test casts are in its weeks."""
    idea = make_idea(author, title)
    db.session.execute(update(Vote).where(Vote.idea_id == idea.id).values(created_at=utcnow() - timedelta(days=3000)))
    db.session.commit()
    return idea


def change_at(idea, slug, when, staff):
    status_changes.record(idea, idea.status_id, status_catalog.find_status(slug), staff, "", at=when)
    db.session.commit()


def contest_announced(title, when):
    contest = Contest(
        title=title,
        rules="Your own photo.",
        rules_html="<p>Your own photo.</p>",
        opens_at=when - timedelta(days=10),
        entries_close_at=when - timedelta(days=5),
        closes_at=when - timedelta(hours=1),
        draw_seed="0" * 64,
        announced_at=when,
    )
    db.session.add(contest)
    db.session.flush()
    body = f"The “{title}” contest has closed. Winner: Jo (entry 1)."
    db.session.add(
        FeedItem(kind="contest_result", contest_id=contest.id, title=title, body=body, body_html=body, created_at=when)
    )
    db.session.commit()
    return contest


def poll(author, question, opens_at, closes_at=None, closed_at=None):
    row = Poll(question=question, opens_at=opens_at, closes_at=closes_at, closed_at=closed_at, author_id=author.id)
    row.options = [PollOption(position=1, text="Yes"), PollOption(position=2, text="No")]
    db.session.add(row)
    db.session.commit()
    return row


def delivered(app, address=None) -> list[email.message.EmailMessage]:
    found = []
    for path in sorted(Path(app.config["MAIL_DIR"]).glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if address is None or message["To"] == address:
            found.append(message)
    return found


def digest_bodies(address: str) -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(OutboundEmail.body)
            .where(OutboundEmail.to == address, OutboundEmail.subject.startswith("Your weekly digest"))
            .order_by(OutboundEmail.id)
        )
    )


def sends() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(DigestSend))


@pytest.fixture
def news(make_user):
    """Something to tell in the last finished week: one idea voted up in it."""
    week = digest.last_finished_week()
    idea = quiet_idea(make_user(), "Longer opening hours")
    vote_at(idea, make_user(), week.starts_at + timedelta(days=2))
    return week


def test_the_command_sends_once_per_member_and_week_however_often_it_runs(app, runner, make_user, news, site):
    readers = [make_user(), make_user()]
    opt_in(*readers)
    first = runner.invoke(args=["digest", "send", "--week", news.label])
    assert first.exit_code == 0, first.output
    assert first.output.strip() == f"{news.label}: 2 digest(s) sent, 0 already had it"
    again = runner.invoke(args=["digest", "send", "--week", news.label])
    assert again.output.strip() == f"{news.label}: 0 digest(s) sent, 2 already had it"
    # Delivered by the command itself: with no worker running, the mail is already in MAIL_DIR.
    assert sorted(m["To"] for m in delivered(app)) == sorted(r.email for r in readers)
    assert sends() == 2
    assert db.session.scalar(select(func.count()).where(DigestSend.email_id.is_(None))) == 0
    # Their delivery jobs, held for the worker in case the command could not deliver, then find them sent.
    run_worker_burst(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config["REDIS_URL"], Path(app.config["MAIL_DIR"]).parent
    )
    for job_id in db.session.scalars(select(OutboxJob.id).where(OutboxJob.name == "mail.deliver_email")).all():
        run(job_id)  # what the worker does when the ten minutes are up
    assert len(delivered(app)) == 2


def test_without_week_it_tells_the_last_finished_week(runner, make_user, news):
    opt_in(make_user())
    result = runner.invoke(args=["digest", "send"])
    assert result.exit_code == 0 and result.output.startswith(f"{news.label}: 1 digest(s) sent")
    assert "last finished" in runner.invoke(args=["digest", "send", "--help"]).output


def test_only_members_who_opted_in_by_email_get_it(app, make_user, news):
    verified, opted_out, unsubscribed, suspended, deleted = (make_user() for _ in range(5))
    unverified = accounts.register("new@example.com", "New Member", "correct horse", verified=False)
    never_chose = make_user()
    staff = make_user("staff")
    opt_in(verified, unverified, unsubscribed, suspended, deleted, staff)
    opt_in(unsubscribed, wanted=False)
    preferences.update(opted_out.id, {"digest": {"in_app": True}})  # in-app only is not an email
    db.session.execute(update(User).where(User.id == suspended.id).values(banned_at=utcnow()))
    db.session.execute(update(User).where(User.id == deleted.id).values(deleted_at=utcnow()))
    db.session.commit()
    outcome = digest.send_week(news)
    assert (outcome.sent, outcome.already) == (3, 0)
    got = set(db.session.scalars(select(OutboundEmail.to)))
    assert got == {verified.email, unverified.email, staff.email}
    assert never_chose.email not in got  # the digest is off until chosen


def test_the_unsubscribe_link_is_in_the_body_and_header_and_switches_the_digest_off(
    app, client, runner, make_user, news, site
):
    reader = make_user()
    opt_in(reader)
    assert runner.invoke(args=["digest", "send", "--week", news.label]).exit_code == 0
    [message] = delivered(app, reader.email)
    header = message["List-Unsubscribe"]
    assert header.startswith(f"<{SITE}/unsubscribe/") and header.endswith(">")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = header[1:-1]
    text = message.get_content()
    assert f"Unsubscribe with one click: {link}" in text
    assert "you chose the weekly digest" in text
    page = client.get(link)
    assert "Stop emails about the weekly digest?" in page.get_data(as_text=True)
    assert client.post(link).status_code == 200
    assert preferences.wanted(reader.id, "digest") == (False, False)
    outcome = digest.send_week(news.previous().previous())  # another week: nothing for them now
    assert outcome.sent == 0 and len(delivered(app, reader.email)) == 1


def test_it_tells_that_weeks_news_and_nothing_from_the_weeks_around_it(app, make_user, site):
    week = digest.last_finished_week().previous()  # the week after it is over too
    start, end = week.starts_at, week.ends_at
    author, voter, other, staff = make_user(), make_user(), make_user(), make_user("staff")
    reader = make_user()
    opt_in(reader)
    inside = quiet_idea(author, "Voted on Monday at midnight")
    late = quiet_idea(author, "Voted on Sunday night")
    before = quiet_idea(author, "Voted the Sunday before")
    after = quiet_idea(author, "Voted the next Monday")
    vote_at(inside, voter, start)
    vote_at(inside, other, start + timedelta(days=1))
    vote_at(late, voter, end - US)
    vote_at(before, voter, start - US)
    vote_at(before, other, start - timedelta(days=1))
    vote_at(after, voter, end)
    vote_at(after, other, end + timedelta(hours=1))
    moved_first, moved_last = make_idea(author, "Moved at Monday midnight"), make_idea(author, "Moved on Sunday")
    moved_before, moved_after = make_idea(author, "Moved the week before"), make_idea(author, "Moved next week")
    followed = make_idea(author, "One the reader follows")
    follows.follow(reader.id, followed.id)
    db.session.commit()
    change_at(moved_first, "under-review", start, staff)
    change_at(moved_last, "coming-soon", end - US, staff)
    change_at(moved_before, "under-review", start - US, staff)
    change_at(moved_after, "under-review", end, staff)
    change_at(followed, "launched", start + timedelta(days=3), staff)
    contest_announced("Autumn light", end - timedelta(minutes=1))
    contest_announced("Summer colours", start - US)
    contest_announced("Winter frost", end)
    poll(staff, "Which oat milk?", start + timedelta(days=1))
    poll(staff, "Opened after that week?", end)
    poll(staff, "Closed by staff?", start, closed_at=end - timedelta(hours=1))
    poll(staff, "Time ran out?", start, closes_at=end + timedelta(hours=1))

    assert digest.send_week(week).sent == 1
    [text] = digest_bodies(reader.email)
    top = text.split("Top ideas of the week", 1)[1].split("\n\n", 1)[0]
    assert "“Voted on Monday at midnight” — 2 new votes" in top
    assert "“Voted on Sunday night” — 1 new vote\n" in top
    assert top.index("Monday at midnight") < top.index("Sunday night")  # most votes first
    assert f"{SITE}/ideas/{inside.id}" in top
    assert "before" not in top and "next Monday" not in top
    assert "“Moved at Monday midnight” is now Under review" in text
    assert "“Moved on Sunday” is now Coming soon" in text
    assert "Moved the week before" not in text and "Moved next week" not in text
    assert text.index("Ideas you follow") < text.index("“One the reader follows” is now Launched")
    assert text.index("“One the reader follows”") < text.index("Other status changes")
    assert "Winners of “Autumn light”" in text and "Winner: Jo (entry 1)." in text
    assert "Summer colours" not in text and "Winter frost" not in text
    assert "Which oat milk?" in text and f"{SITE}/polls/" in text
    assert "Opened after that week?" not in text and "Closed by staff?" not in text and "Time ran out?" not in text
    assert week.dates() in text and f"Hello {reader.name}," in text


def test_a_week_with_nothing_to_tell_sends_nothing(runner, make_user):
    opt_in(make_user())
    week = digest.last_finished_week().previous()
    result = runner.invoke(args=["digest", "send", "--week", week.label])
    assert result.exit_code == 0
    assert result.output.strip() == f"{week.label}: nothing happened that week, so no digest was sent"
    assert sends() == 0


@pytest.mark.parametrize(
    "value",
    [
        "2026-W54",
        "2026-W00",
        "2025-W53",
        "2026W48",
        "2026-w48",
        "garbage",
        "",
        "２０２６-W48",
        "2026-W4８",
        "2026-W48\n",
    ],
)
def test_a_bad_week_is_a_usage_error_with_a_clear_message(runner, make_user, news, value):
    opt_in(make_user())
    result = runner.invoke(args=["digest", "send", "--week", value])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--week'" in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert sends() == 0


def test_a_week_that_has_not_begun_is_refused_but_the_current_one_is_allowed(runner, make_user):
    opt_in(make_user())
    now = utcnow()
    coming = Week.containing(now + timedelta(days=7)).label
    result = runner.invoke(args=["digest", "send", "--week", coming])
    assert result.exit_code == 2 and f"{coming} has not begun yet" in result.output
    assert parse_week(Week.containing(now).label) == Week.containing(now)
    assert parse_week("2020-W53").starts_at.isoformat() == "2020-12-28T00:00:00+00:00"


def test_the_worker_queues_the_week_just_ended_on_monday_morning_and_sends_it_once(app, make_user, news):
    """Through real `flask worker --burst` processes: the tick queues the job, the job writes the mail, the mail job
    delivers it; a second worker run sends nothing more."""
    reader = make_user()
    opt_in(reader)
    address = reader.email
    monday = news.ends_at
    assert digest.schedule(now=monday + timedelta(hours=5, minutes=59)) is None  # too early
    assert outbox.status(f"digest-{news.label}") is None
    db.session.remove()
    where = (app.config["SQLALCHEMY_DATABASE_URI"], app.config["REDIS_URL"], Path(app.config["MAIL_DIR"]).parent)
    queued_by_tick = utcnow() >= Week.containing(utcnow()).starts_at + digest.SEND_AFTER
    if not queued_by_tick:  # Monday before 06:00 UTC: the tick waits, so queue it as it will at 06:00
        assert digest.schedule(now=monday + digest.SEND_AFTER) == news.label
    run_worker_burst(*where)
    assert outbox.status(f"digest-{news.label}") == "done"
    [message] = delivered(app, address)
    assert message["Subject"] == f"Your weekly digest: {news.dates()}"
    assert digest.schedule(now=monday + timedelta(hours=7)) is None  # queued once per week (the outbox key)
    outbox.enqueue("digest.send_week", news.label, key=f"digest-{news.label}-again")  # a job run twice
    db.session.commit()
    run_worker_burst(*where)
    assert len(delivered(app, address)) == 1 and sends() == 1


@pytest.mark.skipif(BACKEND != "postgresql", reason="two writers at once need PostgreSQL")
def test_two_runs_at_once_send_one_digest_per_member(app, make_user, news, monkeypatch):
    monkeypatch.setattr(digest, "BATCH", 7)  # several batches, so the runs interleave
    readers = [make_user() for _ in range(30)]
    opt_in(*readers)
    addresses = sorted(r.email for r in readers)
    db.session.remove()
    start = threading.Barrier(2)
    outcomes, errors = [], []

    def run():
        try:
            with app.app_context():
                start.wait()
                outcomes.append(digest.send_week(news))
                db.session.remove()
        except Exception as exc:  # reported below: a thread's exception would otherwise be lost
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert sum(o.sent for o in outcomes) == 30 and sum(o.already for o in outcomes) == 30
    assert sends() == 30
    assert sorted(db.session.scalars(select(OutboundEmail.to))) == addresses


def test_the_settings_page_says_when_the_digest_is_sent(client, auth):
    auth.signup()
    html = client.get("/settings").get_data(as_text=True)
    assert "sent every Monday morning (UTC) about the week before, when there is news." in html
    assert "We have not started sending it yet" not in html
