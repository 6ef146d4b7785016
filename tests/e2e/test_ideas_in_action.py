"""Ideas in Action in a real browser: staff change a status, a voter is told and sees it in the feed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ideas_portal.services import ideas, voting

from tests.conftest import wait_until

from .conftest import shot, sign_in

pytestmark = pytest.mark.e2e


def test_staff_status_change_reaches_the_voter_and_the_feed(make_user, new_page):
    staff = make_user("staff", name="Sam Staff")
    voter = make_user(name="Val Voter")
    title = "Reusable cups with a discount"
    idea_id = ideas.create_idea(make_user(name="Ada Author"), title, "Bring your own cup, pay less.", "community").id
    voting.cast_vote(voter, idea_id, 1)
    staff_email, voter_email = staff.email, voter.email

    desk = new_page()
    sign_in(desk, staff_email)
    desk.goto(f"/ideas/{idea_id}")
    tools = desk.get_by_role("region", name="Staff tools")
    tools.get_by_label("New status").select_option(label="Coming soon")
    tools.get_by_label("Public note").fill("Piloting in **twenty** stores from March.")
    tools.get_by_role("button", name="Change status").click()
    expect(desk.get_by_text("Status changed to “Coming soon”")).to_be_visible()
    expect(desk.locator(".timeline")).to_contain_text("Piloting in twenty stores from March.")
    expect(desk.locator('.progress [aria-current="step"]')).to_contain_text("Coming soon")
    shot(desk, "c-staff-changed-status")

    phone = new_page()
    sign_in(phone, voter_email)
    badge = phone.get_by_role("link", name="Notifications")
    wait_until(
        lambda: "1" in (badge.text_content() or "") or phone.reload() and False,
        timeout=30,
        what="the worker to fan the change out to the voter",
    )
    badge.click()
    expect(phone.locator(".notification.unread")).to_contain_text(f"“{title}” is now Coming soon.")
    shot(phone, "c-voter-notifications")
    phone.get_by_role("button", name="Mark all as read").click()
    expect(phone.locator(".notification.unread")).to_have_count(0)

    phone.get_by_role("navigation", name="Main").get_by_role("link", name="Ideas in Action").click()
    item = phone.locator(".feed-item").first
    expect(item).to_contain_text(title)
    expect(item.locator("strong")).to_have_text("twenty")
    shot(phone, "c-ideas-in-action")
    atom = phone.request.get("/feed.atom")
    assert atom.ok and atom.headers["content-type"].startswith("application/atom+xml")
    assert title in atom.text()
