"""A newcomer signs up, logs in, and sees the bell badge change live."""

import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, log_in
from tests.servers import ROOT, served_environment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def announce(username: str, text: str) -> None:
    """Create a notification server-side, in another process, as an operator would."""
    subprocess.run(
        [sys.executable, "manage.py", "announce", text, "--user", username],
        cwd=ROOT,
        env=served_environment(),
        check=True,
        capture_output=True,
    )


def test_sign_up_log_in_and_see_the_bell_update_live(served, browser):
    server = served()
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{server.url}/accounts/signup/")
    page.fill("input[name=username]", "newcomer")
    page.fill("input[name=email]", "newcomer@example.com")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{server.url}/")
    page.click("header form button[type=submit]")  # log out

    log_in(page, server.url, "newcomer")
    badge = page.locator("[data-unread-badge]")
    # The welcome notification from sign-up is unread.
    assert badge.inner_text() == "1"
    expect(page.locator("body")).to_have_attribute("data-notification-socket", "open")

    announce("newcomer", "The library opens at 9 tomorrow")

    expect(badge).to_have_text("2")
    assert page.locator("[data-toasts]").inner_text() == "The library opens at 9 tomorrow"
    assert errors == []
    context.close()
