"""Polls in a real browser without JavaScript: answer with the radio buttons, change the answer, see the result
bars; the closed poll and the home page's box, readable at 375 px; photographed at 1280 and 375 px."""

from __future__ import annotations

import pytest

from ideas_portal.services.polls import answers, results
from tests.functional.poll_helpers import end_poll, make_poll, option_ids

from .conftest import MOBILE_WIDTH, shot, sign_in

pytestmark = pytest.mark.e2e

WIDEST = "() => document.documentElement.scrollWidth"


def _fits_a_phone(page) -> None:
    size = page.viewport_size
    page.set_viewport_size({"width": MOBILE_WIDTH, "height": 800})
    assert page.evaluate(WIDEST) <= MOBILE_WIDTH
    page.set_viewport_size(size)


def test_answering_changing_and_the_results_read_well_at_1280_and_375(new_page, make_user):
    staff = make_user("staff")
    poll = make_poll(
        staff,
        "Which drink should we add to the winter menu next year?",
        [
            "Oat flat white",
            "Iced matcha latte with a very long name that has to wrap on a phone",
            "Chai",
            "Nothing new",
        ],
    )
    for index in (0, 0, 0, 1, 2, 2):
        answers.answer(make_user(), poll.id, [option_ids(poll)[index]])
    poll_id, email = poll.id, make_user(name="Dana Levi").email
    page = new_page(javascript=False)
    sign_in(page, email)
    page.goto(f"/polls/{poll_id}")
    assert page.get_by_role("radio").count() == 4
    shot(page, "poll-before-answering")
    _fits_a_phone(page)
    page.get_by_label("Chai").check()
    page.get_by_role("button", name="Answer").click()
    assert page.url.endswith(f"/polls/{poll_id}")
    assert "Thanks, your answer is in." in page.content()
    assert "You answered: Chai." in page.locator(".poll-you").inner_text()
    assert page.locator(".poll-result").count() == 4
    shot(page, "poll-after-answering")
    _fits_a_phone(page)
    page.get_by_text("Change your answer").click()  # <details>: no JavaScript needed
    page.get_by_label("Oat flat white").check()
    page.get_by_role("button", name="Change my answer").click()
    assert "You answered: Oat flat white." in page.locator(".poll-you").inner_text()


def test_a_closed_poll_and_the_home_page_box_read_well_at_1280_and_375(new_page, make_user):
    staff = make_user("staff")
    ended = make_poll(staff, "Which cup size do you order most?", ["Small", "Medium", "Large"])
    for index in (0, 1, 1, 2, 1):
        answers.answer(make_user(), ended.id, [option_ids(ended)[index]])
    end_poll(ended.id)
    results.sweep()
    featured = make_poll(staff, "Where should we open our next store?", ["Leeds", "York", "Hull", "Bristol"])
    ended_id, featured_id, email = ended.id, featured.id, make_user().email
    page = new_page(javascript=False)
    page.goto(f"/polls/{ended_id}")
    assert page.get_by_role("heading", name="Results").is_visible()
    shot(page, "poll-closed-with-results")
    _fits_a_phone(page)
    page.goto("/")
    assert page.locator(".poll-box").get_by_role("link", name="Sign in to answer").is_visible()
    shot(page, "home-with-poll-visitor")
    _fits_a_phone(page)
    member = new_page(javascript=False)
    sign_in(member, email)
    member.goto("/")
    box = member.locator(".poll-box")
    assert box.get_by_role("radio").count() == 4
    shot(member, "home-with-poll")
    _fits_a_phone(member)
    box.get_by_label("York").check()
    box.get_by_role("button", name="Answer").click()
    assert member.url.endswith("/")  # back on the home page
    assert member.locator(".poll-box .poll-result").count() == 4
    shot(member, "home-with-poll-answered")
    member.goto("/ideas-in-action")
    assert member.get_by_role("link", name="Poll results: Which cup size do you order most?").is_visible()
    assert member.locator(f'.poll-box a[href="/polls/{featured_id}"]').count() >= 1
    shot(member, "ideas-in-action-with-poll")
    _fits_a_phone(member)


def test_staff_create_a_poll_and_close_it_without_javascript(new_page, make_user):
    email = make_user("staff").email
    page = new_page(javascript=False)
    sign_in(page, email)
    page.goto("/staff/")
    page.locator(".staff-nav").get_by_role("link", name="New poll").click()
    page.get_by_label("Question").fill("Which pastry should we bake on Sundays?")
    page.get_by_label("Options, one per line").fill("Croissant\nCinnamon bun\nAlmond tart")
    page.get_by_label("Members may choose several options").check()
    page.get_by_label("only when the poll has closed").check()
    shot(page, "poll-new-form")
    _fits_a_phone(page)
    page.get_by_role("button", name="Create poll").click()
    assert page.get_by_role("heading", name="Which pastry should we bake on Sundays?").is_visible()
    assert page.get_by_role("checkbox").count() == 3
    shot(page, "poll-staff-view")
    page.get_by_role("button", name="Close the poll now and post its results").click()
    assert "The poll is closed and its results are posted." in page.content()
    page.goto("/polls")
    shot(page, "polls-list")
    _fits_a_phone(page)
