"""Events sent to the sockets of a chat room (group `chat.room.<id>`)."""

import asyncio
import json
import logging
import os

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder

logger = logging.getLogger(__name__)


def room_group(room_id: int) -> str:
    return f"chat.room.{room_id}"


def _serving_loop() -> asyncio.AbstractEventLoop | None:
    """Return the event loop this thread runs database calls for, if any (see asgiref)."""
    local = SyncToAsync.threadlocal
    if getattr(local, "main_event_loop_pid", None) != os.getpid():
        return None
    loop = getattr(local, "main_event_loop", None)
    return loop if loop is not None and loop.is_running() else None


def _log_failure(future) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.error("Chat event not sent", exc_info=future.exception())


def send_to_room(room_id: int, event: dict) -> None:
    layer = get_channel_layer()
    loop = _serving_loop()
    if loop is None:
        async_to_sync(layer.group_send)(room_group(room_id), event)
        return
    # Called from a socket's database call: hand the send to its event loop without waiting,
    # so the process's one database thread is not held while the loop delivers frames.
    # Sends start in call order; clients order messages by seq and resume over any gap.
    future = asyncio.run_coroutine_threadsafe(layer.group_send(room_group(room_id), event), loop)
    future.add_done_callback(_log_failure)


def frame_to_room(room_id: int, frame: dict) -> None:
    """Send the same frame to every socket of the room, encoded once rather than per socket."""
    send_to_room(room_id, {"type": "chat.frame", "text": json.dumps(frame, cls=DjangoJSONEncoder)})
