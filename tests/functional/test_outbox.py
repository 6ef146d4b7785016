"""Redis outages lose nothing: jobs go through the outbox, one relay per worker re-enqueues them every minute,
the scheduler outlives a Redis restart, a job whose worker died runs again, and `make run` restarts what crashed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from redis import Redis
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import select

from devtools import embedded
from ideas_portal import outbox
from devtools.devserver import Supervisor
from ideas_portal.extensions import db, get_queue, redis_connection
from ideas_portal.services import preferences
from ideas_portal.jobs.contests import close_contest
from ideas_portal.models import ContestEntry, Notification, OutboundEmail, OutboxJob, StatusChange, WebhookDelivery
from ideas_portal.models.types import utcnow
from ideas_portal.services import webhooks
from tests.conftest import run_worker_burst
from tests.functional.helpers import make_idea
from tests.functional.test_contest_worker import (
    entry_state,
    fresh,
    new_contest,
    noisy_jpeg,
    upload,
    wait_for,
    work_horse,
    worker_running,
)
from tests.functional.test_webhooks import Receiver

FAST = {
    "OUTBOX_RELAY_SECONDS": "1",
    "WORKER_MAINTENANCE_SECONDS": "2",
    "JOB_HEARTBEAT_SECONDS": "1",
    "JOB_HEARTBEAT_GRACE_SECONDS": "3",
}


@pytest.fixture
def redis_url(redis_url):
    """A Redis database of our own, emptied first, so jobs left by other tests never run against this one's."""
    url = redis_url.rsplit("/", 1)[0] + "/6"
    Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@contextmanager
def redis_away(app):
    """Requests made inside see a Redis that does not answer; afterwards the real one is back."""
    real = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{embedded.free_port()}/0"
    app.extensions.pop("ideas_redis", None)
    try:
        yield
    finally:
        app.config["REDIS_URL"] = real
        app.extensions.pop("ideas_redis", None)


def in_redis(key: str) -> bool:
    try:
        Job.fetch(key, connection=redis_connection())
        return True
    except NoSuchJobError:
        return False


def outbox_states(like: str = "%") -> dict[str, str]:
    return dict(fresh(select(OutboxJob.key, OutboxJob.state).where(OutboxJob.key.like(like))))


def followed_idea(make_user):
    """An idea whose author follows it and asked for mail, plus an admin's webhook."""
    author = make_user()
    preferences.set_channel(author.id, "status_change", "email", True)
    db.session.commit()
    idea = make_idea(author, "Keep the store open on Sundays")
    return idea.id, author.id, author.email


def told(user_id: int) -> list[str]:
    """The member's notices but badges (an idea and its status bonuses earn those too: test_badges' business)."""
    return [
        kind
        for (kind,) in fresh(
            select(Notification.kind).where(Notification.user_id == user_id, Notification.kind != "badge")
        )
    ]


def mails_to(email: str) -> list:
    return fresh(select(OutboundEmail.subject, OutboundEmail.sent_at).where(OutboundEmail.to == email))


def delivered() -> list:
    return fresh(select(WebhookDelivery.delivered_at).where(WebhookDelivery.delivered_at.is_not(None)))


# --- the outbox itself ---------------------------------------------------------------------------------------


def test_enqueue_refuses_unknown_names_and_orm_objects_and_a_rollback_queues_nothing(app, make_user):
    with pytest.raises(ValueError, match="no job named"):
        outbox.enqueue("thumbnails.nothing_like_it", 1)
    with pytest.raises(ValueError, match="no job named"):
        outbox.enqueue("os.system", "true")  # only functions marked as jobs under ideas_portal.jobs
    with pytest.raises(ValueError, match="no job named"):
        outbox.enqueue("contests.results", 1)  # what a job module imports is not a job
    with pytest.raises(TypeError, match="ids"):
        outbox.enqueue("mail.deliver_email", make_user())

    assert outbox.enqueue("mail.deliver_email", 999, key="mail-999") is True
    db.session.rollback()
    assert outbox_states() == {} and not in_redis("mail-999")

    assert outbox.enqueue("mail.deliver_email", 998, key="mail-998") is True
    assert outbox.enqueue("mail.deliver_email", 998, key="mail-998") is False  # one job per key
    db.session.commit()
    assert outbox_states() == {"mail-998": "pending"} and in_redis("mail-998")


def test_status_change_made_while_redis_is_down_reaches_followers_mail_and_webhooks(
    app, api, make_user, receiver, database_url, redis_url, tmp_path
):
    webhooks.register(make_user("admin"), receiver.url)
    idea_id, author_id, author_email = followed_idea(make_user)
    staff = api.as_("staff")

    with redis_away(app):
        r = staff.post(f"/ideas/{idea_id}/status", json={"status": "reviewed", "note": "On our list"})
    assert r.status_code == 200 and r.get_json()["status"] == "reviewed"
    change_id = fresh(select(StatusChange.id))[0][0]
    assert not in_redis(f"fanout-{change_id}")  # the enqueue was lost with Redis…
    assert outbox_states("fanout-%") == {f"fanout-{change_id}": "pending"}  # …but not the job

    result = run_worker_burst(database_url, redis_url, tmp_path)

    # The fan-out and the author's badge check (reaching Reviewed earns points), both written while Redis was away.
    assert "relayed 2 job(s) from the outbox" in result.stdout
    assert told(author_id) == ["status_change"]
    assert [(subject, sent is not None) for subject, sent in mails_to(author_email)] == [
        ("Update on “Keep the store open on Sundays”", True)
    ]
    assert len(list(Path(app.config["MAIL_DIR"]).glob("*.eml"))) == 1
    assert len(receiver.requests) == 1 and len(delivered()) == 1
    assert set(outbox_states().values()) == {"done"}  # fan-out, mail and webhook alike

    assert run_worker_burst(database_url, redis_url, tmp_path).stdout.count("relayed") == 0  # nothing twice
    assert told(author_id) == ["status_change"] and len(receiver.requests) == 1


def test_relay_runs_every_minute_in_a_running_worker_not_only_at_start(
    app, api, make_user, receiver, database_url, redis_url, tmp_path
):
    """The interval is shortened here (OUTBOX_RELAY_SECONDS); its default is 60 s.

    The second change is written after the first one's job has run, so after at least one relay run that came
    after the worker started: only a relay that keeps running can pick it up.
    """
    webhooks.register(make_user("admin"), receiver.url)
    idea_id, author_id, author_email = followed_idea(make_user)
    staff = api.as_("staff")
    with worker_running(database_url, redis_url, tmp_path, **FAST) as (_, log):
        wait_for(lambda: "Listening on" in log.read_text(), "the worker to be up", log)
        for n, slug in enumerate(("reviewed", "coming-soon"), start=1):
            with redis_away(app):  # away for the web process only: the running worker never hears of this job
                assert staff.post(f"/ideas/{idea_id}/status", json={"status": slug}).status_code == 200
            wait_for(lambda: told(author_id) == ["status_change"] * n, f"the relay to fan out change {n}", log)
            wait_for(lambda: len(receiver.requests) == n, f"webhook delivery {n}", log)
            wait_for(lambda: len([s for s, sent in mails_to(author_email) if sent]) == n, f"mail {n}", log)
        wait_for(lambda: set(outbox_states().values()) == {"done"}, "every outbox row to be done", log)


# --- the scheduler and Redis restarts ----------------------------------------------------------------------------


def test_scheduler_and_relay_survive_a_redis_restart_under_a_running_worker(
    app, api, make_user, database_url, tmp_path
):
    redis_dir = tmp_path / "own-redis"
    url, server = embedded.start_redis(redis_dir)
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    app.config["REDIS_URL"] = url
    app.extensions.pop("ideas_redis", None)
    idea_id, author_id, _ = followed_idea(make_user)
    cid = new_contest(api.as_("staff"))
    try:
        with worker_running(database_url, url, tmp_path, **FAST) as (worker, log):
            wait_for(lambda: "Scheduler for" in log.read_text(), "the scheduler to start", log)
            # Idle first: the set-up's jobs (badge checks, the tick's digest and top ten) are not what is tested.
            wait_for(
                lambda: {s for k, s in outbox_states().items() if not k.startswith("contest-close")} <= {"done"},
                "the set-up's jobs to be done",
                log,
            )
            embedded.stop(server)  # Redis goes away under the running worker…
            wait_for(lambda: "Redis is away" in log.read_text(), "the scheduler to notice", log)
            assert api.as_("staff").post(f"/ideas/{idea_id}/status", json={"status": "reviewed"}).status_code == 200
            url, server = embedded.start_redis(redis_dir, port)  # …and comes back empty, on the same port
            at = utcnow().replace(microsecond=0)
            get_queue("default").enqueue_at(at, close_contest, cid, job_id="booked-after-restart")

            wait_for(lambda: told(author_id) == ["status_change"], "the relay to fan out the change", log)
            wait_for(
                lambda: (
                    Job.fetch("booked-after-restart", connection=redis_connection()).get_status() == JobStatus.FINISHED
                ),
                "the scheduler to enqueue a job booked after the restart",
                log,
            )
            assert worker.poll() is None, "the worker stopped"
            assert defunct_children(worker.pid) == [], "a child of the worker was left defunct"
    finally:
        embedded.stop(server)


def defunct_children(pid: int) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                stat = (proc / "stat").read_text()
            except OSError:
                continue
            state, ppid = stat[stat.rindex(")") + 2 :].split()[:2]
            if int(ppid) == pid and state == "Z":
                found.append(int(proc.name))
    return found


# --- a worker that dies mid-job ----------------------------------------------------------------------------------


def test_job_whose_worker_was_killed_runs_again_within_two_minutes(app, api, database_url, redis_url, tmp_path):
    """The whole worker is SIGKILLed (the OOM killer, a lost machine), not just its work-horse: nobody is left to
    report the job failed. Another worker's clean-up must notice the silence and retry it."""
    cid = new_contest(api.as_("staff"))
    entry_id = upload(api.as_("member"), cid, noisy_jpeg(6000, 4500, quality=50))["id"]
    key = f"thumbnails-{entry_id}"
    with worker_running(database_url, redis_url, tmp_path, name="doomed", **FAST) as (doomed, log):
        wait_for(
            lambda: Job.fetch(key, connection=redis_connection()).get_status() == JobStatus.STARTED,
            "the thumbnail job to start",
            log,
            interval=0.005,
        )
        horse = wait_for(lambda: work_horse(doomed.pid), "the work-horse", log, timeout=5, interval=0.005)
        os.kill(doomed.pid, signal.SIGKILL)
        os.kill(horse, signal.SIGKILL)
        killed_at = time.monotonic()
    assert entry_state(entry_id) == "processing", "the job finished before the kill"

    with worker_running(database_url, redis_url, tmp_path, name="survivor", **FAST) as (_, log):
        wait_for(
            lambda: entry_state(entry_id) == "pending_review", "another worker to run the job again", log, timeout=120
        )
    took = time.monotonic() - killed_at
    print(f"job retried and done {took:.0f} s after its worker was killed")  # the figure in the README
    assert took < 120, f"retried after {took:.0f} s"
    assert outbox_states(key) == {key: "done"}
    assert fresh(select(ContestEntry.thumbnails_ready).where(ContestEntry.id == entry_id)) == [(True,)]


# --- make run's supervisor ---------------------------------------------------------------------------------------


def test_supervisor_restarts_a_crashed_redis_on_its_port_and_a_crashed_worker(tmp_path):
    url, first_redis = embedded.start_redis(tmp_path / "redis")
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    sleeper = [sys.executable, "-c", "import time; time.sleep(600)"]
    supervisor = Supervisor(
        {
            "redis": lambda: embedded.start_redis(tmp_path / "redis", port)[1],
            "worker": lambda: subprocess.Popen(sleeper, preexec_fn=embedded.die_with_parent),
        }
    )
    supervisor.children["redis"] = first_redis
    first_worker = supervisor.start("worker")
    try:
        assert supervisor.check() == []  # all running: nothing to do
        first_redis.kill()
        first_worker.send_signal(signal.SIGKILL)
        restarted: set[str] = set()
        wait_for(
            lambda: restarted.update(supervisor.check()) or restarted == {"redis", "worker"},
            "both children to be started again",
        )
        assert supervisor.children["worker"].pid != first_worker.pid and supervisor.children["worker"].poll() is None
        assert Redis.from_url(url).ping()  # the same URL answers again

        supervisor.children["worker"].kill()  # a second crash within the minute waits a back-off first
        wait_for(lambda: supervisor.check() == ["worker"], "the worker's second restart", timeout=10)
    finally:
        for proc in supervisor.children.values():
            embedded.stop(proc)
