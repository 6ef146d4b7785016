"""The settings page in a real browser without JavaScript, at 1280 and 375 px: profile and picture (thumbnailed by
the live server's worker), consent, a change of address confirmed from its link, and the member's own lists."""

from __future__ import annotations

import re
import time

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from ideas_portal.extensions import db
from ideas_portal.models import OutboundEmail, User
from ideas_portal.services import voting
from tests.functional.helpers import make_idea

from .conftest import DESKTOP, MOBILE_WIDTH, shot, sign_in

pytestmark = pytest.mark.e2e


def _fits_a_phone(page) -> None:
    page.set_viewport_size({"width": MOBILE_WIDTH, "height": DESKTOP["height"]})
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size(DESKTOP)
    assert width <= MOBILE_WIDTH, f"{page.url} scrolls sideways at {MOBILE_WIDTH} px ({width})"


def _portrait_png(path) -> None:
    img = Image.new("RGB", (300, 400), (15, 118, 110))
    img.paste((250, 204, 21), (75, 100, 225, 300))
    img.save(path, "PNG")


def test_member_edits_profile_picture_and_consent_without_javascript(make_user, new_page, tmp_path):
    member = make_user(name="Pia Profile", email="pia.profile@example.com")
    author = make_user(name="Ideas Author")
    for n, title in enumerate(("Oat milk in every store", "Longer opening hours on Sundays")):
        voting.cast_vote(member, make_idea(author, title).id, 1 if n == 0 else -1)
    member_id = member.id
    picture = tmp_path / "pia.png"
    _portrait_png(picture)
    page = new_page(javascript=False)
    sign_in(page, "pia.profile@example.com")
    page.goto("/settings")
    expect(page.get_by_role("img", name="Pia Profile")).to_have_text("P")  # the initial before any picture
    page.get_by_label("About you (optional)").fill("I bake bread and fix bikes.")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()
    page.get_by_label("Picture").set_input_files(str(picture))
    page.get_by_role("button", name="Upload picture").click()
    expect(page.get_by_text("Your picture is uploaded")).to_be_visible()
    deadline = time.monotonic() + 60  # the live server's worker makes the thumbnail; each reload is one look
    while not page.locator("#profile img.avatar").count() and time.monotonic() < deadline:
        page.wait_for_timeout(200)
        page.goto("/settings")
    avatar = page.locator("#profile img.avatar")
    expect(avatar).to_have_attribute("alt", "Pia Profile")
    assert page.evaluate("document.querySelector('#profile img.avatar').naturalWidth") == 256
    page.get_by_label("Yes, send me news and offers by email.").check()
    page.get_by_role("button", name="Save choice").click()
    expect(page.get_by_text("Thank you: we may send you news and offers.")).to_be_visible()
    expect(page.locator(".consent-history li").first).to_contain_text(re.compile(r"Given on[\s\S]*in your settings"))
    _fits_a_phone(page)
    shot(page, "settings-profile")

    page.get_by_role("link", name="Ideas you voted on").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ideas you voted on")
    expect(page.locator(".activity-row").first).to_contain_text("Longer opening hours on Sundays")
    _fits_a_phone(page)
    shot(page, "settings-my-votes")
    db.session.remove()
    assert db.session.get(User, member_id).bio == "I bake bread and fix bikes."


def test_member_moves_to_a_new_address_with_the_mailed_link(make_user, new_page):
    make_user(name="Ezra Email", email="ezra.old@example.com")
    page = new_page(javascript=False)
    sign_in(page, "ezra.old@example.com")
    page.goto("/settings#change-email")
    page.get_by_label("New email address").fill("ezra.new@example.com")
    page.locator("#email-password").fill("correct horse")
    page.get_by_role("button", name="Send confirmation link").click()
    expect(page.get_by_text("We sent a confirmation link to ezra.new@example.com").first).to_be_visible()
    _fits_a_phone(page)
    page.locator("#change-email").scroll_into_view_if_needed()
    shot(page, "settings-email-pending")
    db.session.remove()
    body = db.session.scalar(select(OutboundEmail.body).where(OutboundEmail.to == "ezra.new@example.com"))
    db.session.remove()
    link = re.search(r"https?://[^/\s]+(/settings/email/confirm/\S+)", body).group(1)

    phone = new_page(javascript=False)  # opened from the mail app on another device, signed out
    phone.goto(link)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Confirm your new address")
    _fits_a_phone(phone)
    shot(phone, "settings-email-confirm")
    phone.get_by_role("button", name="Confirm new address").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your address is changed")
    phone.goto(link)
    expect(phone.get_by_role("heading", level=1)).to_have_text("This link does not work")
    expect(phone.get_by_text("already been used")).to_be_visible()
    shot(phone, "settings-email-link-used")
    db.session.remove()
    assert db.session.scalar(select(User.email).where(User.name == "Ezra Email")) == "ezra.new@example.com"


def test_my_entries_show_their_review_state_at_both_widths(make_user, new_page):
    from datetime import timedelta

    from ideas_portal.models import Contest, ContestEntry
    from ideas_portal.models.types import utcnow

    member = make_user(email="eve.entries@example.com")
    now = utcnow()
    contest = Contest(
        title="Autumn light",
        rules="Own photo.",
        rules_html="<p>Own photo.</p>",
        opens_at=now - timedelta(hours=1),
        entries_close_at=now + timedelta(days=1),
        closes_at=now + timedelta(days=2),
        draw_seed="0" * 64,
    )
    db.session.add(contest)
    db.session.flush()
    for n, (state, error) in enumerate(
        [
            ("approved", None),
            ("rejected", "The photo shows a person who did not agree to it."),
            ("failed", "We could not process this photo: The image is damaged or truncated."),
            ("pending_review", None),
        ]
    ):
        db.session.add(
            ContestEntry(
                contest_id=contest.id,
                user_id=member.id,
                caption=f"Leaves by the river, take {n + 1}",
                state=state,
                error=error,
                original_key=f"contests/{contest.id}/{n}.jpg",
                width=800,
                height=600,
            )
        )
    db.session.commit()
    page = new_page(javascript=False)
    sign_in(page, "eve.entries@example.com")
    page.goto("/settings")
    page.get_by_role("link", name="Your contest entries").click()
    expect(page.get_by_text("Waiting for review")).to_be_visible()
    expect(page.get_by_text("The photo shows a person who did not agree to it.")).to_be_visible()
    _fits_a_phone(page)
    shot(page, "settings-my-entries")
