"""Past one Redis: the channel layer sharded over two Redis servers (CHANNEL_REDIS_URLS), with
two server processes. Chat, presence, direct messages and notifications stay correct across the
processes when their groups live on different shards."""

import asyncio
import json
import subprocess
import time

import pytest
import redis
from channels_redis.utils import _consistent_hash
from django.conf import settings
from django.test import Client
from websockets.asyncio.client import connect

from realtime.groups import dm_user_group, room_group, user_group
from tests.chat.factories import make_room, make_study
from tests.conftest import in_thread
from tests.servers import free_port

pytestmark = pytest.mark.django_db(transaction=True)
SHARDS = 2


@pytest.fixture
def shards():
    """Two Redis servers of the test's own on free loopback ports; their URLs."""
    servers, urls = [], []
    for _ in range(SHARDS):
        port = free_port()
        servers.append(
            subprocess.Popen(
                ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", ""]
                + ["--appendonly", "no", "--maxmemory-policy", "noeviction"],
                stdout=subprocess.DEVNULL,
            )
        )
        urls.append(f"redis://127.0.0.1:{port}/0")
    try:
        for url in urls:
            wait_for_redis(url)
        yield urls
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)


def wait_for_redis(url: str) -> None:
    client = redis.Redis.from_url(url)
    try:
        for _ in range(200):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start at {url}")
    finally:
        client.close()


def prefix() -> str:
    return settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]


def shard_of(group: str) -> int:
    """The shard channels-redis's pub/sub layer puts a group on (by its channel name)."""
    return _consistent_hash(f"{prefix()}__group__{group}", SHARDS)


def subscribed_groups(url: str) -> set[str]:
    client = redis.Redis.from_url(url)
    try:
        channels = client.pubsub_channels(f"{prefix()}__group__*")
    finally:
        client.close()
    return {channel.decode().removeprefix(f"{prefix()}__group__") for channel in channels}


def cookie_for(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def spread_over_the_shards(make_user):
    """Two members and a room such that their groups hash to different shards.

    Writer and reader's DM groups differ in shard; the room's group and the reader's
    notification group differ too. Objects are made until that holds, so it always does.
    """
    writer = make_user("writer")
    reader = other_shard_user(make_user, shard_of(dm_user_group(writer.pk)))
    for attempt in range(64):
        study = make_study(writer, reader, title=f"Sharded {attempt}")
        room = make_room(study, writer)
        if shard_of(room_group(room.pk)) != shard_of(user_group(reader.pk)):
            return writer, reader, room
    raise AssertionError("no room hashed to the other shard in 64 tries")


def other_shard_user(make_user, taken: int):
    """A new user whose DM group hashes to a shard other than `taken` (each try is a coin flip)."""
    for number in range(64):
        user = make_user(f"reader{number}")
        if shard_of(dm_user_group(user.pk)) != taken:
            return user
    raise AssertionError("no user hashed to the other shard in 64 tries")


async def next_frame(socket, wanted: str, timeout: float = 10) -> dict:
    while True:
        frame = json.loads(await asyncio.wait_for(socket.recv(), timeout))
        if frame["type"] == wanted:
            return frame


def test_chat_presence_dms_and_notifications_cross_processes_on_two_shards(
    served, make_user, shards, monkeypatch
):
    writer, reader, room = in_thread(spread_over_the_shards, make_user)
    monkeypatch.setenv("CHANNEL_REDIS_URLS", ",".join(shards))
    first, second = served(), served()
    cookies = {user.pk: cookie_for(user) for user in (writer, reader)}

    def open_socket(server, path: str, user):
        return connect(
            f"ws://127.0.0.1:{server.port}{path}",
            origin=server.url,
            additional_headers={"Cookie": cookies[user.pk]},
        )

    async def scenario():
        room_path = f"/ws/chat/{room.pk}/"
        async with (
            open_socket(first, room_path, writer) as writers_room,
            open_socket(first, "/ws/messages/", writer) as writers_dms,
            open_socket(second, room_path, reader) as readers_room,
            open_socket(second, "/ws/messages/", reader) as readers_dms,
            open_socket(second, "/ws/notifications/", reader) as readers_bell,
        ):
            unread = (await next_frame(readers_bell, "notifications.state"))["unread"]
            await next_frame(readers_dms, "messages.state")
            await next_frame(writers_dms, "messages.state")
            # Presence: each process's socket sees the other's user, through the room's shard.
            online = sorted([writer.username, reader.username])
            for socket in (writers_room, readers_room):
                while True:
                    frame = json.loads(await asyncio.wait_for(socket.recv(), 10))
                    if (
                        frame["type"] in {"chat.state", "chat.presence"}
                        and sorted(user["username"] for user in frame["online"]) == online
                    ):
                        break

            # The groups in use live on the shard the hash names, and on no other server.
            groups = {
                room_group(room.pk),
                user_group(reader.pk),
                dm_user_group(writer.pk),
                dm_user_group(reader.pk),
            }
            placed = [subscribed_groups(url) & groups for url in shards]
            assert placed[0] and placed[1], "the groups in use must span both shards"
            assert placed == [
                {group for group in groups if shard_of(group) == index} for index in range(SHARDS)
            ]
            assert subscribed_groups(settings.REDIS_URL) == set()

            # Chat both ways, one seq order for both.
            await writers_room.send(json.dumps({"type": "send", "body": "hi", "client_id": "w1"}))
            await readers_room.send(json.dumps({"type": "send", "body": "yo", "client_id": "r1"}))
            seen = {}
            for name, socket in (("writer", writers_room), ("reader", readers_room)):
                seen[name] = []
                while len(seen[name]) < 2:
                    frame = await next_frame(socket, "chat.message")
                    seen[name].append((frame["message"]["seq"], frame["message"]["body"]))
            assert seen["writer"] == seen["reader"]
            assert sorted(body for _seq, body in seen["reader"]) == ["hi", "yo"]

            # A DM from the first process reaches the second, with its live notification.
            frame = {"type": "send", "to": reader.pk, "body": "sharded hello", "client_id": "d1"}
            await writers_dms.send(json.dumps(frame))
            sent = await next_frame(writers_dms, "message.sent")
            received = await next_frame(readers_dms, "message.new")
            assert received["message"] == sent["message"]
            bell = await next_frame(readers_bell, "notification.new")
            assert bell["notification"]["kind"] == "direct_message"
            assert bell["unread"] == unread + 1

            # The reader leaves the room: the writer, on the other process, sees it.
            await readers_room.close()
            frame = await next_frame(writers_room, "chat.presence")
            assert [user["username"] for user in frame["online"]] == [writer.username]

    asyncio.run(scenario())
