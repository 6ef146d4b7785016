"""Outgoing mail: written to the database with its delivery job (the outbox), then sent by the worker."""

from __future__ import annotations

import smtplib
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from flask import current_app
from sqlalchemy import update

from .. import outbox
from ..extensions import db
from ..hosts import absolute_url
from ..models import OutboundEmail
from ..models.types import utcnow


def send(to: str, subject: str, body: str, *, unsubscribe_url: str | None = None) -> OutboundEmail:
    """Writes one message and its delivery job, and commits; `unsubscribe_url` from unsubscribe.url()."""
    message = OutboundEmail(to=to, subject=subject, body=body, unsubscribe_url=unsubscribe_url)
    db.session.add(message)
    db.session.flush()
    enqueue(message.id)
    db.session.commit()
    return message


def enqueue(message_id: int, due_at: datetime | None = None) -> None:
    """Into the caller's transaction, with the message itself: a Redis outage only delays mail (outbox relay).
    `due_at` holds the job back while a command delivers the message itself (deliver() then finds it sent)."""
    outbox.enqueue("mail.deliver_email", message_id, key=f"mail-{message_id}", due_at=due_at)


MESSAGES_PER_JOB = 500  # when many go out at once: a contest's 130,000 entrants are 260 jobs, not 130,000


def enqueue_many(message_ids: list[int]) -> int:
    """Delivery jobs for many messages, MESSAGES_PER_JOB to a job; returns how many jobs. Into the caller's
    transaction, with the messages."""
    ids = sorted(message_ids)
    for start in range(0, len(ids), MESSAGES_PER_JOB):
        chunk = ids[start : start + MESSAGES_PER_JOB]
        outbox.enqueue("mail.deliver_emails", *chunk, key=f"mails-{chunk[0]}-{chunk[-1]}")
    return -(-len(ids) // MESSAGES_PER_JOB)


def _as_message(row: OutboundEmail) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = row.to
    msg["Subject"] = row.subject
    body = row.body
    if row.unsubscribe_url:
        msg["List-Unsubscribe"] = f"<{row.unsubscribe_url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        settings = absolute_url("account.settings", _anchor="notifications-heading")
        body = body.rstrip("\n") + (
            f"\n\n--\nUnsubscribe with one click: {row.unsubscribe_url}\nChoose what we tell you: {settings}\n"
        )
    msg.set_content(body)  # encoded (base64 or quoted-printable) with 76-column lines
    # Headers may run to 998 columns (RFC 5322): at 78 a long List-Unsubscribe URL would be folded or turned into
    # =?utf-8?q?…?= words, which mail clients do not read as a link.
    msg.policy = msg.policy.clone(max_line_length=998)
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
        update(OutboundEmail)
        .where(OutboundEmail.id == outbox_id, OutboundEmail.sent_at.is_(None))
        .values(sent_at=utcnow())
    )
    db.session.commit()
    return True
