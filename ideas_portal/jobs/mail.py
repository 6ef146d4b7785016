"""Delivers outbound messages, one or a batch; running twice sends once (sent_at guard)."""

from ..services import mail
from . import job


@job(queue="mail", timeout=60)
def deliver_email(outbox_id: int) -> bool:
    return mail.deliver(outbox_id)


@job(queue="mail", timeout=900)
def deliver_emails(*outbox_ids: int) -> int:
    """A batch (mail.enqueue_many); each message is committed as sent on its own, so a retry sends only the rest."""
    return sum(mail.deliver(outbox_id) for outbox_id in outbox_ids)
