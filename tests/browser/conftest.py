"""Browser tests: Playwright's Python client driving Debian's Chromium.

Playwright cannot download its own browser here, so the tests launch the
system ``chromium`` (``make browser`` installs it with a CJK font).
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import keep_serialized_contents

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: run `make browser`.")
    # Playwright's sync API runs an event loop in the test thread; the ORM
    # calls the test itself makes (factories) are still synchronous.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            # Starting Playwright switches greenlets; Django may then hand out a
            # new connection object, which must keep the serialized contents.
            keep_serialized_contents()
            browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    # As a caseworker in China: Chinese, and Beijing time (else the date fields warn of an offset).
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1440, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under artifacts/ for people to look at."""

    def take(name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


PASSWORD = "pw-for-tests-2026"  # every test user's (tests.factories.UserFactory)


@pytest.fixture
def log_in(page, live_server):
    """Log ``page`` in as a user, through the login page; it lands on the home page."""
    import re

    def as_user(username: str) -> None:
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/admin/$"))

    return as_user
