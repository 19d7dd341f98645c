"""The shared socket client stops retrying when the server refuses it for good."""

import pytest
from playwright.sync_api import expect

from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_logging_out_in_another_tab_closes_this_tabs_socket_for_good(alice, served, browser):
    server = served()
    context = browser.new_context()
    page = context.new_page()
    log_in(page, server.url, "alice")
    expect(page.locator("body")).to_have_attribute("data-notification-socket", "open")

    other_tab = context.new_page()
    other_tab.goto(f"{server.url}/")
    other_tab.click("header form button[type=submit]")

    expect(page.locator("body")).to_have_attribute("data-notification-socket", "refused")
    page.wait_for_timeout(1500)
    # Refused (4401) is final: no reconnect attempt followed.
    expect(page.locator("body")).to_have_attribute("data-notification-socket", "refused")
    context.close()


def test_a_dropped_connection_is_retried(alice, served, browser):
    server = served()
    context = browser.new_context()
    page = context.new_page()
    log_in(page, server.url, "alice")
    expect(page.locator("body")).to_have_attribute("data-notification-socket", "open")

    server.stop()
    expect(page.locator("body")).to_have_attribute("data-notification-socket", "waiting")
    server.restart()
    expect(page.locator("body")).to_have_attribute(
        "data-notification-socket", "open", timeout=20000
    )
    context.close()
