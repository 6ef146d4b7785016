"""Fan-out of one status change; safe to run twice or on two workers (UNIQUE + ON CONFLICT)."""
from ..services import notifications
from . import job_options, report


def fan_out_status_change(change_id: int) -> int:
    count = notifications.fan_out(change_id)
    report(notified=count)
    return count


fan_out_status_change.options = job_options(timeout=1800)
