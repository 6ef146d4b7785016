"""The leaderboard and the home page's "This week" in a real browser: readable at 375 px (nothing wider than the
screen), the tabs working without JavaScript; photographed at 1280 and 375 px."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ideas_portal.extensions import db
from ideas_portal.models import Notification
from ideas_portal.models.types import utcnow
from ideas_portal.services import rewards, voting
from tests.functional.helpers import make_idea

from .conftest import MOBILE_WIDTH, SCREENSHOTS, shot, sign_in

pytestmark = pytest.mark.e2e

WIDEST = "() => document.documentElement.scrollWidth"
NAMES = [
    "Amara Okafor",
    "Bartholomew Featherstonehaugh-Smythe",
    "Chen Wei",
    "Dana Levi",
    "Emil Sørensen",
    "Fatima Zahra",
]


def _world(make_user):
    members = [make_user(name=name) for name in NAMES]
    for n, member in enumerate(members):
        idea = make_idea(member, f"An idea worth sharing, number {n + 1}")
        for voter in members[: 6 - n]:
            voting.cast_vote(voter, idea.id, 1)
    rewards.award(members[2].id, "status", "status:demo:launched", amount=500, at=utcnow() - timedelta(days=45))
    db.session.commit()
    return members


def test_leaderboard_and_home_widget_read_well_at_1280_and_375(new_page, make_user):
    members = _world(make_user)
    me = members[3].email
    page = new_page(javascript=False)
    page.goto("/leaderboard")
    assert page.get_by_role("heading", name="How to earn points").is_visible()
    shot(page, "leaderboard")
    page.get_by_role("link", name="All time").click()
    assert page.url.endswith("/leaderboard?period=all")
    assert (
        page.locator(".leader-name .member-link").first.inner_text() == "Chen Wei"
    )  # the old launch bonus counts here only
    page.set_viewport_size({"width": MOBILE_WIDTH, "height": 800})
    assert page.evaluate(WIDEST) <= MOBILE_WIDTH
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/")
    widget = page.locator(".home-leaders")
    assert widget.locator(".leader").count() == 5
    widget.screenshot(path=str(SCREENSHOTS / "home-leaders-desktop.png"))
    shot(page, "home-with-leaders")
    page.set_viewport_size({"width": MOBILE_WIDTH, "height": 800})
    assert page.evaluate(WIDEST) <= MOBILE_WIDTH
    signed_in = new_page()
    sign_in(signed_in, me)
    signed_in.goto("/leaderboard")
    assert "You are #" in signed_in.locator(".my-standing").inner_text()
    shot(signed_in, "leaderboard-signed-in")


def test_the_header_keeps_one_row_at_1280_with_the_leaderboard_link_for_a_busy_staff_member(new_page, make_user):
    staff = make_user("staff", name="Bartholomew Featherstonehaugh")
    for _ in range(12):  # a two-digit unread count
        db.session.add(Notification(user_id=staff.id, kind="badge", body="You earned a badge."))
    db.session.commit()
    email = staff.email
    page = new_page()
    sign_in(page, email)
    page.goto("/leaderboard")
    heights = page.evaluate(
        "() => ['.brand', '.main-nav', '.account-nav'].map(s => document.querySelector(s).offsetHeight)"
    )
    assert max(heights[1:]) <= 40, heights  # one line each: nothing wrapped under the brand
