"""Small helpers shared by the messaging tests; data goes through the real services."""

import itertools

from channels.db import database_sync_to_async

from messaging.services import message_send
from tests.conftest import communicator, session_key_for

PATH = "/ws/messages/"
_client_ids = itertools.count(1)


def send(sender, recipient, body="Hello"):
    message, _created = message_send(
        sender=sender, recipient_id=recipient.pk, body=body, client_id=f"t-{next(_client_ids)}"
    )
    return message


async def connected(user):
    """Open /ws/messages/ as the user and return it with its first (state) frame."""
    socket = communicator(PATH, await database_sync_to_async(session_key_for)(user))
    accepted, _ = await socket.connect()
    assert accepted
    state = await socket.receive_json_from()
    assert state["type"] == "messages.state"
    return socket, state
