"""RQ job functions: small, idempotent, enqueued by dotted name ("thumbnails.make_thumbnails") with ids only.

Services never import this package: they call `ideas_portal.outbox.enqueue(name, *ids)`, which writes the
outbox row; every RQ job is `run(outbox_id)`, which calls the named function and marks the row done.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from rq import Retry, get_current_job
from sqlalchemy import update

from ..extensions import QUEUE_NAMES, db
from ..models import OutboxJob
from ..models.types import utcnow


def job_options(timeout: int) -> dict:
    return {"retry": Retry(max=3, interval=[10, 30, 60]), "job_timeout": timeout}


def job(queue: str = "default", timeout: int = 300, options: Callable[[], dict] | None = None):
    """Marks a function as a job; only marked functions can be named in the outbox."""
    if queue not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {queue!r}")

    def mark(func):
        func.queue = queue
        func.job_options = options or (lambda: job_options(timeout))
        func.options = None if options else job_options(timeout)  # for a test enqueueing the function itself
        return func

    return mark


def resolve(name: str):
    """ "thumbnails.make_thumbnails" → ideas_portal.jobs.thumbnails.make_thumbnails, which must be a job."""
    module, _, function = name.rpartition(".")
    if not module or not module.isidentifier() or not function.isidentifier():
        raise ValueError(f"not a job name: {name!r}")
    try:
        func = getattr(importlib.import_module(f"{__name__}.{module}"), function, None)
    except ModuleNotFoundError:
        func = None
    if func is None or not hasattr(func, "job_options"):
        raise ValueError(f"no job named {name!r}")
    return func


def run(outbox_id: int):
    """The one RQ entry point: a row already done is not run again, a failure leaves it pending for the retry."""
    row = db.session.get(OutboxJob, outbox_id)
    if row is None or row.state == "done":
        db.session.rollback()
        return None
    func, args = resolve(row.name), list(row.args)
    db.session.execute(update(OutboxJob).where(OutboxJob.id == outbox_id).values(attempts=OutboxJob.attempts + 1))
    db.session.commit()
    result = func(*args)
    db.session.execute(
        update(OutboxJob)
        .where(OutboxJob.id == outbox_id, OutboxJob.state != "done")
        .values(state="done", done_at=utcnow())
    )
    db.session.commit()
    return result


def report(**progress) -> None:
    """Progress in job.meta, where operators (and tests) read what a job did."""
    current = get_current_job()
    if current is not None:
        current.meta.update(progress)
        current.save_meta()
