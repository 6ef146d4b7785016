import xml.etree.ElementTree as ET

import feedparser
import pytest
from sqlalchemy import func, select

from ideas_portal.extensions import db
from ideas_portal.services import preferences
from ideas_portal.models import FeedItem, Notification, OutboundEmail, StatusChange
from tests.conftest import run_worker_burst
from tests.functional.helpers import make_idea

ATOM_NS = "{http://www.w3.org/2005/Atom}"


def test_staff_change_status_with_note_is_public(api, make_user, client):
    idea = make_idea(make_user())
    api.as_("staff")
    r = api.post(f"/ideas/{idea.id}/status", json={"status": "coming-soon", "note": "Testing in **ten** stores."})
    assert r.status_code == 200 and r.get_json()["status"] == "coming-soon"
    change = db.session.scalar(select(StatusChange))
    assert (change.from_status.slug, change.to_status.slug, change.actor_id) == ("new", "coming-soon", api.user.id)
    item = db.session.scalar(select(FeedItem))
    assert item.kind == "status_change" and item.idea_id == idea.id and "<strong>ten</strong>" in item.body_html
    html = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "Testing in <strong>ten</strong> stores." in html and 'aria-current="step"' in html
    feed = api.anonymous().get("/feed").get_json()
    assert feed["items"][0]["kind"] == "status_change" and feed["items"][0]["idea_id"] == idea.id
    assert feed["items"][0]["status"] == "coming-soon" and feed["next_cursor"] is None


@pytest.mark.parametrize("role,expected", [(None, 401), ("member", 403), ("staff", 200), ("admin", 200)])
def test_status_change_access(api, make_user, role, expected):
    idea = make_idea(make_user())
    api.as_(role) if role else api.anonymous()
    assert api.post(f"/ideas/{idea.id}/status", json={"status": "reviewed"}).status_code == expected


def test_status_change_errors(api, make_user):
    idea = make_idea(make_user())
    api.as_("staff")
    assert api.post(f"/ideas/{idea.id}/status", json={"status": "nope"}).status_code == 400
    assert api.post(f"/ideas/{idea.id}/status", json={"status": "new"}).status_code == 409
    assert api.post(f"/ideas/{idea.id}/status", json={}).status_code == 400
    assert api.post("/ideas/999999/status", json={"status": "reviewed"}).status_code == 404


def test_html_status_form_for_staff_only(client, auth, make_user):
    idea = make_idea(make_user())
    member = make_user()
    auth.login(member.email)
    assert "Staff tools" not in client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert client.post(f"/ideas/{idea.id}/status", data={"status": "reviewed"}).status_code == 403
    auth.logout()
    auth.login(make_user(role="staff").email)
    r = client.post(f"/ideas/{idea.id}/status", data={"status": "reviewed", "note": "Looked at it"})
    assert r.status_code == 302
    assert "Looked at it" in client.get("/ideas-in-action").get_data(as_text=True)


def test_feed_filters_and_pages(api, make_user):
    author = make_user()
    api.as_("staff")
    made = []
    for n in range(5):
        idea = make_idea(author, f"Idea for the feed {n}", category="app" if n % 2 else "rewards")
        api.post(f"/ideas/{idea.id}/status", json={"status": "launched" if n % 2 else "reviewed"})
        made.append(idea.id)
    launched = api.get("/feed?status=launched").get_json()["items"]
    assert {i["idea_id"] for i in launched} == {made[1], made[3]}
    assert {i["idea_id"] for i in api.get("/feed?category=rewards").get_json()["items"]} == {made[0], made[2], made[4]}
    first = api.get("/feed?limit=2").get_json()
    second = api.get(f"/feed?limit=2&cursor={first['next_cursor']}").get_json()
    third = api.get(f"/feed?limit=2&cursor={second['next_cursor']}").get_json()
    ids = [i["id"] for i in first["items"] + second["items"] + third["items"]]
    assert len(ids) == len(set(ids)) == 5 and third["next_cursor"] is None
    assert api.get("/feed?kind=nope").status_code == 400


def test_atom_feeds_parse_and_are_discoverable(client, api, make_user):
    idea = make_idea(make_user(), "Atom-worthy idea")
    api.as_("staff").post(f"/ideas/{idea.id}/status", json={"status": "launched", "note": "Out now <b>&</b>"})
    for path in ("/feed.atom", f"/ideas/{idea.id}/feed.atom"):
        r = client.get(path)
        assert r.status_code == 200 and r.mimetype == "application/atom+xml"
        root = ET.fromstring(r.data)
        assert root.tag == f"{ATOM_NS}feed"
        for tag in ("id", "title", "updated"):
            assert root.find(f"{ATOM_NS}{tag}") is not None
        parsed = feedparser.parse(r.data)
        assert not parsed.bozo, parsed.bozo_exception
        assert parsed.version == "atom10"
        entry = parsed.entries[0]
        assert "Atom-worthy idea" in entry.title and entry.link.startswith("http://localhost/ideas/")
        assert entry.id and entry.updated_parsed
    for page in ("/ideas-in-action", f"/ideas/{idea.id}"):
        html = client.get(page).get_data(as_text=True)
        assert 'type="application/atom+xml"' in html
    assert client.get("/ideas/999999/feed.atom").status_code == 404


def _follow_setup(api, make_user):
    author = make_user()
    idea = make_idea(author)
    voter = api.as_("member")
    voter.put(f"/ideas/{idea.id}/vote", json={"value": -1})
    voter_id = voter.user.id
    commenter = api.as_("member")
    commenter.post(f"/ideas/{idea.id}/comments", json={"body": "nice"})
    commenter_id = commenter.user.id
    follower = api.as_("member")
    follower.put(f"/ideas/{idea.id}/follow")
    follower_id = follower.user.id
    quitter = api.as_("member")
    quitter.put(f"/ideas/{idea.id}/vote", json={"value": 1})
    quitter.delete(f"/ideas/{idea.id}/follow")
    return idea, {author.id, voter_id, commenter_id, follower_id}


def test_fan_out_notifies_every_follower_once_even_if_run_twice(api, make_user, database_url, redis_url, tmp_path):
    from ideas_portal.jobs.notify import fan_out_status_change

    idea, expected = _follow_setup(api, make_user)
    staff = api.as_("staff")
    staff.post(f"/ideas/{idea.id}/status", json={"status": "reviewed", "note": "Thanks all"})
    run_worker_burst(database_url, redis_url, tmp_path)
    about_it = Notification.kind != "badge"  # the author's "First idea" badge is told too, not about the change
    rows = db.session.execute(select(Notification.user_id, Notification.kind).where(about_it)).all()
    assert sorted(rows) == sorted((uid, "status_change") for uid in expected)
    change_id = db.session.scalar(select(StatusChange.id))
    assert fan_out_status_change(change_id) == 0  # a second run adds nothing
    assert db.session.scalar(select(func.count()).select_from(Notification).where(about_it)) == len(expected)


def test_fan_out_with_two_workers_at_once_notifies_once(app, api, make_user, database_url, redis_url, tmp_path):
    import subprocess
    import sys

    from ideas_portal.extensions import get_queue
    from ideas_portal.jobs.notify import fan_out_status_change
    from tests.conftest import ROOT, server_env

    idea, expected = _follow_setup(api, make_user)
    api.as_("staff").post(f"/ideas/{idea.id}/status", json={"status": "reviewed"})
    change_id = db.session.scalar(select(StatusChange.id))
    queue = get_queue("default")
    queue.empty()
    for n in range(2):  # the same change twice, as a retry or a duplicate enqueue would
        queue.enqueue(fan_out_status_change, change_id, job_id=f"dup-{n}")
    db.session.remove()
    env = server_env(database_url, redis_url, tmp_path)
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    for w in workers:
        assert w.wait(timeout=120) == 0, w.stderr.read()
    rows = db.session.execute(select(Notification.user_id).where(Notification.kind == "status_change")).scalars()
    assert sorted(rows) == sorted(expected)


def test_launch_thanks_author_and_voters_and_emails_opted_in(api, make_user, database_url, redis_url, tmp_path):
    """Each follows their own status-change choice: both channels, in-app only, email only, or nothing at all."""
    author = make_user()
    preferences.update(author.id, {"status_change": {"in_app": True, "email": True}})
    db.session.commit()
    idea = make_idea(author, "Launch me please")
    choices = {"in_app_only": (True, False), "email_only": (False, True), "neither": (False, False)}
    voters = {}
    for who, (in_app, email) in choices.items():
        api.as_("member").put(f"/ideas/{idea.id}/vote", json={"value": 1})
        preferences.update(api.user.id, {"status_change": {"in_app": in_app, "email": email}})
        db.session.commit()
        voters[who] = (api.user.id, api.user.email, api.token)
    author = (author.id, author.email)
    api.as_("staff").post(f"/ideas/{idea.id}/status", json={"status": "launched"})
    run_worker_burst(database_url, redis_url, tmp_path)
    thanks = db.session.execute(
        select(Notification.user_id, Notification.body, Notification.in_app).where(Notification.kind == "thank_you")
    ).all()
    assert {uid: in_app for uid, _, in_app in thanks} == {
        author[0]: True,
        voters["in_app_only"][0]: True,
        voters["email_only"][0]: False,  # a row that guards "once" and is hidden from the in-app list
    }
    assert all("Launch me please" in body for _, body, _ in thanks)

    def mails_to(address):
        return db.session.scalars(select(OutboundEmail).where(OutboundEmail.to == address)).all()

    mails = mails_to(author[1])
    assert len(mails) == 2 and all(m.sent_at is not None for m in mails)  # the update and the thank-you
    assert all("/unsubscribe/" in m.unsubscribe_url for m in mails)
    assert len(mails_to(voters["email_only"][1])) == 2  # a vote follows the idea: the update and the thank-you
    assert not mails_to(voters["in_app_only"][1]) and not mails_to(voters["neither"][1])
    for who, listed in (("in_app_only", 2), ("email_only", 0), ("neither", 0)):
        api.token = voters[who][2]
        body = api.get("/notifications").get_json()
        assert (len(body["items"]), body["unread"]) == (listed, listed), who


def test_success_threshold_moves_new_idea_to_review_once(app, api, make_user, database_url, redis_url, tmp_path):
    app.config["SUCCESS_THRESHOLD"] = 3
    idea = make_idea(make_user())
    staff_id = make_user(role="staff").id
    for _ in range(2):
        api.as_("member").put(f"/ideas/{idea.id}/vote", json={"value": 1})
    body = api.as_("member").put(f"/ideas/{idea.id}/vote", json={"value": 1}).get_json()
    assert body["status"] == "under-review"
    api.as_("member").put(f"/ideas/{idea.id}/vote", json={"value": 1})
    changes = db.session.scalars(select(StatusChange)).all()
    assert len(changes) == 1 and changes[0].actor_id is None
    run_worker_burst(database_url, redis_url, tmp_path)
    alerts = db.session.scalars(select(Notification.user_id).where(Notification.kind == "staff_alert")).all()
    assert staff_id in alerts


def test_notification_centre_counts_and_marks_read(client, auth, api, make_user, database_url, redis_url, tmp_path):
    author = make_user()
    email = author.email
    preferences.update(author.id, {"badge": {"in_app": False, "email": False}})  # only the status change is told
    idea = make_idea(author, "Notify me about this")
    api.as_("staff").post(f"/ideas/{idea.id}/status", json={"status": "reviewed"})
    run_worker_burst(database_url, redis_url, tmp_path)
    auth.login(email)
    html = client.get("/").get_data(as_text=True)
    assert '<span class="count">1<span class="visually-hidden"> unread</span></span>' in html
    page = client.get("/notifications").get_data(as_text=True)
    assert "Notify me about this" in page and "is now Reviewed" in page
    client.post("/notifications/read")
    assert "unread" not in client.get("/").get_data(as_text=True).split("</header>")[0].replace("Unread", "")


def test_notifications_api(api, make_user, database_url, redis_url, tmp_path):
    member = api.as_("member")
    preferences.update(member.user.id, {"badge": {"in_app": False, "email": False}})  # only the status change
    idea_id = make_idea(member.user).id
    token = member.token
    api.as_("staff").post(f"/ideas/{idea_id}/status", json={"status": "reviewed"})
    run_worker_burst(database_url, redis_url, tmp_path)
    api.token = token
    body = api.get("/notifications").get_json()
    assert body["items"][0]["kind"] == "status_change" and body["items"][0]["idea_id"] == idea_id
    assert body["items"][0]["read"] is False and body["unread"] == 1
    assert api.post("/notifications/read").get_json() == {"marked": 1}
    assert api.get("/notifications").get_json()["items"][0]["read"] is True
    assert api.anonymous().get("/notifications").status_code == 401


def test_html_pages_access(client, auth, make_user):
    assert client.get("/notifications").status_code == 302
    assert client.get("/ideas-in-action").status_code == 200
    assert client.get("/ideas-in-action/new").status_code == 302
    auth.login(make_user().email)
    assert client.get("/ideas-in-action/new").status_code == 403
    auth.logout()
    auth.login(make_user(role="staff").email)
    assert client.get("/ideas-in-action/new").status_code == 200
