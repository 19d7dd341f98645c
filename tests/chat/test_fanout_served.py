"""The process-local fan-out across two server processes, while sockets come and go."""

import asyncio
import json

import pytest
import websockets

from tests.chat.factories import make_room, make_study
from tests.chat.test_served import cookie_for

pytestmark = pytest.mark.django_db(transaction=True)

PER_SENDER = 40
TRANSIENT_SOCKETS = 6


class Socket:
    """A room socket recording the seqs of chat.state and of every chat.message, in order."""

    def __init__(self, server, room, cookie: str):
        self.url = f"ws://127.0.0.1:{server.port}/ws/chat/{room.pk}/"
        self.origin = server.url
        self.cookie = cookie
        self.state_seqs: list[int] = []
        self.seqs: list[int] = []

    async def open(self):
        self.socket = await websockets.connect(
            self.url, origin=self.origin, additional_headers={"Cookie": self.cookie}
        )
        state = json.loads(await asyncio.wait_for(self.socket.recv(), 10))
        assert state["type"] == "chat.state", state
        self.state_seqs = [m["seq"] for m in state["messages"]]
        return self

    async def receive(self, timeout: float = 10) -> None:
        frame = json.loads(await asyncio.wait_for(self.socket.recv(), timeout))
        if frame["type"] == "chat.message":
            self.seqs.append(frame["message"]["seq"])

    async def send(self, client_id: str) -> None:
        await self.socket.send(
            json.dumps({"type": "send", "body": client_id, "client_id": client_id})
        )


def test_each_frame_reaches_each_socket_once_in_seq_order_while_sockets_come_and_go(
    served, alice, bob, make_user, monkeypatch
):
    carol, dave = make_user("carol"), make_user("dave")
    study = make_study(alice, bob, carol, dave)
    room = make_room(study, alice)
    monkeypatch.setenv("CHAT_FLOOD_LIMIT", "1000")
    first, second = served(), served()
    cookies = {user.username: cookie_for(user) for user in (alice, bob, carol, dave)}
    transients: list[Socket] = []
    sent = []

    async def scenario():
        stable = [
            await Socket(first, room, cookies["alice"]).open(),
            await Socket(second, room, cookies["bob"]).open(),
            await Socket(first, room, cookies["carol"]).open(),
            await Socket(second, room, cookies["dave"]).open(),
        ]
        await stable[0].send("warm-up")
        for socket in stable:
            while len(socket.seqs) < 1:
                await socket.receive()
        churn = asyncio.create_task(come_and_go())
        await talk(stable[0], stable[1], churn)
        await churn
        for socket in stable:
            while len(socket.seqs) < 1 + len(sent):
                await socket.receive()
            await socket.socket.close()
        return stable

    async def talk(on_first, on_second, churn):
        """Send from both processes until the churn is over (and at least PER_SENDER each)."""
        i = 0
        while i < PER_SENDER or not churn.done():
            for socket, name in ((on_first, "a"), (on_second, "b")):
                await socket.send(f"{name}-{i}")
                sent.append(f"{name}-{i}")
            i += 1
            await asyncio.sleep(0.02)

    async def come_and_go():
        servers = (first, second)
        names = ("carol", "dave")
        for turn in range(TRANSIENT_SOCKETS):
            socket = await Socket(servers[turn % 2], room, cookies[names[turn % 2]]).open()
            transients.append(socket)
            while len(socket.seqs) < 3:
                await socket.receive()
            await socket.socket.close()

    stable = asyncio.run(scenario())
    for socket in stable:
        assert socket.seqs == list(range(1, len(sent) + 2))
    assert len(transients) == TRANSIENT_SOCKETS
    for socket in transients:
        # After its state, each socket gets every later message once, in order, with no gap.
        after = socket.state_seqs[-1] if socket.state_seqs else 0
        assert socket.seqs == list(range(after + 1, after + 1 + len(socket.seqs)))
