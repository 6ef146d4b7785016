"""Comments in a real browser: the @ autocomplete offers names and inserts one, the author edits and removes a
comment, and without JavaScript a typed mention works all the same."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ideas_portal.services import comments, ideas

from .conftest import shot, sign_in
from .test_browser import _fits_375, _serious_violations

pytestmark = pytest.mark.e2e


def _world(make_user) -> dict:
    author = make_user(name="Ida Author")
    idea = ideas.create_idea(author, "Night buses on the ring road", "After midnight there is **nothing**.", None)
    top = comments.add_comment(make_user(name="Ana Lima"), idea.id, "Yes, every half hour would do.")
    make_user(name="Ana Lindqvist")
    member = make_user(name="Mo Member")
    return {"idea": f"/ideas/{idea.id}", "top_id": top.id, "member": member.email}


def test_the_autocomplete_inserts_a_name_and_the_author_edits_then_removes_the_comment(make_user, new_page):
    from axe_playwright_python.sync_playwright import Axe

    world = _world(make_user)
    page = new_page()
    sign_in(page, world["member"])
    page.goto(world["idea"])
    box = page.get_by_label("Your comment")
    box.click()
    box.press_sequentially("Good point @Ana L", delay=20)
    options = page.get_by_role("option")
    expect(options).to_have_count(2)
    expect(options.first).to_have_text("Ana Lima")
    shot(page, "comment-mention-autocomplete")
    assert _serious_violations(page, Axe()) == []
    box.press("Enter")  # picks the highlighted name; the form is not sent
    expect(box).to_have_value("Good point @Ana Lima ")
    box.press_sequentially("what about Sundays?")
    page.get_by_role("button", name="Post comment").click()

    mention = page.locator("a.mention", has_text="@Ana Lima")
    expect(mention).to_be_visible()
    page.get_by_role("link", name="Edit your comment").click()
    page.get_by_label("Your comment").fill("Good point @Ana Lima, and Sundays too?")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("edited", exact=True)).to_be_visible()
    expect(page.get_by_text("and Sundays too?")).to_be_visible()

    page.locator("summary", has_text="Remove").last.click()
    page.get_by_role("button", name="Yes, remove it").click()
    expect(page.get_by_text("The comment is removed.")).to_be_visible()
    expect(page.get_by_text("and Sundays too?")).to_have_count(0)
    _fits_375(page, "idea page with comment actions")


def test_without_javascript_a_typed_mention_still_links_and_a_removed_comment_keeps_its_replies(make_user, new_page):
    world = _world(make_user)
    page = new_page(javascript=False)
    sign_in(page, world["member"])
    page.goto(world["idea"])
    page.locator("summary", has_text="Reply").first.click()
    page.locator(f"#reply-{world['top_id']}").fill("Agreed, @Ana Lindqvist said so too.")
    page.get_by_role("button", name="Post reply").click()
    expect(page.locator("a.mention", has_text="@Ana Lindqvist")).to_be_visible()
    shot(page, "comment-reply-with-mention-nojs")
