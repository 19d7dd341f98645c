"""Group commit for chat posts, on a thread of their own.

A socket's `send` frame waits here for its outcome. Posts that arrive while the previous batch
is being stored (typically within the few milliseconds of one commit) are stored together:
one transaction and one WAL flush per room per batch (services.message_post_many). Each post
is still answered only once its batch has committed, and every rule applies to it alone.

On PostgreSQL the batches run on one dedicated thread per process (with a database connection
of its own), so posts do not wait behind the other database calls of the process (presence,
history, pages) on Channels' database thread. On the embedded SQLite default they run on
Channels' database thread like every other database call, so that one thread writes the file.
"""

import asyncio
import collections
import contextvars
import time
import weakref
from concurrent.futures import ThreadPoolExecutor

from channels.db import database_sync_to_async
from django.db import close_old_connections, connections

from chat import services

# Posts stored in one transaction at most; more waiting go in the next batch.
BATCH_MAX = 200

_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-ingest")
# The thread keeps its connection between batches and hands it back to the process's pool
# (which checks it before handing it out again) at most this often while batches keep coming:
# a check per batch is one more round trip per batch. A batch that fails hands it back at
# once, so a dropped connection costs one failed batch (its posts are answered `unavailable`
# and resent by the clients), then the next batch gets a sound connection.
CHECK_EVERY_S = 1.0
_checked_at = -CHECK_EVERY_S


def _store(posts: list[services.Post]) -> list:
    global _checked_at
    if time.monotonic() - _checked_at >= CHECK_EVERY_S:
        close_old_connections()
        _checked_at = time.monotonic()
    try:
        return services.message_post_many(posts)
    except Exception:
        close_old_connections()
        _checked_at = -CHECK_EVERY_S
        raise


class _Ingest:
    """The posts waiting on one event loop, stored batch after batch by one task."""

    def __init__(self):
        self.waiting: collections.deque[tuple[services.Post, asyncio.Future]] = collections.deque()
        self.task: asyncio.Task | None = None

    def put(self, post: services.Post) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.waiting.append((post, future))
        if self.task is None:
            self.task = loop.create_task(self.drain())
        return future

    async def drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.waiting:
                batch = [self.waiting.popleft() for _ in range(min(len(self.waiting), BATCH_MAX))]
                # The sender finds the serving loop through the context (realtime.sender).
                run = contextvars.copy_context().run
                posts = [post for post, _ in batch]
                try:
                    if connections["default"].vendor == "postgresql":
                        outcomes = await loop.run_in_executor(_thread, run, _store, posts)
                    else:
                        outcomes = await database_sync_to_async(services.message_post_many)(posts)
                except Exception as error:
                    outcomes = [error] * len(batch)
                for (_post, future), outcome in zip(batch, outcomes, strict=True):
                    if future.done():
                        continue
                    if isinstance(outcome, Exception):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)
        finally:
            self.task = None


_ingests: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Ingest] = (
    weakref.WeakKeyDictionary()
)


def submit(*, room_id: int, author, body, client_id: str) -> asyncio.Future:
    """Queue a post (services.message_post) with the others that arrive meanwhile.

    The future has the post's outcome, (payload, is_new), or the error that refused it.
    """
    loop = asyncio.get_running_loop()
    ingest = _ingests.get(loop)
    if ingest is None:
        ingest = _ingests[loop] = _Ingest()
    return ingest.put(services.Post(room_id, author, body, client_id))


async def message_post(*, room_id: int, author, body, client_id: str) -> tuple[dict, bool]:
    """services.message_post, stored with the other posts that arrive meanwhile."""
    return await submit(room_id=room_id, author=author, body=body, client_id=client_id)
