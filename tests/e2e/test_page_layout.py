"""Layout a test client cannot see: the header on one line, the trophy at icon size, a table on a phone."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from ideas_portal.services import comments, follows, ideas, notifications, status_changes

from tests.functional.test_html_valid import _closed_contest_with_a_winner
from .conftest import DESKTOP, MOBILE_WIDTH, sign_in

pytestmark = pytest.mark.e2e
SHOTS = Path("/tmp/shots")

ONE_HEADER_ROW = """() => {
  const row = document.querySelector(".header-row");
  const items = [row.querySelector(".brand"), ...row.querySelectorAll("nav a, nav .whoami, nav button")];
  const middles = items.map(e => { const r = e.getBoundingClientRect(); return (r.top + r.bottom) / 2; });
  return {spread: Math.max(...middles) - Math.min(...middles), height: row.getBoundingClientRect().height,
          count: items.length};
}"""
# Another link in the account menu ("Settings") must still fit: the test adds one if the page has none yet.
ADD_SETTINGS_LINK = """() => {
  const nav = document.querySelector(".account-nav");
  if (![...nav.querySelectorAll("a")].some(a => /settings|account/i.test(a.textContent))) {
    const a = document.createElement("a"); a.href = "/settings"; a.textContent = "Settings";
    nav.insertBefore(a, nav.querySelector(".whoami"));
  }
}"""


def _shoot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=SHOTS / f"{name}-1280.png", full_page=True)
    page.set_viewport_size({"width": MOBILE_WIDTH, "height": DESKTOP["height"]})
    page.screenshot(path=SHOTS / f"{name}-375.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def test_header_trophy_and_staff_table_fit_and_every_changed_page_is_photographed(make_user, new_page):
    from sqlalchemy import select

    from ideas_portal.extensions import db
    from ideas_portal.models import StatusChange

    staff = make_user("staff", name="Samira Al-Khatib")
    member = make_user(name="Maximilian Oberhauser")
    idea = ideas.create_idea(member, "Offer oat milk in every store", "**Please**, not only the big ones.", "products")
    ideas.create_idea(
        make_user(),
        "Oat milk for lattes at every counter, including the small kiosks downtown",
        "Same idea.",
        "products",
    )
    ideas.create_idea(
        make_user(name="Bartholomew Featherstonehaugh"),
        "Hazelnutcinnamonoatmilkcappuccinos everywhere",
        "One long word, as people type them.",
    )
    answer = comments.add_comment(staff, idea.id, "We are testing it in ten stores this winter.")
    comments.set_official(staff, answer.id, True)
    follows.set_following(staff, idea.id, True)
    status_changes.change_status(make_user("admin"), idea.id, "coming-soon", "Starting **in January**.")
    notifications.fan_out(db.session.scalar(select(StatusChange.id).where(StatusChange.idea_id == idea.id)))
    contest_id, winner_id = _closed_contest_with_a_winner(staff, make_user)
    staff_email, idea_id = staff.email, idea.id

    page = new_page()
    sign_in(page, staff_email)
    for path in ("/", "/staff/unanswered", f"/ideas/{idea_id}"):
        page.goto(path)
        page.evaluate(ADD_SETTINGS_LINK)
        row = page.evaluate(ONE_HEADER_ROW)
        assert row["spread"] <= 12, f"the header wraps at 1280 px on {path} for staff: {row}"

    page.goto(f"/entries/{winner_id}")
    pill = page.locator(".winner-pill")
    expect(pill).to_contain_text("Winner #1")
    expect(pill).to_be_visible()
    icon = pill.locator("img.icon").bounding_box()
    assert icon["width"] <= 24 and icon["height"] <= 24, f"the trophy icon is {icon}"
    _shoot(page, "winner-entry")

    page.goto("/staff/unanswered")
    page.set_viewport_size({"width": MOBILE_WIDTH, "height": DESKTOP["height"]})
    widths = page.evaluate("""() => ({table: document.querySelector("table.table").scrollWidth,
                                     page: document.documentElement.scrollWidth})""")
    assert widths["table"] <= MOBILE_WIDTH and widths["page"] <= MOBILE_WIDTH, widths
    page.set_viewport_size(DESKTOP)

    for name, path in (
        ("home", "/"),
        ("idea", f"/ideas/{idea_id}"),
        ("browse-top", "/ideas?sort=top"),
        ("notifications", "/notifications"),
        ("unanswered", "/staff/unanswered"),
        ("contest-closed", f"/contests/{contest_id}"),
        ("merge", f"/ideas/{idea_id}/merge?q=oat"),
    ):
        page.goto(path)
        _shoot(page, name)
    expect(page.get_by_role("button", name="Merge into this").first).to_be_visible()
