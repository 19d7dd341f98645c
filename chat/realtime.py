"""Events sent to the sockets of a chat room (group `chat.room.<id>`)."""

import json

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder


def room_group(room_id: int) -> str:
    return f"chat.room.{room_id}"


def send_to_room(room_id: int, event: dict) -> None:
    async_to_sync(get_channel_layer().group_send)(room_group(room_id), event)


def frame_to_room(room_id: int, frame: dict) -> None:
    """Send the same frame to every socket of the room, encoded once rather than per socket."""
    send_to_room(room_id, {"type": "chat.frame", "text": json.dumps(frame, cls=DjangoJSONEncoder)})
