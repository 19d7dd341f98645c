"""Logging out closes /ws/messages/ and forgets the conversation page it had open."""

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.test import Client

from messaging import presence
from messaging.services import conversation_get_or_create
from tests.conftest import communicator

pytestmark = pytest.mark.django_db(transaction=True)


def logged_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


async def test_logout_closes_the_socket_and_clears_its_open_page(alice, bob):
    conversation = await sync_to_async(conversation_get_or_create)(user=alice, other=bob)
    browser = await sync_to_async(logged_in_client)(alice)
    socket = communicator("/ws/messages/", browser.cookies[settings.SESSION_COOKIE_NAME].value)
    assert (await socket.connect())[0]
    assert (await socket.receive_json_from())["type"] == "messages.state"
    await socket.send_json_to({"type": "focus", "conversation": conversation.pk})
    assert await socket.receive_nothing(timeout=0.3) is True
    assert await sync_to_async(presence.conversation_is_open)(
        user_id=alice.pk, conversation_id=conversation.pk
    )

    await sync_to_async(browser.post)("/accounts/logout/")
    assert await socket.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}
    await socket.disconnect()
    assert not await sync_to_async(presence.conversation_is_open)(
        user_id=alice.pk, conversation_id=conversation.pk
    )


@pytest.mark.parametrize("value", ["7", 0, -1, True, [1]])
async def test_focus_needs_a_conversation_id(alice, value):
    browser = await sync_to_async(logged_in_client)(alice)
    socket = communicator("/ws/messages/", browser.cookies[settings.SESSION_COOKIE_NAME].value)
    assert (await socket.connect())[0]
    await socket.receive_json_from()
    await socket.send_json_to({"type": "focus", "conversation": value})
    assert (await socket.receive_json_from())["code"] == "bad_frame"
    await socket.disconnect()
