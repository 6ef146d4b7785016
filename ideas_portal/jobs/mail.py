"""Delivers one outbound message; running twice sends once (sent_at guard)."""

from ..services import mail
from . import job


@job(queue="mail", timeout=60)
def deliver_email(outbox_id: int) -> bool:
    return mail.deliver(outbox_id)
