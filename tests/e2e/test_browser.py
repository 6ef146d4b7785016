"""What a person sees in a real browser: sign-up, the duplicate hint, votes in place, keyboard use, phones, axe.

Each test starts its own gunicorn and worker (a few seconds), so one test walks a whole journey.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ideas_portal.services import comments, ideas

from .conftest import DESKTOP, MOBILE_WIDTH, shot, sign_in

pytestmark = pytest.mark.e2e

HAS_FOCUS_RING = """() => {
  const s = getComputedStyle(document.activeElement);
  return s.boxShadow !== "none" || (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0);
}"""


def _idea_by(author, title, body="Many of us would use it every day.", category="products") -> int:
    return ideas.create_idea(author, title, body, category).id


def _idea_with_conversation(make_user) -> tuple[int, str]:
    """An idea with a member's comment, the author's reply and a staff comment: (idea id, staff email)."""
    staff = make_user("staff", name="Sam Staff")
    author, other = make_user(name="Maya Member"), make_user(name="Noor Brooks")
    idea_id = _idea_by(
        author,
        "Add a kids' version of the seasonal drinks",
        "Smaller cups, less sugar, **no caffeine**.\n\n- fun names\n- a sticker",
    )
    first = comments.add_comment(other, idea_id, "Yes please! My daughter would love it.")
    comments.add_comment(author, idea_id, "Thanks! Stickers are the key.", first.id)
    comments.add_comment(staff, idea_id, "Good news: we are testing this in ten stores this winter.")
    return idea_id, staff.email


def test_visitor_signs_up_is_shown_a_similar_idea_and_posts_their_own(make_user, new_page):
    existing_id = _idea_by(make_user(), "Offer oat milk in every store")
    page = new_page()

    page.goto("/signup")
    page.get_by_label("Email").fill("nia@example.com")
    page.get_by_label("Display name").fill("Nia Visitor")
    page.get_by_label("Password").fill("a long enough password")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    expect(page.get_by_text("We have sent a message to nia@example.com")).to_be_visible()
    shot(page, "a-signup-check-your-inbox")
    page.locator("main").get_by_role("link", name="Sign in", exact=True).click()
    page.get_by_label("Email").fill("nia@example.com")
    page.get_by_label("Password", exact=True).fill("a long enough password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Account")).to_contain_text("Nia Visitor")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Share an idea").click()
    expect(page).to_have_url(re.compile(r"/ideas/new$"))
    hint = page.locator("#similar")
    expect(hint).to_be_hidden()
    page.get_by_label("Title").press_sequentially("oat milk please", delay=15)
    expect(hint).to_be_visible()
    expect(hint.get_by_role("link", name="Offer oat milk in every store")).to_have_attribute(
        "href", f"/ideas/{existing_id}"
    )
    shot(page, "a-submit-with-similar-hint")

    page.get_by_label("Describe your idea").fill("In **every** store, not only the big ones.")
    page.get_by_label("Category").select_option(label="Products")
    page.get_by_role("button", name="Post my idea").click()
    expect(page).to_have_url(re.compile(r"/ideas/\d+$"))
    assert not page.url.endswith(f"/ideas/{existing_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("oat milk please")
    expect(page.locator(".idea-head [data-vote-score]")).to_have_text("0")  # her own vote is held until she confirms
    expect(page.get_by_role("button", name="Vote up: oat milk please")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_text("Your up-vote is held")).to_be_visible()
    expect(page.locator(".prose strong")).to_have_text("every")
    shot(page, "a-new-idea-page")


def test_member_votes_in_place_withdraws_comments_and_can_vote_without_javascript(make_user, new_page):
    email = make_user().email
    title = "Bring back the cinnamon buns"
    idea_id = _idea_by(make_user(), title)
    page = new_page()
    sign_in(page, email)

    page.goto(f"/ideas/{idea_id}")
    up = page.get_by_role("button", name=f"Vote up: {title}")
    score = page.locator(".idea-head [data-vote-score]")
    expect(score).to_have_text("1")
    expect(up).to_have_attribute("aria-pressed", "false")

    page.evaluate("window.stillTheSameDocument = true")
    up.click()
    expect(score).to_have_text("2")
    expect(page.locator(".idea-head .vote-score")).to_have_text("Score 2")  # what a screen reader reads
    expect(up).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_text("2 up · 0 down")).to_be_visible()
    assert page.evaluate("window.stillTheSameDocument") is True, "the vote reloaded the page"

    page.reload()  # the vote is stored, not only shown
    expect(score).to_have_text("2")
    expect(up).to_have_attribute("aria-pressed", "true")

    page.evaluate("window.stillTheSameDocument = true")
    up.click()
    expect(score).to_have_text("1")
    expect(up).to_have_attribute("aria-pressed", "false")
    assert page.evaluate("window.stillTheSameDocument") is True, "withdrawing the vote reloaded the page"

    page.goto("/ideas?sort=top")  # the list's "% up of" line follows the vote too
    card = page.locator(".idea-card", has_text=title)
    expect(card.locator(".vote-share")).to_have_text("100% up of 1 vote")
    card.get_by_role("button", name=f"Vote down: {title}").click()
    expect(card.locator(".vote-share")).to_have_text("50% up of 2 votes")
    expect(card.locator("[data-vote-score]")).to_have_text("0")
    card.get_by_role("button", name=f"Vote down: {title}").click()
    expect(card.locator(".vote-share")).to_have_text("100% up of 1 vote")
    fonts = page.evaluate(
        "() => [document.querySelector('button.vote'), document.body].map((e) => getComputedStyle(e).fontFamily)"
    )
    assert fonts[0] == fonts[1], f"the vote arrows are drawn in {fonts[0]}, the page in {fonts[1]}"

    page.goto(f"/ideas/{idea_id}")
    page.get_by_label("Your comment").fill("Cinnamon buns on Fridays would make my week.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_text("Your comment is posted.")).to_be_visible()
    expect(page.locator("#comments .comment")).to_contain_text("Cinnamon buns on Fridays would make my week.")
    expect(page.get_by_role("heading", name="1 comment")).to_be_visible()
    expect(score).to_have_text("1")
    shot(page, "b-idea-after-votes-and-comment")

    plain = new_page(javascript=False)  # the forms post and redirect back when there is no script
    sign_in(plain, email)
    plain.goto(f"/ideas/{idea_id}")
    plain.get_by_role("button", name=f"Vote down: {title}").click()
    expect(plain).to_have_url(re.compile(rf"/ideas/{idea_id}\b"))
    expect(plain.locator(".idea-head [data-vote-score]")).to_have_text("0")
    expect(plain.get_by_role("button", name=f"Vote down: {title}")).to_have_attribute("aria-pressed", "true")


def test_keyboard_reaches_the_skip_link_first_sees_focus_and_signs_up_through_labelled_fields(new_page):
    page = new_page()
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, f"the focused skip link is off screen: {box}"
    assert page.evaluate(HAS_FOCUS_RING), "the focused skip link shows no focus indicator"

    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    for _ in range(8):  # the stops after the skip: hero buttons, status pills, idea cards
        page.keyboard.press("Tab")
        where = page.evaluate("document.activeElement.outerHTML.slice(0, 120)")
        assert page.evaluate(HAS_FOCUS_RING), f"no visible focus on {where}"

    page.goto("/signup")
    for label, kind in (("Email", "email"), ("Display name", "text"), ("Password", "password")):
        field = page.get_by_label(label, exact=True)
        expect(field).to_have_attribute("type", kind)
        expect(field).to_have_accessible_description(re.compile(r"^Why we ask:"))
    page.get_by_label("Email").focus()
    page.keyboard.type("kim@example.com")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Display name")).to_be_focused()
    page.keyboard.type("Kim Keys")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type("typed without a mouse")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    expect(page.get_by_text("We have sent a message to kim@example.com")).to_be_visible()


PAGES_ANONYMOUS = [
    ("home", "/"),
    ("browse-top", "/ideas?sort=top"),
    ("signup", "/signup"),
    ("login", "/login"),
    ("forgot-password", "/password/forgot"),
    ("not-found", "/ideas/999999"),
]


def _fits_375(page, name: str) -> None:
    page.set_viewport_size({"width": MOBILE_WIDTH, "height": DESKTOP["height"]})
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= MOBILE_WIDTH, f"{name} scrolls sideways at {MOBILE_WIDTH} px (scrollWidth {width})"
    finally:
        page.set_viewport_size(DESKTOP)


def test_staff_pins_an_official_response_and_every_page_fits_a_375px_phone(make_user, new_page):
    idea_id, staff_email = _idea_with_conversation(make_user)
    _idea_by(make_user(), "Supercalifragilistic-oat-milk-with-extra-foam-for-every-single-store-everywhere-please")
    page = new_page()
    for name, path in PAGES_ANONYMOUS + [("idea", f"/ideas/{idea_id}")]:
        page.goto(path)
        _fits_375(page, name)
        shot(page, f"tour-{name}")

    sign_in(page, staff_email)
    page.goto(f"/ideas/{idea_id}")
    expect(page.get_by_role("heading", name="Official response")).to_have_count(0)
    staff_comment = page.locator(".comment", has_text="we are testing this in ten stores")
    staff_comment.get_by_role("button", name="Mark as official response").click()
    expect(page.get_by_text("Official response updated.")).to_be_visible()
    official = page.get_by_role("region", name="Official response")
    expect(official).to_contain_text("we are testing this in ten stores")
    expect(official.get_by_role("button", name="Unpin official response")).to_be_visible()
    _fits_375(page, "idea with official response")
    shot(page, "tour-idea-with-official-response")

    for name, path in (("submit", "/ideas/new"), ("staff-categories", "/staff/categories"), ("home-as-staff", "/")):
        page.goto(path)
        _fits_375(page, name)
        shot(page, f"tour-{name}")


def _serious_violations(page, axe) -> list[str]:
    found = []
    for v in axe.run(page).response["violations"]:
        if v["impact"] in ("serious", "critical"):
            targets = [" ".join(map(str, n["target"])) for n in v["nodes"][:5]]
            found.append(f"{page.url}: {v['id']} ({v['impact']}) {v['help']} — {targets}")
    return found


def test_axe_finds_no_serious_or_critical_accessibility_violations(make_user, new_page):
    from axe_playwright_python.sync_playwright import Axe  # bundles axe-core: nothing is downloaded

    axe = Axe()
    idea_id, staff_email = _idea_with_conversation(make_user)
    member_email = make_user().email
    page = new_page()
    found = []
    for path in ("/", "/ideas", f"/ideas/{idea_id}", "/signup", "/login"):
        page.goto(path)
        found += _serious_violations(page, axe)

    sign_in(page, member_email)
    page.goto("/ideas/new")
    page.get_by_label("Title").press_sequentially("kids seasonal drinks", delay=10)
    expect(page.locator("#similar")).to_be_visible()
    found += _serious_violations(page, axe)
    page.get_by_role("button", name="Post my idea").click()  # no description: the error state
    expect(page.locator(".field.has-error").first).to_be_visible()
    found += _serious_violations(page, axe)

    staff_page = new_page()
    sign_in(staff_page, staff_email)
    for path in (f"/ideas/{idea_id}", "/staff/categories"):
        staff_page.goto(path)
        found += _serious_violations(staff_page, axe)
    assert not found, "axe found serious or critical violations:\n" + "\n".join(found)
