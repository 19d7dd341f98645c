"""/ws/notifications/ through the full ASGI stack (origin check, sessions, routing)."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer

from notifications.models import Kind, Notification
from notifications.selectors import unread_count_for
from notifications.services import notification_mark_read, notifications_mark_all_read, notify
from realtime.consumers import CloseCode
from realtime.groups import user_group
from tests.conftest import communicator, session_key_for

pytestmark = pytest.mark.django_db(transaction=True)

PATH = "/ws/notifications/"


async def connected(user):
    socket = communicator(PATH, await database_sync_to_async(session_key_for)(user))
    accepted, _ = await socket.connect()
    assert accepted
    state = await socket.receive_json_from()
    assert state["type"] == "notifications.state"
    return socket, state


def notify_one(user, text="Hello"):
    return notify(users=[user], kind=Kind.ANNOUNCEMENT, text=text, url="/notifications/")[0]


async def test_anonymous_socket_is_refused_with_4401():
    socket = communicator(PATH)
    accepted, _ = await socket.connect()
    assert accepted
    assert await socket.receive_output() == {"type": "websocket.close", "code": 4401}
    await socket.disconnect()


async def test_foreign_origin_is_refused(alice):
    key = await database_sync_to_async(session_key_for)(alice)
    socket = communicator(PATH, key, origin="https://evil.example")
    accepted, _ = await socket.connect()
    assert not accepted
    await socket.disconnect()


async def test_unknown_path_closes_with_4404(alice):
    socket = communicator("/ws/nothing-here/", await database_sync_to_async(session_key_for)(alice))
    accepted, _ = await socket.connect()
    assert accepted
    assert await socket.receive_output() == {"type": "websocket.close", "code": 4404}
    await socket.disconnect()


@database_sync_to_async
def unread_texts(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user, read_at__isnull=True).values_list(
            "text", flat=True
        )
    )


@database_sync_to_async
def mark_everything_read(user) -> None:
    notifications_mark_all_read(user=user)


async def test_connect_replays_unread_items_and_count(alice):
    await mark_everything_read(alice)  # the welcome notification
    await database_sync_to_async(notify_one)(alice, "first")
    await database_sync_to_async(notify_one)(alice, "second")
    read = await database_sync_to_async(notify_one)(alice, "already read")
    await database_sync_to_async(notification_mark_read)(user=alice, notification_id=read.pk)

    socket, state = await connected(alice)
    assert state["unread"] == 2
    assert [item["text"] for item in state["items"]] == ["second", "first"]
    assert all(item["read"] is False for item in state["items"])
    await socket.disconnect()


async def test_notification_reaches_its_recipient_and_nobody_else(alice, bob):
    await mark_everything_read(alice)
    alice_socket, _ = await connected(alice)
    bob_socket, _ = await connected(bob)

    await database_sync_to_async(notify_one)(alice, "for alice only")

    frame = await alice_socket.receive_json_from(timeout=2)
    assert frame["type"] == "notification.new"
    assert frame["notification"]["text"] == "for alice only"
    assert frame["unread"] == 1
    assert await bob_socket.receive_nothing(timeout=0.5) is True
    await alice_socket.disconnect()
    await bob_socket.disconnect()


async def test_mark_read_updates_count_on_every_socket_of_the_user(alice):
    await mark_everything_read(alice)
    first = await database_sync_to_async(notify_one)(alice, "one")
    await database_sync_to_async(notify_one)(alice, "two")
    socket, state = await connected(alice)
    other_tab, _ = await connected(alice)
    assert state["unread"] == 2

    await socket.send_json_to({"type": "mark_read", "id": first.pk})
    for tab in (socket, other_tab):
        frame = await tab.receive_json_from(timeout=2)
        assert frame == {"type": "notifications.read", "ids": [first.pk], "all": False, "unread": 1}
    assert await unread_texts(alice) == ["two"]

    await socket.send_json_to({"type": "mark_all_read"})
    frame = await other_tab.receive_json_from(timeout=2)
    assert frame == {"type": "notifications.read", "ids": [], "all": True, "unread": 0}
    await socket.disconnect()
    await other_tab.disconnect()


async def test_marking_someone_elses_notification_is_not_found(alice, bob):
    bobs = await database_sync_to_async(notify_one)(bob, "private to bob")
    socket, _ = await connected(alice)
    await socket.send_json_to({"type": "mark_read", "id": bobs.pk, "ref": "r1"})
    assert await socket.receive_json_from() == {
        "type": "error",
        "code": "not_found",
        "detail": "No such notification.",
        "ref": "r1",
    }
    assert "private to bob" in await unread_texts(bob)
    await socket.disconnect()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "bad_json"),
        # Nested deeper than Python's recursion limit, well under the size limit.
        ("[" * 2000 + "]" * 2000, "bad_json"),
        ('{"type": "mark_read", "x": ' + "[" * 5000 + "]" * 5000 + "}", "bad_json"),
        ('["a list"]', "bad_frame"),
        ('{"no": "type"}', "bad_frame"),
        ('{"type": "create_notification"}', "unknown_type"),
        ('{"type": "mark_read", "id": "7"}', "bad_frame"),
        ('{"type": "mark_read", "id": true}', "bad_frame"),
        ('{"type": "mark_read", "pad": "' + "x" * 17000 + '"}', "frame_too_large"),
    ],
)
async def test_bad_frames_get_an_error_frame_and_the_socket_survives(alice, raw, code):
    socket, _ = await connected(alice)
    await socket.send_to(text_data=raw)
    frame = await socket.receive_json_from()
    assert frame["type"] == "error"
    assert frame["code"] == code
    await database_sync_to_async(notify_one)(alice, "still listening")
    assert (await socket.receive_json_from(timeout=2))["type"] == "notification.new"
    await socket.disconnect()


async def test_binary_frames_are_refused_with_an_error(alice):
    socket, _ = await connected(alice)
    await socket.send_to(bytes_data=b"\x00\x01")
    assert (await socket.receive_json_from())["code"] == "bad_frame"
    await socket.disconnect()


async def test_a_client_that_keeps_sending_bad_frames_is_closed_with_4400(alice):
    socket, _ = await connected(alice)
    for _ in range(10):
        await socket.send_to(text_data="garbage")
        assert (await socket.receive_json_from())["code"] == "bad_json"
    await socket.send_to(text_data="garbage")
    assert await socket.receive_output() == {"type": "websocket.close", "code": CloseCode.BAD_FRAME}
    await socket.disconnect()


class RejoinWatchingLayer(InMemoryChannelLayer):
    """The in-memory layer, telling a test when a channel joins the `watching` group again."""

    watching: str | None = None

    async def group_add(self, group, channel):
        await super().group_add(group, channel)
        if group == self.watching:
            self.rejoined.set()


@pytest.mark.embedded
async def test_open_sockets_rejoin_their_groups_before_the_layer_expires_them(alice, settings):
    # Groups expire in the embedded default's in-memory layer (and the classic Redis layer); the
    # served pub/sub layer keeps them as long as the socket lives.
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": f"{__name__}.RejoinWatchingLayer",
            "CONFIG": {"group_expiry": 1},
        }
    }
    socket, _ = await connected(alice)
    layer = get_channel_layer()
    group = user_group(alice.pk)
    # Joined long ago: past the expiry, the socket drops out of `user.<id>` unless it rejoins.
    layer.groups[group] = dict.fromkeys(layer.groups[group], 1.0)
    layer.rejoined, layer.watching = asyncio.Event(), group
    await asyncio.wait_for(layer.rejoined.wait(), timeout=5)
    await mark_everything_read(alice)
    assert (await socket.receive_json_from(timeout=2))["type"] == "notifications.read"
    await socket.disconnect()


async def test_resume_returns_what_came_after_an_id_oldest_first(alice, bob, settings):
    first = await database_sync_to_async(notify_one)(alice, "one")
    socket, state = await connected(alice)
    assert state["latest_id"] == first.pk
    # While this client was away: two for alice, one for bob.
    second = await database_sync_to_async(notify_one)(alice, "two")
    await database_sync_to_async(notify_one)(bob, "for bob")
    third = await database_sync_to_async(notify_one)(alice, "three")
    while not await socket.receive_nothing(timeout=0.2):
        assert (await socket.receive_json_from())["type"] == "notification.new"

    await socket.send_json_to({"type": "resume", "after": first.pk})
    frame = await socket.receive_json_from()
    assert frame["type"] == "notifications.resume"
    # Alice's own, oldest first; those up to `first` (the welcome too) came shortly before it
    # and are sent again in case one committed late (tests/realtime/test_resume_commit_order.py).
    welcome = await database_sync_to_async(
        lambda: Notification.objects.get(recipient=alice, kind=Kind.WELCOME).pk
    )()
    assert [n["id"] for n in frame["notifications"]] == [welcome, first.pk, second.pk, third.pk]
    assert (frame["after"], frame["more"]) == (first.pk, False)
    assert frame["unread"] == await database_sync_to_async(unread_count_for)(alice)

    settings.NOTIFICATIONS_RESUME_LIMIT = 1
    await socket.send_json_to({"type": "resume", "after": 0})
    frame = await socket.receive_json_from()
    assert len(frame["notifications"]) == 1
    assert frame["notifications"][0]["id"] <= first.pk
    assert frame["more"] is True
    await socket.disconnect()


@pytest.mark.parametrize("after", [-1, "3", None, 2**63])
async def test_resume_needs_a_non_negative_id(alice, after):
    socket, _ = await connected(alice)
    await socket.send_json_to({"type": "resume", "after": after, "ref": "r"})
    frame = await socket.receive_json_from()
    assert (frame["type"], frame["code"], frame["ref"]) == ("error", "bad_frame", "r")
    await socket.disconnect()
