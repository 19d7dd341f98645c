"""Flood control: at most CHAT_FLOOD_LIMIT messages per user per room in a sliding window.

The window is counted in one-second buckets kept in the Django cache (atomic increments in
Redis and in the local-memory cache alike), so every process shares the same count.
"""

import math
import time

from django.conf import settings
from django.core.cache import cache


def _key(room_id: int, user_id: int, second: int) -> str:
    return f"chat.flood.{room_id}.{user_id}.{second}"


def flood_admit(*, room_id: int, user_id: int, now: float | None = None) -> float | None:
    """Count one message; return None if it is admitted, else the seconds until one would be."""
    now = time.time() if now is None else now
    window = settings.CHAT_FLOOD_WINDOW_S
    second = math.floor(now)
    key = _key(room_id, user_id, second)
    try:
        count_now = cache.incr(key)
    except ValueError:
        # The second's first message; add() lets one of two racing first messages win.
        count_now = 1 if cache.add(key, 1, timeout=window + 1) else cache.incr(key)
    seconds = range(second - window + 1, second)
    earlier = cache.get_many([_key(room_id, user_id, s) for s in seconds])
    total = count_now + sum(earlier.values())
    if total <= settings.CHAT_FLOOD_LIMIT:
        return None
    # Refused messages do not count, so a client that waits is admitted again.
    cache.decr(key)
    oldest = min((s for s in seconds if earlier.get(_key(room_id, user_id, s))), default=second)
    return round(oldest + window - now, 2)
