"""Process-local fan-out: one channel-layer subscription per group per process.

Sockets that `join` a group here are not channel-layer members of it one by one. The process
subscribes once (one channel of its own in the group) and one task hands every event to every
local socket of the group in arrival order. An event whose type ends in ".frame" carries the
frame already encoded (`text`): it is written to each socket as it is, with no queue, decoding,
dispatch or task wake-up per socket. Any other event goes through the socket's `dispatch`.

A socket can `hold` events while it sends its opening state, so that nothing it listens to
reaches it before that state; `release` then delivers what was held, in order, leaving out
numbered events the state already had.

Frames are written without waiting for any one socket (`write`): a socket whose connection has
not taken its previous frame yet (a client that reads slowly or stopped reading: the server
makes a send wait while the connection's write buffer is full) gets its later frames queued
on its own, and the other sockets of the room are not held up. Past BACKLOG_MAX queued frames
the rest are dropped and, once the socket has taken what was queued, it is told
`events.missed`, so the client resumes what it did not get.

Events may carry `seq`, a gap-free number per group (a chat room's message numbers). Several
processes publish to a group, so two numbered events can reach Redis in the other order than
their numbers; such events are held until the missing number arrives, or for at most
GAP_WAIT_S (a number whose event never comes, e.g. its process died right after the commit).
"""

import asyncio
import collections
import contextlib
import logging
import weakref

from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

FRAME_SUFFIX = ".frame"
GAP_WAIT_S = 2.0
# Frames queued for one slow socket before later ones are dropped (and it is told to resume).
BACKLOG_MAX = 1000


class _Backlog:
    """The frames waiting for a socket whose connection has not taken the previous one yet."""

    def __init__(self):
        self.frames: collections.deque[str] = collections.deque()
        self.dropped = False


_backlogs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def write(socket, text: str) -> None:
    """Write a frame to `socket` in order, without waiting for it if its connection is full."""
    backlog = _backlogs.get(socket)
    if backlog is not None:
        if len(backlog.frames) < BACKLOG_MAX:
            backlog.frames.append(text)
        else:
            backlog.dropped = True
        return
    try:
        rest = _run_until_it_waits(socket.write_text(text))
    except Exception:
        logger.exception("Frame to a socket not written")
        return
    if rest is not None:
        backlog = _backlogs[socket] = _Backlog()
        asyncio.get_running_loop().create_task(_drain(socket, backlog, rest))


async def _drain(socket, backlog: _Backlog, rest) -> None:
    try:
        await rest
        while backlog.frames:
            await socket.write_text(backlog.frames.popleft())
        if backlog.dropped:
            await socket.events_missed()
    except Exception:
        logger.warning("Frames to a slow socket not written", exc_info=True)
    finally:
        _backlogs.pop(socket, None)


def _run_until_it_waits(coroutine):
    """Run `coroutine` at once; None if it finished, else an awaitable that finishes it.

    Most writes finish without waiting, so they cost no task; one that waits (the connection's
    buffer is full) goes on in a task of its own.
    """
    try:
        waiting_on = coroutine.send(None)
    except StopIteration:
        return None
    return _Rest(coroutine, waiting_on)


class _Rest:
    """The rest of a coroutine that was started by hand and is waiting on `waiting_on`."""

    def __init__(self, coroutine, waiting_on):
        self.coroutine = coroutine
        self.waiting_on = waiting_on

    def __await__(self):
        coroutine, waiting_on = self.coroutine, self.waiting_on
        while True:
            try:
                sent = yield waiting_on
            except BaseException as error:
                try:
                    waiting_on = coroutine.throw(error)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    waiting_on = coroutine.send(sent)
                except StopIteration as stop:
                    return stop.value


class _LocalGroup:
    def __init__(self, group: str):
        self.group = group
        self.layer = get_channel_layer()
        # Insertion-ordered; the value is None or the list of events the socket holds back.
        self.sockets: dict = {}
        self.channel: str | None = None
        self.ready: asyncio.Task = asyncio.get_running_loop().create_task(self.subscribe())
        self.tasks: list[asyncio.Task] = []
        # Per socket, the number its opening state reached: an event so numbered that arrives
        # later (its broadcast was still under way) is not delivered to it a second time.
        self.floors: dict = {}
        self.arrived: asyncio.Queue[dict] = asyncio.Queue()
        self.next_seq: int | None = None
        self.early: dict[int, dict] = {}
        self.gap_since: float | None = None

    async def subscribe(self) -> None:
        self.channel = await self.layer.new_channel("fanout.")
        await self.layer.group_add(self.group, self.channel)
        loop = asyncio.get_running_loop()
        self.tasks = [loop.create_task(self.read()), loop.create_task(self.write())]

    async def read(self) -> None:
        """Take the group's events off the channel layer as they come (never cancelled midway)."""
        expiry = getattr(self.layer, "group_expiry", None)
        loop = asyncio.get_running_loop()
        refresh_at = loop.time() + expiry / 2 if expiry else None
        while True:
            if refresh_at is not None and loop.time() >= refresh_at:
                # Layers that expire group memberships would drop the subscription.
                await self.layer.group_add(self.group, self.channel)
                refresh_at = loop.time() + expiry / 2
            self.arrived.put_nowait(await self.layer.receive(self.channel))

    async def write(self) -> None:
        """Hand the events to the sockets, numbered ones in the order of their numbers."""
        loop = asyncio.get_running_loop()
        while True:
            timeout = None
            if self.gap_since is not None:
                timeout = max(0.0, self.gap_since + GAP_WAIT_S - loop.time())
            try:
                event = await asyncio.wait_for(self.arrived.get(), timeout)
            except TimeoutError:
                # Give up on the missing numbers: deliver what waited, in order.
                self.next_seq = min(self.early)
                self.gap_since = None
            else:
                seq = event.get("seq")
                if seq is None or self.next_seq is None or seq <= self.next_seq:
                    await self.deliver(event)
                    if seq is not None and (self.next_seq is None or seq == self.next_seq):
                        self.next_seq = seq + 1
                else:
                    self.early[seq] = event
            while self.next_seq in self.early:
                await self.deliver(self.early.pop(self.next_seq))
                self.next_seq += 1
            self.gap_since = (self.gap_since or loop.time()) if self.early else None

    async def deliver(self, event: dict) -> None:
        if event["type"].endswith(FRAME_SUFFIX):
            text = event["text"]
            seq = event.get("seq")
            for socket, held in list(self.sockets.items()):
                if held is not None:
                    held.append(event)
                    continue
                if self.floors and seq is not None and socket in self.floors:
                    if seq <= self.floors[socket]:
                        continue
                    del self.floors[socket]
                write(socket, text)
            return
        for socket, held in list(self.sockets.items()):
            if held is not None:
                held.append(event)
            else:
                await _dispatch(socket, event)

    async def stop(self) -> None:
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await self.ready
        for task in self.tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.channel is not None:
            await self.layer.group_discard(self.group, self.channel)


async def _dispatch(socket, event: dict) -> None:
    try:
        await socket.dispatch(event)
    except Exception:
        logger.exception("Event %r to a socket not handled", event.get("type"))


_groups: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, _LocalGroup]] = (
    weakref.WeakKeyDictionary()
)


def _local_groups() -> dict[str, _LocalGroup]:
    loop = asyncio.get_running_loop()
    groups = _groups.get(loop)
    if groups is None:
        groups = _groups[loop] = {}
    return groups


async def join(socket, group: str, *, hold: bool = False) -> None:
    """Deliver the group's events to `socket` from now on (held back until `release` if `hold`)."""
    groups = _local_groups()
    local = groups.get(group)
    if local is None:
        local = groups[group] = _LocalGroup(group)
    local.sockets[socket] = [] if hold else None
    try:
        await asyncio.shield(local.ready)
    except BaseException:
        local.sockets.pop(socket, None)
        if groups.get(group) is local and local.ready.done():
            del groups[group]  # The subscription failed: the next join tries again.
        raise


def hold(socket, group: str) -> None:
    """Keep the group's events from `socket` until `release` (e.g. until it answered a frame)."""
    local = _local_groups().get(group)
    if local is not None and local.sockets.get(socket, []) is None:
        local.sockets[socket] = []


async def release(socket, group: str, *, after_seq: int = 0) -> None:
    """Deliver what `socket` held back, in order, then pass it events as they come.

    Held events numbered `after_seq` or lower (already in the socket's state) are left out.
    """
    local = _local_groups().get(group)
    held = None if local is None else local.sockets.get(socket)
    while held:
        event = held.pop(0)
        if event.get("seq", after_seq + 1) <= after_seq:
            continue
        if event["type"].endswith(FRAME_SUFFIX):
            write(socket, event["text"])
        else:
            await _dispatch(socket, event)
    if local is not None and socket in local.sockets:
        local.sockets[socket] = None
        if after_seq:
            local.floors[socket] = after_seq


async def leave(socket, group: str) -> None:
    """Stop delivering to `socket`; the last socket of the group ends the subscription."""
    groups = _local_groups()
    local = groups.get(group)
    if local is None or local.sockets.pop(socket, False) is False:
        return
    local.floors.pop(socket, None)
    if not local.sockets:
        del groups[group]
        await local.stop()
