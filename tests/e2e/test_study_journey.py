"""Bob starts a study, Alice finds it by tag and asks to join, Bob accepts: all live.

Then Bob removes her again, confirming in the dialog that static/js/confirm.js opens.
"""

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


def badge_of(page) -> int:
    return int(page.locator("[data-unread-badge]").inner_text())


def toast_saying(text: str) -> str:
    return f"[data-toasts] a:has-text({text!r})"


def socket_open(page) -> None:
    page.wait_for_function("() => document.body.dataset.notificationSocket === 'open'")


def test_create_find_by_tag_ask_accept_and_open(served, browser):
    in_thread(create_users)
    server = served()
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
    bob_unread = badge_of(bob)

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

    # Bob is told live, without reloading: a toast, and the badge counts one more.
    bob.wait_for_selector(toast_saying("Alice asked to join Graph algorithms club"))
    assert badge_of(bob) == bob_unread + 1

    alice.wait_for_selector("[data-my-request]")
    socket_open(alice)
    alice_unread = badge_of(alice)
    bob.reload()
    request = bob.locator("[data-request]")
    assert "I love Dijkstra." in request.inner_text()
    request.locator("input[name=note]").first.fill("Welcome aboard")
    request.locator("button >> text=Accept").click()

    toast = alice.wait_for_selector(toast_saying("You joined Graph algorithms club"))
    assert badge_of(alice) == alice_unread + 1
    toast.click()
    alice.wait_for_url(study_url)
    assert alice.locator("#study-panel-chat").count() == 1
    assert alice.locator("text=Leave this study").count() == 1
    bob.wait_for_selector("text=Alice joined the study.")

    # The owner removes her again, after confirming in a dialog.
    socket_open(alice)
    bob.reload()
    dialogs = []
    bob.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    bob.locator("[data-member] >> text=Alice").locator("xpath=..").locator(
        "button >> text=Remove"
    ).click()
    alice.wait_for_selector(toast_saying("You were removed from Graph algorithms club"))
    bob.wait_for_selector("text=Alice was removed.")
    assert dialogs == ["Remove Alice from the study?"]

    assert errors == []
    assert in_thread(
        lambda: JoinRequest.objects.get(study__title="Graph algorithms club").status
    ) == (JoinRequest.Status.ACCEPTED)
    assert in_thread(lambda: Study.objects.get().memberships.count()) == 1
