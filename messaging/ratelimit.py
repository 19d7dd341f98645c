"""A fixed-window flood limit kept in the Django cache, shared by every process."""

import time

from django.core.cache import cache


def hit(*, scope: str, key: str, limit: int, window_s: int) -> int:
    """Count one action; return 0 when allowed, else the seconds until the next window."""
    now = time.time()
    window = int(now // window_s)
    cache_key = f"ratelimit.{scope}.{key}.{window}"
    # add() never overwrites and incr() is atomic in Redis, so concurrent processes count once each.
    cache.add(cache_key, 0, timeout=window_s * 2)
    try:
        count = cache.incr(cache_key)
    except ValueError:
        # The key expired between add() and incr(): this action opens a fresh count.
        cache.add(cache_key, 1, timeout=window_s * 2)
        count = 1
    if count <= limit:
        return 0
    return max(1, int((window + 1) * window_s - now + 0.999))
