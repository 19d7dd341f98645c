"""The one place that names this app's groups and sends its events."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def dm_user_group(user_id: int) -> str:
    """Return the group every /ws/messages/ socket of the user joins."""
    return f"dm.user.{user_id}"


def send_frame(user_id: int, frame: dict) -> None:
    """Send a server frame to every /ws/messages/ socket of the user."""
    async_to_sync(get_channel_layer().group_send)(
        dm_user_group(user_id), {"type": "dm.frame", "frame": frame}
    )
