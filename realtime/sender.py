"""The one way synchronous code sends events to channel-layer groups.

`send_on_commit(group, event)` sends once the current transaction commits (at once outside
one); `after_commit(hook)` runs a hook that reads committed state and then calls `send`.
Neither ever raises into the caller or stops the other after-commit hooks.

Inside a served process the send is handed to the event loop that serves the request or
socket (recorded by `ServingLoopMiddleware`), so the database thread never waits for Redis;
one task per loop delivers the sends in the order they were handed over. Elsewhere
(management commands, plain sync tests) `send` delivers before it returns.
Connection errors are retried with a short backoff; what still fails is logged.

Async consumer code (typing, presence, a socket's own hints) awaits
`self.channel_layer.group_send` itself: it already runs on the loop and holds no database thread.
"""

import asyncio
import collections
import contextvars
import logging
import weakref
from collections.abc import Awaitable, Callable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.db import transaction
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Pauses before each retry of a send that failed to reach the channel layer's server.
RETRY_DELAYS_S = (0.05, 0.2, 0.5)
CONNECTION_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)

serving_loop: contextvars.ContextVar[asyncio.AbstractEventLoop | None] = contextvars.ContextVar(
    "serving_loop", default=None
)


# The scope key under which a WebSocket's consumer finds the server's own `send`.
SERVER_SEND = "cohort.server_send"


class ServingLoopMiddleware:
    """ASGI middleware recording the loop that serves each connection.

    asgiref copies context variables into the threads that run synchronous code
    (database calls, views), so `send` called there finds the loop to hand its send to.
    Being outermost, it also puts the server's `send` in a WebSocket's scope (SERVER_SEND):
    the middlewares inside have nothing to do for a `websocket.send`, and the process-local
    fan-out (realtime.fanout) writes every room frame to every socket through it.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        serving_loop.set(asyncio.get_running_loop())
        if scope["type"] == "websocket":
            scope = {**scope, SERVER_SEND: send}
        return await self.app(scope, receive, send)


def send_on_commit(group: str, event: dict) -> None:
    """Send `event` to `group` once the current transaction commits; never if it rolls back."""
    transaction.on_commit(lambda: send(group, event))


def after_commit(hook: Callable[[], None]) -> None:
    """Run `hook` (which reads committed state and calls `send`) once the transaction commits.

    A hook that raises is logged and the other hooks still run.
    """

    def isolated() -> None:
        try:
            hook()
        except Exception:
            logger.exception("After-commit hook %r failed", hook)

    transaction.on_commit(isolated)


def send(group: str, event: dict) -> None:
    """Send `event` to `group` now, without waiting for delivery when a loop serves this code."""
    send_many([(group, event)])


def send_many(sends: list[tuple[str, dict]]) -> None:
    """Send each (group, event) like `send`, in order, handed over (or delivered) all at once."""
    loop = _loop_to_send_on()
    if loop is not None:
        try:
            loop.call_soon_threadsafe(_hand_over, sends)
            return
        except RuntimeError:
            pass  # The loop closed since it was checked: deliver from here instead.
    try:
        async_to_sync(deliver_many)(sends)
    except Exception:
        logger.exception("Events to %d groups not sent", len({group for group, _ in sends}))


async def deliver_many(sends: list[tuple[str, dict]]) -> None:
    """Deliver the sends in the order given.

    On the Redis pub/sub layer, each Redis server gets all of its publishes in one pipeline
    (one round trip, where a notification to 100 users took 100 in a row); elsewhere (the
    embedded in-memory layer) one group_send after another.
    """
    layer = get_channel_layer()
    if isinstance(layer, RedisPubSubChannelLayer) and len(sends) > 1:
        for shard, publishes in _publishes_by_shard(layer, sends):
            await _publish_all(shard, publishes)
        return
    for group, event in sends:
        await deliver(group, event)


def _publishes_by_shard(layer: RedisPubSubChannelLayer, sends: list[tuple[str, dict]]):
    """Return [(shard, [(group, channel, message), ...]), ...], each shard's in the given order.

    The group's channel name, the shard it hashes to and the message encoding are the
    layer's own, as its group_send computes them.
    """
    loop_layer = layer._get_layer()
    by_shard = {}
    for group, event in sends:
        channel = loop_layer._get_group_channel_name(group)
        shard = loop_layer._get_shard(channel)
        by_shard.setdefault(shard, []).append((group, channel, layer.serialize(event)))
    return by_shard.items()


async def _publish_all(shard, publishes: list[tuple[str, str, bytes]]) -> None:
    """Publish on one shard in one pipeline, retried like `deliver`; log a final failure."""

    async def publish() -> None:
        async with shard._lock:
            shard._ensure_redis()
            pipeline = shard._redis.pipeline(transaction=False)
            for _, channel, message in publishes:
                pipeline.publish(channel, message)
            await pipeline.execute()

    await _retried(publish, f"Events to {len({group for group, _, _ in publishes})} groups")


async def deliver(group: str, event: dict) -> bool:
    """Send `event` to `group`, retrying connection errors; log a final failure, never raise.

    Return whether the channel layer took the event.
    """
    return await _retried(
        lambda: get_channel_layer().group_send(group, event),
        f"Event {event.get('type')!r} to group {group}",
    )


async def _retried(attempt: Callable[[], Awaitable[None]], what: str) -> bool:
    """Await `attempt()`, again after each pause of RETRY_DELAYS_S while the connection fails.

    Log a final failure (`what` names what was not sent) and return whether it went out.
    """
    for retry_delay in (*RETRY_DELAYS_S, None):
        try:
            await attempt()
            return True
        except CONNECTION_ERRORS:
            if retry_delay is None:
                logger.exception("%s not sent after %d attempts", what, len(RETRY_DELAYS_S) + 1)
                return False
            await asyncio.sleep(retry_delay)
        except Exception:
            logger.exception("%s not sent", what)
            return False
    return False


def _loop_to_send_on() -> asyncio.AbstractEventLoop | None:
    loop = serving_loop.get()
    if loop is not None and loop.is_running():
        return loop
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class _Outbox:
    """The sends handed to one event loop, delivered one after another by one task."""

    def __init__(self):
        self.pending: collections.deque[tuple[str, dict]] = collections.deque()
        self.task: asyncio.Task | None = None

    def put(self, sends: list[tuple[str, dict]]) -> None:
        self.pending.extend(sends)
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(self.drain())

    async def drain(self) -> None:
        try:
            while self.pending:
                sends = list(self.pending)
                self.pending.clear()
                await deliver_many(sends)
        finally:
            self.task = None


_outboxes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Outbox] = (
    weakref.WeakKeyDictionary()
)


def _hand_over(sends: list[tuple[str, dict]]) -> None:
    """Queue sends on the running loop (called on that loop)."""
    loop = asyncio.get_running_loop()
    outbox = _outboxes.get(loop)
    if outbox is None:
        outbox = _outboxes[loop] = _Outbox()
    outbox.put(sends)
