"""Webhooks: signed deliveries to a real HTTP server on 127.0.0.1, a real worker, retries, the log, admin pages."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from redis import Redis
from rq.job import Job, JobStatus
from sqlalchemy import func, select, update

from devtools import embedded
from ideas_portal.extensions import db, get_queue, redis_connection
from ideas_portal.jobs.webhooks import deliver_webhook
from ideas_portal.models import StatusChange, Webhook, WebhookDelivery
from ideas_portal.models.types import utcnow
from ideas_portal.services import status_catalog, webhooks
from ideas_portal.services.exceptions import InvalidInput, NotAllowed
from tests.conftest import ROOT, run_worker_burst, server_env, wait_until
from tests.functional.helpers import make_idea


@pytest.fixture
def redis_url(redis_url):
    """A Redis database of our own, emptied first, so jobs left by other tests never run against this one's."""
    url = redis_url.rsplit("/", 1)[0] + "/7"
    Redis.from_url(url).flushdb()
    return url


class Receiver:
    """A webhook endpoint: records each request and answers with the scripted status codes, then 200."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: list[int] = []
        lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with lock:
                    receiver.requests.append(
                        {"path": self.path, "headers": self.headers, "body": body, "at": time.monotonic()}
                    )
                    code = receiver.script.pop(0) if receiver.script else 200
                self.send_response(code)
                if 300 <= code < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", embedded.free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/ideas"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def change_status(idea, to: str = "under-review", actor=None, note: str = "Our team is looking into it.") -> int:
    """A StatusChange row as the status service writes it; webhooks only need the committed row."""
    change = StatusChange(
        idea_id=idea.id,
        from_status_id=idea.status_id,
        to_status_id=status_catalog.find_status(to).id,
        actor_id=actor.id if actor else None,
        note=note,
        note_html=f"<p>{note}</p>",
        created_at=utcnow(),
    )
    db.session.add(change)
    db.session.commit()
    return change.id


def hook_for(make_user, url: str, **kw) -> tuple[int, str]:
    hook = webhooks.register(make_user("admin"), url, **kw)
    return hook.id, hook.secret


def the_delivery(**where):
    """Fresh from the database, with the transaction ended so a worker can write (SQLite's lock)."""
    try:
        return db.session.execute(
            select(
                WebhookDelivery.id,
                WebhookDelivery.attempts,
                WebhookDelivery.last_status_code,
                WebhookDelivery.last_error,
                WebhookDelivery.delivered_at,
            ).filter_by(**where)
        ).one()
    finally:
        db.session.rollback()


def expected_signature(secret: str, request: dict) -> str:
    signed = request["headers"]["X-Ideas-Timestamp"].encode() + b"." + request["body"]
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def run_worker_until(done, database_url, redis_url, tmp_path, timeout: float = 45):
    """A real `flask worker` with its scheduler, so retries wait out their back-off; stopped once done()."""
    db.session.remove()
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
            cwd=ROOT,
            env=server_env(database_url, redis_url, tmp_path),
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=embedded.die_with_parent,
        )
        try:
            wait_until(done, timeout=timeout, interval=0.1, what="the webhook delivery")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{log.read_text()[-3000:]}") from None
        finally:
            embedded.stop(proc)


# --- delivery ----------------------------------------------------------------------------------------


def test_status_change_arrives_signed_with_hmac_of_timestamp_and_body(
    app, make_user, receiver, database_url, redis_url, tmp_path
):
    hook_id, secret = hook_for(make_user, receiver.url)
    staff = make_user("staff", name="Sam Staff")
    idea = make_idea(make_user())
    idea_id, title, staff_id = idea.id, idea.title, staff.id
    change_id = change_status(idea, actor=staff, note="Our team is looking into it.")
    assert webhooks.queue_deliveries(change_id) == 1

    result = run_worker_burst(database_url, redis_url, tmp_path)
    assert "relayed" not in result.stdout  # already queued: the start-up relay leaves it alone

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    row = the_delivery(webhook_id=hook_id)
    headers = request["headers"]
    assert request["path"] == "/hooks/ideas"
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == "ideas_portal-webhooks/1"
    assert headers["X-Ideas-Event"] == "idea.status_changed"
    assert headers["X-Ideas-Delivery"] == str(row.id)
    assert abs(int(headers["X-Ideas-Timestamp"]) - time.time()) < 300
    assert hmac.compare_digest(headers["X-Ideas-Signature"], expected_signature(secret, request))
    assert not hmac.compare_digest(headers["X-Ideas-Signature"], expected_signature("another secret", request))

    body = json.loads(request["body"])
    changed_at = body.pop("changed_at")
    assert body == {
        "event": "idea.status_changed",
        "id": change_id,
        "idea": {"id": idea_id, "title": title, "url": f"http://localhost:{app.config['PORT']}/ideas/{idea_id}"},
        "from_status": "new",
        "to_status": "under-review",
        "note": "Our team is looking into it.",
        "actor": {"id": staff_id, "name": "Sam Staff"},
    }
    assert changed_at.endswith("Z") and datetime.fromisoformat(changed_at).tzinfo is not None

    assert (row.attempts, row.last_status_code, row.last_error) == (1, 200, None)
    assert row.delivered_at is not None


def test_a_failed_delivery_is_retried_after_its_back_off_and_then_arrives(
    app, make_user, receiver, database_url, redis_url, tmp_path
):
    app.config["WEBHOOK_RETRY_INTERVALS"] = [2, 2]
    receiver.script = [500]
    hook_id, secret = hook_for(make_user, receiver.url)
    assert webhooks.queue_deliveries(change_status(make_idea(make_user()))) == 1

    run_worker_until(lambda: the_delivery(webhook_id=hook_id).delivered_at, database_url, redis_url, tmp_path)

    first, second = receiver.requests
    # RQ scores scheduled jobs in whole seconds, so a 2 s back-off may fire up to 1 s early, never sooner
    assert second["at"] - first["at"] >= 1.0  # waited for the back-off, did not hammer
    assert first["body"] == second["body"]
    assert first["headers"]["X-Ideas-Delivery"] == second["headers"]["X-Ideas-Delivery"]
    assert hmac.compare_digest(second["headers"]["X-Ideas-Signature"], expected_signature(secret, second))
    row = the_delivery(webhook_id=hook_id)
    assert (row.attempts, row.last_status_code, row.last_error) == (2, 200, None)


def test_an_unreachable_receiver_is_logged_and_retried_on_the_back_off_schedule(
    app, make_user, database_url, redis_url, tmp_path
):
    app.config["WEBHOOK_RETRY_INTERVALS"] = [10, 60, 300, 900, 3600]
    hook_id, _ = hook_for(make_user, f"http://127.0.0.1:{embedded.free_port()}/nobody-listens")
    webhooks.queue_deliveries(change_status(make_idea(make_user())))

    before = datetime.now(timezone.utc)
    run_worker_burst(database_url, redis_url, tmp_path)
    after = datetime.now(timezone.utc)

    row = the_delivery(webhook_id=hook_id)
    assert (row.attempts, row.last_status_code, row.delivered_at) == (1, None, None)
    assert "refused" in row.last_error.lower()
    job = Job.fetch(webhooks.job_id(row.id), connection=redis_connection())
    assert job.get_status() == JobStatus.SCHEDULED and job.retries_left == 4
    due = get_queue("default").scheduled_job_registry.get_scheduled_time(job)
    # 10 s after the failed attempt, which happened while the worker ran (however slowly); RQ keeps whole seconds
    assert before + timedelta(seconds=9) <= due <= after + timedelta(seconds=10)


def test_a_redirect_is_not_followed_but_logged_as_a_failure(app, make_user, receiver):
    app.config["WEBHOOK_RETRY_INTERVALS"] = [3600]
    receiver.script = [302]
    hook_id, _ = hook_for(make_user, receiver.url)
    webhooks.queue_deliveries(change_status(make_idea(make_user())))
    delivery_id = the_delivery(webhook_id=hook_id).id

    with pytest.raises(OSError):  # the job fails loudly so RQ retries it
        deliver_webhook(delivery_id)

    assert [r["path"] for r in receiver.requests] == ["/hooks/ideas"]
    row = the_delivery(id=delivery_id)
    assert (row.attempts, row.last_status_code, row.delivered_at) == (1, 302, None)
    assert row.last_error.startswith("HTTP 302")


def test_a_delivered_row_is_never_sent_twice(app, make_user, receiver):
    hook_id, _ = hook_for(make_user, receiver.url)
    webhooks.queue_deliveries(change_status(make_idea(make_user())))
    delivery_id = the_delivery(webhook_id=hook_id).id

    assert deliver_webhook(delivery_id) is True
    assert deliver_webhook(delivery_id) is False  # the job ran twice

    assert len(receiver.requests) == 1
    assert the_delivery(id=delivery_id).attempts == 1


def test_queue_deliveries_twice_makes_one_row_per_active_webhook(app, make_user):
    admin = make_user("admin")
    first = webhooks.register(admin, "https://one.example.com/hook")
    second = webhooks.register(admin, "http://two.example.com:8080/hook?x=1")
    off = webhooks.register(admin, "https://off.example.com/hook")
    ids = {first.id, second.id}
    webhooks.set_active(admin, off.id, False)
    change_id = change_status(make_idea(make_user()))

    assert webhooks.queue_deliveries(change_id) == 2
    assert webhooks.queue_deliveries(change_id) == 0

    rows = db.session.execute(select(WebhookDelivery.webhook_id, WebhookDelivery.id)).all()
    assert {r.webhook_id for r in rows} == ids and len(rows) == 2
    queued = {j for j in get_queue("default").job_ids if j.startswith("webhook-")}  # badge jobs of the set-up aside
    assert queued == {webhooks.job_id(r.id) for r in rows}


def test_nothing_is_queued_without_an_active_webhook(app, make_user):
    assert webhooks.queue_deliveries(change_status(make_idea(make_user()))) == 0
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0


def test_deliveries_survive_a_redis_outage_and_the_worker_relays_them(
    app, make_user, receiver, database_url, redis_url, tmp_path
):
    hook_id, _ = hook_for(make_user, receiver.url)
    change_id = change_status(make_idea(make_user()))
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{embedded.free_port()}/0"
    app.extensions.pop("ideas_redis", None)

    assert webhooks.queue_deliveries(change_id) == 1  # written to the log; the enqueue failed quietly

    result = run_worker_burst(database_url, redis_url, tmp_path)
    assert "relayed 1 job(s) from the outbox" in result.stdout
    assert len(receiver.requests) == 1
    assert the_delivery(webhook_id=hook_id).delivered_at is not None


# --- service rules -------------------------------------------------------------------------------------


def test_only_admins_register_webhooks(app, make_user):
    with pytest.raises(NotAllowed):
        webhooks.register(make_user("staff"), "https://example.com/hook")


@pytest.mark.parametrize(
    "url, message",
    [
        ("", "Enter the URL"),
        ("ftp://example.com/hook", "must start with http:// or https://"),
        ("javascript:alert(1)", "must start with http:// or https://"),
        ("https://", "needs a host name"),
        ("https://user:pw@example.com/hook", "Leave credentials out"),
        ("https://exa mple.com/hook", "no spaces"),
        ("https://example.com:99999/", "not a valid URL"),
        ("https://example.com/" + "a" * 500, "limited to 500 characters"),
    ],
)
def test_bad_webhook_url_is_refused_with_a_clear_400(client, auth, make_user, url, message):
    with pytest.raises(InvalidInput, match=message.replace("?", r"\?")):
        webhooks.validate_url(url)
    auth.login(make_user("admin").email)
    r = client.post("/staff/webhooks", data={"url": url})
    assert r.status_code == 400
    assert message in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Webhook)) == 0


# --- admin pages -----------------------------------------------------------------------------------------


def test_webhook_pages_are_for_admins_only(client, auth, make_user):
    hook_id, _ = hook_for(make_user, "https://example.com/hook")
    gets = ["/staff/webhooks", f"/staff/webhooks/{hook_id}/deliveries"]
    posts = [
        "/staff/webhooks",
        f"/staff/webhooks/{hook_id}/deactivate",
        f"/staff/webhooks/{hook_id}/activate",
        f"/staff/webhooks/{hook_id}/delete",
        "/staff/webhooks/deliveries/1/redeliver",
    ]
    for path in gets:
        r = client.get(path)
        assert r.status_code == 302 and "/login" in r.headers["Location"], path
    for path in posts:
        r = client.post(path, data={"url": "https://evil.example.com/"})
        assert r.status_code == 302 and "/login" in r.headers["Location"], path
    for role in ("member", "staff"):
        auth.login(make_user(role).email)
        for path in gets:
            assert client.get(path).status_code == 403, (role, path)
        for path in posts:
            assert client.post(path, data={"url": "https://evil.example.com/"}).status_code == 403, (role, path)
        auth.logout()
    assert db.session.scalar(select(func.count()).select_from(Webhook)) == 1
    auth.login(make_user("admin").email)
    for path in gets:
        assert client.get(path).status_code == 200, path


def test_admin_adds_a_webhook_and_sees_its_generated_secret_once(client, auth, make_user):
    auth.login(make_user("admin").email)
    r = client.post("/staff/webhooks", data={"url": "https://hooks.example.com/ideas"})
    assert r.status_code == 201
    assert r.headers["Cache-Control"] == "no-store"
    hook = db.session.scalar(select(Webhook))
    assert hook.active and len(hook.secret) >= 32
    assert hook.secret in r.get_data(as_text=True)

    page = client.get("/staff/webhooks").get_data(as_text=True)
    assert "https://hooks.example.com/ideas" in page and hook.secret not in page

    again = client.post("/staff/webhooks", data={"url": "https://hooks.example.com/ideas"})
    assert again.status_code == 409 and "already registered" in again.get_data(as_text=True)


def test_admin_may_choose_the_secret(client, auth, make_user):
    auth.login(make_user("admin").email)
    short = client.post("/staff/webhooks", data={"url": "https://a.example.com/", "secret": "too-short"})
    assert short.status_code == 400 and "16 to 100 characters" in short.get_data(as_text=True)
    r = client.post("/staff/webhooks", data={"url": "https://a.example.com/", "secret": "our-own-secret-0123456789"})
    assert r.status_code == 201
    assert db.session.scalar(select(Webhook.secret)) == "our-own-secret-0123456789"


def test_admin_deactivates_reactivates_and_deletes_a_webhook(client, auth, make_user):
    auth.login(make_user("admin").email)
    hook_id, _ = hook_for(make_user, "https://example.com/hook")
    change_id = change_status(make_idea(make_user()))

    assert client.post(f"/staff/webhooks/{hook_id}/deactivate").status_code == 302
    assert db.session.scalar(select(Webhook.active)) is False
    assert webhooks.queue_deliveries(change_id) == 0
    assert "Inactive" in client.get("/staff/webhooks").get_data(as_text=True)

    client.post(f"/staff/webhooks/{hook_id}/activate")
    assert db.session.scalar(select(Webhook.active)) is True
    assert webhooks.queue_deliveries(change_id) == 1

    client.post(f"/staff/webhooks/{hook_id}/delete")
    assert db.session.scalar(select(func.count()).select_from(Webhook)) == 0
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
    assert client.get(f"/staff/webhooks/{hook_id}/deliveries").status_code == 404


def test_delivery_log_is_newest_first_keyset_paged_and_shows_each_outcome(client, auth, make_user):
    auth.login(make_user("admin").email)
    hook_id, _ = hook_for(make_user, "https://example.com/hook")
    idea = make_idea(make_user(), title="Reusable cups for every drink")
    for n in range(23):
        webhooks.queue_deliveries(change_status(idea, to="reviewed" if n % 2 else "coming-soon"))
    ids = db.session.scalars(select(WebhookDelivery.id).order_by(WebhookDelivery.id.desc())).all()
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == ids[0])
        .values(attempts=2, last_status_code=500, last_error="HTTP 500 Internal Server Error")
    )
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == ids[1])
        .values(attempts=1, last_status_code=204, delivered_at=utcnow())
    )
    db.session.commit()

    first = client.get(f"/staff/webhooks/{hook_id}/deliveries")
    html = first.get_data(as_text=True)
    assert first.status_code == 200
    shown = [int(x) for x in re.findall(r'class="delivery-id">#(\d+)<', html)]
    assert shown == ids[:20]
    assert html.count("state-failing") == 1 and "HTTP 500 Internal Server Error" in html and "Redeliver now" in html
    assert html.count("state-delivered") == 1 and "HTTP 204" in html
    assert html.count("state-pending") == 18
    assert "Reusable cups for every drink" in html and "Coming soon" in html and "idea.status_changed" in html

    next_href = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    second = client.get(next_href).get_data(as_text=True)
    assert [int(x) for x in re.findall(r'class="delivery-id">#(\d+)<', second)] == ids[20:]
    assert 'rel="next"' not in second and "← Newest" in second

    assert client.get(f"/staff/webhooks/{hook_id}/deliveries?cursor=garbage").status_code == 400


def test_admin_redelivers_a_failed_delivery_without_waiting_for_its_back_off(
    app, client, auth, make_user, receiver, database_url, redis_url, tmp_path
):
    app.config["WEBHOOK_RETRY_INTERVALS"] = [3600]
    receiver.script = [503]
    admin_email = make_user("admin").email
    hook_id, _ = hook_for(make_user, receiver.url)
    webhooks.queue_deliveries(change_status(make_idea(make_user())))
    run_worker_burst(database_url, redis_url, tmp_path)
    auth.login(admin_email)  # after the worker run: it ends the session our signed-in user was loaded in
    row = the_delivery(webhook_id=hook_id)
    assert (row.attempts, row.last_status_code, row.delivered_at) == (1, 503, None)
    log = client.get(f"/staff/webhooks/{hook_id}/deliveries").get_data(as_text=True)
    assert "Failing" in log and "HTTP 503" in log and "Redeliver now" in log

    r = client.post(f"/staff/webhooks/deliveries/{row.id}/redeliver", data={"webhook_id": hook_id})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/staff/webhooks/{hook_id}/deliveries")
    assert webhooks.job_id(row.id) not in get_queue("default").scheduled_job_registry.get_job_ids()
    run_worker_burst(database_url, redis_url, tmp_path)

    assert len(receiver.requests) == 2
    row = the_delivery(webhook_id=hook_id)
    assert (row.attempts, row.last_status_code, row.last_error) == (2, 200, None) and row.delivered_at
    auth.login(admin_email)
    assert client.post(f"/staff/webhooks/deliveries/{row.id}/redeliver").status_code == 409
