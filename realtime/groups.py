"""Every channel-layer group name, each built by one function (docs/protocol.md says who listens).

Names are built from server-side ids only, never from anything a client sent.
"""

import hashlib


def user_group(user_id: int) -> str:
    """Return the group of every /ws/notifications/ socket of the user."""
    return f"user.{user_id}"


def account_group(user_id: int) -> str:
    """Return the group every socket of the user joins, whatever its endpoint (realtime.guard)."""
    return f"account.{user_id}"


def session_group(session_key: str) -> str:
    """Return the group of every socket opened with this login session."""
    # Hashed, so that session keys never appear in Redis.
    return "session." + hashlib.sha256(session_key.encode()).hexdigest()[:40]


def study_group(study_id: int) -> str:
    """Return the group of every study-scoped socket (chat rooms, call) of the study."""
    return f"study.{study_id}"


def room_group(room_id: int) -> str:
    """Return the group of a chat room's message frames (per process: realtime.fanout)."""
    return f"chat.room.{room_id}"


def room_events_group(room_id: int) -> str:
    """Return the group of every socket of a chat room: presence, typing, the room closing."""
    return f"chat.room.{room_id}.events"


def call_group(study_id: int) -> str:
    """Return the group of every socket in the study's call."""
    return f"rtc.study.{study_id}"


def dm_user_group(user_id: int) -> str:
    """Return the group every /ws/messages/ socket of the user joins."""
    return f"dm.user.{user_id}"
