"""What every socket does when a handler fails or a service is down (realtime/consumers.py)."""

import asyncio
import logging

import pytest
import redis
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import OperationalError

from chat import services as chat_services
from chat.models import Presence
from realtime.consumers import CloseCode, CohortConsumer
from tests.chat.factories import make_room, make_study
from tests.chat.sockets import open_socket, receive_type
from tests.conftest import communicator, session_key_for

pytestmark = pytest.mark.django_db(transaction=True)


async def notifications_socket(user):
    socket = communicator("/ws/notifications/", await database_sync_to_async(session_key_for)(user))
    accepted, _ = await socket.connect()
    assert accepted
    assert (await socket.receive_json_from())["type"] == "notifications.state"
    return socket


@pytest.fixture
def room(alice, bob):
    return make_room(make_study(alice, bob), bob)


def usernames(frame) -> list[str]:
    return [user["username"] for user in frame["online"]]


@pytest.fixture
def socket_log():
    """Collect what the socket base logs (Django's logging setup may replace root handlers)."""
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("realtime.consumers")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


async def test_a_failing_handler_answers_internal_and_the_socket_stays(
    monkeypatch, alice, socket_log
):
    bug = RuntimeError("a bug")

    def broken(user):
        raise bug

    monkeypatch.setattr("notifications.consumers.notifications_mark_all_read", broken)
    socket = await notifications_socket(alice)
    await socket.send_json_to({"type": "mark_all_read", "ref": "r1"})
    error = await socket.receive_json_from()
    assert (error["type"], error["code"], error["ref"]) == ("error", "internal", "r1")
    assert [record.exc_info[1] for record in socket_log] == [bug]

    await socket.send_json_to({"type": "mark_read", "id": "x"})
    assert (await socket.receive_json_from())["code"] == "bad_frame"
    await socket.disconnect()


@pytest.mark.parametrize(
    "failure",
    [OperationalError("server closed the connection"), redis.ConnectionError("refused")],
)
async def test_a_service_down_answers_unavailable_with_retry_after(monkeypatch, alice, failure):
    def down(user):
        raise failure

    monkeypatch.setattr("notifications.consumers.notifications_mark_all_read", down)
    socket = await notifications_socket(alice)
    for _ in range(CohortConsumer.max_bad_frames_in_a_row + 2):
        await socket.send_json_to({"type": "mark_all_read", "ref": "r2"})
        error = await socket.receive_json_from()
        assert (error["code"], error["ref"]) == ("unavailable", "r2")
        assert error["retry_after"] > 0
    # Not counted as bad frames: the socket is still open.
    assert await socket.receive_nothing(timeout=0.2) is True
    await socket.disconnect()


@pytest.mark.parametrize("step", ["new_channel", "group_add"])
async def test_a_handshake_while_redis_is_down_is_closed_to_be_retried(monkeypatch, alice, step):
    async def down(self, *args, **kwargs):
        raise redis.ConnectionError("Connection refused")

    monkeypatch.setattr(type(get_channel_layer()), step, down, raising=False)
    key = await database_sync_to_async(session_key_for)(alice)
    socket = communicator("/ws/notifications/", key)
    accepted, _ = await socket.connect()
    assert accepted
    close = await socket.receive_output()
    assert close == {"type": "websocket.close", "code": CloseCode.TRY_AGAIN_LATER}
    await socket.disconnect()


async def test_the_presence_heartbeat_survives_a_database_error(monkeypatch, settings, room, bob):
    settings.CHAT_PRESENCE_REFRESH_S = 0.05
    real_refresh = chat_services.presence_refresh
    calls = []
    refreshed_after_failure = asyncio.Event()
    loop = asyncio.get_running_loop()

    def flaky(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise OperationalError("terminating connection due to administrator command")
        loop.call_soon_threadsafe(refreshed_after_failure.set)
        return real_refresh(**kwargs)

    monkeypatch.setattr("chat.consumers._presence_refresh", database_sync_to_async(flaky))
    socket, _ = await open_socket(bob, room)
    await asyncio.wait_for(refreshed_after_failure.wait(), timeout=5)
    assert len(calls) >= 2
    await socket.disconnect()


async def test_disconnect_leaves_its_groups_even_when_leaving_presence_fails(
    monkeypatch, room, bob
):
    def down(**kwargs):
        raise OperationalError("the database is gone")

    socket, _ = await open_socket(bob, room)
    layer = get_channel_layer()
    assert any(layer.groups.values())
    monkeypatch.setattr("chat.consumers._presence_leave", database_sync_to_async(down))
    await socket.disconnect()
    assert not any(layer.groups.values())


async def test_a_crashed_socket_stops_its_tasks_and_leaves_presence(monkeypatch, room, alice, bob):
    started = []
    real_repeat = CohortConsumer.repeat

    def recording_repeat(self, interval_s, step):
        task = real_repeat(self, interval_s, step)
        started.append((self.user.username, task))
        return task

    async def broken(self, event):
        if event["user"]["id"] != self.user.pk:
            raise RuntimeError("a bug in an event handler")

    monkeypatch.setattr(CohortConsumer, "repeat", recording_repeat)
    alices, _ = await open_socket(alice, room)
    bobs, _ = await open_socket(bob, room)
    assert usernames(await receive_type(alices, "chat.presence")) == ["alice", "bob"]
    monkeypatch.setattr("chat.consumers.ChatConsumer.chat_typing", broken)

    await alices.send_json_to({"type": "typing"})
    with pytest.raises(RuntimeError):
        await bobs.receive_output(timeout=3)

    assert usernames(await receive_type(alices, "chat.presence")) == ["alice"]
    bobs_tasks = [task for name, task in started if name == "bob"]
    assert bobs_tasks and all(task.done() for task in bobs_tasks)
    assert not any(task.done() for name, task in started if name == "alice")
    assert await database_sync_to_async(
        lambda: sorted(Presence.objects.values_list("user__username", flat=True))
    )() == ["alice"]
    await alices.disconnect()
