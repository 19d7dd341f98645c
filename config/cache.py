"""Django's Redis cache with one connection pool per process and server.

Under ASGI each request gets cache objects of its own (django.core.cache.caches is local to
the request's context), and each of Django's RedisCache objects builds its own connection
pool: every page opened a new connection to Redis. Here the cache objects share the pool of
their server, made once per process.
"""

import threading

from django.core.cache.backends import redis as django_redis

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
