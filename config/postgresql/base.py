"""Django's PostgreSQL backend with its connection pool, failing at once while the server is down.

psycopg's pool makes a caller wait up to its timeout for a connection. While PostgreSQL is
down none ever comes, so every page, and every socket's call on Channels' one database
thread, would wait the whole timeout (10 s) before failing. Here a caller that gets no
sound connection from the pool within FIRST_WAIT_S tries to reach the server itself: if the
server does not answer, the caller gets that error at once, as it would without a pool; if
it does answer, the caller waits for the pool as before (every connection is busy).
"""

from django.db.backends.postgresql import base
from psycopg_pool import PoolTimeout

FIRST_WAIT_S = 0.05
PROBE_TIMEOUT_S = 2


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        pool = self.pool
        if pool is not None:
            pool.open()
            try:
                sound = pool.getconn(timeout=FIRST_WAIT_S)
            except PoolTimeout:
                probe = self.Database.connect(**{"connect_timeout": PROBE_TIMEOUT_S, **conn_params})
                probe.close()
            else:
                # Back to the pool, for Django's own hand-out below.
                pool.putconn(sound)
        return super().get_new_connection(conn_params)
