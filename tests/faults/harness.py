"""What the fault tests run: a Redis of their own, server processes on it, and clients that
behave as static/js/socket.js and the pages do (reconnect with backoff, resume, resend)."""

import asyncio
import contextlib
import json
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import redis
from django.conf import settings
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus, WebSocketException

from tests.servers import ServedProcess, free_port

# Short presence timings so that "correct within the TTL" is seconds, not a minute.
PRESENCE_TTL_S = 4
PRESENCE_REFRESH_S = 1
DEADLINE_S = 40


class OwnRedis:
    """A redis-server started by the test on a free port; only it is ever shut down."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()

    def shutdown(self) -> None:
        """SHUTDOWN NOSAVE: everything in it is gone, as after a crash of Redis."""
        client = redis.Redis.from_url(self.url)
        # The server closes the connection as it goes.
        with contextlib.suppress(redis.ConnectionError):
            client.shutdown(nosave=True)
        client.close()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.shutdown()


def served_on(own_redis: OwnRedis, application: str = "config.asgi:application") -> ServedProcess:
    return ServedProcess(
        application,
        REDIS_URL=own_redis.url,
        REDIS_CACHE_DB="0",
        REDIS_CHANNELS_DB="1",
        CHAT_PRESENCE_TTL_S=str(PRESENCE_TTL_S),
        CHAT_PRESENCE_REFRESH_S=str(PRESENCE_REFRESH_S),
        REALTIME_LAYER_WATCH_S="0.5",
        CHAT_FLOOD_LIMIT="1000",
        MESSAGING_RATE_LIMIT="1000",
    )


async def wait_until(condition, what: str, timeout: float = DEADLINE_S) -> float:
    """Wait until `condition()` holds; return how long it took."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"Not within {timeout} s: {what}")
        await asyncio.sleep(0.05)
    return time.monotonic() - start


class Client:
    """One browser tab's socket: reconnects with backoff and tells its page when it opens."""

    path = ""

    def __init__(self, server: ServedProcess, session_key: str, name: str):
        self.server = server
        self.session_key = session_key
        self.name = name
        self.ws = None
        self.task: asyncio.Task | None = None
        self.opens = 0
        self.handshake_statuses: list[int] = []
        self.errors: list[dict] = []
        self.retry_scheduled = False

    def start(self) -> None:
        self.task = asyncio.create_task(self.run())

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task

    @property
    def open(self) -> bool:
        return self.ws is not None

    async def run(self) -> None:
        delay = 0.1
        while True:
            try:
                async with connect(
                    f"ws://127.0.0.1:{self.server.port}{self.path}",
                    origin=self.server.url,
                    additional_headers={
                        "Cookie": f"{settings.SESSION_COOKIE_NAME}={self.session_key}"
                    },
                    open_timeout=5,
                ) as ws:
                    self.ws = ws
                    self.opens += 1
                    delay = 0.1
                    await self.opened()
                    async for raw in ws:
                        await self.on_frame(json.loads(raw))
            except InvalidStatus as refused:
                self.handshake_statuses.append(refused.response.status_code)
            except (OSError, TimeoutError, WebSocketException):
                pass
            self.ws = None
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    async def send(self, frame: dict) -> None:
        if self.ws is not None:
            with contextlib.suppress(WebSocketException):
                await self.ws.send(json.dumps(frame))

    async def opened(self) -> None:
        """Resume and resend, as the page does on every open."""
        await self.resume()
        await self.flush()

    async def resume(self) -> None:
        pass

    async def flush(self) -> None:
        pass

    def retry_later(self, frame: dict) -> bool:
        """Resend the outbox after `retry_after` when a service was down; return whether so."""
        if frame.get("code") != "unavailable" or not frame.get("retry_after"):
            return False
        if not self.retry_scheduled:
            # One resend of the whole outbox, however many sends were refused meanwhile.
            self.retry_scheduled = True
            asyncio.get_running_loop().call_later(frame["retry_after"], self.retry_now)
        return True

    def retry_now(self) -> None:
        self.retry_scheduled = False
        asyncio.ensure_future(self.flush())

    async def on_frame(self, frame: dict) -> None:
        if frame["type"] == "events.missed":
            await self.resume()
        elif frame["type"] == "error" and not self.retry_later(frame):
            self.errors.append(frame)
        else:
            self.handle(frame)

    def handle(self, frame: dict) -> None:
        pass


class ChatClient(Client):
    def __init__(self, server, session_key, name, room_id: int):
        super().__init__(server, session_key, name)
        self.path = f"/ws/chat/{room_id}/"
        self.held: dict[int, int] = {}  # seq -> message id
        self.top = 0
        self.state_seen = False
        self.outbox: dict[str, str] = {}
        self.acked: dict[str, int] = {}
        self.online: list[str] = []

    def post(self, body: str) -> str:
        client_id = uuid.uuid4().hex
        self.outbox[client_id] = body
        asyncio.ensure_future(self.send_one(client_id))
        return client_id

    async def send_one(self, client_id: str) -> None:
        if client_id in self.outbox:
            body = self.outbox[client_id]
            await self.send({"type": "send", "body": body, "client_id": client_id, "ref": "s"})

    async def flush(self) -> None:
        for client_id in list(self.outbox):
            await self.send_one(client_id)

    async def resume(self) -> None:
        if self.state_seen:
            await self.send({"type": "resume", "after": self.top})

    def place(self, messages) -> None:
        for message in messages:
            self.held[message["seq"]] = message["id"]
        while self.top + 1 in self.held:
            self.top += 1

    def handle(self, frame: dict) -> None:
        kind = frame["type"]
        if kind == "chat.state":
            self.place(frame["messages"])
            self.state_seen = True
            self.online = sorted(user["username"] for user in frame["online"])
        elif kind == "chat.message":
            if frame["message"]["seq"] > self.top + 1:
                asyncio.ensure_future(self.resume())
            self.place([frame["message"]])
        elif kind == "chat.ack":
            self.acked[frame["client_id"]] = frame["message"]["id"]
            self.outbox.pop(frame["client_id"], None)
            self.place([frame["message"]])
        elif kind == "chat.backlog":
            self.place(frame["messages"])
        elif kind == "chat.presence":
            self.online = sorted(user["username"] for user in frame["online"])

    def holds(self) -> set[int]:
        return set(self.held.values())


class MessagesClient(Client):
    path = "/ws/messages/"

    def __init__(self, server, session_key, name):
        super().__init__(server, session_key, name)
        self.held: set[int] = set()
        # Every message up to this id is held (the traffic starts in an empty database).
        self.synced = 0
        self.outbox: dict[str, tuple[int, str]] = {}
        self.acked: dict[str, int] = {}

    def post(self, to: int, body: str) -> str:
        client_id = uuid.uuid4().hex
        self.outbox[client_id] = (to, body)
        asyncio.ensure_future(self.send_one(client_id))
        return client_id

    async def send_one(self, client_id: str) -> None:
        if client_id in self.outbox:
            to, body = self.outbox[client_id]
            frame = {"type": "send", "to": to, "body": body, "client_id": client_id, "ref": "s"}
            await self.send(frame)

    async def flush(self) -> None:
        for client_id in list(self.outbox):
            await self.send_one(client_id)

    async def resume(self) -> None:
        # From the last id up to which a resume answered: live frames may have gaps below it.
        await self.send({"type": "resume", "after": self.synced})

    def handle(self, frame: dict) -> None:
        kind = frame["type"]
        if kind in {"message.new", "message.sent"}:
            self.held.add(frame["message"]["id"])
            if kind == "message.sent":
                self.acked[frame["message"]["client_id"]] = frame["message"]["id"]
                self.outbox.pop(frame["message"]["client_id"], None)
        elif kind == "messages.resume":
            self.held.update(message["id"] for message in frame["messages"])
            self.synced = max([self.synced, *(message["id"] for message in frame["messages"])])
            if frame["more"]:
                asyncio.ensure_future(self.resume())


class NotificationsClient(Client):
    path = "/ws/notifications/"

    def __init__(self, server, session_key, name):
        super().__init__(server, session_key, name)
        self.held: set[int] = set()
        self.latest_id: int | None = None  # The newest when the first state came.
        self.synced: int | None = None

    async def resume(self) -> None:
        # From the last id up to which a resume answered: live frames may have gaps below it.
        if self.synced is not None:
            await self.send({"type": "resume", "after": self.synced})

    def take(self, notifications) -> None:
        self.held.update(notification["id"] for notification in notifications)

    def handle(self, frame: dict) -> None:
        kind = frame["type"]
        if kind == "notifications.state" and self.latest_id is None:
            self.latest_id = self.synced = frame["latest_id"]
        elif kind == "notification.new":
            self.take([frame["notification"]])
        elif kind == "notifications.resume":
            self.take(frame["notifications"])
            self.synced = max([self.synced, *(n["id"] for n in frame["notifications"])])
            if frame["more"]:
                asyncio.ensure_future(self.resume())


class ConversationPage:
    """A conversation page without JavaScript: its send form posts over HTTP, as a browser does."""

    def __init__(self, server: ServedProcess, session_key: str, conversation_id: int):
        self.url = f"{server.url}/messages/{conversation_id}/"
        self.cookies = {settings.SESSION_COOKIE_NAME: session_key}
        self.fields: dict[str, str] = {}

    def open(self, request: urllib.request.Request) -> tuple[int, str]:
        """Return the status and text of the answer, after redirects."""
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                for header in response.headers.get_all("Set-Cookie") or []:
                    name, _, rest = header.partition("=")
                    self.cookies[name] = rest.split(";", 1)[0]
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def load(self) -> None:
        """Load the page and keep its send form's hidden fields (CSRF token, client id)."""
        status, page = self.open(urllib.request.Request(self.url))
        assert status == 200, status
        form = page[page.index("data-send-form") :]
        self.fields = {
            name: re.search(rf'name="{name}" value="([^"]+)"', form).group(1)
            for name in ("csrfmiddlewaretoken", "client_id")
        }

    def submit(self, body: str) -> tuple[int, str]:
        """Post the loaded form with `body`: the same form sent twice has the same client id."""
        data = urllib.parse.urlencode({**self.fields, "body": body}).encode()
        request = urllib.request.Request(f"{self.url}send/", data, headers={"Referer": self.url})
        return self.open(request)
