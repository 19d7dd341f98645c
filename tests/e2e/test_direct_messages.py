"""Alice messages Bob from their study's member list; Bob's badge updates live; Bob reads;
Alice sees "seen". The same flow also works with JavaScript off, from Bob's profile.
"""

import pytest

from accounts.services import user_create
from tests.conftest import PASSWORD, in_thread, log_in
from tests.studies.conftest import join, make_study

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def make_user(username: str, display_name: str):
    return user_create(
        username=username,
        email=f"{username}@example.com",
        password=PASSWORD,
        display_name=display_name,
    )


def study_of(owner, member):
    study = make_study(owner)
    join(study, member)
    return study


def test_alice_messages_bob_who_reads_it_and_alice_sees_seen(served, browser):
    alice = in_thread(make_user, "alice", "Alice")
    bob = in_thread(make_user, "bob", "Bob")
    study = in_thread(study_of, bob, alice)
    server = served()
    # Predicates are functions: polling a string expression would need eval, which the CSP forbids.
    errors = []
    alice_context, bob_context = browser.new_context(), browser.new_context()
    alice_page, bob_page = alice_context.new_page(), bob_context.new_page()
    for page in (alice_page, bob_page):
        page.on("pageerror", lambda error: errors.append(str(error)))

    log_in(bob_page, server.url, "bob")
    bob_page.wait_for_function("() => document.body.dataset.messageSocket === 'open'")
    assert not bob_page.locator("[data-dm-badge]").is_visible()

    log_in(alice_page, server.url, "alice")
    alice_page.goto(f"{server.url}/studies/{study.pk}/")
    alice_page.click(f'[data-member-actions="{bob.pk}"] [data-message-button]')
    alice_page.wait_for_url(f"{server.url}/messages/*/")
    alice_page.wait_for_function("() => document.body.dataset.messageSocket === 'open'")
    alice_page.fill("[data-body-input]", "Are you coming on Thursday?")
    alice_page.click("[data-send]")
    mine = alice_page.locator("[data-messages] [data-mine]")
    mine.wait_for()
    assert mine.locator("[data-body]").inner_text() == "Are you coming on Thursday?"
    assert alice_page.locator("[data-body-input]").input_value() == ""
    assert not mine.locator("[data-seen-mark]").is_visible()

    # Bob's header badge changes without a reload.
    bob_page.wait_for_function(
        "() => document.querySelector('[data-dm-badge]').textContent === '1'"
    )
    assert bob_page.locator("[data-dm-badge]").is_visible()

    bob_page.click("[data-dm-link]")
    bob_page.click("[data-inbox] a")
    bob_page.wait_for_url(alice_page.url)
    theirs = bob_page.locator("[data-messages] [data-message-id]")
    assert theirs.locator("[data-body]").inner_text() == "Are you coming on Thursday?"
    bob_page.wait_for_function(
        "() => document.querySelector('[data-dm-badge]').textContent === '0'"
    )

    mine.locator("[data-seen-mark]").wait_for(state="visible")
    assert mine.locator("[data-seen-mark]").inner_text() == "Seen"

    # Bob answers with Enter; it appears live on Alice's open page.
    bob_page.fill("[data-body-input]", "Yes, see you at 8!")
    bob_page.keyboard.press("Enter")
    alice_page.locator("[data-messages] li:not([data-mine]) [data-body]").wait_for()
    assert (
        alice_page.locator("[data-messages] li:not([data-mine]) [data-body]").inner_text()
        == "Yes, see you at 8!"
    )

    # Alice deletes her message: both pages show a tombstone.
    mine.locator("[data-delete]").click()
    for page in (alice_page, bob_page):
        page.locator("[data-messages] li:has-text('This message was deleted.')").wait_for()
    assert "Are you coming on Thursday?" not in bob_page.locator("[data-messages]").inner_text()
    assert errors == []
    alice_context.close()
    bob_context.close()


def test_without_javascript_messages_are_sent_read_and_deleted_through_forms(served, browser):
    in_thread(make_user, "alice", "Alice")
    in_thread(make_user, "bob", "Bob")
    server = served()
    alice_context = browser.new_context(java_script_enabled=False)
    bob_context = browser.new_context(java_script_enabled=False)
    alice_page, bob_page = alice_context.new_page(), bob_context.new_page()

    log_in(alice_page, server.url, "alice")
    log_in(bob_page, server.url, "bob")

    alice_page.goto(f"{server.url}/u/bob/")
    alice_page.click("[data-message-button]")
    alice_page.fill("[data-body-input]", "Sent by a plain form")
    alice_page.click("[data-send]")
    alice_page.wait_for_url(f"{server.url}/messages/*/#latest")
    assert alice_page.locator("[data-mine] [data-body]").inner_text() == "Sent by a plain form"

    bob_page.reload()
    assert bob_page.locator("[data-dm-badge]").inner_text() == "1"
    bob_page.click("[data-dm-link]")
    bob_page.click("[data-inbox] a")
    bob_page.click("[data-mark-read-form] button")
    assert not bob_page.locator("[data-dm-badge]").is_visible()

    alice_page.reload()
    assert alice_page.locator("[data-mine] [data-seen-mark]").is_visible()
    alice_page.click("[data-mine] [data-delete]")
    bob_page.reload()
    assert "This message was deleted." in bob_page.locator("[data-messages]").inner_text()
    alice_context.close()
    bob_context.close()
