"""Outgoing webhooks: admins register URLs; each status change is logged as deliveries first, then sent."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import and_, case, delete, func, literal, select, update

from .. import outbox, policy
from ..extensions import db, get_queue, redis_connection
from ..hosts import absolute_url
from ..models import StatusChange, Webhook, WebhookDelivery
from ..models.types import utcnow
from . import lookup, pagination
from .dialect import insert
from .exceptions import Conflict, InvalidInput, NotFound

log = logging.getLogger(__name__)

EVENT = "idea.status_changed"
URL_MAX = 500
SECRET_MIN, SECRET_MAX = 16, 100
LOG_PAGE = 20


@dataclass
class WebhookSummary:
    webhook: Webhook
    total: int
    delivered: int
    failing: int
    last_at: datetime | None


@dataclass
class LogEntry:
    delivery: WebhookDelivery
    payload: dict

    @property
    def state(self) -> str:
        if self.delivery.delivered_at is not None:
            return "delivered"
        return "failing" if self.delivery.attempts else "pending"


def validate_url(raw: str | None) -> str:
    url = (raw or "").strip()
    if not url:
        raise InvalidInput("Enter the URL that should receive the events.")
    if len(url) > URL_MAX:
        raise InvalidInput(f"The URL is limited to {URL_MAX} characters.")
    if not url.isascii() or any(c.isspace() or not c.isprintable() for c in url):
        raise InvalidInput("The URL may contain no spaces and only ASCII characters (percent-encode the rest).")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port out of range)
    except ValueError:
        raise InvalidInput("That is not a valid URL.") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidInput("The URL must start with http:// or https://.")
    if not parts.hostname:
        raise InvalidInput("The URL needs a host name, for example https://example.com/hooks/ideas.")
    if parts.username is not None or parts.password is not None:
        raise InvalidInput("Leave credentials out of the URL: every request is signed with the secret instead.")
    return url


def validate_secret(raw: str | None) -> str | None:
    secret = (raw or "").strip()
    if not secret:
        return None
    if not SECRET_MIN <= len(secret) <= SECRET_MAX:
        raise InvalidInput(f"A secret needs {SECRET_MIN} to {SECRET_MAX} characters; leave it empty to get one.")
    if not secret.isascii() or not secret.isprintable() or " " in secret:
        raise InvalidInput("A secret may use printable ASCII characters without spaces.")
    return secret


def register(admin, url: str, secret: str | None = None) -> Webhook:
    """The secret is returned on the row once; pages never show it again."""
    policy.require(admin, "webhooks.manage")
    url = validate_url(url)
    secret = validate_secret(secret) or secrets.token_urlsafe(32)
    # Not an invariant, a guard against a resubmitted form: two active hooks would get every event twice.
    if db.session.scalar(select(Webhook.id).where(Webhook.url == url, Webhook.active.is_(True))):
        raise Conflict("That URL is already registered and active.")
    webhook = Webhook(url=url, secret=secret, active=True, created_by_id=admin.id, created_at=utcnow())
    db.session.add(webhook)
    db.session.commit()
    return webhook


def get_webhook(webhook_id) -> Webhook:
    return lookup.found(Webhook, webhook_id, "There is no webhook with that number.")


def set_active(admin, webhook_id: int, active: bool) -> Webhook:
    policy.require(admin, "webhooks.manage")
    webhook = get_webhook(webhook_id)
    db.session.execute(update(Webhook).where(Webhook.id == webhook.id).values(active=active))
    db.session.commit()
    return webhook


def remove(admin, webhook_id: int) -> None:
    """Its delivery log goes with it (ON DELETE CASCADE); deactivate to keep the log."""
    policy.require(admin, "webhooks.manage")
    webhook = get_webhook(webhook_id)
    db.session.execute(delete(Webhook).where(Webhook.id == webhook.id))
    db.session.commit()


def summaries() -> list[WebhookSummary]:
    d = WebhookDelivery
    stats = (
        select(
            d.webhook_id,
            func.count().label("total"),
            func.count(d.delivered_at).label("delivered"),
            func.sum(case((and_(d.delivered_at.is_(None), d.attempts > 0), 1), else_=0)).label("failing"),
            func.max(d.created_at).label("last_at"),
        )
        .group_by(d.webhook_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Webhook, stats.c.total, stats.c.delivered, stats.c.failing, stats.c.last_at)
        .outerjoin(stats, stats.c.webhook_id == Webhook.id)
        .order_by(Webhook.active.desc(), Webhook.id.desc())
    ).all()
    return [
        WebhookSummary(w, total or 0, delivered or 0, failing or 0, last_at)
        for w, total, delivered, failing, last_at in rows
    ]


def delivery_log(webhook_id: int, cursor: str | None = None, limit: int = LOG_PAGE) -> pagination.Page:
    """Newest first, keyset-paged on the id."""
    query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)
    page = pagination.keyset(query, WebhookDelivery.id, cursor=cursor, limit=limit)
    return pagination.Page([LogEntry(row, json.loads(row.payload)) for row in page.items], page.next_cursor)


# --- events ------------------------------------------------------------------------------------------


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _idea_url(idea_id: int) -> str:
    return absolute_url("ideas.show", idea_id=idea_id)


def payload(change: StatusChange) -> dict:
    return {
        "event": EVENT,
        "id": change.id,
        "idea": {"id": change.idea.id, "title": change.idea.title, "url": _idea_url(change.idea.id)},
        "from_status": change.from_status.slug if change.from_status else None,
        "to_status": change.to_status.slug,
        "note": change.note,
        "changed_at": _iso(change.created_at),
        "actor": {"id": change.actor.id, "name": change.actor.name} if change.actor else None,
    }


def queue_deliveries(status_change_id: int) -> int:
    """The fan-out job's part: one delivery per active webhook, each with its job, once however often it runs."""
    if db.session.scalar(select(Webhook.id).where(Webhook.active.is_(True)).limit(1)) is None:
        return 0
    change = db.session.get(StatusChange, status_change_id)
    if change is None:
        raise NotFound("There is no such status change.")
    body = json.dumps(payload(change), separators=(",", ":"))
    d = WebhookDelivery
    rows = select(
        Webhook.id, literal(change.id), literal(body, d.payload.type), literal(0), literal(utcnow(), d.created_at.type)
    ).where(Webhook.active.is_(True))
    ids = db.session.scalars(
        insert(d)
        .from_select(["webhook_id", "status_change_id", "payload", "attempts", "created_at"], rows)
        .on_conflict_do_nothing(index_elements=["webhook_id", "status_change_id"])
        .returning(d.id)
    ).all()
    for delivery_id in ids:
        enqueue(delivery_id)
    db.session.commit()
    return len(ids)


# --- the queue ---------------------------------------------------------------------------------------


def job_id(delivery_id: int) -> str:
    return f"webhook-{delivery_id}"


def enqueue(delivery_id: int, again: bool = False) -> None:
    """Into the caller's transaction: the outbox relay sends it later if Redis is away now."""
    outbox.enqueue("webhooks.deliver_webhook", delivery_id, key=job_id(delivery_id), again=again)


def _job_status(delivery_id: int) -> JobStatus | None:
    try:
        return Job.fetch(job_id(delivery_id), connection=redis_connection()).get_status()
    except NoSuchJobError:
        return None


def redeliver(admin, delivery_id) -> bool:
    """Sends a failed delivery now, also when its next retry is hours away; False if Redis is down."""
    policy.require(admin, "webhooks.manage")
    delivery = lookup.found(WebhookDelivery, delivery_id, "There is no delivery with that number.")
    if delivery.delivered_at is not None:
        raise Conflict("That delivery has already arrived.")
    if not delivery.webhook.active:
        raise Conflict("Activate the webhook before sending to it again.")
    try:
        status = _job_status(delivery.id)
        if status in (JobStatus.QUEUED, JobStatus.STARTED):
            raise Conflict("That delivery is already on its way.")
        if status == JobStatus.SCHEDULED:
            get_queue("default").scheduled_job_registry.remove(job_id(delivery.id))
    except RedisError as exc:
        log.warning("cannot redeliver %s: %s", delivery.id, exc)
        return False
    enqueue(delivery.id, again=True)
    db.session.commit()
    return True


# --- signing -----------------------------------------------------------------------------------------


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC over timestamp and body, so a captured request cannot be replayed later with a new time."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def headers(delivery_id: int, secret: str, timestamp: str, body: bytes) -> dict:
    return {
        "Content-Type": "application/json",
        "User-Agent": "ideas_portal-webhooks/1",
        "X-Ideas-Event": EVENT,
        "X-Ideas-Delivery": str(delivery_id),
        "X-Ideas-Timestamp": timestamp,
        "X-Ideas-Signature": signature(secret, timestamp, body),
    }
