"""Chat across real server processes sharing one PostgreSQL and one Redis."""

import asyncio
import json

import pytest
import websockets
from django.conf import settings
from django.db import connection
from django.test import Client

from tests.chat.factories import make_room, make_study

pytestmark = pytest.mark.django_db(transaction=True)


def cookie_for(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


class Member:
    """A websockets client in one room, keeping what it received."""

    def __init__(self, server, room, cookie: str):
        self.url = f"ws://127.0.0.1:{server.port}/ws/chat/{room.pk}/"
        self.origin = server.url
        self.cookie = cookie
        self.messages: dict[int, dict] = {}
        self.online: list[str] = []
        self.socket = None

    async def __aenter__(self):
        self.socket = await websockets.connect(
            self.url, origin=self.origin, additional_headers={"Cookie": self.cookie}
        )
        state = await self.receive()
        assert state["type"] == "chat.state", state
        return self

    async def __aexit__(self, *exc):
        await self.socket.close()

    async def receive(self) -> dict:
        frame = json.loads(await asyncio.wait_for(self.socket.recv(), timeout=10))
        if frame["type"] in {"chat.state", "chat.presence"}:
            self.online = [user["username"] for user in frame["online"]]
        elif frame["type"] == "chat.message":
            assert frame["message"]["seq"] not in self.messages, "duplicate"
            self.messages[frame["message"]["seq"]] = frame["message"]
        return frame

    async def send(self, body: str, client_id: str) -> None:
        await self.socket.send(json.dumps({"type": "send", "body": body, "client_id": client_id}))

    async def until(self, condition) -> None:
        while not condition():
            await self.receive()


def test_two_processes_deliver_every_message_with_the_same_seqs_and_presence(
    served, alice, bob, make_user
):
    carol = make_user("carol")
    study = make_study(alice, bob, carol)
    room = make_room(study, alice)
    first, second = served(), served()
    cookies = {user.username: cookie_for(user) for user in (alice, bob, carol)}

    async def scenario():
        async with (
            Member(first, room, cookies["alice"]) as on_first,
            Member(second, room, cookies["bob"]) as on_second,
            Member(second, room, cookies["carol"]) as also_on_second,
        ):
            members = (on_first, on_second, also_on_second)
            everyone = ["alice", "bob", "carol"]
            for member in members:
                await member.until(lambda m=member: m.online == everyone)

            async def talk(member, name):
                for i in range(15):
                    await member.send(f"{name} {i}", f"{name}-{i}")

            await asyncio.gather(talk(on_first, "alice"), talk(on_second, "bob"))
            for member in members:
                await member.until(lambda m=member: len(m.messages) == 30)
            return members

    members = asyncio.run(scenario())
    views = [[(seq, m["body"]) for seq, m in sorted(member.messages.items())] for member in members]
    assert views[0] == views[1] == views[2]
    assert [seq for seq, _body in views[0]] == list(range(1, 31))
    sent = {f"{name} {i}" for name in ("alice", "bob") for i in range(15)}
    assert {body for _seq, body in views[0]} == sent


def test_presence_is_shared_across_processes_and_a_leaver_disappears(served, alice, bob):
    study = make_study(alice, bob)
    room = make_room(study, alice)
    first, second = served(), served()
    alices, bobs = cookie_for(alice), cookie_for(bob)

    async def scenario():
        async with Member(first, room, alices) as on_first:
            async with Member(second, room, bobs) as on_second:
                await on_first.until(lambda: on_first.online == ["alice", "bob"])
                assert on_second.online == ["alice", "bob"]
            await on_first.until(lambda: on_first.online == ["alice"])

    asyncio.run(scenario())


def database_connections() -> int:
    """Count the other sessions on the test database (the server processes')."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def counted_in_a_thread() -> int:
    try:
        return database_connections()
    finally:
        connection.close()


def test_open_sockets_hold_no_database_connections(served, alice, bob, monkeypatch):
    # One user opens the 60 sockets: above the default per-user cap of 30.
    monkeypatch.setenv("SOCKETS_PER_USER_MAX", "100")
    study = make_study(alice, bob)
    room = make_room(study, alice)
    server = served()
    cookie = cookie_for(bob)
    peaks = {}

    async def connect_many(count: int):
        sockets = []
        for _ in range(count):
            socket = await websockets.connect(
                f"ws://127.0.0.1:{server.port}/ws/chat/{room.pk}/",
                origin=server.url,
                additional_headers={"Cookie": cookie},
            )
            assert json.loads(await socket.recv())["type"] == "chat.state"
            sockets.append(socket)
        # A post, so the chat ingest thread holds its connection in both rounds.
        await sockets[0].send(json.dumps({"type": "send", "body": "hi", "client_id": str(count)}))
        while json.loads(await sockets[0].recv())["type"] != "chat.ack":
            pass
        peaks[count] = await asyncio.to_thread(counted_in_a_thread)
        for socket in sockets:
            await socket.close()

    asyncio.run(connect_many(5))
    after_few = database_connections()
    asyncio.run(connect_many(60))
    after_many = database_connections()
    assert peaks[60] <= peaks[5]
    assert after_many <= after_few
    # However many sockets are open: this test's own connection, and the server's pool
    # (config/settings.py), which opens one connection per server thread using the database at
    # once (the database thread of the sockets, the HTTP thread that answered /healthz, and the
    # chat ingest thread that stores posts, by design one more per process: chat/ingest.py),
    # and at most one more ahead of a request while another connection is on its way back.
    assert peaks[60] <= 1 + 3 + 1
