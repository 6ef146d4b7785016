"""The verification flow in a real browser without JavaScript, at 1280 and 375 px: sign-up, a held vote with its
notice, asking for the link again, the link itself, and a dead link."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ideas_portal.extensions import db
from ideas_portal.models import Idea, OutboundEmail
from tests.functional.helpers import make_idea

from .conftest import DESKTOP, MOBILE_WIDTH, shot, sign_in

pytestmark = pytest.mark.e2e
LINK = re.compile(r"https?://[^/\s]+(/verify/[A-Za-z0-9_-]+)")


def _newest_link(address: str) -> str:
    db.session.expire_all()
    body = db.session.scalars(
        select(OutboundEmail.body).where(OutboundEmail.to == address).order_by(OutboundEmail.id.desc())
    ).first()
    match = LINK.search(body or "")
    assert match, "no verification link mailed"
    db.session.remove()
    return match.group(1)


def _fits_a_phone(page) -> None:
    page.set_viewport_size({"width": MOBILE_WIDTH, "height": DESKTOP["height"]})
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size(DESKTOP)
    assert width <= MOBILE_WIDTH, f"{page.url} scrolls sideways at {MOBILE_WIDTH} px ({width})"


def test_new_member_votes_held_then_confirms_and_the_vote_counts(make_user, new_page):
    idea_id = make_idea(make_user(name="Ideas Author")).id
    page = new_page(javascript=False)
    page.goto("/signup")
    page.get_by_label("Email").fill("vera.verify@example.com")
    page.get_by_label("Display name").fill("Vera Verify")
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name=re.compile("Join|Sign up|Create")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    expect(page.get_by_text("Your votes are kept but held until you confirm")).to_be_visible()
    shot(page, "verification-signup-sent")
    _fits_a_phone(page)

    sign_in(page, "vera.verify@example.com")
    page.goto(f"/ideas/{idea_id}")
    page.get_by_role("button", name=re.compile("^Vote up")).click()
    expect(page.get_by_text("Your up-vote is held")).to_be_visible()
    expect(page.get_by_text("Confirm your address to make your votes count")).to_be_visible()
    expect(page.locator("[data-vote-score]").first).to_have_text("1")  # only the author's vote counts so far
    shot(page, "verification-held-vote")
    _fits_a_phone(page)

    page.get_by_role("button", name="resend link").click()
    expect(page.get_by_text("A new confirmation link is on its way")).to_be_visible()
    expect(page.get_by_text("is not confirmed yet")).to_be_visible()
    page.locator("#verification-heading").scroll_into_view_if_needed()
    shot(page, "verification-settings-unverified")
    _fits_a_phone(page)

    link = _newest_link("vera.verify@example.com")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, your address is confirmed")
    expect(page.get_by_text("Confirm your address to make your votes count")).to_have_count(0)
    shot(page, "verification-confirmed")
    _fits_a_phone(page)
    page.goto(f"/ideas/{idea_id}")
    expect(page.locator("[data-vote-score]").first).to_have_text("2")
    expect(page.get_by_text("Your up-vote is held")).to_have_count(0)
    assert db.session.get_one(Idea, idea_id).upvotes == 2
    db.session.remove()

    page.goto(link)  # used: a clear page, not an error of ours
    expect(page.get_by_role("heading", level=1)).to_have_text("This verification link has already been used.")
    expect(page.get_by_text("there is nothing more to do")).to_be_visible()
    shot(page, "verification-link-used")
    _fits_a_phone(page)
