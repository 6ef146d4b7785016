"""Badges in a real browser: staff name a star member from the profile, the profile's Badges section, and the
symbols beside names on an idea page, at desktop and phone widths."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ideas_portal.extensions import db
from ideas_portal.services import badges, comments
from tests.functional.helpers import make_idea

from .conftest import shot, sign_in
from .test_browser import _fits_375, _serious_violations

pytestmark = pytest.mark.e2e


def test_staff_name_a_star_member_and_the_profile_and_idea_page_show_the_badges(make_user, new_page):
    from axe_playwright_python.sync_playwright import Axe

    member = make_user(name="Marta Badges", email="marta.badges@example.com")
    other = make_user(name="Oskar Commenter")
    staff_email = make_user("staff").email
    idea = make_idea(member, "Water refill stations in every store")
    comments.add_comment(other, idea.id, "Yes, and a map of where they are.")
    for slug in ("first-idea", "first-entry", "streak-30"):
        badges.grant(member.id, slug)
    badges.grant(other.id, "first-idea")
    db.session.commit()
    member_id, idea_id = member.id, idea.id

    page = new_page()
    sign_in(page, staff_email)
    page.goto(f"/users/{member_id}")
    form = page.locator("form.star-form")
    shot(page, "profile-star-form")
    form.get_by_label("Note (optional)").fill("Tested every refill station in town and wrote up what she found.")
    form.get_by_role("button", name=re.compile("a star member")).click()
    expect(page.get_by_text("Star member badge granted")).to_be_visible()
    badges_section = page.locator("#badges")
    expect(badges_section.get_by_text("Tested every refill station in town")).to_be_visible()
    expect(badges_section.get_by_text("Still to earn")).to_be_visible()

    visitor = new_page()
    visitor.goto(f"/users/{member_id}")
    expect(visitor.locator("#badges .badge-item").first).to_contain_text("Star member")
    expect(visitor.get_by_role("button", name=re.compile("star member"))).to_have_count(0)
    shot(visitor, "profile-badges")
    assert _serious_violations(visitor, Axe()) == []
    _fits_375(visitor, "profile with badges")

    visitor.goto(f"/ideas/{idea_id}")
    expect(visitor.get_by_role("img", name="Star member badge").first).to_be_visible()
    expect(visitor.get_by_role("img", name="First idea badge").first).to_be_visible()
    shot(visitor, "idea-badges")
    assert _serious_violations(visitor, Axe()) == []
    _fits_375(visitor, "idea page with badges")

    visitor.goto("/badges")
    expect(visitor.get_by_role("heading", name="Crowd favourite")).to_be_visible()
    shot(visitor, "badge-rules")
