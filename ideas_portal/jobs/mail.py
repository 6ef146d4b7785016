"""Delivers one outbox message; running twice sends once (sent_at guard)."""
from ..services import mail
from . import job_options


def deliver_email(outbox_id: int) -> bool:
    return mail.deliver(outbox_id)


deliver_email.options = job_options(timeout=60)
