"""realtime.fanout.write: frames reach each socket in order, and a socket whose connection is
full (a client that stopped reading) never holds up the others of its room."""

import asyncio

from realtime import fanout


class Socket:
    """A socket whose connection takes frames at once, or waits while `full` is set."""

    def __init__(self, full: bool = False):
        self.frames: list[str] = []
        self.missed = 0
        self.drained = asyncio.Event()
        if not full:
            self.drained.set()

    async def write_text(self, text: str) -> None:
        await self.drained.wait()
        self.frames.append(text)

    async def events_missed(self) -> None:
        self.missed += 1


async def until(condition) -> None:
    async with asyncio.timeout(5):
        while not condition():
            await asyncio.sleep(0.01)


async def test_a_full_socket_gets_its_frames_later_in_order_and_the_others_at_once():
    slow, fast = Socket(full=True), Socket()
    for n in range(5):
        for socket in (slow, fast):
            fanout.write(socket, f"f{n}")
    # Written before write() returned, though the slow socket's first frame still waits.
    assert fast.frames == ["f0", "f1", "f2", "f3", "f4"]
    assert slow.frames == []
    slow.drained.set()
    await until(lambda: len(slow.frames) == 5)
    assert slow.frames == ["f0", "f1", "f2", "f3", "f4"]
    assert slow.missed == 0
    fanout.write(slow, "f5")
    assert slow.frames[-1] == "f5"


async def test_past_the_cap_later_frames_are_dropped_and_the_socket_told_to_resume(monkeypatch):
    monkeypatch.setattr(fanout, "BACKLOG_MAX", 3)
    slow = Socket(full=True)
    for n in range(10):
        fanout.write(slow, f"f{n}")
    slow.drained.set()
    await until(lambda: slow.missed)
    # The frame that was being written, then the three queued; the client resumes the rest.
    assert slow.frames == ["f0", "f1", "f2", "f3"]
    assert slow.missed == 1


async def test_a_socket_that_fails_is_left_alone_and_the_others_still_get_the_frame(caplog):
    class Broken(Socket):
        async def write_text(self, text: str) -> None:
            raise ConnectionResetError

    broken, fine = Broken(), Socket()
    for socket in (broken, fine):
        fanout.write(socket, "f0")
    assert fine.frames == ["f0"]
    assert "Frame to a socket not written" in caplog.text
