"""Two server processes sharing PostgreSQL and Redis: tabs of one user on different processes
agree on unread counts and "seen", and a third user hears nothing."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from websockets.asyncio.client import connect

from tests.conftest import session_key_for

pytestmark = pytest.mark.django_db(transaction=True)


def open_socket(server, session_key):
    return connect(
        f"ws://127.0.0.1:{server.port}/ws/messages/",
        origin=server.url,
        additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}"},
    )


async def next_frame(socket, timeout: float = 5) -> dict:
    return json.loads(await asyncio.wait_for(socket.recv(), timeout))


async def receives_nothing(socket, timeout: float = 0.5) -> bool:
    try:
        await asyncio.wait_for(socket.recv(), timeout)
    except TimeoutError:
        return True
    return False


async def test_unread_and_seen_agree_across_tabs_on_two_processes(served, alice, bob, make_user):
    carol = await database_sync_to_async(make_user)("carol")
    first, second = served(), served()
    keys = {
        user.username: await database_sync_to_async(session_key_for)(user)
        for user in (alice, bob, carol)
    }
    async with (
        open_socket(first, keys["alice"]) as alice_socket,
        open_socket(first, keys["bob"]) as bob_here,
        open_socket(second, keys["bob"]) as bob_there,
        open_socket(second, keys["carol"]) as carol_socket,
    ):
        for socket in (alice_socket, bob_here, bob_there, carol_socket):
            assert await next_frame(socket) == {"type": "messages.state", "unread": 0}

        await alice_socket.send(
            json.dumps({"type": "send", "to": bob.pk, "body": "across", "client_id": "x1"})
        )
        alice_frames = [await next_frame(alice_socket) for _ in range(2)]
        assert {frame["type"] for frame in alice_frames} == {"message.sent", "message.new"}
        message = alice_frames[0]["message"]
        for tab in (bob_here, bob_there):
            frame = await next_frame(tab)
            assert frame == {"type": "message.new", "message": message, "unread": 1}

        await bob_there.send(
            json.dumps(
                {
                    "type": "mark_read",
                    "conversation": message["conversation"],
                    "up_to": message["id"],
                }
            )
        )
        for tab in (bob_here, bob_there):
            assert await next_frame(tab) == {
                "type": "conversation.read",
                "conversation": message["conversation"],
                "up_to": message["id"],
                "unread": 0,
            }
        assert await next_frame(alice_socket) == {
            "type": "conversation.seen",
            "conversation": message["conversation"],
            "up_to": message["id"],
        }
        assert await receives_nothing(carol_socket) is True
        assert await receives_nothing(alice_socket, 0.2) is True
