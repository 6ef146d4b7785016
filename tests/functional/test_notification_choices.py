"""Notification choices: the settings table, and every sender honouring each kind's in-app and email switch."""

import email
import email.policy
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from ideas_portal.extensions import db
from ideas_portal.models import Notification, OutboundEmail, OutboxJob, StatusChange, User
from ideas_portal.models.types import utcnow
from ideas_portal.services import mail, notifications, preferences, unsubscribe
from ideas_portal.services.contests import results
from tests.conftest import ROOT, csrf_token_from, server_env
from tests.functional import test_contests
from tests.functional.helpers import make_idea
from tests.functional.test_contests import approved_entries, new_contest

person = test_contests.person  # the same fixture as the contest tests

SITE = "https://ideas.example.com"
BOTH, IN_APP, EMAIL, NEITHER = (True, True), (True, False), (False, True), (False, False)


@pytest.fixture
def worker(database_url, redis_url, tmp_path):
    """A real `flask worker --burst`, linking mail to SITE_URL as production does."""

    def run():
        db.session.remove()  # our open transaction would hold SQLite's write lock
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"],
            cwd=ROOT,
            env=server_env(database_url, redis_url, tmp_path, SITE_URL=SITE),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr[-3000:]

    return run


def choose(user_id: int, kind: str, channels: tuple[bool, bool]) -> None:
    preferences.update(user_id, {kind: dict(zip(preferences.CHANNELS, channels))})
    db.session.commit()


def delivered(mail_dir: Path, address: str) -> list[email.message.EmailMessage]:
    """The .eml files the file mail backend wrote to one address, oldest first."""
    found = []
    for path in sorted(mail_dir.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"] == address:
            found.append(message)
    return found


def in_app_list(client, user_id: int) -> list[dict]:
    """What the member sees in the app (the API's list), as that member."""
    user = db.session.get(User, user_id)
    token = client.post("/api/v1/tokens", json={"email": user.email, "password": "correct horse"}).get_json()["token"]
    body = client.get("/api/v1/notifications", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body["unread"] == len([n for n in body["items"] if not n["read"]])
    return body["items"]


# The settings page


def test_settings_table_shows_every_kind_with_a_labelled_box_per_channel(client, auth, make_user):
    member = make_user()
    choose(member.id, "mention", EMAIL)
    auth.login(member.email)
    html = client.get("/settings").get_data(as_text=True)
    section = html.split('id="notifications-heading"')[1].split("</section>")[0]
    assert '<th scope="col" class="choice">In the app</th>' in section and ">By email</th>" in section
    for kind, label in preferences.LABELS.items():
        assert f'<th scope="row" id="choice-{kind}">{label}' in section
        for channel in preferences.CHANNELS:
            if kind == "digest" and channel == "in_app":
                assert 'name="digest-in_app"' not in section  # the digest is an email
                continue
            box = re.search(
                rf'<input type="checkbox" name="{kind}-{channel}" id="([^"]+)" value="y"( checked)?>', section
            )
            assert box, (kind, channel)
            assert f'<label for="{box[1]}" class="visually-hidden">{label}: ' in section
            assert bool(box[2]) == preferences.settings_of(member.id)[kind][channel], (kind, channel)
    assert 'name="mention-in_app" id="mention-in_app" value="y">' in section  # switched off, so unticked
    assert 'name="digest-email" id="digest-email" value="y">' in section  # off until the member opts in


def test_one_post_saves_every_choice_and_an_unticked_box_is_off(client, auth, make_user):
    member = make_user()
    auth.login(member.email)
    ticked = {
        "status_change-email": "y",
        "reply-in_app": "y",
        "mention-in_app": "y",
        "mention-email": "y",
        "digest-email": "y",
    }
    r = client.post("/settings/notifications", data=ticked)
    assert r.status_code == 302 and r.headers["Location"].endswith("/settings#notifications-heading")
    assert "Your notification choices are saved." in client.get("/settings").get_data(as_text=True)
    assert preferences.settings_of(member.id) == {
        "status_change": {"in_app": False, "email": True},
        "reply": {"in_app": True, "email": False},
        "mention": {"in_app": True, "email": True},
        "contest_result": {"in_app": False, "email": False},
        "official_answer": {"in_app": False, "email": False},
        "badge": {"in_app": False, "email": False},
        "digest": {"in_app": False, "email": True},
    }
    page = client.get("/settings").get_data(as_text=True)
    assert 'name="status_change-email" id="status_change-email" value="y" checked>' in page
    assert 'name="status_change-in_app" id="status_change-in_app" value="y">' in page


def test_the_choices_form_needs_its_csrf_token_and_a_signed_in_member(app, client, auth, make_user):
    member = make_user()
    before = preferences.settings_of(member.id)
    assert client.post("/settings/notifications", data={}).status_code == 302  # to sign in
    auth.login(member.email)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        r = client.post("/settings/notifications", data={})
        assert r.status_code == 400
        assert preferences.settings_of(member.id) == before
        token = csrf_token_from(client.get("/settings").get_data(as_text=True))
        assert client.post("/settings/notifications", data={"csrf_token": token}).status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert not any(c["in_app"] or c["email"] for c in preferences.settings_of(member.id).values())


# Status changes: the fan-out job


def test_status_change_fan_out_honours_each_followers_choice(api, client, make_user, worker, tmp_path):
    author = make_user()
    idea = make_idea(author, "Longer opening hours")
    idea_id = idea.id
    followers = {}
    for name, channels in (("both", BOTH), ("in_app", IN_APP), ("email", EMAIL), ("neither", NEITHER)):
        follower = api.as_("member")
        assert follower.put(f"/ideas/{idea.id}/follow").status_code in (200, 204)
        choose(follower.user.id, "status_change", channels)
        followers[name] = (follower.user.id, follower.user.email)
    choose(author.id, "status_change", NEITHER)
    gone = api.as_("member")
    gone.put(f"/ideas/{idea.id}/follow")
    db.session.execute(update(User).where(User.id == gone.user.id).values(deleted_at=utcnow()))
    db.session.commit()
    gone_id, gone_email = gone.user.id, gone.user.email
    api.as_("staff").post(f"/ideas/{idea.id}/status", json={"status": "reviewed", "note": "Looking at it"})
    worker()

    rows = dict(
        db.session.execute(
            select(Notification.user_id, Notification.in_app).where(Notification.kind == "status_change")
        ).all()
    )  # the author's "First idea" badge notice is not about the change
    ids = {name: uid for name, (uid, _) in followers.items()}
    assert rows == {ids["both"]: True, ids["in_app"]: True, ids["email"]: False}  # neither, author, deleted: none
    mails = {m.to for m in db.session.scalars(select(OutboundEmail))}
    assert mails == {followers["both"][1], followers["email"][1]}
    assert gone_id not in rows and gone_email not in mails
    for name, listed in (("both", 1), ("in_app", 1), ("email", 0)):
        assert len(in_app_list(client, ids[name])) == listed, name

    [sent] = delivered(tmp_path / "mail", followers["email"][1])
    assert sent["Subject"] == "Update on “Longer opening hours”"
    link = re.fullmatch(rf"<({re.escape(SITE)}/unsubscribe/[A-Za-z0-9_.-]+)>", sent["List-Unsubscribe"])
    assert link and sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.read(link[1].rsplit("/", 1)[1]) == (db.session.get(User, ids["email"]), "status_change")
    text = sent.get_content()
    assert "is now Reviewed. Looking at it" in text and f"{SITE}/ideas/{idea_id}" in text
    assert f"Unsubscribe with one click: {link[1]}" in text
    change_id = db.session.scalar(select(StatusChange.id))
    assert notifications.fan_out(change_id) == 0  # run again, as a retry would: no second notice or email
    assert db.session.scalar(select(func.count()).select_from(OutboundEmail)) == 2


def test_launch_thanks_and_staff_alerts_follow_the_status_change_choice(app, api, make_user, worker):
    app.config["SUCCESS_THRESHOLD"] = 1  # the first vote moves the idea on by itself: staff are alerted
    alerted, muted = make_user(role="staff"), make_user(role="staff")
    choose(alerted.id, "status_change", EMAIL)
    choose(muted.id, "status_change", NEITHER)
    alerted, muted = (alerted.id, alerted.email), (muted.id, muted.email)
    idea = make_idea(make_user(), "Self-service tills")
    assert api.as_("member").put(f"/ideas/{idea.id}/vote", json={"value": 1}).get_json()["status"] == "under-review"
    worker()
    alerts = db.session.execute(
        select(Notification.user_id, Notification.in_app, Notification.emailed).where(
            Notification.kind == "staff_alert"
        )
    ).all()
    assert (alerted[0], False, True) in alerts and muted[0] not in {a[0] for a in alerts}
    [mail] = db.session.scalars(select(OutboundEmail).where(OutboundEmail.to == alerted[1])).all()
    assert mail.subject == "Please review “Self-service tills”" and mail.unsubscribe_url
    assert not db.session.scalars(select(OutboundEmail).where(OutboundEmail.to == muted[1])).all()


# Contest results: the notify job


def test_contest_results_honour_each_entrants_choice_winners_too(person, client, worker, tmp_path):
    staff = person("staff")
    contest_id = new_contest(staff, winner_count=2, title="Harvest colours")["id"]
    ann, bob, cat, dan, eve = (person() for _ in range(5))
    a, b, c, d, e = approved_entries(staff, worker, contest_id, [ann, bob, cat, dan, eve])
    voters = [person(), person()]
    for voter, entry_id in [(voters[0], a), (voters[1], a), (voters[0], b)]:
        assert voter.put(f"/entries/{entry_id}/vote").status_code == 200
    choose(ann.id, "contest_result", IN_APP)  # winner, no email
    choose(bob.id, "contest_result", EMAIL)  # winner, email only
    choose(cat.id, "contest_result", NEITHER)
    # dan keeps the defaults (both); eve deletes her account before the result
    db.session.execute(update(User).where(User.id == eve.id).values(deleted_at=utcnow()))
    db.session.commit()
    assert staff.post(f"/contests/{contest_id}/close").status_code == 202
    worker()

    rows = {
        uid: (kind, in_app)
        for uid, kind, in_app in db.session.execute(
            select(Notification.user_id, Notification.kind, Notification.in_app).where(
                Notification.contest_id == contest_id
            )
        )
    }
    assert rows == {
        ann.id: ("contest_winner", True),
        bob.id: ("contest_winner", False),
        dan.id: ("contest_result", True),
    }
    mails = {m.to: m for m in db.session.scalars(select(OutboundEmail))}
    assert set(mails) == {bob.email, dan.email}
    assert mails[bob.email].subject == "You won: Harvest colours"
    assert mails[dan.email].subject == "Results: Harvest colours"
    not_badges = lambda who: [n for n in who.get("/notifications").get_json()["items"] if n["kind"] != "badge"]  # noqa: E731
    assert [n["kind"] for n in not_badges(ann)] == ["contest_winner"]  # besides the badges the entry earned
    assert not_badges(bob) == []
    for who in (bob, dan):
        [sent] = delivered(tmp_path / "mail", who.email)
        assert sent["List-Unsubscribe"].startswith(f"<{SITE}/unsubscribe/")
        assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        token = sent["List-Unsubscribe"][1:-1].rsplit("/", 1)[1]
        assert unsubscribe.read(token)[1] == "contest_result"
        assert f"{SITE}/contests/{contest_id}" in sent.get_content()
    assert results.notify(contest_id) == 0  # run again, as a retry would: no second notice or email
    assert db.session.scalar(select(func.count()).select_from(OutboundEmail)) == 2


# Single notices (replies, mentions, staff answers): notifications.notify


@pytest.mark.parametrize("choice", ["reply", "mention", "official_answer", "contest_result", "status_change"])
def test_a_single_notice_goes_only_where_the_member_wants_it(app, client, make_user, choice):
    idea = make_idea(make_user(), "Recycling points")
    members = {}
    for name, channels in (("both", BOTH), ("in_app", IN_APP), ("email", EMAIL), ("neither", NEITHER)):
        member = make_user()
        choose(member.id, choice, channels)
        members[name] = member.id
    for member_id in members.values():
        notifications.notify(
            member_id, choice=choice, kind=choice, body="Someone answered.", subject="An answer", idea_id=idea.id
        )
    db.session.commit()
    rows = dict(db.session.execute(select(Notification.user_id, Notification.in_app)).all())
    assert rows == {members["both"]: True, members["in_app"]: True, members["email"]: False}
    mails = db.session.scalars(select(OutboundEmail)).all()
    addresses = {db.session.get(User, members[n]).email for n in ("both", "email")}
    assert {m.to for m in mails} == addresses
    for message in mails:
        assert unsubscribe.read(message.unsubscribe_url.rsplit("/", 1)[1])[1] == choice
        assert f"/ideas/{idea.id}" in message.body
    for name, listed in (("both", 1), ("in_app", 1), ("email", 0), ("neither", 0)):
        assert len(in_app_list(client, members[name])) == listed, name


def test_a_deleted_member_gets_no_notice_at_all(make_user):
    member = make_user()
    db.session.execute(update(User).where(User.id == member.id).values(deleted_at=utcnow()))
    db.session.commit()
    assert notifications.notify(member.id, choice="reply", kind="reply", body="Hi", subject="Hi") is False
    assert db.session.scalar(select(Notification)) is None and db.session.scalar(select(OutboundEmail)) is None


def test_the_in_app_page_and_its_count_leave_email_only_notices_out(client, auth, make_user):
    member = make_user()
    idea = make_idea(make_user(), "Bike racks")
    choose(member.id, "reply", EMAIL)
    notifications.notify(
        member.id, choice="reply", kind="reply", body="Seen only by email", subject="x", idea_id=idea.id
    )
    notifications.notify(
        member.id, choice="mention", kind="mention", body="Seen in the app", subject="y", idea_id=idea.id
    )
    db.session.commit()
    auth.login(member.email)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Seen in the app" in page and "Seen only by email" not in page
    header = client.get("/").get_data(as_text=True).split("</header>")[0]
    assert '<span class="count">1<span class="visually-hidden"> unread</span></span>' in header
    client.post("/notifications/read")
    email_only = db.session.scalar(select(Notification).where(Notification.in_app.is_(False)))
    assert email_only.read_at is None  # marking the in-app list read leaves what it does not show alone


def test_the_choices_and_unsubscribe_pages_are_valid_html(client, auth, make_user, tmp_path):
    from tests.functional.test_html_valid import _get_with_csrf, _nu_errors

    member = make_user()
    pages = {
        "unsubscribe-confirm": client.get(f"/unsubscribe/{unsubscribe.token(member.id, 'reply')}"),
        "unsubscribe-done": client.post(f"/unsubscribe/{unsubscribe.token(member.id, unsubscribe.ALL)}"),
        "unsubscribe-forged": client.get("/unsubscribe/forged"),
    }
    auth.login(member.email)
    pages["settings"] = _get_with_csrf(client, "/settings")
    pages["notifications"] = _get_with_csrf(client, "/notifications")
    for name, response in pages.items():
        (tmp_path / f"{name}.html").write_text(response.get_data(as_text=True))
    errors = _nu_errors(tmp_path)
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize(
    "mapping",
    [
        [],
        {"nope": {"email": False}},
        {"reply": {"email": "no"}},
        {"reply": {"email": 0}},
        {"reply": {}},
        {"reply": {"sms": True}},
        {"reply": True},
        {"reply": {"email": False}, "mention": {"in_app": None}},  # refused whole: reply stays as it was
    ],
)
def test_a_bad_choice_is_refused_whole_and_changes_nothing(make_user, mapping):
    from ideas_portal.services.exceptions import InvalidInput

    member = make_user()
    before = preferences.settings_of(member.id)
    with pytest.raises(InvalidInput):
        preferences.update(member.id, mapping)
    db.session.commit()
    assert preferences.settings_of(member.id) == before


def test_mail_to_more_members_than_one_statement_can_name_reaches_every_one(make_user):
    # A contest's 130,000 entrants: one IN list of them all broke PostgreSQL's limit of 65,535 parameters per
    # statement (SQLite's is 32,766). Most of these ids name nobody, which costs nothing to set up.
    members = [make_user() for _ in range(2)]
    ids = [members[0].id, *range(10**9, 10**9 + 70_000), members[1].id]
    assert notifications.email_each(ids, "contest_result", "Results", "The winners are out.") == 2
    db.session.commit()
    assert sorted(db.session.scalars(select(OutboundEmail.to))) == sorted(m.email for m in members)


def test_many_messages_go_out_a_batch_to_a_job_and_a_worker_sends_each_once(make_user, worker, tmp_path, monkeypatch):
    # One job (and one outbox row) per message made a contest's close take minutes at 130,000 entrants.
    monkeypatch.setattr(mail, "MESSAGES_PER_JOB", 2)
    members = [make_user() for _ in range(5)]
    addresses = sorted(m.email for m in members)
    assert notifications.email_each([m.id for m in members], "contest_result", "Results", "The winners are out.") == 5
    db.session.commit()
    jobs = db.session.execute(select(OutboxJob.name, OutboxJob.args).order_by(OutboxJob.id)).all()
    assert [name for name, _ in jobs] == ["mail.deliver_emails"] * 3 and [len(args) for _, args in jobs] == [2, 2, 1]
    worker()
    worker()  # a second run sends nothing again
    sent = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(sent) == 5
    addressed = sorted(email.message_from_bytes(f.read_bytes())["To"] for f in sent)
    assert addressed == addresses
    assert db.session.scalar(select(func.count()).where(OutboundEmail.sent_at.is_(None))) == 0
