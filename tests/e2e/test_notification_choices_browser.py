"""Notification choices and one-click unsubscribe in a real browser, without JavaScript, at 1280 and 375 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ideas_portal.extensions import db
from ideas_portal.services import preferences, unsubscribe

from .conftest import DESKTOP, MOBILE_WIDTH, shot, sign_in

pytestmark = pytest.mark.e2e


def _fits_a_phone(page) -> None:
    page.set_viewport_size({"width": MOBILE_WIDTH, "height": DESKTOP["height"]})
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size(DESKTOP)
    assert width <= MOBILE_WIDTH, f"{page.url} scrolls sideways at {MOBILE_WIDTH} px ({width})"


def test_member_chooses_per_kind_and_channel_without_javascript(make_user, new_page):
    member = make_user(name="Nora Notices", email="nora.notices@example.com")
    member_id = member.id
    page = new_page(javascript=False)
    sign_in(page, "nora.notices@example.com")
    page.goto("/settings#notifications-heading")
    table = page.get_by_role("table", name=re.compile("Notification choices"))
    expect(table.get_by_role("columnheader", name="In the app")).to_be_visible()
    expect(table.get_by_role("rowheader", name=re.compile("Replies to my comments"))).to_be_visible()
    reply_email = page.get_by_label("Replies to my comments: by email")
    expect(reply_email).to_be_checked()
    reply_email.uncheck()
    page.get_by_label("The weekly digest: by email").check()
    page.get_by_role("button", name="Save notification choices").click()
    expect(page.get_by_text("Your notification choices are saved.")).to_be_visible()
    expect(page.get_by_label("Replies to my comments: by email")).not_to_be_checked()
    expect(page.get_by_label("Replies to my comments: in the app")).to_be_checked()
    expect(page.get_by_label("The weekly digest: by email")).to_be_checked()
    db.session.remove()
    assert preferences.settings_of(member_id)["reply"] == {"in_app": True, "email": False}
    _fits_a_phone(page)
    page.locator("#notifications-heading").scroll_into_view_if_needed()
    shot(page, "notification-choices")


def test_an_unsubscribe_link_opened_by_someone_signed_out(make_user, new_page):
    member = make_user(name="Ulla Unsub")
    path = "/" + unsubscribe.url(member.id, "status_change").split("://", 1)[1].split("/", 1)[1]
    member_id = member.id
    page = new_page(javascript=False)
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Unsubscribe")
    expect(page.get_by_text("Stop emails about status changes of ideas you follow?")).to_be_visible()
    _fits_a_phone(page)
    shot(page, "unsubscribe-confirm")
    assert preferences.wanted(member_id, "status_change") == (True, True)  # looking changes nothing
    db.session.remove()  # our read would hold SQLite's lock against the server's write
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are unsubscribed")
    db.session.remove()  # a fresh transaction sees what the server wrote
    assert preferences.wanted(member_id, "status_change") == (True, False)
    shot(page, "unsubscribe-done")
    page.goto("/unsubscribe/forged.token")
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
