"""Which conversation pages a user has open, kept in the cache with an expiry.

A socket showing a conversation records it and refreshes the record while the page stays
open; a process that dies leaves a record that simply expires. The record holds the moment
it expires too, read on the module's `clock`, so tests move time instead of sleeping.
"""

import logging
import time

from django.conf import settings
from django.core.cache import cache

from config.ratelimit import CACHE_ERRORS

logger = logging.getLogger(__name__)

clock = time.time


def _key(user_id: int, conversation_id: int) -> str:
    return f"dm.focus.{user_id}.{conversation_id}"


def conversation_open_mark(*, user_id: int, conversation_id: int) -> None:
    ttl = settings.MESSAGING_FOCUS_TTL_S
    cache.set(_key(user_id, conversation_id), clock() + ttl, timeout=ttl)


def conversation_open_clear(*, user_id: int, conversation_id: int) -> None:
    cache.delete(_key(user_id, conversation_id))


def conversation_is_open(*, user_id: int, conversation_id: int) -> bool:
    """Return whether a page of the user shows the conversation.

    While the cache cannot be reached no page counts as open, so a new message still notifies
    its recipient: a notification too many rather than a message nobody hears of.
    """
    try:
        expires_at = cache.get(_key(user_id, conversation_id))
    except CACHE_ERRORS:
        logger.warning("Cache unreachable: conversation %s counted as not open", conversation_id)
        return False
    return expires_at is not None and clock() < expires_at
