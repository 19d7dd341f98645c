"""realtime.sender: after commit, isolated, retried, and never holding the database thread."""

import asyncio
import contextlib
import copy
import logging

import pytest
import redis
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import channel_layers, get_channel_layer
from django.db import transaction

from notifications.models import Kind, Notification
from notifications.services import notify
from realtime import sender
from realtime.groups import study_group, user_group
from realtime.sender import SERVER_SEND, ServingLoopMiddleware
from tests.conftest import communicator, session_key_for
from tests.realtime.layers import FaultyLayer
from tests.studies.conftest import client_for, join, make_study

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def faulty_layer(settings):
    """Serve this test's channel layer through FaultyLayer (on the same Redis)."""
    layers = copy.deepcopy(settings.CHANNEL_LAYERS)
    layers["default"]["BACKEND"] = "tests.realtime.layers.FaultyLayer"
    settings.CHANNEL_LAYERS = layers
    channel_layers.backends.clear()
    FaultyLayer.reset()
    yield FaultyLayer
    FaultyLayer.reset()


class Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def sender_log():
    """What realtime.sender logs, on a handler of its own: caplog's sits on the root logger,
    which Django sets up again when the first socket of a process loads the ASGI app."""
    handler = Records()
    logger = logging.getLogger("realtime.sender")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


async def listen(group: str) -> str:
    """Put a bare channel in the group, as a socket would be."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    return channel


async def receive(channel: str) -> dict:
    return await asyncio.wait_for(get_channel_layer().receive(channel), 5)


class RolledBack(Exception):
    pass


@database_sync_to_async
def send_in_transaction(group: str, event: dict, *, roll_back: bool = False) -> None:
    with contextlib.suppress(RolledBack), transaction.atomic():
        sender.send_on_commit(group, event)
        if roll_back:
            raise RolledBack


async def test_a_send_after_commit_is_delivered():
    channel = await listen("probe")
    await send_in_transaction("probe", {"type": "probe.event", "n": 1})
    assert await receive(channel) == {"type": "probe.event", "n": 1}


async def test_a_rolled_back_transaction_sends_nothing():
    channel = await listen("probe")
    await send_in_transaction("probe", {"type": "probe.event", "n": 1}, roll_back=True)
    await send_in_transaction("probe", {"type": "probe.event", "n": 2})
    # Sends from one thread arrive in order: had the first gone out, it would come first.
    assert await receive(channel) == {"type": "probe.event", "n": 2}


@database_sync_to_async
def commit_a_broken_hook_then_a_send() -> None:
    def broken():
        raise RuntimeError("hook broke")

    with transaction.atomic():
        sender.after_commit(broken)
        sender.send_on_commit("probe", {"type": "probe.event"})


async def test_a_hook_that_raises_is_logged_and_the_next_still_runs(sender_log):
    channel = await listen("probe")
    await commit_a_broken_hook_then_a_send()
    assert await receive(channel) == {"type": "probe.event"}
    (failed,) = sender_log
    assert failed.exc_info[0] is RuntimeError and "broken" in failed.getMessage()


async def test_a_failing_send_stops_no_other_hook_and_the_request_succeeds(
    faulty_layer, make_user, sender_log
):
    bob, carol = await sync_to_async(make_user)("bob"), await sync_to_async(make_user)("carol")
    study = await sync_to_async(make_study)(bob)
    await sync_to_async(join)(study, carol)
    bobs, carols = await listen(user_group(bob.pk)), await listen(user_group(carol.pk))
    # Removal sends study.access_revoked first, then one notification each to Carol and Bob.
    faulty_layer.failures[study_group(study.pk)] = [RuntimeError("layer broke")]

    owner = await sync_to_async(client_for)(bob)
    response = await sync_to_async(owner.post)(f"/studies/{study.pk}/members/{carol.pk}/remove/")

    assert response.status_code == 302
    assert (await receive(carols))["type"] == "notification.new"
    assert (await receive(bobs))["type"] == "notification.new"
    failed = sender_log
    assert len(failed) == 1
    assert "study.access_revoked" in failed[0].getMessage()
    assert study_group(study.pk) in failed[0].getMessage()
    assert failed[0].exc_info[0] is RuntimeError


async def test_connection_errors_are_retried_then_logged(faulty_layer, monkeypatch, sender_log):
    monkeypatch.setattr(sender, "RETRY_DELAYS_S", (0, 0, 0))
    channel = await listen("flaky")
    faulty_layer.failures["flaky"] = [redis.ConnectionError("reset"), TimeoutError()]
    faulty_layer.failures["down"] = [redis.ConnectionError("refused")] * 4

    await sync_to_async(sender.send)("flaky", {"type": "probe.event"})
    await sync_to_async(sender.send)("down", {"type": "probe.lost"})

    assert await receive(channel) == {"type": "probe.event"}
    assert faulty_layer.attempts == ["flaky"] * 3 + ["down"] * 4
    (failed,) = sender_log
    assert failed.levelno == logging.ERROR
    assert "'probe.lost'" in failed.getMessage() and "down" in failed.getMessage()
    assert failed.exc_info[0] is redis.ConnectionError


@database_sync_to_async
def welcome_notification_of(user) -> int:
    return Notification.objects.get(recipient=user, kind=Kind.WELCOME).pk


async def open_notifications_socket(user):
    socket = communicator("/ws/notifications/", await sync_to_async(session_key_for)(user))
    assert (await socket.connect())[0]
    assert (await socket.receive_json_from())["type"] == "notifications.state"
    return socket


async def test_a_consumers_database_thread_does_not_wait_for_delivery(faulty_layer, alice):
    socket = await open_notifications_socket(alice)
    gate = faulty_layer.gates[user_group(alice.pk)] = asyncio.Event()

    # The read is announced to the user's group from the database thread, after commit.
    await socket.send_json_to({"type": "mark_read", "id": await welcome_notification_of(alice)})
    # Frames are handled one at a time: this one is answered only once mark_read has returned,
    # which it could not while its send waited for the gate.
    await socket.send_json_to({"type": "no_such_type"})
    assert (await socket.receive_json_from(timeout=5))["code"] == "unknown_type"
    assert await socket.receive_nothing(timeout=0.1) is True

    gate.set()
    read = await socket.receive_json_from(timeout=5)
    assert read["type"] == "notifications.read" and read["unread"] == 0
    await socket.disconnect()


async def test_a_failed_send_from_a_socket_does_not_hold_up_the_next(
    faulty_layer, alice, sender_log
):
    socket = await open_notifications_socket(alice)
    (second,) = await database_sync_to_async(notify)(
        users=[alice], kind=Kind.ANNOUNCEMENT, text="Second", url="/x/"
    )
    assert (await socket.receive_json_from(timeout=5))["type"] == "notification.new"
    faulty_layer.failures[user_group(alice.pk)] = [RuntimeError("layer broke")]

    await socket.send_json_to({"type": "mark_read", "id": await welcome_notification_of(alice)})
    await socket.send_json_to({"type": "mark_read", "id": second.pk})

    # The first announcement failed and was logged; the one queued behind it still went out.
    read = await socket.receive_json_from(timeout=5)
    assert read == {"type": "notifications.read", "ids": [second.pk], "all": False, "unread": 0}
    assert [r.levelno for r in sender_log] == [logging.ERROR]
    await socket.disconnect()


@pytest.mark.embedded
async def test_the_in_memory_layer_is_sent_to_on_the_serving_loop(settings, alice):
    # The embedded default's layer is not thread-safe: sends from the database thread must run
    # on the loop that serves the sockets.
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    socket = await open_notifications_socket(alice)
    await socket.send_json_to({"type": "mark_read", "id": await welcome_notification_of(alice)})
    read = await socket.receive_json_from(timeout=5)
    assert read["type"] == "notifications.read" and read["unread"] == 0
    await socket.disconnect()


async def test_websocket_scopes_carry_the_servers_own_send():
    """The fan-out writes frames through the server's send, past the middlewares inside."""
    seen = {}

    async def app(scope, receive, send):
        seen[scope["type"]] = scope.get(SERVER_SEND)

    async def server_send(message):
        pass

    served = ServingLoopMiddleware(app)
    await served({"type": "websocket"}, None, server_send)
    await served({"type": "http"}, None, server_send)
    assert seen == {"websocket": server_send, "http": None}


async def test_many_sends_reach_every_group_once_in_order_in_one_round_trip(monkeypatch):
    groups = [f"pipelined-{n}" for n in range(40)]
    channels = [await listen(group) for group in groups]
    round_trips = []
    pipeline_class = type(get_channel_layer()._get_layer()._shards[0]._redis.pipeline())
    execute = pipeline_class.execute

    async def counted(self, *args, **kwargs):
        round_trips.append(len(self.command_stack))
        return await execute(self, *args, **kwargs)

    monkeypatch.setattr(pipeline_class, "execute", counted)

    await sender.deliver_many(
        [(group, {"type": "probe.event", "n": n}) for n in range(2) for group in groups]
    )

    assert round_trips == [80]
    for channel in channels:
        assert [(await receive(channel))["n"] for _ in range(2)] == [0, 1]
    for channel in channels:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(get_channel_layer().receive(channel), 0.2)


async def test_a_pipeline_that_loses_its_connection_is_sent_again(monkeypatch, sender_log):
    monkeypatch.setattr(sender, "RETRY_DELAYS_S", (0, 0, 0))
    channels = [await listen(group) for group in ("again-1", "again-2")]
    pipeline_class = type(get_channel_layer()._get_layer()._shards[0]._redis.pipeline())
    execute = pipeline_class.execute
    failures = [redis.ConnectionError("reset")]

    async def flaky(self, *args, **kwargs):
        if failures:
            raise failures.pop()
        return await execute(self, *args, **kwargs)

    monkeypatch.setattr(pipeline_class, "execute", flaky)

    await sender.deliver_many([("again-1", {"type": "a"}), ("again-2", {"type": "b"})])

    assert [(await receive(channel))["type"] for channel in channels] == ["a", "b"]
    assert sender_log == []


async def test_a_pipeline_that_keeps_failing_is_logged(monkeypatch, sender_log):
    monkeypatch.setattr(sender, "RETRY_DELAYS_S", (0, 0, 0))
    await listen("never")
    pipeline_class = type(get_channel_layer()._get_layer()._shards[0]._redis.pipeline())
    attempts = []

    async def down(self, *args, **kwargs):
        attempts.append(1)
        raise redis.ConnectionError("refused")

    monkeypatch.setattr(pipeline_class, "execute", down)

    await sender.deliver_many([("never", {"type": "a"}), ("never", {"type": "b"})])

    assert len(attempts) == 4
    (failed,) = sender_log
    assert failed.levelno == logging.ERROR and "not sent after 4 attempts" in failed.getMessage()
