"""Which conversation pages a user has open, kept in the cache with an expiry.

A socket showing a conversation records it and refreshes the record while the page stays
open; a process that dies leaves a record that simply expires.
"""

from django.conf import settings
from django.core.cache import cache


def _key(user_id: int, conversation_id: int) -> str:
    return f"dm.focus.{user_id}.{conversation_id}"


def conversation_open_mark(*, user_id: int, conversation_id: int) -> None:
    cache.set(_key(user_id, conversation_id), 1, timeout=settings.MESSAGING_FOCUS_TTL_S)


def conversation_open_clear(*, user_id: int, conversation_id: int) -> None:
    cache.delete(_key(user_id, conversation_id))


def conversation_is_open(*, user_id: int, conversation_id: int) -> bool:
    return cache.get(_key(user_id, conversation_id)) is not None
