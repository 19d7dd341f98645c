"""The process-local fan-out across two daphne processes, while sockets come and go."""

import asyncio
import contextlib
import json

import pytest
import websockets

from tests.chat.factories import make_room, make_study
from tests.chat.test_served import cookie_for

pytestmark = pytest.mark.django_db(transaction=True)

PER_SENDER = 40


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
    daphne, alice, bob, make_user, monkeypatch
):
    carol, dave = make_user("carol"), make_user("dave")
    study = make_study(alice, bob, carol, dave)
    room = make_room(study, alice)
    monkeypatch.setenv("CHAT_FLOOD_LIMIT", "1000")
    first, second = daphne(), daphne()
    cookies = {user.username: cookie_for(user) for user in (alice, bob, carol, dave)}
    total = 1 + 2 * PER_SENDER
    transients: list[Socket] = []

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
        readers = [asyncio.create_task(read_all(socket)) for socket in stable]
        sending = asyncio.create_task(talk(stable[0], stable[1]))
        churn = asyncio.create_task(come_and_go(sending))
        await sending
        await churn
        await asyncio.wait_for(asyncio.gather(*readers), 60)
        for socket in stable:
            await socket.socket.close()
        return stable

    async def read_all(socket):
        while len(socket.seqs) < total:
            await socket.receive()

    async def talk(on_first, on_second):
        for i in range(PER_SENDER):
            await on_first.send(f"a-{i}")
            await on_second.send(f"b-{i}")
            await asyncio.sleep(0.02)

    async def come_and_go(sending):
        servers = (first, second)
        names = ("carol", "dave")
        turn = 0
        while not sending.done():
            socket = await Socket(servers[turn % 2], room, cookies[names[turn % 2]]).open()
            transients.append(socket)
            turn += 1
            while len(socket.seqs) < 3:
                try:
                    await socket.receive(timeout=1)
                except TimeoutError:
                    if sending.done():
                        break
            with contextlib.suppress(Exception):
                await socket.socket.close()

    stable = asyncio.run(scenario())
    for socket in stable:
        assert socket.seqs == list(range(1, total + 1))
    assert len(transients) >= 4
    for socket in transients:
        # After its state, each socket gets every later message once, in order, with no gap.
        after = socket.state_seqs[-1] if socket.state_seqs else 0
        assert socket.seqs == list(range(after + 1, after + 1 + len(socket.seqs)))
