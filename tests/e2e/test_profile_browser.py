"""A member's public profile and their data rights in a real browser, at desktop and phone widths."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from ideas_portal.extensions import db
from ideas_portal.models import User
from tests.functional.helpers import make_idea

from .conftest import SCREENSHOTS, shot, sign_in
from .test_browser import _fits_375, _serious_violations

pytestmark = pytest.mark.e2e


def _member(make_user):
    member = make_user(name="Marta Profile", email="marta.profile@example.com")
    db.session.execute(
        update(User).where(User.id == member.id).values(bio="Cycles to work every day.\nWants safer junctions.")
    )
    db.session.commit()
    for title in ("Protected bike lanes on Main Street", "Bike racks at the station", "Night buses on weekends"):
        make_idea(member, title)
    return member.id, member.email


def test_a_profile_reads_well_and_links_from_an_idea(make_user, new_page):
    from axe_playwright_python.sync_playwright import Axe

    member_id, _ = _member(make_user)
    page = new_page()
    page.goto("/ideas?sort=new")
    page.get_by_role("link", name="Marta Profile").first.click()
    expect(page).to_have_url(re.compile(rf"/users/{member_id}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Marta Profile")
    expect(page.get_by_text("Wants safer junctions.")).to_be_visible()
    expect(page.get_by_role("link", name="Night buses on weekends", exact=True)).to_be_visible()
    expect(page.get_by_text("No contest photos yet.")).to_be_visible()
    shot(page, "member-profile")
    assert _serious_violations(page, Axe()) == []
    _fits_375(page, "public profile")


def test_member_downloads_their_data_then_deletes_their_account(make_user, new_page):
    member_id, email = _member(make_user)
    page = new_page()
    sign_in(page, email)
    page.goto("/settings#data-rights")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data").click()
    assert download.value.suggested_filename == f"my-data-{member_id}.json"
    section = page.locator("#delete-account")
    section.scroll_into_view_if_needed()
    section.get_by_label("Your password").fill("correct horse")
    section.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("Tick the box to confirm")).to_be_visible()  # nothing happens without the box
    section = page.locator("#delete-account")
    section.get_by_label("Your password").fill("correct horse")
    section.get_by_label(re.compile("I understand")).check()
    section.screenshot(path=str(SCREENSHOTS / "account-delete-form-desktop.png"))
    section.get_by_role("button", name="Delete my account").click()
    expect(page).to_have_url(re.compile(r"/goodbye$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account is deleted")
    shot(page, "account-deleted-goodbye")
    expect(page.get_by_role("navigation", name="Account")).to_contain_text("Sign in")
    assert page.goto(f"/users/{member_id}").status == 404
    page.goto("/ideas?sort=new")
    expect(page.get_by_text("Deleted member").first).to_be_visible()
    expect(page.get_by_role("link", name="Deleted member")).to_have_count(0)
