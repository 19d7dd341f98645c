"""A transaction held open on a thread of its own, to commit out of order on purpose."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.db import connection, transaction

WAIT_S = 10


class HeldOpen:
    """Run `work` in a transaction on a thread of its own and keep it open until `commit()`.

    `result` is what `work` returned, available as soon as the object exists (uncommitted).
    """

    def __init__(self, work):
        self.inside = threading.Event()
        self.release = threading.Event()
        self.result = None
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.future = self.pool.submit(self.run, work)
        assert self.inside.wait(WAIT_S), "the held transaction did not start"
        if self.future.done():
            self.future.result()  # It failed: raise its error here.

    def run(self, work):
        try:
            with transaction.atomic():
                self.result = work()
                self.inside.set()
                assert self.release.wait(WAIT_S), "the held transaction was never released"
            return self.result
        finally:
            self.inside.set()
            connection.close()

    def commit(self):
        self.release.set()
        try:
            return self.future.result(timeout=WAIT_S)
        finally:
            self.pool.shutdown()


def wait_for_a_lock_wait() -> None:
    """Return once another session of this database waits for a lock (the test's doing)."""
    deadline = time.monotonic() + WAIT_S
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            assert time.monotonic() < deadline, "no session came to wait for a lock"
            time.sleep(0.01)
