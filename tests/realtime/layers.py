"""A channel layer for tests of the sender: the configured Redis layer with injected faults."""

import asyncio

from channels_redis.pubsub import RedisPubSubChannelLayer


class FaultyLayer:
    """Serve like RedisPubSubChannelLayer, except that group_send can fail or wait for a gate.

    `failures[group]` lists the exceptions raised by the next sends to that group, one per
    attempt (an entry of None raises nothing); `gates[group]` is an asyncio.Event that sends
    to that group wait for. Every attempt is recorded in `attempts`.
    """

    failures: dict[str, list[Exception | None]] = {}
    gates: dict[str, asyncio.Event] = {}
    attempts: list[str] = []

    def __init__(self, **config):
        self.inner = RedisPubSubChannelLayer(**config)

    def __getattr__(self, name):
        return getattr(self.inner, name)

    async def group_send(self, group: str, message: dict) -> None:
        self.attempts.append(group)
        pending = self.failures.get(group)
        if pending:
            failure = pending.pop(0)
            if failure is not None:
                raise failure
        gate = self.gates.get(group)
        if gate is not None:
            await gate.wait()
        await self.inner.group_send(group, message)

    @classmethod
    def reset(cls) -> None:
        cls.failures, cls.gates, cls.attempts = {}, {}, []
