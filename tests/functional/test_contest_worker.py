"""Contest jobs on real workers: thumbnails, a work-horse killed mid-job, racing closers, Redis down, the scheduler,
the relay."""

from __future__ import annotations

import copy
import io
import os
import signal
import subprocess
import sys
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from flask import current_app
from PIL import Image
from redis import Redis
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import func, select, update

from devtools import embedded
from devtools.procs import children
from ideas_portal.extensions import db, get_queue, redis_connection
from ideas_portal.jobs.contests import close_contest
from ideas_portal.models import THUMBNAIL_SIZES, Contest, ContestEntry, FeedItem, Notification, OutboundEmail, OutboxJob
from ideas_portal.models.types import utcnow
from ideas_portal.services.contests import results
from tests.conftest import ROOT, run_worker_burst, server_env, wait_until

DEADLINE = 60  # seconds; generous, as a loaded CI machine needs


@pytest.fixture
def redis_url(redis_url):
    """A Redis database of our own, emptied first, so jobs left by other tests never run against this one's."""
    url = redis_url.rsplit("/", 1)[0] + "/8"
    Redis.from_url(url).flushdb()
    return url


# --- builders ----------------------------------------------------------------------------------------------


def noisy_jpeg(width: int, height: int, quality: int = 85) -> bytes:
    """Random pixels: every photo is its own (no near-duplicate refusals) and costly to decode."""
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, "JPEG", quality=quality)
    return out.getvalue()


def new_contest(staff, **fields) -> int:
    now = utcnow().replace(microsecond=0)
    body = {
        "title": "Sunrise over the store",
        "rules": "One photo each, taken by you.",
        "opens_at": now - timedelta(hours=1),
        "entries_close_at": now + timedelta(hours=1),
        "closes_at": now + timedelta(hours=2),
        **fields,
    }
    r = staff.post("/contests", json={k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in body.items()})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def upload(member, contest_id: int, jpeg: bytes) -> dict:
    r = member.post(
        f"/contests/{contest_id}/entries",
        data={"caption": "x", "photo": (io.BytesIO(jpeg), "a.jpg")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 202, r.get_json()
    return r.get_json()


def as_new(api, role: str):
    """A client of its own for a fresh user: `api.as_` switches the shared one."""
    return copy.copy(api.as_(role))


# --- reading state without holding locks ----------------------------------------------------------------------


def fresh(stmt):
    """Committed rows, with the transaction ended: on SQLite every transaction holds the write lock."""
    try:
        return db.session.execute(stmt).all()
    finally:
        db.session.rollback()


def entry_state(entry_id: int) -> str:
    return fresh(select(ContestEntry.state).where(ContestEntry.id == entry_id))[0][0]


def announced_at(contest_id: int):
    return fresh(select(Contest.announced_at).where(Contest.id == contest_id))[0][0]


def thumbnail_paths(entry_id: int) -> dict[str, Path]:
    """Where local storage keeps them: workers and this process share MEDIA_DIR (see server_env)."""
    media = Path(current_app.config["MEDIA_DIR"])
    try:
        entry = db.session.get(ContestEntry, entry_id)
        return {size: media / entry.thumbnail_key(size) for size in THUMBNAIL_SIZES}
    finally:
        db.session.rollback()


def contest_feed_items(contest_id: int) -> list:
    return fresh(
        select(FeedItem.id, FeedItem.title, FeedItem.created_at).where(
            FeedItem.contest_id == contest_id, FeedItem.kind == "contest_result"
        )
    )


def job(job_id: str) -> Job:
    return Job.fetch(job_id, connection=redis_connection())


def decodes(path: Path) -> bool:
    try:
        with Image.open(path, formats=["WEBP"]) as img:
            img.load()
        return True
    except (OSError, SyntaxError, ValueError):
        return False


def assert_thumbnails_complete(entry_id: int) -> None:
    row = fresh(
        select(ContestEntry.width, ContestEntry.height, ContestEntry.thumbnails_ready).where(
            ContestEntry.id == entry_id
        )
    )[0]
    assert row.thumbnails_ready
    for size, path in thumbnail_paths(entry_id).items():
        assert path.is_file() and decodes(path), f"{size} thumbnail missing or damaged: {path}"
        with Image.open(path) as img:
            assert img.format == "WEBP"
            assert max(img.size) == min(THUMBNAIL_SIZES[size], max(row.width, row.height)), (size, img.size)


def leftover_partials(media_dir: Path) -> list[str]:
    return [os.path.join(d, n) for d, _, names in os.walk(media_dir) for n in names if n.endswith(".part")]


# --- worker processes --------------------------------------------------------------------------------------------


def _worker(tmp_path: Path, env: dict, name: str, burst: bool) -> tuple[subprocess.Popen, Path]:
    log = tmp_path / f"{name}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker", *(["--burst"] * burst)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=embedded.die_with_parent,
        )
    return proc, log


def tail(log: Path, chars: int = 4000) -> str:
    return log.read_text(errors="replace")[-chars:] if log.exists() else "(no log)"


@contextmanager
def worker_running(database_url, redis_url, tmp_path, name: str = "worker", **env):
    """A long-running `flask worker` with its scheduler, so retries and scheduled jobs run when they fall due."""
    db.session.remove()
    proc, log = _worker(tmp_path, server_env(database_url, redis_url, tmp_path, **env), name, burst=False)
    try:
        yield proc, log
    finally:
        embedded.stop(proc)


def wait_for(predicate, what: str, log: Path | None = None, timeout: float = DEADLINE, interval: float = 0.1):
    try:
        return wait_until(predicate, timeout=timeout, interval=interval, what=what)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- worker log ---\n{tail(log)}" if log else str(exc)) from None


def work_horse(worker_pid: int) -> int | None:
    """The worker's child running a job: RQ gives the horse a process group of its own, the scheduler none."""
    return next((c.pid for c in children(worker_pid) if c.pgrp == c.pid and c.state != "Z"), None)


# --- thumbnails ------------------------------------------------------------------------------------------------


def test_worker_makes_three_webp_thumbnails_and_moves_the_entry_to_review(
    app, api, client, database_url, redis_url, tmp_path
):
    cid = new_contest(api.as_("staff"))
    entry = upload(api.as_("member"), cid, noisy_jpeg(2000, 1500))
    assert entry["state"] == "processing" and entry["thumbnails"] == {"small": None, "medium": None, "large": None}
    job_id = f"thumbnails-{entry['id']}"
    assert job(job_id).get_status() == JobStatus.QUEUED

    run_worker_burst(database_url, redis_url, tmp_path)

    assert entry_state(entry["id"]) == "pending_review"
    assert_thumbnails_complete(entry["id"])
    done = job(job_id)
    assert done.get_status() == JobStatus.FINISHED
    assert done.meta["state"] == "pending_review" and done.return_value() == "pending_review"
    shown = api.get(f"/entries/{entry['id']}").get_json()  # the entrant sees their entry before review
    assert shown["state"] == "pending_review"
    for size, url in shown["thumbnails"].items():
        r = client.get(url.replace("http://localhost", ""))
        assert r.status_code == 200 and r.mimetype == "image/webp", size
    assert leftover_partials(tmp_path / "media") == []


def test_horse_killed_mid_job_leaves_no_half_written_thumbnail_and_the_retry_finishes(
    app, api, database_url, redis_url, tmp_path
):
    """SIGKILL is what the OOM killer sends: no cleanup runs, so only atomic writes and the retry can save us."""
    cid = new_contest(api.as_("staff"))
    entry_id = upload(api.as_("member"), cid, noisy_jpeg(6000, 4500, quality=50))["id"]  # ~0.5 s of work
    job_id = f"thumbnails-{entry_id}"
    paths = thumbnail_paths(entry_id)

    with worker_running(database_url, redis_url, tmp_path) as (worker, log):
        wait_for(
            lambda: job(job_id).get_status() == JobStatus.STARTED, "the thumbnail job to start", log, interval=0.005
        )
        horse = wait_for(lambda: work_horse(worker.pid), "the work-horse process", log, timeout=5, interval=0.005)
        os.kill(horse, signal.SIGKILL)

        wait_for(lambda: job(job_id).get_status() == JobStatus.SCHEDULED, "the worker to book a retry", log)
        assert entry_state(entry_id) == "processing", "the kill came after the job had finished"
        for size, path in paths.items():
            assert not path.exists() or decodes(path), f"half-written {size} thumbnail at its final name"
        # What a kill between write() and os.replace() leaves: half a file under the temporary name.
        partial = paths["large"].with_name(f".{paths['large'].name}.killed.part")
        partial.write_bytes(b"RIFF\x00\x10\x00\x00WEBPVP8 " + os.urandom(512))

        wait_for(lambda: entry_state(entry_id) == "pending_review", "the retry to finish the thumbnails", log)
        assert "Work-horse terminated unexpectedly" in tail(log, 100_000)

    assert_thumbnails_complete(entry_id)
    assert leftover_partials(tmp_path / "media") == []
    retried = job(job_id)
    assert retried.get_status() == JobStatus.FINISHED and retried.meta["state"] == "pending_review"
    assert retried.retries_left == 2  # one of three retries used


# --- closing -------------------------------------------------------------------------------------------------


def test_two_workers_closing_the_same_contest_at_once_announce_it_once(app, api, database_url, redis_url, tmp_path):
    staff = as_new(api, "staff")
    cid = new_contest(staff, winner_count=2, prize="A year of oat milk")
    entrants = [as_new(api, "member") for _ in range(3)]
    entry_ids = [upload(m, cid, noisy_jpeg(400, 300))["id"] for m in entrants]
    people = [(m.user.id, m.user.email) for m in entrants]
    run_worker_burst(database_url, redis_url, tmp_path)
    for entry_id in entry_ids:
        assert staff.post(f"/entries/{entry_id}/review", json={"decision": "approve"}).status_code == 200
    for voter, chosen in ((as_new(api, "member"), entry_ids[:2]), (as_new(api, "member"), entry_ids[:1])):
        for entry_id in chosen:
            assert voter.put(f"/entries/{entry_id}/vote").status_code == 200
    for _ in range(2):  # staff double-click: both requests enqueue a close
        r = staff.post(f"/contests/{cid}/close")
        assert r.status_code == 202 and r.get_json()["announced_at"] is None
    for n in range(2):  # and two more, under ids of their own, as a retry or the sweeper would
        get_queue("default").enqueue(close_contest, cid, job_id=f"close-again-{n}", **close_contest.options)
    db.session.remove()

    env = server_env(database_url, redis_url, tmp_path)
    workers = [_worker(tmp_path, env, f"closer-{n}", burst=True) for n in range(2)]
    try:
        for proc, log in workers:
            assert proc.wait(timeout=120) == 0, tail(log)
    finally:
        for proc, _ in workers:
            embedded.stop(proc)

    default = get_queue("default")
    assert default.failed_job_registry.get_job_ids() == []  # the losers stood down; no constraint had to stop them
    due = fresh(
        select(OutboxJob.key, OutboxJob.state).where(OutboxJob.name.like("contests.%"), OutboxJob.due_at <= utcnow())
    )
    assert {key for key, _ in due} >= {f"contest-notify-{cid}"} and len(due) == 2  # both clicks: one close job
    assert {state for _, state in due} == {"done"}
    ran = {"close-again-0", "close-again-1", *(key for key, _ in due)}
    assert ran.isdisjoint(default.scheduled_job_registry.get_job_ids())  # nothing waits for a retry
    items = contest_feed_items(cid)
    assert len(items) == 1 and items[0].title == "Winners: Sunrise over the store"
    assert announced_at(cid) == items[0].created_at  # one closer wrote both
    ranks = fresh(
        select(ContestEntry.id, ContestEntry.winner_rank).where(
            ContestEntry.contest_id == cid, ContestEntry.winner_rank.is_not(None)
        )
    )
    assert sorted(ranks, key=lambda row: row[1]) == [(entry_ids[0], 1), (entry_ids[1], 2)]
    notices = fresh(
        select(Notification.user_id, Notification.kind, func.count())
        .where(Notification.contest_id == cid)
        .group_by(Notification.user_id, Notification.kind)
    )
    (winner_a, _), (winner_b, _), (other, _) = people
    assert sorted(notices) == sorted(
        [(winner_a, "contest_winner", 1), (winner_b, "contest_winner", 1), (other, "contest_result", 1)]
    )
    mails = fresh(select(OutboundEmail.to).where(OutboundEmail.subject == "You won: Sunrise over the store"))
    assert sorted(m.to for m in mails) == sorted(email for _, email in people[:2])

    first = announced_at(cid)
    assert results.close(cid) is False
    assert announced_at(cid) == first and len(contest_feed_items(cid)) == 1
    shown = staff.get(f"/contests/{cid}").get_json()
    assert shown["state"] == "closed" and [w["id"] for w in shown["winners"]] == entry_ids[:2]


def test_upload_while_redis_is_down_is_kept_and_the_relay_enqueues_it_later(
    app, api, runner, database_url, redis_url, tmp_path
):
    cid = new_contest(api.as_("staff"))
    member = as_new(api, "member")
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{embedded.free_port()}/0"  # nothing listens there
    app.extensions.pop("ideas_redis", None)

    entry = upload(member, cid, noisy_jpeg(1200, 900))
    assert entry["state"] == "processing"

    app.config["REDIS_URL"] = redis_url  # Redis is back
    app.extensions.pop("ideas_redis", None)
    with pytest.raises(NoSuchJobError):
        job(f"thumbnails-{entry['id']}")
    assert fresh(select(OutboxJob.state).where(OutboxJob.key == f"thumbnails-{entry['id']}")) == [("pending",)]

    def sweep_cli() -> str:
        result = runner.invoke(args=["contests", "sweep"])
        assert result.exit_code == 0, result.output
        return result.output

    db.session.execute(
        update(ContestEntry).where(ContestEntry.id == entry["id"]).values(created_at=utcnow() - timedelta(minutes=2))
    )
    db.session.commit()
    assert "0 enqueued, 1 already queued, 0 failed" in sweep_cli()  # its job waits in the outbox: no second one

    result = run_worker_burst(database_url, redis_url, tmp_path)

    assert "relayed 2 job(s) from the outbox" in result.stdout  # the thumbnails, and the entrant's badge check
    assert entry_state(entry["id"]) == "pending_review"
    assert_thumbnails_complete(entry["id"])
    assert fresh(select(OutboxJob.state).where(OutboxJob.key == f"thumbnails-{entry['id']}")) == [("done",)]
    assert "0 enqueued, 0 already queued, 0 failed" in sweep_cli()


def test_scheduler_closes_the_contest_on_time_without_anyone_calling_close(app, api, database_url, redis_url, tmp_path):
    staff = api.as_("staff")
    with worker_running(database_url, redis_url, tmp_path) as (_, log):
        wait_for(lambda: "Scheduler for" in log.read_text(), "the worker and its scheduler to be up", log)
        now = utcnow().replace(microsecond=0)
        closes_at = now + timedelta(seconds=4)
        cid = new_contest(staff, entries_close_at=now + timedelta(seconds=2), closes_at=closes_at)
        scheduled = f"contest-close-{cid}-{int(closes_at.timestamp())}"
        assert job(scheduled).get_status() == JobStatus.SCHEDULED
        wait_for(lambda: contest_feed_items(cid), "the scheduled close to announce the contest", log)
        wait_for(lambda: job(scheduled).get_status() == JobStatus.FINISHED, "the scheduled job to finish", log)

    assert announced_at(cid) >= closes_at  # not a moment early
    assert len(contest_feed_items(cid)) == 1


def test_sweeper_closes_an_overdue_contest_that_was_never_scheduled(
    app, runner, make_user, database_url, redis_url, tmp_path
):
    def overdue_contest(title: str) -> int:
        """Written straight to the database, as if Redis was away when it was set up: no close job exists."""
        now = utcnow()
        contest = Contest(
            title=title,
            rules="Be kind.",
            rules_html="<p>Be kind.</p>",
            draw_seed="ab" * 16,
            opens_at=now - timedelta(hours=3),
            entries_close_at=now - timedelta(hours=2),
            closes_at=now - timedelta(hours=1),
            created_by_id=make_user("staff").id,
        )
        db.session.add(contest)
        db.session.commit()
        return contest.id

    first = overdue_contest("Forgotten by the scheduler")
    result = runner.invoke(args=["contests", "sweep"])
    assert result.exit_code == 0 and result.output.startswith("1 contest job(s) written"), result.output
    run_worker_burst(database_url, redis_url, tmp_path)
    assert announced_at(first) is not None and len(contest_feed_items(first)) == 1

    second = overdue_contest("Also forgotten")
    with worker_running(database_url, redis_url, tmp_path, OUTBOX_RELAY_SECONDS="1") as (_, log):
        wait_for(lambda: announced_at(second) is not None, "the worker's own sweep to close it", log)
    assert len(contest_feed_items(second)) == 1
    assert len(contest_feed_items(first)) == 1


def test_result_notices_lost_to_a_redis_blip_at_close_time_are_sent_by_the_relay(
    app, api, database_url, redis_url, tmp_path
):
    staff = as_new(api, "staff")
    cid = new_contest(staff)
    entrant = as_new(api, "member")
    entrant_email = entrant.user.email
    entry_id = upload(entrant, cid, noisy_jpeg(400, 300))["id"]
    run_worker_burst(database_url, redis_url, tmp_path)
    assert staff.post(f"/entries/{entry_id}/review", json={"decision": "approve"}).status_code == 200
    past = utcnow() - timedelta(seconds=1)
    db.session.execute(update(Contest).where(Contest.id == cid).values(entries_close_at=past, closes_at=past))
    db.session.commit()
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{embedded.free_port()}/0"  # Redis away as the closer commits
    app.extensions.pop("ideas_redis", None)
    assert results.close(cid) is True  # announced, its notify job written with it
    app.config["REDIS_URL"] = redis_url
    app.extensions.pop("ideas_redis", None)
    with pytest.raises(NoSuchJobError):
        job(f"contest-notify-{cid}")

    run_worker_burst(database_url, redis_url, tmp_path)

    assert fresh(select(Notification.kind).where(Notification.contest_id == cid)) == [("contest_winner",)]
    mails = fresh(select(OutboundEmail.to, OutboundEmail.sent_at).where(OutboundEmail.subject.like("You won:%")))
    assert [m.to for m in mails] == [entrant_email] and mails[0].sent_at is not None
