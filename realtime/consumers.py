"""The base of every WebSocket consumer in Cohort.

It refuses anonymous sockets, joins the socket's session group so that logging out
closes it, parses and size-checks JSON frames, and reports bad frames as error
frames (closing with 4400 only when a client keeps sending them). A handler that breaks a
rule (config.errors.RuleBroken) is answered here too, with the rule's code and message.
Frame types and close codes are documented in docs/protocol.md.
"""

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Awaitable, Callable
from enum import IntEnum

import redis
from channels.exceptions import StopConsumer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import InterfaceError, OperationalError
from django.utils import translation
from django.utils.translation import gettext as _

from config.errors import RateLimited, RuleBroken
from config.languages import socket_language
from realtime import layer_watch
from realtime.frames import FrameError, clean_ref
from realtime.groups import account_group, session_group
from realtime.guard import AccountSocket
from realtime.sender import SERVER_SEND

__all__ = ["CloseCode", "CohortConsumer", "FrameError", "NotFoundConsumer"]

logger = logging.getLogger(__name__)

# docs/protocol.md: a type is `[a-z][a-z_.]*`, at most 32 characters. Dotted types are well
# formed (servers send them) even though no endpoint takes one from a client: `unknown_type`.
FRAME_TYPE = re.compile(r"[a-z][a-z_.]{0,31}")

# A service the socket depends on (Redis, PostgreSQL) does not answer for the moment: the frame
# is answered with `unavailable` and `retry_after`, and the socket stays open.
SERVICE_ERRORS = (
    redis.ConnectionError,
    redis.TimeoutError,
    OperationalError,
    InterfaceError,
)
UNAVAILABLE_RETRY_AFTER_S = 2


class CloseCode(IntEnum):
    # Not refusals (outside 4400-4499): clients reconnect. Some ASGI servers (daphne's autobahn)
    # let a server close only with 1000 or 3000-4999, so the standard 1011 and 1013 are not used.
    INTERNAL_ERROR = 4500
    TRY_AGAIN_LATER = 4503
    BAD_FRAME = 4400
    NOT_LOGGED_IN = 4401
    FORBIDDEN = 4403
    NOT_FOUND = 4404
    TOO_MANY_SOCKETS = 4408


def _ref(frame) -> str | None:
    return frame.get("ref") if isinstance(frame, dict) else None


class CohortConsumer(AccountSocket):
    max_frame_bytes = 16 * 1024
    max_bad_frames_in_a_row = 10
    # Endpoints with a `resume` frame: told `events.missed` when the layer's Redis comes back.
    resumable = False

    async def __call__(self, scope, receive, send):
        # Error details speak the language of the page that opened the socket.
        with translation.override(socket_language(scope)):
            await self.serve(scope, receive, send)

    async def serve(self, scope, receive, send):
        self.joined: list[str] = []
        self.tasks: list[asyncio.Task] = []
        self.disconnected = False
        try:
            await super().__call__(scope, receive, send)
        except SERVICE_ERRORS:
            if getattr(self, "accepted", False):
                raise
            # The channel layer could not give this socket a channel (Redis down): close it
            # to be retried rather than fail the handshake with HTTP 500.
            logger.warning("Socket refused while a service is down", exc_info=True)
            await receive()
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": int(CloseCode.TRY_AGAIN_LATER)})
        finally:
            # A consumer that crashed never ran disconnect(): its tasks and presence must not
            # outlive it.
            if not self.disconnected:
                self.disconnected = True
                try:
                    await self.disconnect(CloseCode.INTERNAL_ERROR)
                except Exception:
                    logger.exception("Cleanup of a crashed socket failed")

    async def websocket_connect(self, message):
        try:
            await super().websocket_connect(message)
        except SERVICE_ERRORS:
            # Redis or PostgreSQL is down: a close the client retries, never an HTTP 500.
            logger.warning("Socket refused while a service is down", exc_info=True)
            await self.refuse(CloseCode.TRY_AGAIN_LATER)
        except Exception:
            logger.exception("Socket failed to open")
            await self.refuse(CloseCode.INTERNAL_ERROR)

    async def websocket_disconnect(self, message):
        self.disconnected = True
        try:
            await self.disconnect(message["code"])
        finally:
            raise StopConsumer()

    async def connect(self):
        self.bad_frames_in_a_row = 0
        self.user = self.scope.get("user")
        if self.user is None or not self.user.is_authenticated:
            await self.refuse(CloseCode.NOT_LOGGED_IN)
            return
        if not await self.claim_slot():
            await self.refuse(CloseCode.TOO_MANY_SOCKETS)
            return
        refusal = await self.authorize()
        if refusal is not None:
            await self.refuse(refusal)
            return
        await self.accept()
        await self.join(session_group(self.scope["session"].session_key))
        await self.join(account_group(self.user.pk))
        if await self.session_ended():
            await self.close(code=CloseCode.NOT_LOGGED_IN)
            return
        for group in await self.groups_for_socket():
            await self.join(group)
        self.repeat(self.group_expiry_refresh_s, self.refresh_group_memberships)
        if self.resumable:
            layer_watch.watch(self)
        await self.opened()

    async def authorize(self) -> CloseCode | None:
        """Return the close code refusing this socket, or None to serve it."""
        return None

    async def groups_for_socket(self) -> list[str]:
        """Return the groups this socket listens to besides its session's."""
        return []

    async def opened(self) -> None:
        """Send what a socket needs right after it is accepted."""

    async def refuse(self, code: CloseCode) -> None:
        # Accept first, so the browser sees the close code and can stop retrying.
        if not getattr(self, "accepted", False):
            await self.accept()
        await self.close(code=code)

    async def accept(self, subprotocol=None, headers=None):
        await super().accept(subprotocol, headers)
        self.accepted = True

    async def close(self, code=None, reason=None):
        # Some ASGI servers (daphne's autobahn) accept only a plain int as a close code.
        await super().close(code=None if code is None else int(code), reason=reason)

    async def join(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.joined.append(group)

    def repeat(
        self, interval_s: Callable[[], float], step: Callable[[], Awaitable[bool | None]]
    ) -> asyncio.Task:
        """Run `step` every `interval_s()` seconds until it returns False or the socket closes.

        A step that fails (a database or Redis blip) is logged and tried again at the next
        interval: one error never ends a heartbeat for good.
        """

        async def loop():
            while True:
                await asyncio.sleep(interval_s())
                try:
                    if await step() is False:
                        return
                except Exception:
                    logger.exception("%s failed; trying again in %s s", step.__name__, interval_s())

        task = asyncio.create_task(loop())
        self.tasks.append(task)
        return task

    async def stop_tasks(self) -> None:
        tasks, self.tasks = self.tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def group_expiry_refresh_s(self) -> float:
        return getattr(self.channel_layer, "group_expiry", 86400) / 2

    async def refresh_group_memberships(self) -> None:
        """Re-join this socket's groups before the channel layer's group expiry drops it."""
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)

    async def events_missed(self) -> None:
        """Events may have been lost while Redis was down: the client resumes."""
        await self.send_json({"type": "events.missed"})

    async def disconnect(self, code):
        layer_watch.unwatch(self)
        await self.stop_tasks()
        joined, self.joined = self.joined, []
        for group in joined:
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception:
                # Redis is down: the process drops its subscriptions when the channel goes.
                logger.warning("Could not leave group %s", group, exc_info=True)

    async def write_text(self, text: str) -> None:
        """Write an already encoded text frame straight to the server (see SERVER_SEND)."""
        send = self.scope.get(SERVER_SEND, self.base_send)
        await send({"type": "websocket.send", "text": text})

    async def send_json(self, content: dict) -> None:
        await self.write_text(json.dumps(content, cls=DjangoJSONEncoder))

    async def send_error(self, code: str, detail: str, ref=None, **fields) -> None:
        """Send an error frame, echoing the client's `ref` when it is a short string."""
        frame = {"type": "error", "code": code, "detail": detail, **fields}
        ref = clean_ref(ref)
        if ref is not None:
            frame["ref"] = ref
        await self.send_json(frame)

    async def receive(self, text_data=None, bytes_data=None):
        frame = None
        try:
            frame = self.parse_frame(text_data)
            handler = getattr(self, "handle_" + frame["type"], None)
            if handler is None:
                raise FrameError(
                    "unknown_type", _("Unknown frame type %(type)r.") % {"type": frame["type"]}
                )
            await handler(frame)
        except Exception as error:
            await self.frame_failed(frame, error)
        else:
            self.bad_frames_in_a_row = 0

    async def frame_failed(self, frame: dict | None, error: Exception) -> None:
        """Answer a frame whose handling raised `error` with the error frame it deserves."""
        if isinstance(error, RateLimited):
            # Not a bad frame: the client is told when to send again.
            self.bad_frames_in_a_row = 0
            await self.send_error(
                error.code, str(error.message), _ref(frame), retry_after=error.retry_after
            )
        elif isinstance(error, RuleBroken):
            await self.refuse_frame(error.code, str(error.message), _ref(frame))
        elif isinstance(error, FrameError):
            await self.refuse_frame(error.code, error.detail, _ref(frame))
        elif isinstance(error, SERVICE_ERRORS):
            logger.warning("Frame not served while a service is down", exc_info=error)
            await self.send_error(
                "unavailable",
                _("The service is briefly unavailable; try again."),
                _ref(frame),
                retry_after=UNAVAILABLE_RETRY_AFTER_S,
            )
        else:
            # A bug in one handler: report it, keep the socket. If the socket itself is broken,
            # sending the error raises and the consumer ends (and cleans up).
            logger.error("Frame handler failed", exc_info=error)
            await self.send_error("internal", _("Something went wrong on our side."), _ref(frame))

    async def refuse_frame(self, code: str, detail: str, ref) -> None:
        """Answer a frame that cannot be served; close a client that keeps sending them."""
        self.bad_frames_in_a_row += 1
        if self.bad_frames_in_a_row > self.max_bad_frames_in_a_row:
            await self.close(code=CloseCode.BAD_FRAME)
            return
        await self.send_error(code, detail, ref)

    def parse_frame(self, text_data: str | None) -> dict:
        if text_data is None:
            raise FrameError("bad_frame", _("Only JSON text frames are accepted."))
        try:
            size = len(text_data.encode("utf-8", "surrogatepass"))
        except Exception:
            raise FrameError("bad_json", _("The frame is not valid JSON.")) from None
        if size > self.max_frame_bytes:
            raise FrameError(
                "frame_too_large",
                _("Frames are limited to %(count)s bytes.") % {"count": self.max_frame_bytes},
            )
        try:
            frame = json.loads(text_data)
        except Exception:
            # Not only ValueError: nesting deep enough raises RecursionError.
            raise FrameError("bad_json", _("The frame is not valid JSON.")) from None
        kind = frame.get("type") if isinstance(frame, dict) else None
        if not isinstance(kind, str) or not FRAME_TYPE.fullmatch(kind):
            raise FrameError("bad_frame", _("A frame is a JSON object with a string 'type'."))
        return frame

    async def session_revoked(self, event):
        """The session this socket was opened with has logged out."""
        await self.close(code=CloseCode.NOT_LOGGED_IN)


class NotFoundConsumer(CohortConsumer):
    """Answer a WebSocket path that names no endpoint."""

    async def connect(self):
        await self.refuse(CloseCode.NOT_FOUND)
