"""Alice and Bob chat in a room; Bob drops off the network and comes back with nothing lost."""

import re

import pytest

from tests.chat.factories import make_room, make_study
from tests.conftest import in_thread, log_in
from tests.e2e.links import Link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_room(browser, server, username: str, room_url: str, link: Link | None = None):
    context = browser.new_context()
    page = context.new_page()
    if link is not None:
        page.route_web_socket(re.compile(r"/ws/chat/"), link.route)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, server.url, username)
    page.goto(server.url + room_url)
    page.wait_for_selector("[data-chat-room][data-socket=open]")
    return context, page, errors


def send(page, body: str) -> None:
    page.fill("[data-composer] textarea", body)
    page.press("[data-composer] textarea", "Enter")


def bodies(page) -> list[str]:
    return page.eval_on_selector_all(
        "[data-messages] li [data-body]", "items => items.map(item => item.textContent)"
    )


def seqs(page) -> list[int]:
    return page.eval_on_selector_all(
        "[data-messages] li", "items => items.map(item => Number(item.dataset.seq))"
    )


def wait_for_count(page, count: int) -> None:
    page.wait_for_selector(f"[data-messages] li:nth-child({count})", timeout=15000)


def test_two_people_chat_and_an_offline_one_catches_up(alice, bob, served, browser):
    room = in_thread(lambda: make_room(make_study(alice, bob), alice))
    room_url = in_thread(room.get_absolute_url)
    server = served()
    alice_context, alice_page, alice_errors = open_room(browser, server, "alice", room_url)
    link = Link()
    bob_context, bob_page, bob_errors = open_room(browser, server, "bob", room_url, link)

    alice_page.wait_for_selector("[data-online] li:has-text('Bob')")
    send(alice_page, "hi @bob, <b>not bold</b>")
    wait_for_count(bob_page, 1)
    assert bodies(bob_page) == ["hi @bob, <b>not bold</b>"]
    assert bob_page.inner_text("[data-messages] [data-mention]") == "@bob"
    assert bob_page.locator("[data-messages] b").count() == 0

    bob_page.fill("[data-composer] textarea", "typing…")
    alice_page.wait_for_selector("[data-typing]:has-text('Bob')")
    send(bob_page, "hello alice")
    wait_for_count(alice_page, 2)

    bob_context.set_offline(True)
    link.cut()
    bob_page.wait_for_selector("[data-chat-room]:not([data-socket=open])")
    for i in range(12):
        send(alice_page, f"while you were away {i}")
    wait_for_count(alice_page, 14)
    assert len(bodies(bob_page)) == 2

    link.offline = False
    bob_context.set_offline(False)
    wait_for_count(bob_page, 14)
    bob_page.wait_for_selector("[data-chat-room][data-socket=open]")
    bob_page.wait_for_timeout(500)
    expected = ["hi @bob, <b>not bold</b>", "hello alice"]
    expected += [f"while you were away {i}" for i in range(12)]
    assert bodies(bob_page) == expected
    assert seqs(bob_page) == list(range(1, 15))
    assert bodies(alice_page) == expected
    assert alice_errors == [] and bob_errors == []
    alice_context.close()
    bob_context.close()
