"""The chat room socket: /ws/chat/<room_id>/ (frames in docs/protocol.md)."""

import asyncio
import collections
import contextlib
import logging
from enum import IntEnum

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from chat import ingest, selectors, services
from chat.models import Message
from chat.payloads import user_payload
from chat.selectors import Online
from realtime import fanout
from realtime.consumers import CloseCode, FrameError
from realtime.frames import int_field
from realtime.groups import room_events_group, room_group
from studies.sockets import StudyScopedConsumer

logger = logging.getLogger(__name__)

BACKLOG_PAGE = 100
# A socket's sends are stored without waiting for each other's ack: up to this many at once
# (one group-commit batch takes them together). Past it the socket is not read until the
# oldest is answered: back-pressure on a sender that outruns the database.
SENDS_IN_FLIGHT_MAX = 32
RESUME_READ = 10 * BACKLOG_PAGE
# Channels runs close_old_connections() in the database thread before every handler. These
# handlers reach the database only through database_sync_to_async (which does the same), or
# not at all; skipping that hop keeps one thread from serializing every event to every socket.
# (A room's chat.frame events do not come through here: realtime.fanout writes them.)
NO_DATABASE_HOP = frozenset({"websocket.receive", "chat.presence", "chat.typing"})


class ChatCloseCode(IntEnum):
    ROOM_CLOSED = 4410


def _client_id(frame: dict) -> str:
    value = frame.get("client_id")
    if not isinstance(value, str) or not 1 <= len(value) <= Message.MAX_CLIENT_ID:
        raise FrameError("bad_frame", _("'client_id' must be a string of 1 to 64 characters."))
    return value


# The socket's database calls: each one short hop to the database thread, returning plain values.
# A chat rule they break (ChatError) reaches the consumer base, which answers with an error frame.
_room_row = database_sync_to_async(selectors.room_row)
_latest_messages = database_sync_to_async(selectors.latest_messages)
_presence_enter = database_sync_to_async(services.presence_enter)
_presence_refresh = database_sync_to_async(services.presence_refresh)
_presence_leave = database_sync_to_async(services.presence_leave)
# Posts go to the group commit on their own thread (chat.ingest), not to the database thread.
_submit_post = ingest.submit
_message_edit = database_sync_to_async(services.message_edit)
_message_delete = database_sync_to_async(services.message_delete)
_messages_before = database_sync_to_async(selectors.messages_before)
_messages_after = database_sync_to_async(selectors.messages_after)


class ChatConsumer(StudyScopedConsumer):
    resumable = True
    room_id: int | None = None
    present = False
    online: Online | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The socket's sends being stored, oldest first: (frame, client_id, outcome future).
        self.sends: collections.deque[tuple[dict, str, asyncio.Future]] = collections.deque()
        self.send_answered = asyncio.Event()
        self.answering: asyncio.Task | None = None
        self.releasing_sends: asyncio.Task | None = None

    async def dispatch(self, message):
        if message["type"] in NO_DATABASE_HOP:
            await getattr(self, get_handler_name(message))(message)
        else:
            await super().dispatch(message)

    async def resolve_study_id(self) -> int | None:
        room = await _room_row(self.scope["url_route"]["kwargs"]["room_id"])
        if room is None:
            return None
        self.room_id = room.id
        self.room_open = room.is_open
        return room.study_id

    async def authorize(self) -> CloseCode | None:
        refusal = await super().authorize()
        if refusal is None and not self.room_open:
            return ChatCloseCode.ROOM_CLOSED
        return refusal

    async def groups_for_socket(self) -> list[str]:
        return [*await super().groups_for_socket(), room_events_group(self.room_id)]

    async def opened(self) -> None:
        # The room's message frames reach this socket through the process's one subscription to the
        # room (realtime.fanout), held back until the socket has sent its chat.state.
        await fanout.join(self, room_group(self.room_id), hold=True)
        online = await _presence_enter(
            room_id=self.room_id, user_id=self.user.pk, channel_name=self.channel_name
        )
        if online is None:
            # Closed between the check in connect() and joining the room's group.
            await self.room_closed()
            return
        self.present = True
        messages = await _latest_messages(room_id=self.room_id)
        self.online = online
        await self.send_json(
            {
                "type": "chat.state",
                "room_id": self.room_id,
                "messages": messages,
                "online": online.users,
            }
        )
        last_seq = messages[-1]["seq"] if messages else 0
        await fanout.release(self, room_group(self.room_id), after_seq=last_seq)
        self.repeat(lambda: settings.CHAT_PRESENCE_REFRESH_S, self.keep_present)
        await self.announce_presence(online)

    async def keep_present(self) -> None:
        """Refresh this socket's presence, and show changes nobody announced (a crashed process)."""
        online = await _presence_refresh(
            room_id=self.room_id, user_id=self.user.pk, channel_name=self.channel_name
        )
        await self.show_presence(online)

    async def show_presence(self, online: Online) -> None:
        """Show a newer list of who is online; older snapshots can arrive late and are ignored."""
        if self.online is not None and online.at < self.online.at:
            return
        changed = self.online is None or online.users != self.online.users
        self.online = online
        if changed:
            await self.send_json({"type": "chat.presence", "online": online.users})

    async def announce_presence(self, online: Online) -> None:
        await self.channel_layer.group_send(
            room_events_group(self.room_id),
            {"type": "chat.presence", "online": online.users, "at": online.at},
        )

    async def disconnect(self, code):
        try:
            await self.stop_tasks()
            if self.present:
                self.present = False
                # If the database is down too, the entry expires within CHAT_PRESENCE_TTL_S.
                online = await _presence_leave(room_id=self.room_id, channel_name=self.channel_name)
                await self.announce_presence(online)
        finally:
            if self.room_id is not None:
                await fanout.leave(self, room_group(self.room_id))
            await super().disconnect(code)

    async def room_closed(self) -> None:
        await self.send_json({"type": "room.closed", "room_id": self.room_id})
        await self.close(code=ChatCloseCode.ROOM_CLOSED)

    # Client frames.

    async def handle_send(self, frame):
        """Queue the post and go on reading: `answer_sends` answers the socket's sends in order.

        Sends that come one after another (a burst, or resent pending ones) are stored
        together by the group commit instead of one commit each.
        """
        client_id = _client_id(frame)
        if self.releasing_sends is not None:
            # The last answered sends are handing over the room's held events: let them finish.
            await asyncio.shield(self.releasing_sends)
        while len(self.sends) >= SENDS_IN_FLIGHT_MAX:
            # Back-pressure: the socket is not read until the oldest send is answered.
            self.send_answered.clear()
            await self.send_answered.wait()
        if not self.sends:
            # The sender gets its acks before the room's chat.message of the same messages.
            fanout.hold(self, room_group(self.room_id))
        self.sends.append(
            (
                frame,
                client_id,
                _submit_post(
                    room_id=self.room_id,
                    author=self.user,
                    body=frame.get("body"),
                    client_id=client_id,
                ),
            )
        )
        if self.answering is None:
            self.answering = asyncio.create_task(self.answer_sends())
            self.tasks.append(self.answering)

    async def answer_sends(self) -> None:
        """Answer each queued send once stored (its chat.ack or its error frame), in order."""
        try:
            while self.sends:
                frame, client_id, outcome = self.sends[0]
                try:
                    message, _new = await outcome
                except Exception as error:
                    await self.frame_failed(frame, error)
                else:
                    self.bad_frames_in_a_row = 0
                    await self.send_json(
                        {"type": "chat.ack", "client_id": client_id, "message": message}
                    )
                self.sends.popleft()
                self.send_answered.set()
            self.releasing_sends = asyncio.current_task()
            await fanout.release(self, room_group(self.room_id))
        except Exception:
            # The socket broke while answering: it is closing, and clients resend what
            # they have no ack for.
            logger.warning("Answers to sends not written", exc_info=True)
        finally:
            self.releasing_sends = None
            self.answering = None
            with contextlib.suppress(ValueError):
                self.tasks.remove(asyncio.current_task())

    async def handle_edit(self, frame):
        await _message_edit(
            room_id=self.room_id,
            message_id=int_field(frame, "id", minimum=1),
            by=self.user,
            body=frame.get("body"),
        )

    async def handle_delete(self, frame):
        await _message_delete(
            room_id=self.room_id,
            message_id=int_field(frame, "id", minimum=1),
            by=self.user,
        )

    async def handle_history(self, frame):
        before = int_field(frame, "before", minimum=1)
        limit = frame.get("limit", selectors.HISTORY_PAGE_MAX)
        if type(limit) is not int or not 1 <= limit <= selectors.HISTORY_PAGE_MAX:
            raise FrameError("bad_frame", _("'limit' must be an integer from 1 to 100."))
        messages = await _messages_before(room_id=self.room_id, before=before, limit=limit)
        await self.send_json(
            {
                "type": "chat.history",
                "before": before,
                "messages": messages,
                "complete": len(messages) < limit,
            }
        )

    async def handle_resume(self, frame):
        after = int_field(frame, "after", minimum=0)
        while True:
            # One database hop reads up to RESUME_READ messages; they go out BACKLOG_PAGE a frame.
            messages = await _messages_after(room_id=self.room_id, after=after, limit=RESUME_READ)
            for start in range(0, RESUME_READ, BACKLOG_PAGE):
                page = messages[start : start + BACKLOG_PAGE]
                complete = len(page) < BACKLOG_PAGE
                await self.send_json(
                    {"type": "chat.backlog", "after": after, "messages": page, "complete": complete}
                )
                if complete:
                    return
                after = page[-1]["seq"]

    async def handle_typing(self, frame):
        key = f"chat.typing.{self.room_id}.{self.user.pk}"
        # Over the throttle the frame is dropped: typing is a hint, not worth an error.
        if await cache.aadd(key, 1, timeout=settings.CHAT_TYPING_THROTTLE_S):
            await self.channel_layer.group_send(
                room_events_group(self.room_id),
                {"type": "chat.typing", "user": user_payload(self.user)},
            )

    # Events from the room's group.

    async def chat_presence(self, event):
        await self.show_presence(Online(users=event["online"], at=event["at"]))

    async def chat_typing(self, event):
        if event["user"]["id"] != self.user.pk:
            await self.send_json(
                {
                    "type": "chat.typing",
                    "user": event["user"],
                    "expires_in": settings.CHAT_TYPING_EXPIRY_S,
                }
            )

    async def chat_room_closed(self, event):
        await self.room_closed()
