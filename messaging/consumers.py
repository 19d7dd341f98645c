from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.conf import settings
from django.utils.translation import gettext as _

from messaging import presence, selectors
from messaging.payloads import message_payload
from messaging.services import conversation_mark_read, message_delete, message_send
from realtime.consumers import CohortConsumer, FrameError
from realtime.frames import int_field
from realtime.groups import dm_user_group


@database_sync_to_async
def _state(user) -> dict:
    return {"type": "messages.state", "unread": selectors.unread_total_for(user)}


@database_sync_to_async
def _send(user, frame: dict) -> dict:
    message, _created = message_send(
        sender=user,
        recipient_id=int_field(frame, "to", minimum=1),
        body=frame.get("body"),
        client_id=frame.get("client_id"),
    )
    return message_payload(message)


@database_sync_to_async
def _resume(user, after: int, conversation_id: int | None) -> dict:
    messages, more = selectors.messages_after_for(
        user=user,
        after=after,
        limit=settings.MESSAGING_RESUME_LIMIT,
        conversation_id=conversation_id,
    )
    return {
        "type": "messages.resume",
        "messages": [message_payload(m) for m in messages],
        "more": more,
        "unread": selectors.unread_total_for(user),
    }


@database_sync_to_async
def _visible_conversation_id(user, conversation_id: int) -> int | None:
    conversation = selectors.available_conversation_for(user=user, conversation_id=conversation_id)
    return None if conversation is None else conversation.pk


@database_sync_to_async
def _mark_read(user, conversation_id: int, up_to: int) -> bool:
    """Mark the conversation read up to a message; False when it is not the user's to read."""
    conversation = selectors.available_conversation_for(user=user, conversation_id=conversation_id)
    if conversation is None:
        return False
    conversation_mark_read(user=user, conversation=conversation, up_to=up_to)
    return True


@database_sync_to_async
def _delete(user, message_id: int) -> None:
    message_delete(user=user, message_id=message_id)


class MessagesConsumer(CohortConsumer):
    """A logged-in user's direct messages in all conversations: /ws/messages/."""

    resumable = True

    focused: int | None = None

    async def groups_for_socket(self):
        return [dm_user_group(self.user.pk)]

    async def opened(self):
        await self.send_json(await _state(self.user))

    async def disconnect(self, code):
        # The focus record expires by itself (MESSAGING_FOCUS_TTL_S) when Redis is down.
        try:
            await self.unfocus()
        finally:
            await super().disconnect(code)

    async def handle_send(self, frame):
        payload = await _send(self.user, frame)
        # Echoed to this socket at once; the sender's other tabs learn of it from message.new.
        await self.send_json({"type": "message.sent", "message": payload})

    async def handle_resume(self, frame):
        after = int_field(frame, "after")
        conversation_id = None
        if frame.get("conversation") is not None:
            conversation_id = int_field(frame, "conversation", minimum=1)
        await self.send_json(await _resume(self.user, after, conversation_id))

    async def conversation_named_by(self, frame) -> int:
        """Return the id of the conversation the frame names, if the user may see it."""
        conversation_id = await _visible_conversation_id(
            self.user, int_field(frame, "conversation", minimum=1)
        )
        if conversation_id is None:
            raise FrameError("not_found", _("No such conversation."))
        return conversation_id

    async def handle_mark_read(self, frame):
        up_to = int_field(frame, "up_to", minimum=1)
        conversation_id = int_field(frame, "conversation", minimum=1)
        if not await _mark_read(self.user, conversation_id, up_to):
            raise FrameError("not_found", _("No such conversation."))

    async def handle_delete(self, frame):
        await _delete(self.user, int_field(frame, "message", minimum=1))

    async def handle_focus(self, frame):
        if frame.get("conversation") is None:
            await self.unfocus()
            return
        conversation_id = await self.conversation_named_by(frame)
        if self.focused not in (None, conversation_id):
            await self.unfocus()
        self.focused = conversation_id
        await self.record_focus()

    async def record_focus(self):
        await sync_to_async(presence.conversation_open_mark)(
            user_id=self.user.pk, conversation_id=self.focused
        )

    async def unfocus(self):
        if self.focused is None:
            return
        conversation_id, self.focused = self.focused, None
        await sync_to_async(presence.conversation_open_clear)(
            user_id=self.user.pk, conversation_id=conversation_id
        )
        # Another tab of the user may still show this conversation: it records itself again.
        await self.channel_layer.group_send(
            dm_user_group(self.user.pk),
            {"type": "dm.focus_check", "conversation": conversation_id},
        )

    async def dm_frame(self, event):
        await self.send_json(event["frame"])

    async def dm_focus_check(self, event):
        if self.focused == event["conversation"]:
            await self.record_focus()
