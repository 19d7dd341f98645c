"""Logging out closes the sockets of that session, and only those."""

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.test import Client

from tests.conftest import communicator

pytestmark = pytest.mark.django_db(transaction=True)


def logged_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


async def test_logout_closes_that_sessions_sockets_and_not_another_devices(alice):
    laptop = await sync_to_async(logged_in_client)(alice)
    phone = await sync_to_async(logged_in_client)(alice)
    laptop_key = laptop.cookies[settings.SESSION_COOKIE_NAME].value
    phone_key = phone.cookies[settings.SESSION_COOKIE_NAME].value

    laptop_socket = communicator("/ws/notifications/", laptop_key)
    phone_socket = communicator("/ws/notifications/", phone_key)
    for socket in (laptop_socket, phone_socket):
        assert (await socket.connect())[0]
        assert (await socket.receive_json_from())["type"] == "notifications.state"

    response = await sync_to_async(laptop.post)("/accounts/logout/")
    assert response.status_code == 302

    assert await laptop_socket.receive_output(timeout=2) == {
        "type": "websocket.close",
        "code": 4401,
    }
    assert await phone_socket.receive_nothing(timeout=0.5) is True
    await laptop_socket.disconnect()
    await phone_socket.disconnect()


def test_logout_by_get_is_refused(alice):
    client = logged_in_client(alice)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/notifications/").status_code == 200
