"""Browser journeys: Debian's Chromium driven by Playwright against pytest-django's live server."""

import os

import pytest

from conftest import CHROMIUM_PATH, LIVE_SERVER_BUSY

# Playwright's sync API runs an event loop in this thread; the tests still use the ORM
# synchronously between browser steps, which is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM_PATH):
        yield None
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, request):
    """A fresh browser page (the ``browser`` marker makes the test skip/fail when Chromium is absent)."""
    if chromium is None:
        pytest.skip(f"needs Debian's chromium at {CHROMIUM_PATH}")
    context = chromium.new_context(viewport={"width": 1360, "height": 900}, locale="en-GB")
    context.set_default_timeout(20_000)  # a bound on waiting (a loaded CI machine), never a figure
    page = context.new_page()
    yield page
    context.close()
    with LIVE_SERVER_BUSY:  # a request still being answered ends before the database is flushed
        pass


def screenshot(page, name: str) -> None:
    """With COMPTOIR_SCREENSHOTS=<dir>: the page at desktop width and at a phone's (390 px)."""
    shots = os.environ.get("COMPTOIR_SCREENSHOTS")
    if shots:
        page.screenshot(path=os.path.join(shots, f"{name}.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=os.path.join(shots, f"{name}-phone.png"), full_page=True)
        page.set_viewport_size({"width": 1360, "height": 900})


def browser_login(page, live_server, *, email: str, password: str) -> None:
    """Log in through the real login form."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
