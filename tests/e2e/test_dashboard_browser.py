"""The roadmap and the staff dashboard in a real browser: readable at 375 px (nothing wider than the screen), the
roadmap without JavaScript, the charts drawn; photographed at 1280 and 375 px."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from ideas_portal.extensions import db
from ideas_portal.models import Idea, Vote
from ideas_portal.models.types import utcnow
from ideas_portal.services import comments, status_catalog, voting
from tests.functional.helpers import make_idea
from tests.functional.test_dashboard import _contest, _entry

from .conftest import MOBILE_WIDTH, shot, sign_in

pytestmark = pytest.mark.e2e

# The smallest chart label as drawn: its font size times how much its chart is scaled to fit the page.
TEXT_PX = """() => Math.min(...[...document.querySelectorAll('svg.chart text')].map((t) => {
  const svg = t.ownerSVGElement;
  return parseFloat(t.getAttribute("font-size")) * svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
}))"""
WIDEST = "() => document.documentElement.scrollWidth"  # wider than the viewport: the page scrolls sideways
TITLES = [
    ("Offer oat milk in every store", "under-review"),
    ("Reusable cups with a deposit, returned at any store in town", "under-review"),
    ("Quieter music in the mornings", "reviewed"),
    ("Hazelnutcinnamonoatmilkcappuccinos everywhere", "coming-soon"),
    ("Seasonal menu a week earlier", "coming-soon"),
    ("Mobile order pick-up shelf", "launched"),
    ("Contactless loyalty card", "launched"),
    ("A brand new suggestion", None),
]


def _world(make_user):
    staff = make_user("staff", name="Samira Al-Khatib")
    members = [make_user() for _ in range(6)]
    now = utcnow()
    for n, (title, status) in enumerate(TITLES):
        idea = make_idea(members[n % 6], title)
        for member in members[: (n * 3) % 6 + 1]:
            voting.cast_vote(member, idea.id, 1)
        if status:  # after the votes: a launched idea takes none
            db.session.execute(
                update(Idea).where(Idea.id == idea.id).values(status_id=status_catalog.find_status(status).id)
            )
        db.session.execute(
            update(Idea)
            .where(Idea.id == idea.id)
            .values(
                created_at=now - timedelta(days=3 * n + 1),
                status_changed_at=now - timedelta(days=n) if status else None,
                first_response_at=now - timedelta(days=3 * n + 1) + timedelta(hours=4 * n + 2) if status else None,
            )
        )
        db.session.execute(
            update(Vote).where(Vote.idea_id == idea.id).values(created_at=now - timedelta(days=(2 * n) % 20, hours=n))
        )
        if n % 2:
            comments.add_comment(members[(n + 1) % 6], idea.id, "I would use this every day.")
    db.session.commit()
    contest = _contest("Autumn colours in the city")
    for member in members[:4]:
        _entry(contest, member, votes=len(member.name))
    return staff.email


def test_roadmap_and_dashboard_fit_a_phone_and_are_photographed(make_user, new_page):
    staff_email = _world(make_user)

    page = new_page(javascript=False)
    page.goto("/roadmap")
    assert page.get_by_role("heading", name="Recently launched").is_visible()
    shot(page, "roadmap")
    page.set_viewport_size({"width": MOBILE_WIDTH, "height": 800})
    assert page.evaluate(WIDEST) <= MOBILE_WIDTH + 1, "the roadmap is wider than a phone"
    columns = page.locator(".roadmap-column").evaluate_all("cs => cs.map(c => c.getBoundingClientRect().left)")
    assert len(set(round(x) for x in columns)) == 1, "the columns stack at 375 px"

    page = new_page()
    sign_in(page, staff_email)
    page.goto("/staff/dashboard")
    assert page.locator("svg.chart").count() == 7  # five activity charts, the funnel, the contest
    box = page.locator("svg.chart").first.bounding_box()
    assert box and box["height"] > 80
    shot(page, "dashboard")
    page.set_viewport_size({"width": MOBILE_WIDTH, "height": 800})
    assert page.evaluate(WIDEST) <= MOBILE_WIDTH + 1, "the dashboard is wider than a phone"
    # The charts shrink to the phone's width, their labels with them: they must stay readable.
    smallest = page.evaluate(TEXT_PX)
    assert smallest >= 11, f"chart labels are drawn {smallest:.1f} px high on a phone"
