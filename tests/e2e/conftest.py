"""Browser fixtures: Debian's chromium driven by Playwright against the `live_server` of each test."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import has_app_context

from ideas_portal.extensions import db

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
MOBILE_WIDTH = 375
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _only_loopback(route):
    """Nothing leaves the machine: a request to any other host fails the way a dead network would."""
    if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
        route.continue_()
    else:
        route.abort("internetdisconnected")


@pytest.fixture
def new_page(browser, live_server):
    """Opens a page in a fresh context (own cookies) on the live server; `new_page(javascript=False)` too."""
    contexts = []

    def make(javascript: bool = True):
        if has_app_context():
            db.session.remove()  # our open SQLite transaction would block the server's writes
        context = browser.new_context(base_url=live_server, viewport=DESKTOP, java_script_enabled=javascript)
        context.set_default_timeout(10_000)
        context.route(re.compile(r"^(?!http://127\.0\.0\.1[:/])"), _only_loopback)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def shot(page, name: str) -> None:
    """Full-page screenshots at desktop width and at 375 px; the viewport is restored afterwards."""
    SCREENSHOTS.mkdir(exist_ok=True)
    size = page.viewport_size
    page.screenshot(path=SCREENSHOTS / f"{name}-desktop.png", full_page=True)
    page.set_viewport_size({"width": MOBILE_WIDTH, "height": size["height"]})
    try:
        page.screenshot(path=SCREENSHOTS / f"{name}-375.png", full_page=True)
    finally:
        page.set_viewport_size(size)


def sign_in(page, email: str, password: str = "correct horse") -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()
