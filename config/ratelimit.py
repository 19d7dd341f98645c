"""The one rate limiter: at most `limit` hits per key in any sliding window of `window_s` seconds.

Counts live in the Django cache (Redis in served mode, so every process counts together; the
local-memory cache in the embedded default). The window is counted in buckets: a hit adds to
the bucket of its moment, and a key is admitted while the buckets of the last `window_s`
seconds hold at most `limit`. A refused hit is not counted, so a client that waits is admitted
again. The clock is injectable, so tests move time instead of sleeping.

On the Redis cache a hit is one Lua script (atomic: no decrement of a refused hit afterwards)
and `hit_many` counts a whole batch of hits in one pipeline, so a batch of chat posts costs two
round trips, not three per post. Other caches (the embedded default's local memory) count with
the cache's own operations.

When the cache cannot be reached (Redis down, after the client's own retries), a limiter
degrades as its `when_unreachable` says, and logs a warning:
- `Unreachable.ADMIT` (the default, for flood limits on chat and direct messages): every hit
  is admitted, so users can go on writing while Redis is away; flooding is unchecked meanwhile.
- `Unreachable.REFUSE` (for limits that guard against abuse, such as login throttling): every
  hit is refused with `UNREACHABLE_RETRY_AFTER_S`, so an outage never opens the door.
"""

import logging
import math
import threading
import time
from collections.abc import Callable
from enum import Enum

import redis
from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from django.utils.module_loading import import_string
from redis.commands.core import Script

logger = logging.getLogger(__name__)

MAX_BUCKETS = 60
UNREACHABLE_RETRY_AFTER_S = 5.0
CACHE_ERRORS = (redis.ConnectionError, redis.TimeoutError)

# KEYS[1]: the current bucket; KEYS[2..]: the window's earlier buckets, oldest first.
# ARGV[1]: the limit; ARGV[2]: the current bucket's time to live in seconds.
# Returns {1} when the hit is admitted (and counted), else {0, count of each earlier bucket}.
HIT_SCRIPT = """
local result = {0}
local earlier = 0
for i = 2, #KEYS do
  local count = tonumber(redis.call("GET", KEYS[i]) or "0")
  result[i] = count
  earlier = earlier + count
end
local now = redis.call("INCR", KEYS[1])
if now == 1 then
  redis.call("EXPIRE", KEYS[1], ARGV[2])
end
if now + earlier <= tonumber(ARGV[1]) then
  return {1}
end
redis.call("DECR", KEYS[1])
return result
"""

_scripts: dict[str, Script] = {}
_scripts_lock = threading.Lock()


def _redis_script() -> Script | None:
    """The hit script on a client of the cache's Redis (None when the cache is not Redis).

    The cache's own client is not public API: this one is made from the same settings, once
    per location (tests may point the cache elsewhere).
    """
    config = settings.CACHES["default"]
    if not issubclass(import_string(config["BACKEND"]), RedisCache):
        return None
    location = config["LOCATION"]
    with _scripts_lock:
        script = _scripts.get(location)
        if script is None:
            client = redis.Redis.from_url(location, **config.get("OPTIONS", {}))
            script = _scripts[location] = client.register_script(HIT_SCRIPT)
    return script


class Unreachable(Enum):
    ADMIT = "admit"
    REFUSE = "refuse"


def _value(setting: int | Callable[[], int]) -> int:
    return setting() if callable(setting) else setting


class RateLimit:
    def __init__(
        self,
        scope: str,
        *,
        limit: int | Callable[[], int],
        window_s: int | Callable[[], int],
        clock: Callable[[], float] = time.time,
        when_unreachable: Unreachable = Unreachable.ADMIT,
    ):
        """`limit` and `window_s` may be callables, read at each hit (e.g. from settings)."""
        self.scope = scope
        self.when_unreachable = when_unreachable
        self._limit = limit
        self._window_s = window_s
        self.clock = clock

    @property
    def limit(self) -> int:
        return _value(self._limit)

    @property
    def window_s(self) -> int:
        return _value(self._window_s)

    def _bucket_s(self) -> int:
        return max(1, math.ceil(self.window_s / MAX_BUCKETS))

    def _key(self, key: str, bucket: int) -> str:
        return f"ratelimit.{self.scope}.{key}.{bucket}"

    def _window(self, key: str, now: float) -> tuple[int, list[str]]:
        """Return the current bucket and the keys of the earlier buckets still in the window."""
        size = self._bucket_s()
        bucket = math.floor(now / size)
        earlier = range(bucket - math.ceil(self.window_s / size) + 1, bucket)
        return bucket, [self._key(key, b) for b in earlier]

    def _retry_after(self, earlier: dict, keys: list[str], bucket: int, now: float) -> float:
        size = self._bucket_s()
        oldest = next((i for i, k in enumerate(keys) if earlier.get(k)), None)
        start = (bucket - len(keys) + oldest) * size if oldest is not None else bucket * size
        return max(0.01, round(start + self.window_s - now, 2))

    def _unreachable(self) -> float | None:
        logger.warning(
            "Rate limit %s: the cache does not answer; %s",
            self.scope,
            "admitting" if self.when_unreachable is Unreachable.ADMIT else "refusing",
            exc_info=True,
        )
        return None if self.when_unreachable is Unreachable.ADMIT else UNREACHABLE_RETRY_AFTER_S

    def hit(self, key: str) -> float | None:
        """Count one hit; return None if it is admitted, else the seconds until one would be."""
        return self.hit_many([key])[0]

    def hit_many(self, keys: list[str]) -> list[float | None]:
        """Count one hit per key, in order (a key may come several times); see `hit`."""
        try:
            script = _redis_script()
            if script is None:
                return [self._hit(key) for key in keys]
            return self._hit_many_redis(script, keys)
        except CACHE_ERRORS:
            return [self._unreachable()] * len(keys)

    def _hit_many_redis(self, script, keys: list[str]) -> list[float | None]:
        now = self.clock()
        limit, timeout = self.limit, self.window_s + self._bucket_s()
        windows = [self._window(key, now) for key in keys]
        pipeline = script.registered_client.pipeline(transaction=False)
        for key, (bucket, earlier) in zip(keys, windows, strict=True):
            names = [self._key(key, bucket), *earlier]
            script(
                keys=[cache.make_key(name) for name in names],
                args=[limit, timeout],
                client=pipeline,
            )
        outcomes = []
        for (bucket, earlier), reply in zip(windows, pipeline.execute(), strict=True):
            if reply[0] == 1:
                outcomes.append(None)
            else:
                counts = dict(zip(earlier, reply[1:], strict=True))
                outcomes.append(self._retry_after(counts, earlier, bucket, now))
        return outcomes

    def _hit(self, key: str) -> float | None:
        now = self.clock()
        bucket, keys = self._window(key, now)
        current = self._key(key, bucket)
        timeout = self.window_s + self._bucket_s()
        try:
            count_now = cache.incr(current)
        except ValueError:
            # The bucket's first hit; add() lets one of two racing first hits win.
            count_now = 1 if cache.add(current, 1, timeout=timeout) else cache.incr(current)
        earlier = cache.get_many(keys)
        if count_now + sum(earlier.values()) <= self.limit:
            return None
        cache.decr(current)
        return self._retry_after(earlier, keys, bucket, now)

    def blocked_for(self, key: str) -> float | None:
        """Return the seconds until a hit would be admitted, or None if it would be now."""
        try:
            return self._blocked_for(key)
        except CACHE_ERRORS:
            return self._unreachable()

    def _blocked_for(self, key: str) -> float | None:
        now = self.clock()
        bucket, keys = self._window(key, now)
        counts = cache.get_many([*keys, self._key(key, bucket)])
        if sum(counts.values()) < self.limit:
            return None
        return self._retry_after(counts, keys, bucket, now)

    def reset(self, key: str) -> None:
        bucket, keys = self._window(key, self.clock())
        cache.delete_many([*keys, self._key(key, bucket)])
