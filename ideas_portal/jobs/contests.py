"""Contest closing and its notices, plus the periodic sweeper that backs up the scheduler."""
from datetime import datetime, timedelta, timezone

from redis.exceptions import RedisError

from ..extensions import get_queue
from ..services import contest_results, entries
from . import job_options

SWEEP_EVERY = timedelta(minutes=1)


def close_contest(contest_id: int) -> bool:
    return contest_results.close(contest_id)


def notify_contest_result(contest_id: int) -> int:
    return contest_results.notify(contest_id)


def sweep() -> dict:
    """Closes overdue contests and re-enqueues stuck entries, then books its own next run."""
    result = {"contests": contest_results.sweep(), **entries.sweep_stuck()}
    schedule_sweep()
    return result


def schedule_sweep(now: datetime | None = None) -> None:
    """One sweep per minute however many workers book it: the job id is the minute it runs."""
    at = (now or datetime.now(timezone.utc)).replace(second=0, microsecond=0) + SWEEP_EVERY
    try:
        get_queue("default").enqueue_at(at, sweep, job_id=f"contest-sweep-{at:%Y%m%d%H%M}", **sweep.options)
    except RedisError:
        pass  # the next worker start books it again


close_contest.options = job_options(timeout=600)
notify_contest_result.options = job_options(timeout=1800)
sweep.options = job_options(timeout=300)
