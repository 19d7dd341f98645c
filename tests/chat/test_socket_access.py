"""Who may open /ws/chat/<room_id>/, and how open sockets are closed when access ends."""

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import Client

from chat.consumers import ChatCloseCode
from chat.services import room_close
from studies.services import member_remove
from tests.chat.factories import make_room, make_study
from tests.chat.sockets import drain_presence, open_socket, path, receive_type
from tests.conftest import communicator, session_key_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def room(alice, bob):
    return make_room(make_study(alice, bob), bob)


async def assert_refused(socket, code):
    accepted, _ = await socket.connect()
    assert accepted
    assert await socket.receive_output(timeout=3) == {"type": "websocket.close", "code": code}
    assert await socket.receive_nothing() is True
    await socket.disconnect()


async def test_anonymous_is_refused_with_4401(room):
    await assert_refused(communicator(path(room)), 4401)


async def test_an_outsider_is_refused_with_4403(room, make_user):
    mallory = await database_sync_to_async(make_user)("mallory")
    key = await database_sync_to_async(session_key_for)(mallory)
    await assert_refused(communicator(path(room), key), 4403)


async def test_an_unknown_room_is_refused_with_4404(alice):
    key = await database_sync_to_async(session_key_for)(alice)
    await assert_refused(communicator("/ws/chat/999999/", key), 4404)


async def test_a_closed_room_is_refused_with_4410(room, alice):
    await database_sync_to_async(room_close)(room=room, by=alice)
    key = await database_sync_to_async(session_key_for)(alice)
    await assert_refused(communicator(path(room), key), ChatCloseCode.ROOM_CLOSED)


async def test_an_outsider_of_a_closed_room_still_gets_4403(room, alice, make_user):
    await database_sync_to_async(room_close)(room=room, by=alice)
    mallory = await database_sync_to_async(make_user)("mallory")
    key = await database_sync_to_async(session_key_for)(mallory)
    await assert_refused(communicator(path(room), key), 4403)


async def test_members_are_served(room, alice, bob):
    socket, state = await open_socket(alice, room)
    assert state["room_id"] == room.pk
    assert state["messages"] == []
    assert [user["username"] for user in state["online"]] == ["alice"]
    await socket.disconnect()


async def test_closing_a_room_sends_room_closed_then_4410(room, alice, bob):
    alices, _ = await open_socket(alice, room)
    bobs, _ = await open_socket(bob, room)
    await drain_presence(alices)
    await database_sync_to_async(room_close)(room=room, by=bob)
    for socket in (alices, bobs):
        assert await receive_type(socket, "room.closed") == {
            "type": "room.closed",
            "room_id": room.pk,
        }
        assert await socket.receive_output(timeout=2) == {
            "type": "websocket.close",
            "code": ChatCloseCode.ROOM_CLOSED,
        }
        await socket.disconnect()


async def test_a_removed_member_is_closed_with_4403_and_others_stay(room, alice, bob):
    alices, _ = await open_socket(alice, room)
    bobs, _ = await open_socket(bob, room)
    await drain_presence(alices)
    study = await database_sync_to_async(lambda: room.study)()
    await database_sync_to_async(member_remove)(study=study, user=bob, by=alice)
    assert await bobs.receive_output(timeout=2) == {"type": "websocket.close", "code": 4403}
    await bobs.disconnect()
    # Alice sees bob leave, and nothing else.
    assert [u["username"] for u in (await receive_type(alices, "chat.presence"))["online"]] == [
        "alice"
    ]
    assert await alices.receive_nothing() is True
    await alices.disconnect()


async def test_logging_out_closes_the_chat_socket_with_4401(room, alice):
    client = Client()
    await sync_to_async(client.force_login)(alice)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    socket = communicator(path(room), key)
    assert (await socket.connect())[0]
    assert (await socket.receive_json_from())["type"] == "chat.state"
    await sync_to_async(client.post)("/accounts/logout/")
    assert await socket.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}
    await socket.disconnect()
