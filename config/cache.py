"""Django's Redis cache with one connection pool per process and server.

Under ASGI each request gets cache objects of its own (django.core.cache.caches is local to
the request's context), and each of Django's RedisCache objects builds its own connection
pool: every page opened a new connection to Redis. Here the cache objects share the pool of
their server, made once per process.
"""

import threading
import time
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

from django.core.cache.backends import redis as django_redis

T = TypeVar("T")

_pools = {}
_pools_lock = threading.Lock()


class _SharedPoolClient(django_redis.RedisCacheClient):
    def _get_connection_pool(self, write):
        index = self._get_connection_pool_index(write)
        pool = self._pools.get(index)
        if pool is None:
            server = self._servers[index]
            with _pools_lock:
                pool = _pools.get(server)
                if pool is None:
                    pool = _pools[server] = self._pool_class.from_url(server, **self._pool_options)
            self._pools[index] = pool
        return pool


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _SharedPoolClient


class KeptLocally(Generic[T]):
    """The value of `load()`, kept in this process for `seconds` before it is loaded again.

    For values shared through the cache that may be a little old: each Redis GET is a round
    trip (about a quarter of a millisecond), where a value kept here costs nothing.
    """

    _all: "weakref.WeakSet[KeptLocally]" = weakref.WeakSet()

    def __init__(self, load: Callable[[], T], seconds: float):
        self.load = load
        self.seconds = seconds
        self._kept: tuple[float, T | None] = (0.0, None)
        KeptLocally._all.add(self)

    def get(self) -> T:
        until, value = self._kept
        now = time.monotonic()
        if now >= until:
            value = self.load()
            self._kept = (now + self.seconds, value)
        return value

    @classmethod
    def forget_all(cls) -> None:
        """Load every value afresh next time (each test starts from an empty cache)."""
        for kept in list(cls._all):
            kept._kept = (0.0, None)
