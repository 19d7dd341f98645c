"""Two daphne processes share one Redis: a notification made in one reaches the other's socket."""

import asyncio
import json

import pytest
from django.conf import settings
from django.test import Client
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def test_a_notification_made_through_one_process_reaches_a_socket_on_the_other(daphne, alice, bob):
    first, second = daphne(), daphne()
    alice_cookie, bob_cookie = session_cookie(alice), session_cookie(bob)

    async def scenario():
        socket_url = f"ws://127.0.0.1:{second.port}/ws/notifications/"
        origin = f"http://127.0.0.1:{second.port}"
        async with (
            connect(socket_url, origin=origin, additional_headers={"Cookie": alice_cookie}) as ws,
            connect(socket_url, origin=origin, additional_headers={"Cookie": bob_cookie}) as bob_ws,
        ):
            assert json.loads(await ws.recv())["type"] == "notifications.state"
            assert json.loads(await bob_ws.recv())["type"] == "notifications.state"
            # Alice changes her password through the *first* process.
            await asyncio.to_thread(change_password_through, first.url, alice)
            frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert frame["type"] == "notification.new"
            assert frame["notification"]["kind"] == "password_changed"
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(bob_ws.recv(), 0.5)

    asyncio.run(scenario())


def change_password_through(base_url: str, user) -> None:
    import re
    import urllib.parse
    import urllib.request
    from http.cookiejar import CookieJar

    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def form_post(path, fields):
        page = opener.open(base_url + path).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(base_url + path, data, headers={"Referer": base_url})
        return opener.open(request)

    form_post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    form_post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-brand-new-password-99",
            "new_password2": "a-brand-new-password-99",
        },
    )


def test_close_codes_reach_clients_through_daphne(daphne, alice):
    server = daphne()
    cookie = session_cookie(alice)

    async def scenario():
        url = f"ws://127.0.0.1:{server.port}/ws/notifications/"
        async with connect(url, origin=f"http://127.0.0.1:{server.port}") as ws:
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)
            assert ws.close_code == 4401
        async with connect(
            f"ws://127.0.0.1:{server.port}/ws/no-such-endpoint/",
            origin=f"http://127.0.0.1:{server.port}",
            additional_headers={"Cookie": cookie},
        ) as ws:
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)
            assert ws.close_code == 4404

    asyncio.run(scenario())
