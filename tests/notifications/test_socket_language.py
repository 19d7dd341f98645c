"""A socket's error details speak its user's language (or its page's, before they chose one)."""

import pytest
from channels.db import database_sync_to_async
from django.conf import settings

from config.languages import socket_language
from tests.conftest import communicator, session_key_for

pytestmark = pytest.mark.django_db(transaction=True)

PATH = "/ws/notifications/"


async def error_detail(socket) -> str:
    accepted, _ = await socket.connect()
    assert accepted
    assert (await socket.receive_json_from())["type"] == "notifications.state"
    await socket.send_json_to({"type": "mark_read", "id": 987654})
    error = await socket.receive_json_from()
    await socket.disconnect()
    assert (error["type"], error["code"]) == ("error", "not_found")
    return error["detail"]


def set_language(user, language: str) -> None:
    user.language = language
    user.save(update_fields=["language"])


async def test_error_details_in_the_users_language(alice, bob):
    await database_sync_to_async(set_language)(alice, "ko")
    await database_sync_to_async(set_language)(bob, "en")
    alice_key = await database_sync_to_async(session_key_for)(alice)
    bob_key = await database_sync_to_async(session_key_for)(bob)
    assert await error_detail(communicator(PATH, alice_key)) == "없는 알림이에요."
    assert await error_detail(communicator(PATH, bob_key)) == "No such notification."


async def test_bad_frames_are_explained_in_korean(alice):
    await database_sync_to_async(set_language)(alice, "ko")
    socket = communicator(PATH, await database_sync_to_async(session_key_for)(alice))
    await socket.connect()
    await socket.receive_json_from()
    await socket.send_to(text_data="{not json")
    error = await socket.receive_json_from()
    assert (error["code"], error["detail"]) == ("bad_json", "프레임이 올바른 JSON이 아니에요.")
    await socket.disconnect()


class FakeUser:
    is_authenticated = True

    def __init__(self, language):
        self.language = language


def test_without_a_chosen_language_the_cookie_then_accept_language_decide():
    accept_ko = [(b"accept-language", b"ko-KR,ko;q=0.9")]
    cookie = settings.LANGUAGE_COOKIE_NAME
    assert socket_language({"user": FakeUser("ko"), "headers": []}) == "ko"
    assert socket_language({"user": FakeUser(""), "headers": accept_ko}) == "ko"
    switched = {"user": FakeUser(""), "headers": accept_ko, "cookies": {cookie: "en"}}
    assert socket_language(switched) == "en"
    assert socket_language({"user": None, "headers": []}) == "en"
