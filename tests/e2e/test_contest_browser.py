"""A photo contest in a real browser: enter, watch processing, review, vote, close, see the winner."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from ideas_portal.models.types import utcnow
from ideas_portal.services.contests import contests

from tests.conftest import wait_until

from .conftest import shot, sign_in
from .test_browser import _serious_violations

pytestmark = pytest.mark.e2e


def _photo(path, colour) -> str:
    img = Image.new("RGB", (1600, 1200), (250, 240, 220))
    draw = ImageDraw.Draw(img)
    draw.ellipse([400, 200, 1200, 1000], fill=(200, 140, 80))
    draw.ellipse([480, 280, 1120, 920], fill=colour)
    draw.ellipse([700, 500, 900, 700], fill=(250, 240, 220))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}  # GPS that must not survive
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    path.write_bytes(out.getvalue())
    return str(path)


def test_member_enters_others_vote_staff_close_and_the_winner_is_shown(make_user, new_page, tmp_path):
    from axe_playwright_python.sync_playwright import Axe

    axe, found = Axe(), []
    staff = make_user("staff", name="Sam Staff")
    entrant = make_user(name="Erin Entrant")
    voter = make_user(name="Val Voter")
    now = utcnow()
    contest = contests.create(
        staff,
        contests.ContestInput(
            title="Create our next donut",
            rules="One photo per member. **Be original.**",
            prize="Your donut on the menu",
            opens_at=now - timedelta(hours=1),
            entries_close_at=now + timedelta(days=7),
            closes_at=now + timedelta(days=14),
        ),
    )
    contest_id, staff_email, entrant_email, voter_email = contest.id, staff.email, entrant.email, voter.email
    photo = _photo(tmp_path / "my donut.jpg", (236, 72, 153))

    member = new_page()
    sign_in(member, entrant_email)
    member.goto("/contests")
    member.get_by_role("link", name="Create our next donut").click()
    shot(member, "d-contest-open")
    found += _serious_violations(member, axe)
    member.get_by_role("link", name="Enter your photo").click()
    member.get_by_label("Your photo").set_input_files(photo)
    member.get_by_label("Caption").fill("Strawberry sunrise")
    member.get_by_role("button", name="Upload and enter").click()
    expect(member.get_by_text("Please accept the contest rules to enter.").first).to_be_visible()
    member.get_by_label("Your photo").set_input_files(photo)
    member.get_by_label("I have read and accept the contest rules.").check()
    member.get_by_label("Full name (optional)").fill("Erin Entrant")
    shot(member, "d-enter-form")
    found += _serious_violations(member, axe)
    member.get_by_role("button", name="Upload and enter").click()
    expect(member.get_by_role("status").first).to_be_visible()
    # The processing page refreshes itself until the worker has made the thumbnails.
    expect(member.get_by_text("waiting for our team to review it")).to_be_visible(timeout=60_000)
    entry_url = member.url

    desk = new_page()
    sign_in(desk, staff_email)
    desk.goto(f"/contests/{contest_id}/review")
    expect(desk.locator(".review-item")).to_have_count(1)
    shot(desk, "d-review-queue")
    found += _serious_violations(desk, axe)
    desk.get_by_role("button", name="Approve").click()
    expect(desk.get_by_text("Nothing waiting.")).to_be_visible()

    fan = new_page()
    sign_in(fan, voter_email)
    fan.goto(f"/contests/{contest_id}")
    tile = fan.locator(".entry-tile")
    expect(tile).to_have_count(1)
    img = tile.locator("img")
    assert img.get_attribute("loading") == "lazy" and "320w" in (img.get_attribute("srcset") or "")
    tile.get_by_role("link").filter(has=fan.locator("img")).click()  # the photo; the other link is the entrant
    assert fan.locator('meta[property="og:image"]').get_attribute("content").endswith("-large.webp")
    assert fan.locator('meta[name="twitter:card"]').get_attribute("content") == "summary_large_image"
    fan.get_by_role("button", name="Vote for this photo").click()
    expect(fan.locator(".entry-votes-big")).to_contain_text("1 vote")
    shot(fan, "d-entry-voted")
    found += _serious_violations(fan, axe)
    image = fan.request.get(fan.locator(".entry-figure img").get_attribute("src"))
    assert image.headers["content-type"] == "image/webp" and image.headers["x-content-type-options"] == "nosniff"

    member.goto(entry_url)
    expect(member.get_by_text("This is your entry")).to_be_visible()

    desk.goto(f"/contests/{contest_id}")
    desk.once("dialog", lambda dialog: dialog.accept())
    desk.get_by_role("button", name="Close now").click()
    # Let the POST's own navigation finish before polling with reloads, or a reload races it.
    expect(desk.get_by_text("The contest is closed").or_(desk.get_by_text("already closed")).first).to_be_visible()
    wait_until(
        lambda: desk.reload() and desk.locator(".winners").count() > 0,
        timeout=60,
        what="the worker to close the contest and announce the winner",
    )
    winners = desk.locator(".winners")
    expect(winners).to_contain_text("Strawberry sunrise")
    expect(winners).to_contain_text("Erin Entrant")
    shot(desk, "d-contest-winner")
    found += _serious_violations(desk, axe)
    assert not found, "axe found serious or critical violations:\n" + "\n".join(found)

    member.goto("/notifications")
    expect(member.locator(".notification").first).to_contain_text("your photo won")
    member.goto("/ideas-in-action")
    expect(member.locator(".feed-item").first).to_contain_text("Winners: Create our next donut")
