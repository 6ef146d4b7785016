"""POSTs one webhook delivery; a delivered row is never sent again, every attempt is written to the log."""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request

from flask import current_app
from rq import Retry
from sqlalchemy import update

from ..extensions import db
from ..models import WebhookDelivery
from ..models.types import utcnow
from ..services import webhooks
from . import job


def options() -> dict:
    """Receivers are down for minutes or hours, not seconds: back off far longer than the house default."""
    intervals = list(current_app.config["WEBHOOK_RETRY_INTERVALS"])
    retry = Retry(max=len(intervals), interval=intervals) if intervals else None
    return {"retry": retry, "job_timeout": current_app.config["WEBHOOK_TIMEOUT"] * 3 + 30}


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would turn the POST into a GET elsewhere; a 3xx is logged as a failure instead."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _record(delivery_id: int, status_code: int | None, error: str | None) -> None:
    values = {
        "attempts": WebhookDelivery.attempts + 1,
        "last_status_code": status_code,
        "last_error": error[:500] if error else None,
    }
    if error is None:
        values["delivered_at"] = utcnow()
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.delivered_at.is_(None))
        .values(**values)
    )
    db.session.commit()


@job(options=options)
def deliver_webhook(delivery_id: int) -> bool:
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.delivered_at is not None or not delivery.webhook.active:
        return False
    url, secret, body = delivery.webhook.url, delivery.webhook.secret, delivery.payload.encode()
    db.session.rollback()  # no transaction stays open across the network call (SQLite's write lock)
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        url, data=body, method="POST", headers=webhooks.headers(delivery_id, secret, timestamp, body)
    )
    try:
        with _opener.open(request, timeout=current_app.config["WEBHOOK_TIMEOUT"]) as response:
            status_code = response.status
    except urllib.error.HTTPError as exc:  # any non-2xx answer, 3xx included
        exc.close()
        _record(delivery_id, exc.code, f"HTTP {exc.code} {exc.reason}".strip())
        raise
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:  # DNS, refused, reset, timeout
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        _record(delivery_id, None, str(reason) or type(reason).__name__)
        raise
    _record(delivery_id, status_code, None)
    return True
