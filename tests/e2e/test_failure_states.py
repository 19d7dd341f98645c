"""What a live page says when things go wrong: every refusal close code, dropped connections,
messages sent offline or refused, and lists that stay true (typing, presence, requests)."""

import re

import pytest
from playwright.sync_api import expect

from chat.services import room_close
from messaging.services import message_send
from studies.services import (
    join_request_create,
    join_request_withdraw,
    member_remove,
    study_delete,
)
from tests.chat.factories import make_room, make_study
from tests.conftest import CHROMIUM_ARGS, in_thread, log_in
from tests.e2e.artefacts import SCREENS
from tests.e2e.links import Link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_page(browser, server, username, path, *, link=None, link_path=r"/ws/chat/"):
    context = browser.new_context()
    page = context.new_page()
    if link is not None:
        page.route_web_socket(re.compile(link_path), link.route)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, server.url, username)
    page.goto(server.url + path)
    return page, errors


def open_room(browser, server, username, room, link=None):
    page, errors = open_page(browser, server, username, f"/chat/rooms/{room.pk}/", link=link)
    page.wait_for_selector("[data-chat-room][data-socket=open]")
    return page, errors


def send(page, body: str) -> None:
    page.fill("[data-composer] textarea", body)
    page.press("[data-composer] textarea", "Enter")


def bodies(page) -> list[str]:
    return page.eval_on_selector_all(
        "[data-messages] li [data-body]", "items => items.map(item => item.textContent)"
    )


def badge_colour(page) -> str:
    return page.eval_on_selector("[data-chat-state]", "el => getComputedStyle(el).backgroundColor")


@pytest.fixture
def room_world(alice, bob):
    def build():
        study = make_study(alice, bob)
        return study, make_room(study, alice)

    return in_thread(build)


def log_out_elsewhere(page, server) -> None:
    """Log out from another tab of the same browser (the same session)."""
    other = page.context.new_page()
    other.goto(server.url + "/")
    other.click("header form button[type=submit]")


def assert_refused(page, code: int, text: str, link: str) -> None:
    box = page.locator(f"[data-refusal-box][data-refusal='{code}']")
    expect(box).to_be_visible(timeout=15000)
    expect(box).to_contain_text(text)
    assert box.locator("a").get_attribute("href") == link
    assert box.get_attribute("role") == "alert"
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"refused-{code}.png"), full_page=True)


@pytest.mark.parametrize("cause", ["removed", "deleted", "closed", "logged_out"])
def test_each_refusal_turns_the_chat_into_a_clear_state(
    alice, bob, room_world, served, browser, cause
):
    study, room = room_world
    server = served()
    page, errors = open_room(browser, server, "bob", room)
    study_url = f"/studies/{study.pk}/"
    if cause == "removed":
        in_thread(member_remove, study=study, user=bob, by=alice)
        assert_refused(page, 4403, "no longer a member", study_url)
    elif cause == "deleted":
        in_thread(study_delete, study=study, by=alice)
        assert_refused(page, 4404, "was deleted", "/studies/mine/")
    elif cause == "closed":
        in_thread(room_close, room=room, by=alice)
        assert_refused(page, 4410, "room was closed", f"/chat/rooms/{room.pk}/")
    else:
        log_out_elsewhere(page, server)
        assert_refused(page, 4401, "logged out", f"/accounts/login/?next=/chat/rooms/{room.pk}/")
    expect(page.locator("[data-composer] textarea")).to_be_disabled()
    expect(page.locator("[data-composer] button")).to_be_disabled()
    expect(page.locator("[data-chat-state]")).to_have_text("Disconnected")
    assert errors == []


def test_a_message_sent_offline_waits_and_goes_out_once_when_back(room_world, served, browser):
    _study, room = room_world
    server = served()
    alice_page, _ = open_room(browser, server, "alice", room)
    link = Link()
    bob_page, errors = open_room(browser, server, "bob", room, link)
    live = badge_colour(bob_page)
    bob_page.wait_for_selector("[data-online] li:has-text('Alice')")

    link.cut()
    bob_page.wait_for_selector("[data-chat-room][data-socket=waiting]")
    expect(bob_page.locator("[data-chat-state]")).to_have_text("Reconnecting…")
    assert badge_colour(bob_page) != live
    # Who is online is unknown while disconnected.
    expect(bob_page.locator("[data-online] li")).to_have_count(0)

    bob_page.fill("[data-composer] textarea", "a draft kept across a reload")
    bob_page.reload()
    bob_page.wait_for_selector("[data-chat-room][data-socket]")
    assert bob_page.input_value("[data-composer] textarea") == "a draft kept across a reload"

    send(bob_page, "written while offline")
    pending = bob_page.locator("[data-pending] li")
    expect(pending).to_have_count(1)
    expect(pending).to_contain_text("written while offline")
    expect(pending).to_contain_text("Waiting for the connection…")
    assert bob_page.input_value("[data-composer] textarea") == ""

    link.offline = False
    bob_page.wait_for_selector("[data-chat-room][data-socket=open]", timeout=30000)
    expect(bob_page.locator("[data-chat-state]")).to_have_text("Live")
    expect(pending).to_have_count(0)
    expect(bob_page.locator("[data-messages] li")).to_have_count(1)
    assert bodies(bob_page) == ["written while offline"]
    expect(alice_page.locator("[data-messages] li")).to_have_count(1)
    assert bodies(alice_page) == ["written while offline"]
    bob_page.wait_for_selector("[data-online] li:has-text('Alice')")
    assert errors == []


def test_a_flood_refused_message_stays_with_its_reason_and_a_retry(
    room_world, served, browser, monkeypatch
):
    monkeypatch.setenv("CHAT_FLOOD_LIMIT", "2")
    _study, room = room_world
    server = served()
    page, errors = open_room(browser, server, "bob", room)
    for body in ("one", "two"):
        send(page, body)
    expect(page.locator("[data-messages] li")).to_have_count(2)
    send(page, "three is too many")
    refused = page.locator("[data-pending] li[data-refused=rate_limited]")
    expect(refused).to_contain_text("three is too many")
    expect(refused).to_contain_text("too many messages")
    expect(refused.locator("[data-action=retry]")).to_be_visible()
    assert bodies(page) == ["one", "two"]
    refused.locator("[data-action=discard]").click()
    expect(refused).to_have_count(0)
    assert errors == []


def test_typing_ends_when_the_typists_message_arrives(room_world, served, browser):
    _study, room = room_world
    server = served()
    alice_page, _ = open_room(browser, server, "alice", room)
    bob_page, errors = open_room(browser, server, "bob", room)
    bob_page.fill("[data-composer] textarea", "hello")
    expect(alice_page.locator("[data-typing]")).to_have_text("Bob is typing…")
    bob_page.press("[data-composer] textarea", "Enter")
    # Shown in the same step as the message, not after the typing indicator expires.
    alice_page.wait_for_selector("[data-messages] li")
    assert alice_page.inner_text("[data-typing]") == ""
    assert errors == []


def test_chat_is_usable_with_the_keyboard_only(room_world, served, browser):
    _study, room = room_world
    server = served()
    page, errors = open_room(browser, server, "bob", room)
    page.focus("[data-composer] textarea")
    page.keyboard.type("sent with Enter")
    page.keyboard.press("Enter")
    expect(page.locator("[data-messages] li")).to_have_count(1)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Send"
    assert errors == []


def test_a_direct_message_sent_offline_waits_and_goes_out_when_back(alice, bob, served, browser):
    conversation_id = in_thread(
        lambda: (
            message_send(sender=alice, recipient_id=bob.pk, body="hi", client_id="a1")[
                0
            ].conversation_id
        )
    )
    server = served()
    link = Link()
    page, errors = open_page(
        browser,
        server,
        "bob",
        f"/messages/{conversation_id}/",
        link=link,
        link_path=r"/ws/messages/",
    )
    page.wait_for_selector("[data-conversation][data-socket=open]")
    link.cut()
    page.wait_for_selector("[data-conversation][data-socket=waiting]")
    expect(page.locator("[data-dm-state]")).to_have_text("Reconnecting…")
    page.fill("[data-body-input]", "offline reply")
    page.press("[data-body-input]", "Enter")
    pending = page.locator("[data-pending] li")
    expect(pending).to_contain_text("offline reply")
    expect(pending).to_contain_text("Waiting for the connection…")
    link.offline = False
    page.wait_for_selector("[data-conversation][data-socket=open]", timeout=30000)
    expect(pending).to_have_count(0)
    expect(page.locator("[data-messages] [data-mine] [data-body]")).to_have_text(["offline reply"])
    assert errors == []


def test_a_logged_out_conversation_disables_its_composer(alice, bob, served, browser):
    conversation_id = in_thread(
        lambda: (
            message_send(sender=alice, recipient_id=bob.pk, body="hi", client_id="a1")[
                0
            ].conversation_id
        )
    )
    server = served()
    page, errors = open_page(browser, server, "bob", f"/messages/{conversation_id}/")
    page.wait_for_selector("[data-conversation][data-socket=open]")
    log_out_elsewhere(page, server)
    assert_refused(page, 4401, "logged out", f"/accounts/login/?next=/messages/{conversation_id}/")
    expect(page.locator("[data-body-input]")).to_be_disabled()
    assert errors == []


def test_the_owners_request_and_member_lists_update_live(alice, bob, make_user, served, browser):
    carol = in_thread(make_user, "carol", display_name="Carol")
    study = in_thread(make_study, alice)
    server = served()
    page, errors = open_page(browser, server, "alice", f"/studies/{study.pk}/")
    page.wait_for_function("() => document.body.dataset.notificationSocket === 'open'")
    expect(page.locator("[data-request]")).to_have_count(0)

    join_request = in_thread(join_request_create, study=study, user=carol, message="Me too")
    expect(page.locator("[data-request]")).to_have_count(1)
    expect(page.locator("[data-request]")).to_contain_text("Me too")
    expect(page.locator("[data-live-text=no-requests]")).to_be_hidden()
    page.fill("[data-request] input[name=note]", "half-typed note")

    other = in_thread(join_request_create, study=study, user=bob)
    expect(page.locator("[data-request]")).to_have_count(2)
    # The note being typed survives the update.
    assert page.input_value(f"#note-{join_request.pk}") == "half-typed note"

    in_thread(join_request_withdraw, join_request=other, by=bob)
    expect(page.locator("[data-request]")).to_have_count(1)
    page.click(f"[data-request='{join_request.pk}'] button:has-text('Accept')")
    expect(page.locator("[data-member]")).to_have_count(2)
    assert errors == []


def test_the_members_list_updates_when_someone_leaves(alice, bob, served, browser):
    from studies.services import member_leave

    study = in_thread(make_study, alice, bob)
    server = served()
    page, errors = open_page(browser, server, "alice", f"/studies/{study.pk}/")
    page.wait_for_function("() => document.body.dataset.notificationSocket === 'open'")
    expect(page.locator("[data-member]")).to_have_count(2)
    in_thread(member_leave, study=study, user=bob)
    expect(page.locator("[data-member]")).to_have_count(1)
    expect(page.locator("[data-member-count]")).to_contain_text("1/10")
    assert errors == []


def test_the_dashboard_updates_live(alice, bob, served, browser):
    in_thread(make_study, alice, bob)
    server = served()
    page, errors = open_page(browser, server, "bob", "/")
    page.wait_for_function("() => document.body.dataset.messageSocket === 'open'")
    expect(page.locator("[data-dashboard-conversation]")).to_have_count(0)
    in_thread(message_send, sender=alice, recipient_id=bob.pk, body="hello", client_id="z1")
    expect(page.locator("[data-dashboard-conversation]")).to_contain_text("Alice")
    expect(page.locator("[data-dm-label]")).to_have_text("Messages, 1 unread")
    assert errors == []


@pytest.fixture
def media_browser():
    from playwright.sync_api import sync_playwright

    args = CHROMIUM_ARGS + ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=args
        )
        yield chromium
        chromium.close()


def test_a_full_call_says_so_and_the_only_one_there_is_told_plainly(
    alice, bob, served, media_browser, monkeypatch
):
    monkeypatch.setenv("RTC_MAX_PARTICIPANTS", "1")
    study = in_thread(make_study, alice, bob)
    server = served()
    pages = []
    for username in ("alice", "bob"):
        context = media_browser.new_context(permissions=["camera", "microphone"])
        page = context.new_page()
        log_in(page, server.url, username)
        page.goto(f"{server.url}/studies/{study.pk}/call/")
        pages.append(page)
        if username == "alice":
            expect(page.locator("[data-call-status]")).to_have_text(
                "You are the only one here. Others will appear as they join."
            )
    alice_page, bob_page = pages
    assert_refused(bob_page, 4429, "The call is full", f"/studies/{study.pk}/")
    expect(bob_page.locator("[data-action=mic]")).to_be_disabled()
    expect(bob_page.locator("[data-action=leave]")).to_be_enabled()
    # The call's controls work from the keyboard.
    alice_page.focus("[data-action=mic]")
    alice_page.keyboard.press("Space")
    expect(alice_page.locator("[data-action=mic]")).to_have_attribute("aria-pressed", "false")
