"""Bob starts a study, Alice finds it by tag and asks to join, Bob accepts: all live."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.services import user_create
from studies.models import JoinRequest, Study
from tests.conftest import PASSWORD, in_thread, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def create_users():
    for username, name in (("bob", "Bob"), ("alice", "Alice")):
        user_create(
            username=username,
            email=f"{username}@example.com",
            password=PASSWORD,
            display_name=name,
        )


def socket_open(page) -> None:
    page.wait_for_function("document.body.dataset.notificationSocket === 'open'")


def test_create_find_by_tag_ask_accept_and_open(daphne, browser):
    in_thread(create_users)
    server = daphne()
    today = timezone.localdate()
    errors = []

    bob = browser.new_context().new_page()
    bob.on("pageerror", lambda error: errors.append(str(error)))
    log_in(bob, server.url, "bob")
    bob.click("nav >> text=New study")
    bob.fill("input[name=title]", "Graph algorithms club")
    bob.fill("textarea[name=description]", "We work through **shortest paths** together.")
    bob.fill("input[name=tags]", "Graphs, Algorithms")
    bob.fill("input[name=start_date]", (today + timedelta(days=14)).isoformat())
    bob.fill("input[name=end_date]", (today + timedelta(days=60)).isoformat())
    bob.fill("input[name=recruitment_deadline]", (today + timedelta(days=7)).isoformat())
    bob.fill("input[name=capacity]", "4")
    bob.click("form button[type=submit] >> text=Create the study")
    bob.wait_for_url(re.compile(r".*/studies/\d+/$"))
    assert bob.locator("h1").inner_text() == "Graph algorithms club"
    assert bob.locator("[data-description] strong").inner_text() == "shortest paths"
    study_url = bob.url
    socket_open(bob)
    bob_badge_before = bob.locator("[data-unread-badge]").inner_text()

    alice = browser.new_context().new_page()
    alice.on("pageerror", lambda error: errors.append(str(error)))
    log_in(alice, server.url, "alice")
    alice.click("nav >> text=Explore")
    alice.fill("input[name=q]", "graphs")
    alice.click("form[role=search] button[type=submit]")
    alice.locator("[data-study-card] [data-tag=graphs]").click()
    alice.wait_for_url(re.compile(r".*\?tag=graphs$"))
    assert alice.locator("[data-active-tag]").inner_text().endswith("#graphs clear")
    alice.click("[data-study-card] >> text=Graph algorithms club")
    alice.wait_for_url(study_url)
    alice.fill("textarea[name=message]", "I love Dijkstra.")
    alice.click("#join button[type=submit]")
    alice.wait_for_selector("[data-my-request]")
    socket_open(alice)
    alice_badge_before = alice.locator("[data-unread-badge]").inner_text()

    # Bob is told live, without reloading.
    bob.wait_for_function(
        "before => document.querySelector('[data-unread-badge]').textContent !== before",
        arg=bob_badge_before,
    )
    assert "Alice asked to join Graph algorithms club" in bob.locator("[data-toasts]").inner_text()
    bob.reload()
    request = bob.locator("[data-request]")
    assert "I love Dijkstra." in request.inner_text()
    request.locator("input[name=note]").first.fill("Welcome aboard")
    request.locator("button >> text=Accept").click()
    bob.wait_for_selector("text=Alice joined the study.")

    alice.wait_for_function(
        "before => document.querySelector('[data-unread-badge]').textContent !== before",
        arg=alice_badge_before,
    )
    toast = alice.locator("[data-toasts] a").last
    assert "You joined Graph algorithms club" in toast.inner_text()
    toast.click()
    alice.wait_for_url(study_url)
    assert alice.locator("#study-panel-chat").count() == 1
    assert alice.locator("text=Leave this study").count() == 1

    assert errors == []
    assert in_thread(
        lambda: JoinRequest.objects.get(study__title="Graph algorithms club").status
    ) == (JoinRequest.Status.ACCEPTED)
    assert in_thread(lambda: Study.objects.get().memberships.count()) == 2
