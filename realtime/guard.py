"""What every socket of an account obeys, whatever its endpoint (docs/protocol.md).

- **Open sockets per user are capped** (SOCKETS_PER_USER_MAX, over all endpoints and every
  process). Each open socket holds a slot: an entry in one Redis sorted set per user, scored
  with its expiry and refreshed by a heartbeat, so the slots of a crashed process expire by
  themselves (SOCKET_SLOT_TTL_S). A socket over the cap is accepted and closed with 4408.
  Without Redis (the embedded default, one process) the slots are counted in the process.
- **Ended sessions close their sockets**: a password change or a deactivation sends
  `account.sessions_ended` to the account's group, naming the one session to keep (or none);
  every socket opened with another session closes with 4401.
"""

import asyncio
import contextlib
import logging
import threading
import time

import redis
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

logger = logging.getLogger(__name__)

NOT_LOGGED_IN = 4401


# Drop expired slots, then add or refresh this one unless the user is at the cap.
CLAIM_SCRIPT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if not redis.call('ZSCORE', KEYS[1], ARGV[3])
   and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


class SocketSlots:
    """Count the open sockets of each user, in Redis when the cache is Redis."""

    def __init__(self, clock=time.time):
        self.clock = clock
        self._lock = threading.Lock()
        self._local: dict[int, dict[str, float]] = {}
        self._client = None
        self._script = None
        self._location = None

    def _redis(self) -> redis.Redis | None:
        """Return the client of the cache's Redis (None without one), made on first use."""
        cache = settings.CACHES["default"]
        if not cache["BACKEND"].endswith("RedisCache"):
            return None
        with self._lock:
            if self._client is None or self._location != cache["LOCATION"]:
                self._location = cache["LOCATION"]
                self._client = redis.Redis.from_url(self._location)
                self._script = self._client.register_script(CLAIM_SCRIPT)
            return self._client

    @staticmethod
    def _key(user_id: int) -> str:
        prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
        return f"{prefix}.sockets.user.{user_id}"

    def claim(self, user_id: int, slot: str) -> bool:
        """Take (or refresh) the socket's slot; False when the user is at the cap."""
        now = self.clock()
        ttl = settings.SOCKET_SLOT_TTL_S
        cap = settings.SOCKETS_PER_USER_MAX
        if self._redis() is not None:
            args = [now, now + ttl, slot, cap, ttl + 1]
            return bool(self._script(keys=[self._key(user_id)], args=args))
        with self._lock:
            slots = self._local.setdefault(user_id, {})
            for other in [s for s, expiry in slots.items() if expiry <= now]:
                del slots[other]
            if slot not in slots and len(slots) >= cap:
                return False
            slots[slot] = now + ttl
            return True

    def release(self, user_id: int, slot: str) -> None:
        client = self._redis()
        if client is not None:
            client.zrem(self._key(user_id), slot)
            return
        with self._lock:
            self._local.get(user_id, {}).pop(slot, None)

    def count(self, user_id: int) -> int:
        now = self.clock()
        client = self._redis()
        if client is not None:
            return client.zcount(self._key(user_id), f"({now}", "+inf")
        with self._lock:
            return sum(1 for expiry in self._local.get(user_id, {}).values() if expiry > now)


slots = SocketSlots()


@database_sync_to_async
def _session_exists(session) -> bool:
    return session.exists(session.session_key)


class AccountSocket(AsyncWebsocketConsumer):
    """The account-wide rules of a socket; the consumer base calls `claim_slot` in connect()."""

    slot_user_id: int | None = None
    slot_keeper: asyncio.Task | None = None

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:
            # Also when a handler crashed and disconnect() never ran.
            await self.release_slot()

    async def claim_slot(self) -> bool:
        """Take one of the user's socket slots; False when the user has too many sockets."""
        user_id = self.scope["user"].pk
        try:
            claimed = await sync_to_async(slots.claim, thread_sensitive=False)(
                user_id, self.channel_name
            )
        except redis.RedisError:
            # A cap is a protection, not a condition of service: count on when Redis is back.
            logger.warning("Socket slots unavailable; socket of user %s not counted", user_id)
            claimed = True
        if not claimed:
            return False
        self.slot_user_id = user_id
        self.slot_keeper = asyncio.create_task(self.keep_slot())
        return True

    async def keep_slot(self) -> None:
        while True:
            await asyncio.sleep(settings.SOCKET_SLOT_TTL_S / 3)
            try:
                await sync_to_async(slots.claim, thread_sensitive=False)(
                    self.slot_user_id, self.channel_name
                )
            except redis.RedisError:
                logger.warning("Socket slot of user %s not refreshed", self.slot_user_id)

    async def release_slot(self) -> None:
        keeper, self.slot_keeper = self.slot_keeper, None
        if keeper is not None:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
        user_id, self.slot_user_id = self.slot_user_id, None
        if user_id is not None:
            with contextlib.suppress(redis.RedisError):
                await sync_to_async(slots.release, thread_sensitive=False)(
                    user_id, self.channel_name
                )

    async def session_ended(self) -> bool:
        """Return whether this socket's session was ended while the socket was being opened.

        Called once the socket listens to its account's group: an end announced before that
        was not heard, but it deleted the session.
        """
        return not await _session_exists(self.scope["session"])

    async def account_sessions_ended(self, event):
        """The user's sessions were ended (password changed, account deactivated)."""
        # `keep` is the group of the session that stays; this socket joined its own session's.
        if event.get("keep") not in self.joined:
            await self.close(code=NOT_LOGGED_IN)

    async def session_rekeyed(self, event):
        """This socket's session got a new key (kept across a password change): follow it."""
        await self.channel_layer.group_add(event["group"], self.channel_name)
        self.joined.append(event["group"])
