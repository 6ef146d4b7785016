"""The backstops every worker runs each minute (and `flask contests sweep`): nothing waits for a lost job."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import String, cast, literal, select

from ...extensions import db
from ...models import Contest, ContestEntry, OutboxJob
from ...models.types import utcnow
from . import contests, processing, results

STUCK_AFTER = timedelta(minutes=1)


def sweep_contests(now=None) -> int:
    """Backstop for contests written without their jobs (older data, the database edited by hand).

    Contests past closes_at get their close job, announced ones their notices; a job already written is not
    written twice (same outbox key), so this runs every minute at no cost. Returns the jobs written.
    """
    now = now or utcnow()
    due = db.session.scalars(select(Contest).where(Contest.id.in_(contests.due_for_closing(now)))).all()
    written = sum(contests.schedule_close(contest) for contest in due)
    untold = db.session.scalars(
        select(Contest.id).where(Contest.announced_at < now - timedelta(minutes=1), Contest.notified_at.is_(None))
    ).all()
    written += sum(results.enqueue_notify(contest_id) for contest_id in untold)
    db.session.commit()
    return written


def sweep_stuck(now=None) -> dict[str, int]:
    """Entries still processing a minute after upload: failed once their job has run out of retries.

    An entry written without its job (older data) gets one; waiting jobs are the relay's business.
    """
    cutoff = (now or utcnow()) - STUCK_AFTER
    rows = db.session.execute(
        select(ContestEntry.id, OutboxJob.state)
        .outerjoin(OutboxJob, OutboxJob.key == literal(processing.JOB_PREFIX).concat(cast(ContestEntry.id, String)))
        .where(ContestEntry.state == "processing", ContestEntry.created_at < cutoff)
    ).all()
    result = {"enqueued": 0, "failed": 0, "waiting": 0}
    for entry_id, job_state in rows:
        if job_state == "failed":
            processing.fail(
                db.session.get_one(ContestEntry, entry_id), "We could not process this photo. Please upload it again."
            )
            result["failed"] += 1
        elif job_state is None:
            result["enqueued"] += processing.enqueue_thumbnails(entry_id)
        else:
            result["waiting"] += 1
    db.session.commit()
    return result
