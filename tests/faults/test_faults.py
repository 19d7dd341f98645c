"""Faults during traffic, as an operator sees them: two server processes, PostgreSQL and a Redis
of the test's own. Each test injects one fault while users chat, send direct messages and
receive notifications, then checks that every acknowledged message and every stored
notification is held exactly once by every recipient after resume, that presence is right
within its TTL, that nothing answered HTTP 500, and that the app serves without restarts.
Each test records the recovery time it measured (`recovery_s`, shown in the terminal summary).
"""

import asyncio
import contextlib
import time
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import connection
from django.utils import timezone
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from chat.models import Message as ChatMessage
from chat.models import Presence
from messaging.models import Message as DirectMessage
from messaging.services import conversation_get_or_create
from notifications.models import Notification
from realtime.consumers import CloseCode
from tests.chat.factories import make_room, make_study
from tests.conftest import session_key_for
from tests.faults.harness import (
    DEADLINE_S,
    PRESENCE_REFRESH_S,
    PRESENCE_TTL_S,
    ChatClient,
    ConversationPage,
    MessagesClient,
    NotificationsClient,
    OwnRedis,
    served_on,
    wait_until,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.faults]

SEND_EVERY_S = 0.1


@pytest.fixture
def own_redis():
    server = OwnRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def servers(transactional_db, own_redis):
    started = [served_on(own_redis), served_on(own_redis)]
    for process in started:
        process.start()
    yield started
    for process in started:
        process.stop()


@pytest.fixture
def people(make_user):
    alice, bob, carol = (make_user(name) for name in ("alice", "bob", "carol"))
    room = make_room(make_study(alice, bob, carol), alice)
    yield {"alice": alice, "bob": bob, "carol": carol, "room": room}
    # A fault may have terminated this thread's connection; the database flush reopens one.
    connection.close()


class Traffic:
    """Chat, direct messages and notifications between users on both processes."""

    def __init__(self, people, first, second, keys):
        room_id = people["room"].pk
        self.people = people
        self.chat = {
            "alice": ChatClient(first, keys["alice"], "alice", room_id),
            "bob": ChatClient(second, keys["bob"], "bob", room_id),
            "carol": ChatClient(first, keys["carol"], "carol", room_id),
        }
        self.dm = {
            "alice": MessagesClient(first, keys["alice"], "alice"),
            "bob": MessagesClient(second, keys["bob"], "bob"),
        }
        self.notes = {
            "alice": NotificationsClient(first, keys["alice"], "alice"),
            "bob": NotificationsClient(second, keys["bob"], "bob"),
        }
        self.sending: asyncio.Task | None = None

    @property
    def clients(self):
        return [*self.chat.values(), *self.dm.values(), *self.notes.values()]

    async def start(self) -> None:
        for client in self.clients:
            client.start()
        await wait_until(
            lambda: (
                all(c.open for c in self.clients)
                and all(c.state_seen for c in self.chat.values())
                and all(c.latest_id is not None for c in self.notes.values())
            ),
            "every client connected",
        )
        self.first_notification = {name: client.latest_id for name, client in self.notes.items()}
        self.sending = asyncio.create_task(self.send_forever())

    async def send_forever(self) -> None:
        n = 0
        while True:
            n += 1
            self.chat["alice"].post(f"alice {n}")
            self.chat["bob"].post(f"bob {n}")
            # Each direct message also notifies its recipient (no conversation page is open).
            self.dm["alice"].post(self.people["bob"].pk, f"to bob {n}")
            self.dm["bob"].post(self.people["alice"].pk, f"to alice {n}")
            await asyncio.sleep(SEND_EVERY_S)

    async def stop_sending(self) -> None:
        self.sending.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.sending

    async def recovered(self, since: float) -> float:
        """Post one chat message across processes; return seconds from `since` until it is live."""
        client_id = self.chat["alice"].post("probe")
        await wait_until(lambda: client_id in self.chat["alice"].acked, "the probe acknowledged")
        message_id = self.chat["alice"].acked[client_id]
        await wait_until(lambda: message_id in self.chat["bob"].holds(), "the probe delivered")
        return time.monotonic() - since

    async def settle_and_check(self) -> None:
        """Stop sending, let every outbox drain, resume everyone, and check who holds what."""
        await self.stop_sending()
        outboxes = [*self.chat.values(), *self.dm.values()]
        await wait_until(lambda: not any(c.outbox for c in outboxes), "every send acknowledged")
        for client in self.clients:
            await client.resume()

        room_id = self.people["room"].pk
        chat_ids = set(
            await database_sync_to_async(
                lambda: list(
                    ChatMessage.objects.filter(room_id=room_id).values_list("id", flat=True)
                )
            )()
        )
        acked_chat = {i for c in self.chat.values() for i in c.acked.values()}
        assert acked_chat == chat_ids, "a stored chat message nobody acknowledged, or a duplicate"
        await wait_until(
            lambda: all(c.holds() == chat_ids for c in self.chat.values()),
            "every chat member holds every message",
        )

        dm_ids = set(
            await database_sync_to_async(
                lambda: list(DirectMessage.objects.values_list("id", flat=True))
            )()
        )
        acked_dm = {i for c in self.dm.values() for i in c.acked.values()}
        assert acked_dm == dm_ids, "a stored direct message nobody acknowledged, or a duplicate"
        await wait_until(
            lambda: all(c.held == dm_ids for c in self.dm.values()),
            "both participants hold every direct message",
        )

        for name, client in self.notes.items():
            user = self.people[name]
            first = self.first_notification[name]
            users = set(
                await database_sync_to_async(
                    lambda user=user: list(
                        Notification.objects.filter(recipient=user).values_list("id", flat=True)
                    )
                )()
            )
            stored = {i for i in users if i > first}
            assert stored, "the traffic created notifications"
            # A resume also sends again some from before the first state (its overlap): the
            # page had those already; every one stored since must have come.
            await wait_until(
                lambda client=client, stored=stored, first=first: (
                    {i for i in client.held if i > first} == stored
                ),
                f"{name} holds every notification",
            )
            assert client.held <= users, "a notification of someone else"

        for client in self.clients:
            assert 500 not in client.handshake_statuses, client.name
            assert not [e for e in client.errors if e["code"] == "internal"], client.errors

    async def close(self) -> None:
        if self.sending is not None and not self.sending.done():
            await self.stop_sending()
        for client in self.clients:
            await client.stop()


async def keys_for(people) -> dict[str, str]:
    return {
        name: await database_sync_to_async(session_key_for)(people[name])
        for name in ("alice", "bob", "carol")
    }


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def healthz(server) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"{server.url}/healthz", timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


async def handshake_close_code(server, session_key: str) -> int:
    """Open /ws/notifications/ and return the code the server closes it with."""
    async with connect(
        f"ws://127.0.0.1:{server.port}/ws/notifications/",
        origin=server.url,
        additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}"},
        open_timeout=10,
    ) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
    return closed.value.rcvd.code


async def test_redis_shutdown_and_restart(servers, own_redis, people, record_property):
    first, second = servers
    traffic = Traffic(people, first, second, await keys_for(people))
    try:
        await traffic.start()
        await asyncio.sleep(0.5)
        own_redis.shutdown()
        down_at = time.monotonic()
        await asyncio.sleep(1)
        status, body = await asyncio.to_thread(healthz, first)
        assert status == 503 and '"redis"' in body, body
        # Sockets stay open while Redis is down; a new one is closed to be retried, not a 500.
        assert all(client.open for client in traffic.clients)
        code = await handshake_close_code(second, traffic.dm["bob"].session_key)
        assert code == CloseCode.TRY_AGAIN_LATER, second.output()
        await asyncio.sleep(max(0.0, 3 - (time.monotonic() - down_at)))
        own_redis.start()
        restored_at = time.monotonic()
        recovery = await traffic.recovered(since=restored_at)
        record_property("recovery_s", round(recovery, 2))
        await traffic.settle_and_check()
        assert (await asyncio.to_thread(healthz, first))[0] == 200
    finally:
        await traffic.close()


async def test_a_direct_message_sent_by_form_while_redis_is_down(
    servers, own_redis, people, record_property
):
    first, second = servers
    alice, bob = people["alice"], people["bob"]
    keys = await keys_for(people)
    conversation = await database_sync_to_async(conversation_get_or_create)(user=alice, other=bob)
    # Alice has the conversation open without JavaScript; bob is on another page, on the
    # other process.
    page = ConversationPage(first, keys["alice"], conversation.pk)
    await asyncio.to_thread(page.load)
    bob_messages = MessagesClient(second, keys["bob"], "bob")
    bob_notes = NotificationsClient(second, keys["bob"], "bob")
    clients = (bob_messages, bob_notes)
    for client in clients:
        client.start()
    try:
        await wait_until(
            lambda: all(c.open for c in clients) and bob_notes.latest_id is not None,
            "bob connected",
        )
        own_redis.shutdown()

        body = "Sent while Redis was down"
        status, answer = await asyncio.to_thread(page.submit, body)
        assert status == 200, answer
        # The same form sent again (a double click, a resubmission): nothing more is stored.
        status, again = await asyncio.to_thread(page.submit, body)
        assert status == 200, again
        stored = await database_sync_to_async(
            lambda: list(
                DirectMessage.objects.filter(conversation=conversation).values_list("id", flat=True)
            )
        )()
        assert len(stored) == 1
        # Each answer is the conversation, showing the message among the sent ones.
        for page_text in (answer, again):
            shown = page_text[page_text.index(f'data-message-id="{stored[0]}"') :]
            assert shown[: shown.index("</li>")].count(body) == 1
        notified = await database_sync_to_async(
            lambda: set(
                Notification.objects.filter(recipient=bob, id__gt=bob_notes.latest_id).values_list(
                    "id", flat=True
                )
            )
        )()
        assert len(notified) == 1, "bob is notified of it (nobody could say his page was open)"

        own_redis.start()
        restored_at = time.monotonic()
        await wait_until(lambda: set(stored) <= bob_messages.held, "bob resumed the message")
        await wait_until(lambda: notified <= bob_notes.held, "bob resumed its notification")
        record_property("recovery_s", round(time.monotonic() - restored_at, 2))
        assert bob_messages.held == set(stored)
        for client in clients:
            assert 500 not in client.handshake_statuses
            assert not [e for e in client.errors if e["code"] == "internal"], client.errors
    finally:
        for client in clients:
            await client.stop()


async def test_kill_9_of_a_server_process_and_restart(servers, people, record_property):
    first, second = servers
    traffic = Traffic(people, first, second, await keys_for(people))
    try:
        await traffic.start()
        await wait_until(
            lambda: all(c.online == ["alice", "bob", "carol"] for c in traffic.chat.values()),
            "everyone online",
        )
        # Carol's tab closes for good just as her process dies: nobody announces her leaving.
        await traffic.chat["carol"].stop()
        first.kill()
        killed_at = time.monotonic()
        gone = await wait_until(
            lambda: traffic.chat["bob"].online == ["bob"],
            "the killed process's users leave bob's online list within the presence TTL",
            timeout=PRESENCE_TTL_S + 2 * PRESENCE_REFRESH_S + 5,
        )
        record_property("ghosts_gone_s", round(gone, 2))
        await asyncio.to_thread(first.start)
        recovery = await traffic.recovered(since=killed_at)
        record_property("recovery_s", round(recovery, 2))
        await wait_until(
            lambda: traffic.chat["bob"].online == ["alice", "bob"],
            "alice back online after her reconnect",
        )
        del traffic.chat["carol"]
        await traffic.settle_and_check()
    finally:
        await traffic.close()


def terminate_app_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def presence_expiries(room_id: int) -> list:
    return list(Presence.objects.filter(room_id=room_id).values_list("expires_at", flat=True))


async def test_postgresql_connections_terminated(servers, people, record_property):
    first, second = servers
    room_id = people["room"].pk
    traffic = Traffic(people, first, second, await keys_for(people))
    try:
        await traffic.start()
        await asyncio.sleep(0.5)
        killed = await database_sync_to_async(terminate_app_connections)()
        assert killed > 0
        terminated_at, terminated_wall = time.monotonic(), timezone.now()
        recovery = await traffic.recovered(since=terminated_at)
        record_property("recovery_s", round(recovery, 2))
        # Every heartbeat survives the drop: each socket's presence is refreshed after it.
        refreshed_after = terminated_wall + timedelta(seconds=PRESENCE_TTL_S)
        start = time.monotonic()
        while True:
            expiries = await database_sync_to_async(presence_expiries)(room_id)
            if len(expiries) == 3 and min(expiries) > refreshed_after:
                break
            assert time.monotonic() - start < DEADLINE_S, "a presence heartbeat died"
            await asyncio.sleep(0.2)
        assert all(c.online == ["alice", "bob", "carol"] for c in traffic.chat.values())
        assert await asyncio.to_thread(http_status, f"{first.url}/healthz") == 200
        await traffic.settle_and_check()
    finally:
        await traffic.close()


@pytest.fixture
def buggy_servers(transactional_db, own_redis):
    application = "tests.faults.buggy_asgi:application"
    started = [served_on(own_redis, application), served_on(own_redis, application)]
    for process in started:
        process.start()
    yield started
    for process in started:
        process.stop()


async def test_sockets_that_raise(buggy_servers, people, record_property):
    first, second = buggy_servers
    room_id = people["room"].pk
    traffic = Traffic(people, first, second, await keys_for(people))
    try:
        await traffic.start()
        alice, bob, carol = (traffic.chat[name] for name in ("alice", "bob", "carol"))
        await wait_until(
            lambda: all(c.online == ["alice", "bob", "carol"] for c in traffic.chat.values()),
            "everyone online",
        )
        # A frame handler that raises: an `internal` error, and the socket stays open.
        opens = bob.opens
        await bob.send({"type": "typing", "crash": True, "ref": "t"})
        await wait_until(lambda: bob.errors, "bob told of the failure")
        assert [(e["code"], e["ref"]) for e in bob.errors] == [("internal", "t")]
        bob.errors.clear()
        assert bob.opens == opens and bob.open

        # An event handler that raises ends alice's and bob's consumers; they reconnect.
        opens = {"alice": alice.opens, "bob": bob.opens}
        await carol.send({"type": "typing"})
        crashed_at = time.monotonic()
        await wait_until(
            lambda: alice.opens > opens["alice"] and bob.opens > opens["bob"],
            "the crashed sockets reconnected",
        )
        recovery = await traffic.recovered(since=crashed_at)
        record_property("recovery_s", round(recovery, 2))
        # No ghosts: the crashed sockets' presence is gone, one entry per open socket remains.
        start = time.monotonic()
        while await database_sync_to_async(lambda: len(presence_expiries(room_id)))() != 3:
            assert time.monotonic() - start < DEADLINE_S, "a crashed socket left its presence"
            await asyncio.sleep(0.2)
        await wait_until(
            lambda: all(c.online == ["alice", "bob", "carol"] for c in traffic.chat.values()),
            "everyone online again",
        )
        await traffic.settle_and_check()
    finally:
        await traffic.close()
