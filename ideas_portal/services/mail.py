"""Outgoing mail: written to the outbox in the database, then delivered by an RQ job."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from pathlib import Path

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import select, update

from ..extensions import db, get_queue
from ..models import OutboundEmail
from ..models.types import utcnow

log = logging.getLogger(__name__)


def send(to: str, subject: str, body: str) -> OutboundEmail:
    message = OutboundEmail(to=to, subject=subject, body=body)
    db.session.add(message)
    db.session.commit()
    enqueue(message.id)
    return message


def enqueue(outbox_id: int) -> bool:
    """A Redis outage only delays mail: `flask worker` relays the outbox when it starts."""
    from ..jobs.mail import deliver_email

    try:
        get_queue("mail").enqueue(deliver_email, outbox_id, job_id=f"mail-{outbox_id}", **deliver_email.options)
        return True
    except RedisError as exc:
        log.warning("mail %s stays in the outbox: %s", outbox_id, exc)
        return False


def relay_pending() -> int:
    ids = db.session.scalars(select(OutboundEmail.id).where(OutboundEmail.sent_at.is_(None))).all()
    return sum(enqueue(i) for i in ids)


def _as_message(row: OutboundEmail) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = row.to
    msg["Subject"] = row.subject
    msg.set_content(row.body)
    return msg


def deliver(outbox_id: int) -> bool:
    row = db.session.get(OutboundEmail, outbox_id)
    if row is None or row.sent_at is not None:
        return False
    msg = _as_message(row)
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "file":
        folder = Path(current_app.config["MAIL_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{row.id:08d}.eml"  # deterministic name: a re-run rewrites, never duplicates
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(msg.as_bytes())
        tmp.replace(target)
    elif backend == "console":
        print(msg.as_string(), flush=True)
    elif backend == "smtp":
        with smtplib.SMTP(current_app.config["SMTP_HOST"], current_app.config["SMTP_PORT"], timeout=30) as smtp:
            smtp.send_message(msg)
    else:
        raise RuntimeError(f"unknown MAIL_BACKEND {backend!r}")
    db.session.execute(
        update(OutboundEmail).where(OutboundEmail.id == outbox_id, OutboundEmail.sent_at.is_(None)).values(sent_at=utcnow())
    )
    db.session.commit()
    return True
