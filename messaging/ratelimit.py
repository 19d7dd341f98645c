"""A flood limit kept in the Django cache, so that every process counts together.

A window opens with the first action of a key and lasts `window_s` seconds; at most `limit`
actions are allowed in it.
"""

import math
import time

from django.core.cache import cache


def hit(*, scope: str, key: str, limit: int, window_s: int) -> int:
    """Count one action; return 0 when it is allowed, else the seconds until the window ends."""
    base = f"ratelimit.{scope}.{key}"
    now = time.time()
    # add() succeeds for one caller only, so concurrent callers agree on when the window opened.
    cache.add(f"{base}.start", now, timeout=window_s)
    opened = cache.get(f"{base}.start", now)
    count_key = f"{base}.{opened:.6f}"
    cache.add(count_key, 0, timeout=window_s + 1)
    try:
        # incr() is atomic in Redis (INCRBY) and under a lock in the local-memory cache.
        count = cache.incr(count_key)
    except ValueError:
        # The count expired between add() and incr(): this action opens a fresh count.
        cache.add(count_key, 1, timeout=window_s + 1)
        count = 1
    if count <= limit:
        return 0
    return max(1, math.ceil(opened + window_s - now))
