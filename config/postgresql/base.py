"""Django's PostgreSQL backend with its connection pool, failing at once while the server is down.

psycopg's pool makes a caller wait up to its timeout for a connection. While PostgreSQL is
down none ever comes, so every page, and every socket's call on Channels' one database
thread, would wait the whole timeout (10 s) before failing. Here the pool is asked with a
short wait (FIRST_WAIT_S). A caller that gets no sound connection in that time tries to reach
the server itself, once. If the server does not answer, the caller gets that error at once,
as it would without a pool. If it does answer, every connection is busy, and the caller
keeps asking the pool until the configured timeout has passed.
"""

import time

from django.db.backends.postgresql import base
from psycopg_pool import PoolTimeout

FIRST_WAIT_S = 0.05
PROBE_TIMEOUT_S = 2


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self):
        pool = super().pool
        if pool is not None and not hasattr(pool, "busy_wait_s"):
            # The configured timeout is how long a caller waits while every connection is busy.
            pool.busy_wait_s, pool.timeout = pool.timeout, FIRST_WAIT_S
        return pool

    def get_new_connection(self, conn_params):
        pool = self.pool
        if pool is None:
            return super().get_new_connection(conn_params)
        deadline = time.monotonic() + pool.busy_wait_s
        probed = False
        while True:
            try:
                return super().get_new_connection(conn_params)
            except PoolTimeout:
                if not probed:
                    probe = {"connect_timeout": PROBE_TIMEOUT_S, **conn_params}
                    self.Database.connect(**probe).close()
                    probed = True
                if time.monotonic() >= deadline:
                    raise
