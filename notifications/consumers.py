from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from django.conf import settings
from django.utils.translation import gettext as _

from notifications.models import Notification
from notifications.payloads import notification_payload
from notifications.selectors import (
    latest_id_for,
    notifications_after_for,
    recent_unread_for,
    unread_count_for,
)
from notifications.services import notification_mark_read, notifications_mark_all_read
from realtime.consumers import CohortConsumer, FrameError
from realtime.frames import int_field
from realtime.groups import user_group


@database_sync_to_async
def _state_frame(user) -> dict:
    return {
        "type": "notifications.state",
        "unread": unread_count_for(user),
        "items": [notification_payload(n) for n in recent_unread_for(user)],
        "latest_id": latest_id_for(user),
    }


@database_sync_to_async
def _resume_frame(user, after: int) -> dict:
    notifications, more = notifications_after_for(
        user, after=after, limit=settings.NOTIFICATIONS_RESUME_LIMIT
    )
    return {
        "type": "notifications.resume",
        "after": after,
        "notifications": [notification_payload(n) for n in notifications],
        "more": more,
        "unread": unread_count_for(user),
    }


@database_sync_to_async
def _mark_read(user, notification_id: int) -> bool:
    try:
        notification_mark_read(user=user, notification_id=notification_id)
    except Notification.DoesNotExist:
        return False
    return True


@database_sync_to_async
def _mark_all_read(user) -> None:
    notifications_mark_all_read(user=user)


# Events whose handlers reach no database: they skip Channels' close_old_connections() hop to
# the process's one database thread, so a notice to 100 sockets is not 100 queued hops.
NO_DATABASE_HOP = frozenset({"notification.new", "notifications.read"})


class NotificationConsumer(CohortConsumer):
    """A logged-in user's live notifications: /ws/notifications/."""

    resumable = True

    async def dispatch(self, message):
        if message["type"] in NO_DATABASE_HOP:
            await getattr(self, get_handler_name(message))(message)
        else:
            await super().dispatch(message)

    async def groups_for_socket(self):
        return [user_group(self.user.pk)]

    async def opened(self):
        await self.send_json(await _state_frame(self.user))

    async def handle_mark_read(self, frame):
        if not await _mark_read(self.user, int_field(frame, "id", minimum=1)):
            raise FrameError("not_found", _("No such notification."))

    async def handle_resume(self, frame):
        await self.send_json(await _resume_frame(self.user, int_field(frame, "after")))

    async def handle_mark_all_read(self, frame):
        await _mark_all_read(self.user)

    async def notification_new(self, event):
        await self.send_json(
            {
                "type": "notification.new",
                "notification": event["notification"],
                "unread": event["unread"],
            }
        )

    async def notifications_read(self, event):
        await self.send_json(
            {
                "type": "notifications.read",
                "ids": event["ids"],
                "all": event["all"],
                "unread": event["unread"],
            }
        )
