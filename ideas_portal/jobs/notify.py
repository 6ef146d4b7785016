"""Fan-out of one status change; safe to run twice or on two workers (UNIQUE + ON CONFLICT)."""
from rq import get_current_job

from ..services import notifications
from . import job_options


def fan_out_status_change(change_id: int) -> int:
    count = notifications.fan_out(change_id)
    job = get_current_job()
    if job is not None:
        job.meta["notified"] = count
        job.save_meta()
    return count


fan_out_status_change.options = job_options(timeout=1800)
