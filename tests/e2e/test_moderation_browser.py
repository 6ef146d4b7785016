"""Moderation in a real browser: a member flags without JavaScript, staff review the queue, admins read the log."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ideas_portal.services import comments, ideas, moderation

from .conftest import shot, sign_in
from .test_browser import _fits_375, _serious_violations

pytestmark = pytest.mark.e2e


def _flagged_world(make_user) -> dict:
    """An idea and a comment two members have flagged already: one more flag hides either."""
    author = make_user(name="Olga Outspoken")
    idea = ideas.create_idea(
        author,
        "Free parking for everyone who buys a coffee",
        "Parking is **expensive** downtown.\n\n- free for an hour\n- validated at the till",
        "experience",
    )
    comment = comments.add_comment(make_user(name="Rex Rude"), idea.id, "Only idiots drive downtown. Buy my ebook!")
    for name, reason in (
        ("Ana Careful", "Looks like an advert for a car park."),
        ("Ben Tidy", "Duplicate of the parking idea from last month, and a bit pushy."),
    ):
        flagger = make_user(name=name)
        moderation.flag(flagger, "idea", idea.id, reason)
        moderation.flag(flagger, "comment", comment.id, "Insulting and selling something.")
    return {
        "idea_id": idea.id,
        "comment_id": comment.id,
        "member": make_user(name="Mia Member").email,
        "viewer": make_user(name="Vic Viewer").email,
        "staff": make_user("staff", name="Sam Staff").email,
        "admin": make_user("admin", name="Ada Admin").email,
    }


def test_member_flags_without_javascript_staff_decide_and_admins_read_the_log(make_user, new_page):
    from axe_playwright_python.sync_playwright import Axe

    axe, found = Axe(), []
    world = _flagged_world(make_user)
    idea_path = f"/ideas/{world['idea_id']}"

    viewer = new_page()  # axe and the layout checks need JavaScript; the flagging below does not
    viewer.goto("/guidelines")
    expect(viewer.get_by_role("heading", level=1)).to_have_text("Community guidelines")
    found += _serious_violations(viewer, axe)
    _fits_375(viewer, "guidelines")
    shot(viewer, "mod-guidelines")
    sign_in(viewer, world["viewer"])
    viewer.goto(idea_path)
    viewer.locator(".mod-row summary").click()
    viewer.get_by_label("What is wrong with this idea?").fill("An advert, not an idea.")
    found += _serious_violations(viewer, axe)
    _fits_375(viewer, "idea with the flag form open")
    shot(viewer, "mod-idea-flag-form-open")

    page = new_page(javascript=False)
    sign_in(page, world["member"])
    page.goto(idea_path)
    comment = page.locator(f"#comment-{world['comment_id']}")
    expect(comment).to_contain_text("Buy my ebook!")  # two flags: still visible
    page.locator(".mod-row summary").click()
    form = page.locator(".mod-row form")
    expect(form.get_by_role("link", name="community guidelines")).to_be_visible()
    form.get_by_label("What is wrong with this idea?").fill("An advert, not an idea.")
    form.get_by_role("button", name="Send to the moderators").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This idea is hidden pending review")
    expect(page.get_by_text("Thank you. Our moderators will look at it.")).to_be_visible()
    shot(page, "mod-hidden-idea-for-members")

    staff = new_page()
    sign_in(staff, world["staff"])
    staff.get_by_role("navigation", name="Main").get_by_role("link", name="Staff").click()
    expect(staff.get_by_role("link", name="Moderation queue")).to_be_visible()
    expect(staff.get_by_text("2 flagged items")).to_be_visible()
    shot(staff, "mod-staff-index")
    staff.goto(idea_path)
    expect(staff.get_by_text(re.compile("Hidden from members, pending review: 3 open flags"))).to_be_visible()
    expect(staff.get_by_role("button", name="Restore this idea")).to_be_visible()
    expect(staff.get_by_role("button", name="Hide this comment from members")).to_be_visible()
    found += _serious_violations(staff, axe)
    shot(staff, "mod-idea-hidden-staff-view")
    staff.goto("/staff/")
    staff.get_by_role("navigation", name="Staff").get_by_role("link", name="Moderation").click()
    items = staff.locator(".mod-item")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("Free parking for everyone who buys a coffee")
    expect(items.first).to_contain_text("An advert, not an idea.")
    expect(items.first).to_contain_text("3 flags")
    found += _serious_violations(staff, axe)
    _fits_375(staff, "moderation queue")
    shot(staff, "mod-queue")

    items.first.get_by_label("Note for the audit log").fill("A real idea; the flags were a pile-on.")
    items.first.get_by_role("button", name="Approve and restore").click()
    expect(staff.get_by_text("Approved: it is visible again.")).to_be_visible()
    remaining = staff.locator(".mod-item")
    expect(remaining).to_have_count(1)
    remaining.get_by_role("button", name="Delete").click()
    expect(staff.get_by_text("Nothing to review.")).to_be_visible()
    staff.goto(idea_path)
    expect(staff.locator(f"#comment-{world['comment_id']}")).to_contain_text("[removed by moderator]")
    staff.goto("/staff/moderation")
    shot(staff, "mod-queue-empty")

    page.goto(idea_path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Free parking for everyone who buys a coffee")
    expect(page.get_by_text("You flagged this idea. Thank you.")).to_be_visible()

    staff.goto("/guidelines")
    staff.get_by_role("link", name="Edit the guidelines").click()
    staff.get_by_label("What did you change?").fill("Added a rule about adverts.")
    body = staff.get_by_label("Text")
    body.fill(body.input_value() + "\n- **No adverts** for other businesses.")
    found += _serious_violations(staff, axe)
    _fits_375(staff, "guidelines editor")
    shot(staff, "mod-guidelines-edit")
    staff.get_by_role("button", name="Save the guidelines").click()
    expect(staff.locator(".guidelines strong", has_text="No adverts")).to_be_visible()
    expect(staff.get_by_role("link", name="Audit log")).to_have_count(0)  # staff, not admin

    admin = new_page()
    sign_in(admin, world["admin"])
    admin.goto("/staff/audit")
    entries = admin.locator(".audit-entry")
    expect(entries).to_have_count(4)
    expect(entries.first).to_contain_text("Community guidelines")
    expect(entries.nth(1)).to_contain_text("Deleted")
    expect(entries.nth(2)).to_contain_text("A real idea; the flags were a pile-on.")
    expect(entries.nth(3)).to_contain_text(re.compile("Hidden by flags.*automatically", re.S))
    found += _serious_violations(admin, axe)
    _fits_375(admin, "audit log")
    shot(admin, "mod-audit-log")
    assert not found, "axe found serious or critical violations:\n" + "\n".join(found)
