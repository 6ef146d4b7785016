"""An admin registers a webhook in a real browser, copies the secret, reads the delivery log on desktop and phone."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from devtools import embedded
from ideas_portal.extensions import db
from ideas_portal.models import User, WebhookDelivery
from ideas_portal.services import ideas, status_changes, webhooks
from tests.conftest import wait_until
from tests.functional.test_webhooks import Receiver

from .conftest import DESKTOP, MOBILE_WIDTH, shot, sign_in

pytestmark = pytest.mark.e2e


def _attempted(count: int) -> bool:
    try:
        return (
            db.session.scalar(select(func.count()).select_from(WebhookDelivery).where(WebhookDelivery.attempts > 0))
            >= count
        )
    finally:
        db.session.rollback()


def _fits(page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": DESKTOP["height"]})
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url
    finally:
        page.set_viewport_size(DESKTOP)


def test_admin_registers_a_webhook_and_reads_its_delivery_log(app, make_user, new_page):
    from axe_playwright_python.sync_playwright import Axe

    app.config["WEBHOOK_RETRY_INTERVALS"] = [3600]
    receiver = Receiver()
    try:
        admin = make_user("admin", name="Ada Admin")
        staff = make_user("staff", name="Sam Staff")
        author = make_user()
        cups = ideas.create_idea(author, "Reusable cups for every drink, with a deposit", "Less waste.", "community")
        app_idea = ideas.create_idea(author, "Order ahead in the app", "Skip the queue.", "app")
        ids = {"admin": admin.id, "staff": staff.id, "cups": cups.id, "app": app_idea.id}
        page = new_page()  # ends our session: the rows above are reloaded by id below
        sign_in(page, admin.email)

        page.goto("/staff")
        page.get_by_role("navigation", name="Staff").get_by_role("link", name="Webhooks").click()
        expect(page.get_by_text("No webhooks yet")).to_be_visible()
        page.get_by_label("Payload URL").fill("ftp://example.com/hook")
        page.get_by_role("button", name="Add webhook").click()
        expect(page.get_by_text("The URL must start with http:// or https://.")).to_be_visible()
        page.get_by_label("Payload URL").fill(receiver.url)
        page.get_by_role("button", name="Add webhook").click()
        expect(page.get_by_role("heading", name="Webhook added")).to_be_visible()
        secret = page.locator(".secret code").inner_text().strip()
        _fits(page, MOBILE_WIDTH)
        shot(page, "w-webhook-created")

        admin, staff = db.session.get(User, ids["admin"]), db.session.get(User, ids["staff"])
        webhooks.register(admin, f"http://127.0.0.1:{embedded.free_port()}/ideas-hook")
        status_changes.change_status(staff, ids["cups"], "under-review", "Our sustainability team is on it.")
        status_changes.change_status(staff, ids["app"], "coming-soon", "")
        db.session.remove()
        wait_until(lambda: _attempted(4), timeout=30, what="the worker to try all four deliveries")

        assert len(receiver.requests) == 2
        for request in receiver.requests:
            signed = request["headers"]["X-Ideas-Timestamp"].encode() + b"." + request["body"]
            expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
            assert hmac.compare_digest(request["headers"]["X-Ideas-Signature"], expected)

        page.goto("/staff/webhooks")
        expect(page.locator(".hook")).to_have_count(2)
        _fits(page, MOBILE_WIDTH)
        shot(page, "w-webhooks-list")

        page.get_by_role("link", name=re.compile(r"Delivery log of .*ideas-hook")).click()
        expect(page.locator(".delivery")).to_have_count(2)
        expect(page.locator(".state-failing")).to_have_count(2)
        expect(page.locator(".delivery-error").first).to_contain_text("refused")
        _fits(page, MOBILE_WIDTH)
        shot(page, "w-webhook-log-failing")
        found = [v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]

        page.goto("/staff/webhooks")
        page.get_by_role("link", name=re.compile(r"Delivery log of .*hooks.ideas")).click()
        expect(page.locator(".state-delivered")).to_have_count(2)
        shot(page, "w-webhook-log-delivered")
        found += [v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]
        page.goto("/staff/webhooks")
        found += [v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]
        assert not found
    finally:
        receiver.close()
