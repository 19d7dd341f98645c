"""At most SOCKETS_PER_USER_MAX open sockets per user, over every endpoint and process."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from realtime.guard import slots
from tests.conftest import communicator, session_key_for
from tests.notifications.test_two_processes import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

STATES = {"notifications.state", "messages.state"}


class Clock:
    def __init__(self):
        self.now = 1_900_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture(autouse=True)
def cap(settings):
    settings.SOCKETS_PER_USER_MAX = 3
    settings.SOCKET_SLOT_TTL_S = 90


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(slots, "clock", clock)
    return clock


async def open_socket(key: str, path: str = "/ws/notifications/"):
    """Return (socket, close code or None when it was served)."""
    socket = communicator(path, key)
    accepted, _ = await socket.connect()
    assert accepted
    output = await socket.receive_output(timeout=3)
    if output["type"] == "websocket.close":
        return socket, output["code"]
    assert json.loads(output["text"])["type"] in STATES
    return socket, None


async def test_the_socket_over_the_cap_is_closed_with_4408_and_others_are_unaffected(alice, bob):
    alice_key = await database_sync_to_async(session_key_for)(alice)
    other_alice_key = await database_sync_to_async(session_key_for)(alice)
    bob_key = await database_sync_to_async(session_key_for)(bob)
    served = [
        await open_socket(alice_key),
        await open_socket(alice_key, "/ws/messages/"),
        await open_socket(other_alice_key),
    ]
    assert [code for _, code in served] == [None, None, None]
    # Over every endpoint and session of the user.
    for path, key in [("/ws/notifications/", alice_key), ("/ws/messages/", other_alice_key)]:
        socket, code = await open_socket(key, path)
        assert code == 4408
        await socket.disconnect()
    # The open ones are untouched, and another user is not affected.
    for socket, _ in served:
        assert await socket.receive_nothing() is True
    bob_socket, code = await open_socket(bob_key)
    assert code is None
    # Closing a socket frees its slot.
    await served[0][0].disconnect()
    again, code = await open_socket(alice_key)
    assert code is None
    for socket in [again, bob_socket, served[1][0], served[2][0]]:
        await socket.disconnect()
    assert await database_sync_to_async(slots.count)(alice.pk) == 0


async def test_a_refused_socket_holds_no_slot(alice):
    key = await database_sync_to_async(session_key_for)(alice)
    for _ in range(5):
        socket, code = await open_socket(key, "/ws/chat/999999/")
        assert code == 4404
        await socket.disconnect()
    assert await database_sync_to_async(slots.count)(alice.pk) == 0


async def test_slots_of_a_crashed_process_expire_and_live_ones_are_refreshed(alice, clock):
    # Three slots taken by a process that then died without releasing them.
    for number in range(3):
        assert slots.claim(alice.pk, f"crashed-process!{number}")
    key = await database_sync_to_async(session_key_for)(alice)
    socket, code = await open_socket(key)
    assert code == 4408
    await socket.disconnect()
    clock.now += 60
    # A live socket's heartbeat refreshes its slot (here the first of the three).
    assert slots.claim(alice.pk, "crashed-process!0")
    clock.now += 31  # 91 s after the crash: two slots expired, the refreshed one has not
    assert slots.count(alice.pk) == 1
    first, code = await open_socket(key)
    assert code is None
    second, code = await open_socket(key)
    assert code is None
    third, code = await open_socket(key)
    assert code == 4408
    for socket in (first, second, third):
        await socket.disconnect()


def test_the_cap_counts_sockets_on_every_process(served, alice, monkeypatch):
    monkeypatch.setenv("SOCKETS_PER_USER_MAX", "3")
    server = served()
    cookie = session_cookie(alice)
    key = cookie.partition("=")[2]

    async def scenario():
        url = f"ws://127.0.0.1:{server.port}/ws/notifications/"
        origin = f"http://127.0.0.1:{server.port}"
        sockets = [
            await connect(url, origin=origin, additional_headers={"Cookie": cookie})
            for _ in range(2)
        ]
        for socket in sockets:
            assert json.loads(await socket.recv())["type"] == "notifications.state"
        # The third socket, on this test's own process, is served; a fourth anywhere is not.
        local, code = await open_socket(key)
        assert code is None
        extra = await connect(url, origin=origin, additional_headers={"Cookie": cookie})
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(extra.recv(), 5)
        assert extra.close_code == 4408
        local_extra, code = await open_socket(key)
        assert code == 4408
        for socket in sockets:
            await socket.close()
        await local.disconnect()
        await local_extra.disconnect()

    asyncio.run(scenario())


def test_the_embedded_default_counts_slots_in_the_process(settings, clock):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [slots.claim(7, f"socket-{n}") for n in range(4)] == [True, True, True, False]
    assert slots.claim(8, "other-user")
    assert slots.claim(7, "socket-0")  # a refresh of a held slot
    slots.release(7, "socket-1")
    assert slots.claim(7, "socket-3")
    clock.now += 91
    assert slots.count(7) == 0
    assert [slots.claim(7, f"socket-{n}") for n in range(4, 8)] == [True, True, True, False]
