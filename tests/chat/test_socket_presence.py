"""Presence (who is in the room, self-healing) and typing indicators."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from chat.models import Presence
from chat.selectors import online_users
from tests.chat.factories import make_room, make_study
from tests.chat.sockets import drain_presence, open_socket, receive_type

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def room(alice, bob):
    return make_room(make_study(alice, bob), bob)


def usernames(frame) -> list[str]:
    return [user["username"] for user in frame["online"]]


async def test_presence_follows_sockets_joining_and_leaving(room, alice, bob):
    alices, state = await open_socket(alice, room)
    assert usernames(state) == ["alice"]
    bobs, state = await open_socket(bob, room)
    assert usernames(state) == ["alice", "bob"]
    assert usernames(await receive_type(alices, "chat.presence")) == ["alice", "bob"]
    # A second tab of bob's changes nobody's list.
    bobs_tab, _ = await open_socket(bob, room)
    assert await alices.receive_nothing(timeout=0.3) is True
    await bobs_tab.disconnect()
    assert await alices.receive_nothing(timeout=0.3) is True
    await bobs.disconnect()
    assert usernames(await receive_type(alices, "chat.presence")) == ["alice"]
    await alices.disconnect()
    assert await database_sync_to_async(online_users)(room_id=room.pk) == []


@database_sync_to_async
def ghost(room, user, expires_in: float) -> Presence:
    return Presence.objects.create(
        room=room,
        user=user,
        channel_name="specific.crashed-process!abc",
        expires_at=timezone.now() + timedelta(seconds=expires_in),
    )


async def test_a_crashed_process_leaves_no_ghost(room, alice, bob, settings):
    settings.CHAT_PRESENCE_REFRESH_S = 0.5
    # Bob's socket lived in a process that died: its row is never refreshed again.
    await ghost(room, bob, expires_in=1)
    socket, state = await open_socket(alice, room)
    assert usernames(state) == ["alice", "bob"]
    frame = await receive_type(socket, "chat.presence", timeout=4)
    assert usernames(frame) == ["alice"]
    assert not await database_sync_to_async(Presence.objects.filter(user=bob).exists)()
    await socket.disconnect()


async def test_a_live_socket_keeps_its_presence_by_refreshing(room, alice, settings):
    settings.CHAT_PRESENCE_REFRESH_S = 0.3
    settings.CHAT_PRESENCE_TTL_S = 1
    socket, _ = await open_socket(alice, room)
    assert await socket.receive_nothing(timeout=2) is True
    assert usernames({"online": await database_sync_to_async(online_users)(room_id=room.pk)}) == [
        "alice"
    ]
    await socket.disconnect()


async def test_typing_reaches_others_throttled_and_is_not_stored(room, alice, bob):
    alices, state = await open_socket(alice, room)
    bobs, _ = await open_socket(bob, room)
    await drain_presence(alices)
    for _ in range(3):
        await alices.send_json_to({"type": "typing"})
    frame = await receive_type(bobs, "chat.typing")
    assert frame == {
        "type": "chat.typing",
        "user": {"id": alice.pk, "username": "alice", "name": "Alice"},
        "expires_in": 6,
    }
    # Throttled to one per 3 s, and never echoed to the typist.
    assert await bobs.receive_nothing(timeout=0.5) is True
    assert await alices.receive_nothing(timeout=0.1) is True
    await alices.disconnect()
    await bobs.disconnect()
