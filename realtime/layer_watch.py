"""Tell open sockets when the channel layer's Redis is back after an outage.

While Redis is unreachable, events published by any process are lost (the sender logs them),
yet the sockets stay open: their clients would never learn they missed something. One watcher
per event loop pings the layer's Redis servers every `REALTIME_LAYER_WATCH_S` seconds while
sockets that can resume are open. When the servers answer again after failing, it waits until
an event goes through the layer again (subscriptions are restored) and then calls
`events_missed()` on every such socket, which tells its client to resume (docs/protocol.md,
`events.missed`).
"""

import asyncio
import logging
import time
import weakref

import redis
import redis.asyncio
from channels.layers import get_channel_layer
from django.conf import settings

logger = logging.getLogger(__name__)

PING_TIMEOUT_S = 2
SERVICE_ERRORS = (redis.ConnectionError, redis.TimeoutError, OSError, asyncio.TimeoutError)


def _layer_addresses() -> list[str]:
    hosts = settings.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("hosts", [])
    return [host["address"] for host in hosts if isinstance(host, dict) and "address" in host]


class LayerWatch:
    def __init__(self, addresses: list[str]):
        self.addresses = addresses
        self.sockets: weakref.WeakSet = weakref.WeakSet()
        self.task: asyncio.Task | None = None

    def add(self, consumer) -> None:
        self.sockets.add(consumer)
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self.run())

    def discard(self, consumer) -> None:
        self.sockets.discard(consumer)
        if not self.sockets and self.task is not None:
            self.task.cancel()
            self.task = None

    async def run(self) -> None:
        clients = [
            redis.asyncio.Redis.from_url(
                address, socket_timeout=PING_TIMEOUT_S, socket_connect_timeout=PING_TIMEOUT_S
            )
            for address in self.addresses
        ]
        down_since = None
        try:
            while self.sockets:
                await asyncio.sleep(settings.REALTIME_LAYER_WATCH_S)
                if not await self.answers(clients):
                    if down_since is None:
                        down_since = time.monotonic()
                        logger.warning("The channel layer's Redis does not answer")
                    continue
                if down_since is not None and await self.delivers():
                    logger.warning(
                        "The channel layer's Redis is back after %.1f s; sockets resume",
                        time.monotonic() - down_since,
                    )
                    down_since = None
                    await self.tell_sockets()
        finally:
            for client in clients:
                await client.aclose()

    async def answers(self, clients) -> bool:
        try:
            for client in clients:
                await asyncio.wait_for(client.ping(), PING_TIMEOUT_S)
        except SERVICE_ERRORS:
            return False
        return True

    async def delivers(self) -> bool:
        """Return whether an event sent through the layer now reaches this process again."""
        layer = get_channel_layer()
        try:
            probe = await asyncio.wait_for(layer.new_channel("watch."), PING_TIMEOUT_S)
            await asyncio.wait_for(layer.send(probe, {"type": "probe"}), PING_TIMEOUT_S)
            await asyncio.wait_for(layer.receive(probe), PING_TIMEOUT_S)
        except SERVICE_ERRORS:
            return False
        return True

    async def tell_sockets(self) -> None:
        for consumer in list(self.sockets):
            try:
                await consumer.events_missed()
            except Exception:
                logger.exception("Could not tell a socket to resume")


_watches: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def watch(consumer) -> None:
    """Watch the layer for `consumer` (until `unwatch`), one watcher per event loop."""
    addresses = _layer_addresses()
    if not addresses:
        return  # The in-memory layer of the embedded default has no outage to recover from.
    loop = asyncio.get_running_loop()
    if loop not in _watches:
        _watches[loop] = LayerWatch(addresses)
    _watches[loop].add(consumer)


def unwatch(consumer) -> None:
    layer_watch = _watches.get(asyncio.get_running_loop())
    if layer_watch is not None:
        layer_watch.discard(consumer)
