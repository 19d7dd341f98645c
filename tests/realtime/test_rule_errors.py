"""A rule a socket handler breaks is answered with an error frame by the consumer base."""

import pytest
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from config.errors import RateLimited, RuleBroken
from realtime.consumers import CloseCode, CohortConsumer
from tests.conftest import session_key_for

pytestmark = pytest.mark.django_db(transaction=True)


class Unavailable(RuleBroken):
    code = "unavailable"
    message = _("This person is unavailable.")


class RulesConsumer(CohortConsumer):
    async def handle_rule(self, frame):
        raise Unavailable()

    async def handle_limited(self, frame):
        raise RateLimited(7, _("Slow down."))

    async def handle_fine(self, frame):
        await self.send_json({"type": "fine"})


async def connected(user) -> WebsocketCommunicator:
    key = await database_sync_to_async(session_key_for)(user)
    socket = WebsocketCommunicator(
        AuthMiddlewareStack(RulesConsumer.as_asgi()),
        "/ws/test/",
        headers=[(b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}".encode())],
    )
    accepted, _code = await socket.connect()
    assert accepted
    return socket


async def test_a_broken_rule_is_an_error_frame_with_its_code_message_and_ref(alice):
    socket = await connected(alice)
    await socket.send_json_to({"type": "rule", "ref": "r1"})
    assert await socket.receive_json_from() == {
        "type": "error",
        "code": "unavailable",
        "detail": "This person is unavailable.",
        "ref": "r1",
    }
    await socket.send_json_to({"type": "fine"})
    assert await socket.receive_json_from() == {"type": "fine"}
    await socket.disconnect()


async def test_a_rate_limit_carries_retry_after_and_is_not_a_bad_frame(alice):
    socket = await connected(alice)
    for _number in range(RulesConsumer.max_bad_frames_in_a_row + 5):
        await socket.send_json_to({"type": "limited"})
        assert await socket.receive_json_from() == {
            "type": "error",
            "code": "rate_limited",
            "detail": "Slow down.",
            "retry_after": 7,
        }
    await socket.disconnect()


async def test_a_client_that_keeps_breaking_rules_is_closed_with_4400(alice):
    socket = await connected(alice)
    for _number in range(RulesConsumer.max_bad_frames_in_a_row):
        await socket.send_json_to({"type": "rule"})
        assert (await socket.receive_json_from())["code"] == "unavailable"
    await socket.send_json_to({"type": "rule"})
    assert await socket.receive_output() == {"type": "websocket.close", "code": CloseCode.BAD_FRAME}
    await socket.disconnect()
