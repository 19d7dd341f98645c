"""Events for the sockets of a chat room (`chat.room.<id>`), sent once the transaction commits."""

import json

from django.core.serializers.json import DjangoJSONEncoder

from realtime.groups import room_events_group, room_group
from realtime.sender import send_on_commit


def frame_to_room_on_commit(room_id: int, frame: dict, *, seq: int | None = None) -> None:
    """Send the same frame to every socket of the room, encoded once rather than per socket.

    `seq` numbers a new message's frame, so the room's sockets get them in order (realtime.fanout).
    """
    event = {"type": "chat.frame", "text": json.dumps(frame, cls=DjangoJSONEncoder)}
    if seq is not None:
        event["seq"] = seq
    send_on_commit(room_group(room_id), event)


def room_closed_on_commit(room_id: int) -> None:
    send_on_commit(room_events_group(room_id), {"type": "chat.room_closed", "room_id": room_id})
