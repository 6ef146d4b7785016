"""The one way to enqueue a job that must not be lost: a row in the caller's transaction, then RQ.

`enqueue("thumbnails.make_thumbnails", entry_id)` writes an `outbox_jobs` row; once the transaction commits the
row is pushed to RQ (a Redis outage only logs a warning). `relay()`, run by every worker every
OUTBOX_RELAY_SECONDS, pushes again whatever is due and not held by RQ, and settles what RQ finished or gave up on.
The row's key is its RQ job id, so a relay racing a push, or two relays, queue it once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from redis.exceptions import RedisError
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from sqlalchemy import delete, event, select, update
from sqlalchemy.orm import Session

from .extensions import QUEUE_NAMES, db, get_queue, redis_connection
from .models import OutboxJob
from .models.types import utcnow
from .services.dialect import insert

log = logging.getLogger(__name__)
_PENDING = "ideas_outbox_pending"  # Session.info: rows written in the open transaction, pushed after commit
KEEP_DONE = timedelta(days=7)
BATCH = 500
_GAVE_UP = {JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}


def job_key(name: str, args) -> str:
    """Deterministic, and what RQ accepts as a job id: "mail.deliver_email", 7 → "mail-deliver_email-7"."""
    return "-".join([name.replace(".", "-"), *(str(a) for a in args)])


def enqueue(
    name: str, *args: int | str, key: str | None = None, due_at: datetime | None = None, again: bool = False
) -> bool:
    """Adds the job to the caller's transaction (the caller commits); False if that key is already waiting.

    `again` revives a row that is done or failed (an admin's "send again"); otherwise a key is queued once.
    """
    from .jobs import resolve  # the registry of job names; importing it here keeps services free of jobs

    resolve(name)  # an unknown name fails now, in the caller's transaction, not later in a worker
    if not all(isinstance(a, (int, str)) and not isinstance(a, bool) for a in args):
        raise TypeError("jobs take ids and strings, never objects")
    now = utcnow()
    due = due_at or now
    key = key or job_key(name, args)
    stmt = insert(OutboxJob).values(
        key=key, name=name, args=list(args), state="pending", created_at=now, due_at=due, attempts=0
    )
    if again:
        stmt = stmt.on_conflict_do_update(
            index_elements=["key"], set_={"state": "pending", "due_at": due, "done_at": None}
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=["key"])
    row_id = db.session.execute(stmt.returning(OutboxJob.id)).scalar()
    if row_id is None:
        return False
    db.session.info.setdefault(_PENDING, []).append((row_id, key, name, list(args), due))
    return True


@event.listens_for(Session, "after_commit")
def _push_after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        push(pending)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)  # rolled back: those rows do not exist


def push(rows) -> int:
    """Hands rows (id, key, name, args, due_at) to RQ; on a Redis error the rest wait for the relay."""
    from .jobs import resolve, run

    pushed = 0
    for row_id, key, name, args, due_at in rows:
        func = resolve(name)
        queue = get_queue(func.queue)
        options = {"job_id": key, "description": f"{name}({', '.join(map(str, args))})", **func.job_options()}
        try:
            if due_at > utcnow():
                queue.enqueue_at(due_at, run, row_id, **options)
            else:
                queue.enqueue(run, row_id, **options)
        except RedisError as exc:
            log.warning("job %s waits in the outbox for the relay: %s", key, exc)
            break  # the others would wait out the same timeout
        pushed += 1
    return pushed


def status(key: str) -> str | None:
    """The row's state ("pending", "done", "failed") or None if no such job was ever written."""
    return db.session.scalar(select(OutboxJob.state).where(OutboxJob.key == key))


def relay(now: datetime | None = None) -> dict[str, int]:
    """Due rows that RQ does not hold are pushed again; rows RQ finished or gave up on are settled.

    Raises RedisError when Redis is away: nothing is lost, the next run tries again.
    """
    now = now or utcnow()
    result = {"relayed": 0, "waiting": 0, "done": 0, "failed": 0}
    requeue_abandoned()  # jobs of a worker that died mid-job: RQ retries them once their heartbeat has expired
    after = 0
    while True:
        rows = db.session.execute(
            select(OutboxJob.id, OutboxJob.key, OutboxJob.name, OutboxJob.args, OutboxJob.due_at)
            .where(OutboxJob.state == "pending", OutboxJob.due_at <= now, OutboxJob.id > after)
            .order_by(OutboxJob.id)
            .limit(BATCH)
        ).all()
        db.session.rollback()  # no transaction (on SQLite: no lock) held while Redis answers
        if not rows:
            break
        after = rows[-1].id
        jobs = Job.fetch_many([row.key for row in rows], connection=redis_connection())
        missing, finished, gave_up = [], [], []
        for row, found in zip(rows, jobs):
            state = found.get_status(refresh=False) if found is not None else None
            if state is None:
                missing.append((row.id, row.key, row.name, row.args, row.due_at))
            elif state == JobStatus.FINISHED:
                finished.append(row.id)
            elif state in _GAVE_UP:
                gave_up.append(row.id)
            else:
                result["waiting"] += 1
        result["relayed"] += push(missing)
        result["done"] += _settle(finished, "done")
        result["failed"] += _settle(gave_up, "failed")
    db.session.execute(delete(OutboxJob).where(OutboxJob.state == "done", OutboxJob.done_at < now - KEEP_DONE))
    db.session.commit()
    if result["relayed"]:
        log.info("outbox: relayed %s job(s)", result["relayed"])
    return result


def _settle(ids: list[int], state: str) -> int:
    if not ids:
        return 0
    values = {"state": state, "done_at": utcnow()} if state == "done" else {"state": state}
    count = db.session.execute(
        update(OutboxJob).where(OutboxJob.id.in_(ids), OutboxJob.state == "pending").values(**values)
    ).rowcount
    db.session.commit()
    if state == "failed" and count:
        log.error("outbox: %s job(s) ran out of retries and failed: ids %s", count, ids)
    return count


def requeue_abandoned() -> None:
    """RQ retries a job whose worker vanished only when someone cleans its started registry: every relay does."""
    for name in QUEUE_NAMES:
        StartedJobRegistry(name, connection=redis_connection()).cleanup()
