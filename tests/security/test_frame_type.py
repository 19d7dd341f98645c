"""The `type` contract of docs/protocol.md: well-formed unknown types are `unknown_type`."""

import pytest
from channels.db import database_sync_to_async

from tests.conftest import communicator, session_key_for

pytestmark = pytest.mark.django_db(transaction=True)


async def opened(user):
    socket = communicator("/ws/notifications/", await database_sync_to_async(session_key_for)(user))
    accepted, _ = await socket.connect()
    assert accepted
    assert (await socket.receive_json_from())["type"] == "notifications.state"
    return socket


CASES = [
    ("chat.message", "unknown_type"),
    ("notification.new", "unknown_type"),
    ("a.b_c", "unknown_type"),
    ("dance", "unknown_type"),
    ("a" * 32, "unknown_type"),
    ("a" * 33, "bad_frame"),
    ("Chat", "bad_frame"),
    ("1x", "bad_frame"),
    (".x", "bad_frame"),
    ("a-b", "bad_frame"),
    ("mark_all_read\n", "bad_frame"),
    ("", "bad_frame"),
    (7, "bad_frame"),
    (["mark_all_read"], "bad_frame"),
    (None, "bad_frame"),
]


async def test_a_frame_type_is_checked_against_the_documented_pattern(alice):
    socket = await opened(alice)
    await socket.send_json_to({"type": "mark_all_read"})
    assert (await socket.receive_json_from())["type"] == "notifications.read"
    answers = []
    for kind, _code in CASES:
        await socket.send_json_to({"type": kind})
        answer = await socket.receive_json_from()
        answers.append((kind, answer["type"], answer["code"]))
        # A served frame between bad ones keeps the socket under the 4400 limit.
        await socket.send_json_to({"type": "mark_all_read"})
    assert answers == [(kind, "error", code) for kind, code in CASES]
    assert await socket.receive_nothing() is True
    await socket.disconnect()
