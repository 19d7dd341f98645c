"""Helpers for chat consumer tests."""

from channels.db import database_sync_to_async

from tests.conftest import communicator, session_key_for


def path(room) -> str:
    return f"/ws/chat/{room.pk}/"


async def open_socket(user, room):
    """Connect `user` to the room; return the socket and its `chat.state` frame."""
    socket = communicator(path(room), await database_sync_to_async(session_key_for)(user))
    accepted, _ = await socket.connect()
    assert accepted
    state = await socket.receive_json_from(timeout=3)
    assert state["type"] == "chat.state", state
    return socket, state


async def receive_type(socket, frame_type: str, timeout: float = 3) -> dict:
    """Return the next frame, which must be of `frame_type`, skipping presence updates."""
    while True:
        frame = await socket.receive_json_from(timeout=timeout)
        if frame["type"] != "chat.presence" or frame_type == "chat.presence":
            assert frame["type"] == frame_type, frame
            return frame


async def drain_presence(socket) -> None:
    """Skip the presence updates that other sockets joining caused."""
    while not await socket.receive_nothing(timeout=0.2):
        frame = await socket.receive_json_from()
        assert frame["type"] == "chat.presence", frame
