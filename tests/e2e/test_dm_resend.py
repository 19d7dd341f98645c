"""The conversation page sends a message again, under the same client id, when the connection
drops before the server answered; the message is stored and shown once."""

import json

import pytest

from messaging.models import Message
from tests.conftest import in_thread, log_in
from tests.e2e.test_direct_messages import make_user, study_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_send_lost_with_the_connection_is_sent_again_and_stored_once(served, browser):
    alice = in_thread(make_user, "alice", "Alice")
    bob = in_thread(make_user, "bob", "Bob")
    study = in_thread(study_of, bob, alice)
    server = served()
    page = browser.new_context().new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, server.url, "alice")
    page.goto(f"{server.url}/studies/{study.pk}/")
    page.click(f'[data-member-actions="{bob.pk}"] [data-message-button]')
    page.wait_for_url(f"{server.url}/messages/*/")

    sends = []

    def between_page_and_server(ws):
        server_side = ws.connect_to_server()

        def from_page(message):
            frame = json.loads(message)
            if frame["type"] == "send":
                sends.append(frame["client_id"])
                if len(sends) == 1:
                    # The connection drops with the first send on it, before the server has it.
                    ws.close()
                    return
            server_side.send(message)

        ws.on_message(from_page)

    page.route_web_socket("**/ws/messages/", between_page_and_server)
    page.reload()
    page.wait_for_function("() => document.body.dataset.messageSocket === 'open'")
    page.fill("[data-body-input]", "Sent through a flaky network")
    page.click("[data-send]")

    mine = page.locator("[data-messages] [data-mine]")
    mine.wait_for()
    assert mine.count() == 1
    assert mine.locator("[data-body]").inner_text() == "Sent through a flaky network"
    assert len(sends) == 2 and sends[0] == sends[1]
    stored = in_thread(lambda: list(Message.objects.values_list("body", "client_id")))
    assert stored == [("Sent through a flaky network", sends[0])]
    assert errors == []
