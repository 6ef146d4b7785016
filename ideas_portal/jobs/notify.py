"""Fan-out of one status change to followers and webhooks; safe twice or on two workers (UNIQUE + ON CONFLICT)."""

from ..services import notifications, webhooks
from . import job, report


@job(timeout=1800)
def fan_out_status_change(change_id: int) -> int:
    count = notifications.fan_out(change_id)
    deliveries = webhooks.queue_deliveries(change_id)
    report(notified=count, webhook_deliveries=deliveries)
    return count
