"""Frames sent to every /ws/messages/ socket of a user."""

from realtime.groups import dm_user_group
from realtime.sender import send


def send_frame(user_id: int, frame: dict) -> None:
    """Send a server frame to every /ws/messages/ socket of the user (from after-commit hooks)."""
    send(dm_user_group(user_id), {"type": "dm.frame", "frame": frame})
