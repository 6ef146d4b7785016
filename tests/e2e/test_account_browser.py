"""The account page in a real browser: tokens listed and revoked, sign-out everywhere, at desktop and phone widths."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ideas_portal.services import api_tokens

from .conftest import DESKTOP, MOBILE_WIDTH, shot, sign_in

pytestmark = pytest.mark.e2e


def test_member_revokes_a_token_and_signs_out_everywhere(make_user, new_page):
    member = make_user(name="Sofia Settings", email="sofia.settings@example.com")
    for _ in range(2):
        api_tokens.issue(member)
    email = member.email
    page, laptop = new_page(), new_page()
    sign_in(laptop, email)
    sign_in(page, email)

    page.get_by_role("navigation", name="Account").get_by_role("link", name="Your account").click()
    expect(page).to_have_url(re.compile(r"/settings$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.locator("#change-email .address")).to_have_text("sofia.settings@example.com")
    expect(page.get_by_role("button", name=re.compile(r"^Revoke token"))).to_have_count(2)
    page.set_viewport_size({"width": MOBILE_WIDTH, "height": DESKTOP["height"]})
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size(DESKTOP)
    assert width <= MOBILE_WIDTH, f"/settings scrolls sideways at {MOBILE_WIDTH} px ({width})"
    shot(page, "account-settings")

    page.get_by_role("button", name=re.compile(r"^Revoke token")).first.click()
    expect(page.get_by_text("The API token is revoked.")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^Revoke token"))).to_have_count(1)

    page.get_by_role("button", name="Sign out everywhere").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_text("You are signed out on every device and 1 API token revoked.")).to_be_visible()
    laptop.reload()
    expect(laptop.get_by_role("navigation", name="Account")).to_contain_text("Sign in")
